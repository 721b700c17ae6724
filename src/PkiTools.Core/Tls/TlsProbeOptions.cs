using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;

namespace PkiTools.Core.Tls
{
    /// <summary>How one TLS endpoint is probed.</summary>
    public sealed class TlsProbeOptions
    {
        /// <summary>The longest the probe may take in all: name resolution, connection and handshake.</summary>
        public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

        /// <summary>
        /// The name sent as SNI and checked against the certificate. Null or empty: the endpoint's host when it is a DNS
        /// name; no SNI for an IP address. An IP address here sends no SNI either.
        /// </summary>
        public string? ServerName { get; init; }

        /// <summary>The certificate (with its key) offered when the server asks for one (mutual TLS), or null.</summary>
        public TlsClientCredential? ClientCredential { get; init; }
    }

    /// <summary>A client certificate for mutual TLS: the certificate, its private key, and the intermediates sent with it.</summary>
    public sealed class TlsClientCredential
    {
        public TlsClientCredential(X509Certificate2 certificate, PrivateKey key, IReadOnlyList<X509Certificate2>? intermediates = null)
        {
            Certificate = certificate ?? throw new ArgumentNullException(nameof(certificate));
            Key = key ?? throw new ArgumentNullException(nameof(key));
            Intermediates = intermediates ?? Array.Empty<X509Certificate2>();
            if (!X509.CertificateFacts.KeyMatches(certificate, key))
            {
                throw new PkiException(PkiErrorCode.KeyMismatch, $"The private key does not belong to the client certificate '{certificate.Subject}'.", null, certificate);
            }
        }

        public X509Certificate2 Certificate { get; }

        public PrivateKey Key { get; }

        /// <summary>Sent after the certificate, in this order (self-signed roots are left out).</summary>
        public IReadOnlyList<X509Certificate2> Intermediates { get; }
    }
}
