using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;

using PkiTools.Core.X509;

namespace PkiTools.Core.Validation
{
    /// <summary>What a certificate is to be trusted for. The names are part of the cmdlet contract (-Purpose).</summary>
    public enum CertificatePurpose
    {
        ServerAuth,
        ClientAuth,
        Any,
    }

    /// <summary>Whether certificates are checked against CRLs. The names are part of the cmdlet contract (-RevocationMode).</summary>
    public enum RevocationMode
    {
        /// <summary>No revocation checking.</summary>
        NoCheck,

        /// <summary>Every certificate below the trust anchor is checked against the given CRLs only (no network).</summary>
        Offline,
    }

    /// <summary>
    /// Which certificates of the path are checked for revocation. The names are .NET's X509RevocationFlag names and part
    /// of the cmdlet contract (-RevocationFlag).
    /// </summary>
    public enum RevocationFlag
    {
        /// <summary>Only the certificate being validated (the leaf): a CRL from its issuer is all that is needed.</summary>
        EndCertificateOnly,

        /// <summary>Every certificate of the path, the trust anchor too (a self-signed root against its own CRL).</summary>
        EntireChain,

        /// <summary>Every certificate below the trust anchor (the default).</summary>
        ExcludeRoot,
    }

    /// <summary>Inputs of a path validation. Trust anchors and time are always explicit.</summary>
    public sealed class ChainValidationOptions
    {
        /// <summary>The only certificates trusted as anchors (plus the system store with <see cref="UseSystemTrust"/>).</summary>
        public IReadOnlyList<X509Certificate2> TrustedRoots { get; init; } = Array.Empty<X509Certificate2>();

        /// <summary>Untrusted certificates that may be used to build the path.</summary>
        public IReadOnlyList<X509Certificate2> Intermediates { get; init; } = Array.Empty<X509Certificate2>();

        /// <summary>Host name the leaf must be valid for (RFC 6125 matching), or null.</summary>
        public string? DnsName { get; init; }

        /// <summary>IP address the leaf must be valid for, or null.</summary>
        public string? IpAddress { get; init; }

        public CertificatePurpose Purpose { get; init; } = CertificatePurpose.Any;

        /// <summary>Validation time. Null: now.</summary>
        public DateTimeOffset? At { get; init; }

        /// <summary>Also trust the roots of the operating system's store.</summary>
        public bool UseSystemTrust { get; init; }

        /// <summary>
        /// Accept certificates signed with MD5 or SHA-1, and weak keys (RSA under 2048 bits, DSA, curves under 256 bits),
        /// for legacy devices. Off: they give WeakSignatureAlgorithm and WeakKey.
        /// </summary>
        public bool AllowWeakSignatures { get; init; }

        /// <summary>CRLs for <see cref="RevocationMode.Offline"/> checking (RFC 5280 §6.3: complete, delta, indirect and partitioned CRLs).</summary>
        public IReadOnlyList<Revocation.CertificateRevocationList> Crls { get; init; } = Array.Empty<Revocation.CertificateRevocationList>();

        /// <summary>Null: <see cref="Validation.RevocationMode.Offline"/> when <see cref="Crls"/> are given, else <see cref="Validation.RevocationMode.NoCheck"/>.</summary>
        public RevocationMode? RevocationMode { get; init; }

        /// <summary>Which certificates are checked when revocation is checked. Null: <see cref="Validation.RevocationFlag.ExcludeRoot"/>.</summary>
        public RevocationFlag? RevocationFlag { get; init; }

        /// <summary>
        /// Receives one plain sentence for the checks that run and one for every candidate path tried (for -Verbose).
        /// Null: nothing is described (and nothing is spent describing it).
        /// </summary>
        public Action<string>? Trace { get; init; }

        /// <summary>
        /// Most intermediate CA certificates allowed between the leaf and the trust anchor (neither counted;
        /// self-issued intermediates, e.g. key rollover certificates, not counted either, as for pathLenConstraint).
        /// Null: only the built-in limit of 10 certificates in a path (leaf and anchor included) applies.
        /// </summary>
        public int? MaxDepth { get; init; }

        /// <summary>
        /// Key usages the leaf must allow (for example DigitalSignature for a TLS key): a leaf whose keyUsage extension
        /// lacks one of them gives WrongPurpose; a leaf without the extension allows every usage. None: no requirement.
        /// </summary>
        public X509KeyUsageFlags RequiredKeyUsage { get; init; }

        /// <summary>
        /// RFC 5280's user-initial-policy-set: the certificate policy OIDs acceptable to the caller. Null or empty:
        /// anyPolicy. With <see cref="RequireExplicitPolicy"/> (or a CA's policyConstraints) the chain must be valid for
        /// one of them.
        /// </summary>
        public IReadOnlyList<string>? InitialPolicies { get; init; }

        /// <summary>RFC 5280's initial-explicit-policy: the chain must be valid for a certificate policy.</summary>
        public bool RequireExplicitPolicy { get; init; }

        /// <summary>RFC 5280's initial-policy-mapping-inhibit: policyMappings in the chain are not honoured.</summary>
        public bool InhibitPolicyMapping { get; init; }

        /// <summary>RFC 5280's initial-any-policy-inhibit: anyPolicy in an intermediate's certificatePolicies matches nothing.</summary>
        public bool InhibitAnyPolicy { get; init; }

        private ParsedCertificate?[]? _parsedRoots, _parsedIntermediates;

        /// <summary>
        /// The trusted roots parsed once per options object (null where one cannot be read): many certificates validated
        /// with the same options (Test-CertChain over 1,000 files) parse the roots once, not once each. Options are
        /// immutable, so two threads racing here compute the same thing.
        /// </summary>
        internal ParsedCertificate?[] ParsedTrustedRoots => _parsedRoots ??= ParseAll(TrustedRoots);

        /// <summary>The intermediates parsed once per options object, as <see cref="ParsedTrustedRoots"/>.</summary>
        internal ParsedCertificate?[] ParsedIntermediates => _parsedIntermediates ??= ParseAll(Intermediates);

        private static ParsedCertificate?[] ParseAll(IReadOnlyList<X509Certificate2>? certificates)
        {
            if (certificates == null) return Array.Empty<ParsedCertificate?>();
            var parsed = new ParsedCertificate?[certificates.Count];
            for (int i = 0; i < parsed.Length; i++)
            {
                try
                {
                    parsed[i] = certificates[i] == null ? null : ParsedCertificate.Parse(certificates[i].RawData);
                }
                catch (Exception)
                {
                    parsed[i] = null; // left to the pool, which skips what it cannot read
                }
            }
            return parsed;
        }

        /// <summary>The revocation flag in effect.</summary>
        public RevocationFlag EffectiveRevocationFlag => RevocationFlag ?? Validation.RevocationFlag.ExcludeRoot;

        /// <summary>The mode in effect.</summary>
        public RevocationMode EffectiveRevocationMode => RevocationMode ?? ((Crls?.Count ?? 0) > 0 ? Validation.RevocationMode.Offline : Validation.RevocationMode.NoCheck);
    }
}
