using System;
using System.Security.Cryptography.X509Certificates;

namespace PkiTools.Core.Acme
{
    /// <summary>How to reach an ACME server: its directory, how its HTTPS certificate is trusted, and the time bounds.</summary>
    public sealed class AcmeClientOptions
    {
        /// <summary>Let's Encrypt's production directory.</summary>
        public const string LetsEncrypt = "https://acme-v02.api.letsencrypt.org/directory";

        /// <summary>Let's Encrypt's staging directory (untrusted certificates, generous limits: for trying things out).</summary>
        public const string LetsEncryptStaging = "https://acme-staging-v02.api.letsencrypt.org/directory";

        public AcmeClientOptions(Uri directory)
        {
            Directory = directory ?? throw new ArgumentNullException(nameof(directory));
        }

        /// <summary>The directory URL (https; http only for a server on this machine).</summary>
        public Uri Directory { get; }

        /// <summary>
        /// Trust the directory's HTTPS certificate when it chains to this root only (a private CA such as an internal
        /// step-ca or pebble's test CA). Null: the system trust store.
        /// </summary>
        public X509Certificate2? TrustedRoot { get; init; }

        /// <summary>Accept any HTTPS certificate from the server. For throw-away test servers only: the caller should warn.</summary>
        public bool SkipCertificateCheck { get; init; }

        /// <summary>The longest one HTTP request may take (default 30 s).</summary>
        public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

        /// <summary>The longest a whole operation (an issuance from order to chain, waiting for an authorization) may take (default 5 min).</summary>
        public TimeSpan TotalTimeout { get; init; } = TimeSpan.FromMinutes(5);

        /// <summary>How often a request refused with badNonce is retried with the fresh nonce (default 16).</summary>
        public int MaxBadNonceRetries { get; init; } = 16;

        /// <summary>The poll interval when the server gives no Retry-After (default 1 s); a Retry-After is honoured up to the time bound.</summary>
        public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

        /// <summary>Receives one line per request and state change (URLs, statuses; never a key, nonce or MAC). Null: silent.</summary>
        public Action<string>? Log { get; init; }
    }
}
