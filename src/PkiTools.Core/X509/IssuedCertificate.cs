using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;

namespace PkiTools.Core.X509
{
    /// <summary>
    /// A certificate just made, as data: its encodings, a plain .NET object, the subject's key when known, the issuers
    /// above it and any warnings. Nothing is registered anywhere: the caller decides whether to attach the key or
    /// remember the chain on the object it hands out.
    /// </summary>
    public sealed class IssuedCertificate
    {
        private readonly Lazy<X509Certificate2> _certificate;

        internal IssuedCertificate(byte[] der, PrivateKey? key, IReadOnlyList<string> warnings, IReadOnlyList<X509Certificate2>? chain = null)
        {
            Der = der;
            Key = key;
            Warnings = warnings;
            Chain = chain ?? Array.Empty<X509Certificate2>();
            // An RSA or ECDSA key is held the platform way (data on the object); the cmdlet layer makes every key,
            // Ed25519 included, and the chain ride through the pipeline.
            _certificate = new Lazy<X509Certificate2>(() => key == null ? new X509Certificate2(der) : PlatformKeys.Attach(new X509Certificate2(der), key));
        }

        /// <summary>
        /// The .NET object (an RSA or ECDSA key held the platform way), built on first use: loading DER into X509Certificate2 is a second
        /// parse (serialised inside OpenSSL 3.0) that costs more than building and signing, and bulk issuance that only
        /// writes <see cref="Der"/> or <see cref="Pem"/> never needs it.
        /// </summary>
        public X509Certificate2 Certificate => _certificate.Value;

        public byte[] Der { get; }

        public string Pem => Formats.Pem.Encode("CERTIFICATE", Der);

        /// <summary>The subject's private key, when it is known.</summary>
        public PrivateKey? Key { get; }

        /// <summary>The issuers above the certificate, issuer first, up to the root; empty for a self-signed certificate.</summary>
        public IReadOnlyList<X509Certificate2> Chain { get; }

        /// <summary>Things the user should know (validity clipped to the issuer's, ...).</summary>
        public IReadOnlyList<string> Warnings { get; }
    }
}
