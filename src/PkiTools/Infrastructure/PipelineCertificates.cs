using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core;
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
            CertificateChains.Remember(certificate, issued.Chain);
            return certificate;
        }

        /// <summary>
        /// An issuer for an -Issuer certificate object: its key found on the object and passed explicitly with the chain
        /// known for it. Without a key: PasswordRequired when an encrypted key file was recorded for it, else the core
        /// says why (IssuerNotCa before IssuerKeyMissing).
        /// </summary>
        public static CertificateIssuer IssuerFor(X509Certificate2 issuer)
        {
            PrivateKey? key = CertificateKeys.Find(issuer);
            if (key != null) return new CertificateIssuer(issuer, key, CertificateChains.Issuers(issuer));
            try
            {
                return new CertificateIssuer(issuer);
            }
            catch (PkiException ex) when (ex.Code == PkiErrorCode.IssuerKeyMissing && CertificateKeys.KeyFileOf(issuer) is string keyFile)
            {
                throw new PkiException(PkiErrorCode.PasswordRequired, $"The issuer's private key '{keyFile}' is encrypted.", ex, issuer, new PkiHint("Give its password with {0}.", "IssuerPassword"));
            }
        }

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
