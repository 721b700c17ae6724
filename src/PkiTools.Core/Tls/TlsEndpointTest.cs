using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using PkiTools.Core.Validation;
using PkiTools.Core.X509;

namespace PkiTools.Core.Tls
{
    /// <summary>What a TLS endpoint test checks against, besides the probe itself.</summary>
    public sealed class TlsEndpointTestOptions
    {
        public TlsProbeOptions Probe { get; init; } = new TlsProbeOptions();

        /// <summary>The only trust anchors (plus the system's with <see cref="UseSystemTrust"/>).</summary>
        public IReadOnlyList<X509Certificate2> TrustedRoots { get; init; } = Array.Empty<X509Certificate2>();

        /// <summary>
        /// Intermediates known to the caller (not sent by the server). With them the chain can validate while the server
        /// still fails clients that lack them: that is ChainIncomplete.
        /// </summary>
        public IReadOnlyList<X509Certificate2> Intermediates { get; init; } = Array.Empty<X509Certificate2>();

        public bool UseSystemTrust { get; init; }

        /// <summary>ExpiresSoon when the server's certificate expires within this many days (0: never).</summary>
        public int MinimumDaysLeft { get; init; }

        /// <summary>Validation time. Null: now.</summary>
        public DateTimeOffset? At { get; init; }

        /// <summary>How a probe failure becomes a problem's sentence (the cmdlet layer spells the hint its way). Null: the exception's message.</summary>
        public Func<PkiException, string>? Describe { get; init; }
    }

    /// <summary>The verdict on one endpoint: never an exception for a bad server, an unreachable one or a bad chain.</summary>
    public sealed class TlsEndpointTestResult
    {
        internal TlsEndpointTestResult(TlsEndpoint endpoint, string? serverName, TlsHandshakeInfo? handshake, int? daysLeft,
            IReadOnlyList<X509Certificate2> validatedChain, IReadOnlyList<ChainProblem> problems)
        {
            HostName = endpoint.Host;
            Port = endpoint.Port;
            ServerName = serverName;
            Handshake = handshake;
            DaysLeft = daysLeft;
            ValidatedChain = validatedChain;
            Problems = problems;
        }

        public string HostName { get; }

        public int Port { get; }

        /// <summary>The SNI name sent (null: none, for an IP address).</summary>
        public string? ServerName { get; }

        public bool IsValid => Problems.Count == 0;

        /// <summary>Whole days until the server's certificate expires (negative once expired); null when no certificate was seen.</summary>
        public int? DaysLeft { get; }

        /// <summary>Every problem found: the chain validator's codes, and EndpointUnreachable, HandshakeFailed, Timeout, ExpiresSoon, ChainIncomplete, ServesRoot.</summary>
        public IReadOnlyList<ChainProblem> Problems { get; }

        /// <summary>The handshake (protocol, suite, certificates as sent), or null when none completed.</summary>
        public TlsHandshakeInfo? Handshake { get; }

        public string? Protocol => Handshake?.Protocol;

        public string? CipherSuite => Handshake?.CipherSuite;

        /// <summary>The server's certificate, or null when none was seen.</summary>
        public X509Certificate2? Certificate => Handshake?.Certificate;

        /// <summary>The certificates as the server sent them, leaf first (empty when none was seen).</summary>
        public X509Certificate2[] Chain => Handshake?.Chain ?? Array.Empty<X509Certificate2>();

        /// <summary>The path the validator built (or its best candidate), leaf first up to the anchor.</summary>
        public IReadOnlyList<X509Certificate2> ValidatedChain { get; }
    }

    /// <summary>Probes an endpoint and judges what it serves, as a TLS client would, with our own chain validator.</summary>
    public static class TlsEndpointTest
    {
        /// <summary>
        /// Probes and evaluates. Network failures (EndpointUnreachable, HandshakeFailed, Timeout) become problems of the
        /// result; other PkiExceptions (a malformed certificate from the server) also do, as HandshakeFailed.
        /// </summary>
        public static TlsEndpointTestResult Run(TlsEndpoint endpoint, TlsEndpointTestOptions options, CancellationToken cancellation = default)
        {
            if (endpoint == null) throw new ArgumentNullException(nameof(endpoint));
            if (options == null) throw new ArgumentNullException(nameof(options));
            TlsHandshakeInfo handshake;
            try
            {
                handshake = TlsProbe.Handshake(endpoint, options.Probe, cancellation);
            }
            catch (PkiException ex) when (ex.Code != PkiErrorCode.InvalidArgument)
            {
                ChainProblemCode code = ex.Code switch
                {
                    PkiErrorCode.EndpointUnreachable => ChainProblemCode.EndpointUnreachable,
                    PkiErrorCode.Timeout => ChainProblemCode.Timeout,
                    _ => ChainProblemCode.HandshakeFailed,
                };
                string message = options.Describe?.Invoke(ex) ?? ex.Message;
                var problem = new ChainProblem(code, -1, string.Empty, message);
                return new TlsEndpointTestResult(endpoint, TlsProbe.SniName(endpoint, options.Probe.ServerName), null, null,
                    Array.Empty<X509Certificate2>(), new[] { problem });
            }
            return Evaluate(endpoint, handshake, options);
        }

