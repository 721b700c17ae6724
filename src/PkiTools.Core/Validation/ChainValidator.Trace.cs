using System;
using System.Collections.Generic;
using System.Linq;

namespace PkiTools.Core.Validation
{
    /// <summary>
    /// What a validation says it does (<see cref="ChainValidationOptions.Trace"/>, -Verbose on Test-CertChain): the checks
    /// that run, and every candidate path tried with how it ended; and the revocation check of the anchor itself
    /// (<see cref="RevocationFlag.EntireChain"/>).
    /// </summary>
    public static partial class ChainValidator
    {
        /// <summary>One sentence naming every check this validation runs, with the settings it runs with.</summary>
        internal static string DescribeChecks(ChainValidationOptions options, DateTime at)
        {
            string name = options.DnsName != null ? $"the leaf must be valid for the host name '{options.DnsName}' (its DNS SANs, RFC 6125)"
                : options.IpAddress != null ? $"the leaf must be valid for the IP address {options.IpAddress} (its IP SANs)"
                : "not checked (no DNS name or IP address given)";
            string purpose = options.Purpose switch
            {
                CertificatePurpose.ServerAuth => "ServerAuth (extendedKeyUsage of the leaf and the CAs must allow TLS server authentication)",
                CertificatePurpose.ClientAuth => "ClientAuth (extendedKeyUsage of the leaf and the CAs must allow TLS client authentication)",
                _ => "Any (extendedKeyUsage not checked)",
            };
            if (options.RequiredKeyUsage != System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.None)
            {
                purpose += $", key usage {options.RequiredKeyUsage}";
            }
            string depth = options.MaxDepth is int max
                ? $"at most {max} intermediate CA certificate(s) between the leaf and the anchor"
                : $"the built-in limit of {MaxPathLength} certificates";
            string revocation;
            if (options.EffectiveRevocationMode == RevocationMode.NoCheck)
            {
                revocation = "NoCheck (revocation is not checked)";
            }
            else
            {
                int crls = options.Crls?.Count(c => c != null) ?? 0;
                string which = options.EffectiveRevocationFlag switch
                {
                    RevocationFlag.EndCertificateOnly => "EndCertificateOnly: the leaf only",
                    RevocationFlag.EntireChain => "EntireChain: every certificate, the trust anchor too",
                    _ => "ExcludeRoot: every certificate below the trust anchor",
                };
                revocation = $"Offline against {crls} CRL(s) given, no network; flag {which}";
            }
            int anchors = options.TrustedRoots?.Count(c => c != null) ?? 0;
            return $"Checks: validity at {Format(at)}; signatures, basicConstraints, keyUsage, pathLenConstraint and nameConstraints of every CA; "
                + $"name: {name}; purpose: {purpose}; depth: {depth}; revocation: {revocation}; "
                + $"weak signatures and keys: {(options.AllowWeakSignatures ? "allowed" : "refused")}; "
                + $"trust anchors: {anchors} given{(options.UseSystemTrust ? " plus the system store" : string.Empty)}.";
        }

        private sealed partial class Builder
        {
            private int _tried;

            /// <summary>"Path 2: 'CN=a' -> 'CN=b' reaches the trusted anchor: valid." and the like.</summary>
            private static string DescribePath(int number, Node[] path, Terminal terminal, List<ChainProblem> problems)
            {
                string names = string.Join(" -> ", path.Select(n => $"'{n.Subject}'"));
                Node last = path[path.Length - 1];
                string ending = terminal switch
                {
                    Terminal.Anchor => "reaches a trusted anchor",
                    Terminal.BadSignature => "stops: the key of the last candidate does not verify the signature below it",
                    Terminal.SelfSigned => "ends at a self-signed certificate that is not trusted",
                    Terminal.NoIssuer => $"stops: no certificate named '{last.P.Issuer}' was given",
                    Terminal.Loop => "stops: it loops through cross-signed CAs",
                    Terminal.TooDeep => $"stops at the built-in limit of {MaxPathLength} certificates",
                    _ => "stops: it holds more intermediate CAs than the maximum depth allows",
                };
                string outcome = problems.Count == 0
                    ? "valid"
                    : $"{problems.Count} problem(s): {string.Join(", ", problems.Select(p => p.Code.ToString()).Distinct())}";
                return $"Path {number}: {names} {ending}: {outcome}.";
            }

            /// <summary>
            /// <see cref="RevocationFlag.EntireChain"/>: the anchor at the end of the path too. A self-issued anchor (a
            /// root) is checked against its own CRLs; the issuer of any other anchor is not in the path, so no CRL of
            /// its issuer can be verified and its status is unknown.
            /// </summary>
            private RevocationCheck CheckAnchorRevocation(Node[] path, int index, Node? anchor, List<ChainProblem> problems)
            {
                Node n = path[index];
                if (n.P.IsSelfIssued) return CheckRevocation(path, index, anchor, problems);
                string why = $"its issuer '{n.P.Issuer}' is not in the chain, so no CRL can be verified for it";
                problems.Add(Problem(ChainProblemCode.RevocationUnknown, index, n,
                    $"The revocation status of this trust anchor is unknown: {why}. Trust its root instead, or exclude the root from revocation checking (the ExcludeRoot revocation flag)."));
                return new RevocationCheck(index, n.Subject, RevocationStatus.Unknown, Array.Empty<Revocation.CertificateRevocationList>(), null, $"Unknown: {why}.");
            }
        }
    }
}
