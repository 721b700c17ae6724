using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// Where what the core returns as data (keys, chains, an encrypted key file) is made to ride on the certificate
    /// objects that travel through the pipeline (<see cref="CertificateKeys"/>, <see cref="CertificateChains"/>).
    /// </summary>
    internal static class PipelineCertificates
    {
        /// <summary>
        /// The certificates of a file as pipeline objects: each key attached to its certificate, the leaf's chain from the
        /// file remembered, an encrypted key file not yet unlocked recorded for the leaf.
        /// </summary>
        public static IReadOnlyList<X509Certificate2> From(CertificateFileContents contents)
        {
            var result = new List<X509Certificate2>(contents.Certificates.Count);
            var byOriginal = new Dictionary<X509Certificate2, X509Certificate2>(ReferenceComparer.Instance);
            foreach (X509Certificate2 certificate in contents.Certificates)
            {
                PrivateKey? key = contents.KeyOf(certificate);
                X509Certificate2 attached = key == null ? certificate : CertificateKeys.Attach(certificate, key);
                byOriginal[certificate] = attached;
                result.Add(attached);
            }
            if (result.Count == 0) return result;
            IReadOnlyList<X509Certificate2> chain = contents.Chain;
            if (chain.Count > 0)
            {
                var mapped = new List<X509Certificate2>(chain.Count);
                foreach (X509Certificate2 issuer in chain) mapped.Add(byOriginal.TryGetValue(issuer, out X509Certificate2? a) ? a : issuer);
                CertificateChains.Remember(result[0], mapped);
            }
            if (contents.EncryptedKeyPath != null) CertificateKeys.RememberKeyFile(result[0], contents.EncryptedKeyPath);
            return result;
        }

        /// <summary>
        /// The certificate the core just issued, as a pipeline object: the subject's key attached (when known) and the
        /// issuer chain remembered for Export-Cert -IncludeChain.
        /// </summary>
        public static X509Certificate2 Attach(IssuedCertificate issued)
        {
            X509Certificate2 certificate = issued.Key == null ? issued.Certificate : CertificateKeys.Attach(issued.Certificate, issued.Key);
            CertificateChains.Remember(certificate, ChainOf(issued));
            return certificate;
        }

        /// <summary>
        /// The issuers of an issued certificate, issuer first. TRANSITIONAL (issue 11): read from the core's legacy table
        /// until IssuedCertificate carries Chain; at merge this becomes "issued.Chain".
        /// </summary>
        public static IReadOnlyList<X509Certificate2> ChainOf(IssuedCertificate issued) => LegacyBridge.Issuers(issued.Certificate);

        /// <summary>The certificate with the encrypted key file recorded for it decrypted and attached; unchanged when there is none or the key is already known.</summary>
        public static X509Certificate2 UnlockKey(X509Certificate2 certificate, char[] password)
        {
            string? keyPath = CertificateKeys.KeyFileOf(certificate);
            if (keyPath == null || CertificateKeys.Find(certificate) != null) return certificate;
            X509Certificate2 attached = CertificateKeys.Attach(certificate, CertificateReader.ReadKeyFile(keyPath, certificate, password));
            if (!ReferenceEquals(attached, certificate)) CertificateChains.Remember(attached, CertificateChains.Issuers(certificate));
            return attached;
        }

        private sealed class ReferenceComparer : IEqualityComparer<X509Certificate2>
        {
            public static readonly ReferenceComparer Instance = new ReferenceComparer();

            public bool Equals(X509Certificate2? x, X509Certificate2? y) => ReferenceEquals(x, y);

            public int GetHashCode(X509Certificate2 obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
        }
    }
}