        /// <summary>Judges a completed handshake: the served chain through our validator, then the TLS-specific checks.</summary>
        internal static TlsEndpointTestResult Evaluate(TlsEndpoint endpoint, TlsHandshakeInfo handshake, TlsEndpointTestOptions options)
        {
            DateTimeOffset at = options.At ?? DateTimeOffset.UtcNow;
            X509Certificate2[] served = handshake.Chain;
            X509Certificate2 leaf = served[0];
            var sentIntermediates = served.Skip(1).ToList();
            var all = new List<X509Certificate2>(sentIntermediates);
            all.AddRange(options.Intermediates);
            (string? dnsName, string? ipAddress) = TlsProbe.ServerIdentity(endpoint, options.Probe.ServerName);

            ChainValidationOptions Validation(IReadOnlyList<X509Certificate2> intermediates) => new ChainValidationOptions
            {
                TrustedRoots = options.TrustedRoots,
                Intermediates = intermediates,
                UseSystemTrust = options.UseSystemTrust,
                DnsName = dnsName,
                IpAddress = ipAddress,
                Purpose = CertificatePurpose.ServerAuth,
                At = at,
            };

            ChainValidationResult verdict = ChainValidator.Validate(leaf, Validation(all));
            var problems = new List<ChainProblem>(verdict.Problems);

            // What the server sent, on its own: does it reach the anchors? (Without known intermediates it is the same run.)
            ChainValidationResult sentOnly = options.Intermediates.Count == 0 ? verdict : ChainValidator.Validate(leaf, Validation(sentIntermediates));
            ChainProblem? gap = sentOnly.Problems.FirstOrDefault(p => p.Code == ChainProblemCode.MissingIssuer);
            if (gap != null)
            {
                X509Certificate2 top = gap.Index >= 0 && gap.Index < sentOnly.Chain.Count ? sentOnly.Chain[gap.Index] : leaf;
                problems.Add(new ChainProblem(ChainProblemCode.ChainIncomplete, gap.Index, gap.Subject,
                    $"The server does not send the certificate that issued '{gap.Subject}' (issuer '{SafeIssuer(top)}'). "
                    + "Clients that do not already hold it cannot build the chain: serve the full chain (the certificate, then its intermediates), "
                    + "unless that issuer is a root the clients are meant to trust."));
            }

            for (int i = 1; i < served.Length; i++)
            {
                if (IsSelfSigned(served[i]))
                {
                    problems.Add(new ChainProblem(ChainProblemCode.ServesRoot, i, SafeSubject(served[i]),
                        $"The server sends the self-signed root '{SafeSubject(served[i])}' (certificate {i + 1} of {served.Length}). Clients must already trust a root, so sending it only costs bytes: leave it out of the served chain."));
                }
            }

            int daysLeft = CertificateFacts.DaysUntilExpiry(leaf, at.UtcDateTime);
            if (options.MinimumDaysLeft > 0 && leaf.NotAfter.ToUniversalTime() >= at.UtcDateTime && daysLeft < options.MinimumDaysLeft)
            {
                problems.Add(new ChainProblem(ChainProblemCode.ExpiresSoon, 0, SafeSubject(leaf),
                    $"The certificate expires on {Words.Date(leaf.NotAfter)}, in {daysLeft} day{(daysLeft == 1 ? string.Empty : "s")}: fewer than the {options.MinimumDaysLeft} asked for. Renew it."));
            }

            return new TlsEndpointTestResult(endpoint, handshake.ServerName, handshake, daysLeft, verdict.Chain, problems);
        }

        private static bool IsSelfSigned(X509Certificate2 certificate)
        {
            try
            {
                ParsedCertificate parsed = ParsedCertificate.Parse(certificate.RawData);
                return parsed.IsSelfIssued && parsed.PublicKey != null && parsed.IsSignedBy(parsed.PublicKey);
            }
            catch (PkiException)
            {
                return false;
            }
        }

        private static string SafeSubject(X509Certificate2 certificate) => string.IsNullOrEmpty(certificate.Subject) ? "(empty subject)" : certificate.Subject;

        private static string SafeIssuer(X509Certificate2 certificate) => string.IsNullOrEmpty(certificate.Issuer) ? "(empty issuer)" : certificate.Issuer;
    }
}
