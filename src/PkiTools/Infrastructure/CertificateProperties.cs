using System;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.X509;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>Getters for the CodeProperties that module/PkiTools.Types.ps1xml adds to every X509Certificate2.</summary>
    public static class CertificateProperties
    {
        public static string[] GetSubjectAltNames(PSObject instance) => With(instance, CertificateFacts.SubjectAltNames, Array.Empty<string>());

        public static string[] GetDnsNames(PSObject instance) => With(instance, CertificateFacts.DnsNames, Array.Empty<string>());

        public static string GetKeyAlgorithm(PSObject instance) => With(instance, CertificateFacts.KeyAlgorithm, string.Empty);

        public static string GetSha256Fingerprint(PSObject instance) => With(instance, CertificateFacts.Sha256Fingerprint, string.Empty);

        public static int GetDaysUntilExpiry(PSObject instance) => With(instance, c => CertificateFacts.DaysUntilExpiry(c, DateTime.UtcNow), 0);

        /// <summary>True when PkiTools or the platform holds the private key (Ed25519 keys included, which HasPrivateKey cannot show).</summary>
        public static bool GetHasPkiPrivateKey(PSObject instance) => With(instance, c => CertificateKeys.Find(c) != null, false);

        private static T With<T>(PSObject instance, Func<X509Certificate2, T> get, T fallback) =>
            instance?.BaseObject is X509Certificate2 certificate ? get(certificate) : fallback;
    }
}
