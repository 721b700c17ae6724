using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;

namespace PkiTools.Core.X509
{
    /// <summary>A certificate just made: the .NET object (key attached when known), its encodings and any warnings.</summary>
    public sealed class IssuedCertificate
    {
        internal IssuedCertificate(X509Certificate2 certificate, byte[] der, PrivateKey? key, IReadOnlyList<string> warnings)
        {
            Certificate = certificate;
            Der = der;
            Key = key;
            Warnings = warnings;
        }

        public X509Certificate2 Certificate { get; }

        public byte[] Der { get; }

        public string Pem => Encoding.Pem.Encode("CERTIFICATE", Der);

        /// <summary>The subject's private key, when it is known.</summary>
        public PrivateKey? Key { get; }

        /// <summary>Things the user should know (validity clipped to the issuer's, ...).</summary>
        public IReadOnlyList<string> Warnings { get; }
    }
}
