using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;

namespace PkiTools.Core.X509
{
    /// <summary>A certificate just made: its encodings, the .NET object (key attached when known) and any warnings.</summary>
    public sealed class IssuedCertificate
    {
        private readonly Lazy<X509Certificate2> _certificate;

        internal IssuedCertificate(byte[] der, PrivateKey? key, IReadOnlyList<string> warnings, X509Certificate2[]? issuers = null)
        {
            Der = der;
            Key = key;
            Warnings = warnings;
            _certificate = new Lazy<X509Certificate2>(() =>
            {
                var certificate = new X509Certificate2(der);
                if (key != null) certificate = CertificateKeys.Attach(certificate, key);
                if (issuers != null) CertificateChains.Remember(certificate, issuers);
                return certificate;
            });
        }

        /// <summary>
        /// The .NET object with the key attached, built on first use: loading DER into X509Certificate2 is a second
        /// parse (serialised inside OpenSSL 3.0) that costs more than building and signing, and bulk issuance that only
        /// writes <see cref="Der"/> or <see cref="Pem"/> never needs it.
        /// </summary>
        public X509Certificate2 Certificate => _certificate.Value;

        public byte[] Der { get; }

        public string Pem => Formats.Pem.Encode("CERTIFICATE", Der);

        /// <summary>The subject's private key, when it is known.</summary>
        public PrivateKey? Key { get; }

        /// <summary>Things the user should know (validity clipped to the issuer's, ...).</summary>
        public IReadOnlyList<string> Warnings { get; }
    }
}
