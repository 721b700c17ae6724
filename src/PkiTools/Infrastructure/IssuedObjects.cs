using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// The cmdlet side of the key and chain that ride with a certificate object: the core returns them as data
    /// (<see cref="IssuedCertificate.Key"/>, <see cref="IssuedCertificate.Chain"/>) and takes them as data
    /// (<see cref="CertificateIssuer"/>'s key and chain); here they are attached to, and found on, the objects users pass.
    /// </summary>
    internal static class IssuedObjects
    {
        /// <summary>The object to hand out: the subject's key attached and the issuers remembered.</summary>
        public static X509Certificate2 WithKeyAndChain(IssuedCertificate issued)
        {
            X509Certificate2 certificate = issued.Certificate;
            if (issued.Key != null && CertificateKeys.Find(certificate) == null) certificate = CertificateKeys.Attach(certificate, issued.Key);
            if (issued.Chain.Count > 0) CertificateChains.Remember(certificate, issued.Chain);
            return certificate;
        }

        /// <summary>
        /// An issuer for an -Issuer certificate: its key found on the object (CertificateKeys.Find) and passed
        /// explicitly with the chain known for it. Without a key the legacy constructor reports why (IssuerNotCa
        /// before IssuerKeyMissing, PasswordRequired for an encrypted key file).
        /// </summary>
        public static CertificateIssuer IssuerFor(X509Certificate2 issuer)
        {
            PrivateKey? key = CertificateKeys.Find(issuer);
            return key == null ? new CertificateIssuer(issuer) : new CertificateIssuer(issuer, key, CertificateChains.Issuers(issuer));
        }
    }
}
