using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;
using Legacy = PkiTools.Core.X509;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// TRANSITIONAL (issue 11), deleted at merge together with src/PkiTools.Core/X509/LegacyTables.cs. Until the ca
    /// branch stops using the core's internal tables (CaDirectory, CertificateIssuer, IssuedCertificate), the cmdlet
    /// layer's tables mirror every write into them and fall back to them on reads, so both views of "the key and chain
    /// riding on this certificate" agree. At merge: delete this file and the calls to it in CertificateKeys.cs and
    /// CertificateChains.cs (the fallbacks become "null" / "empty").
    /// </summary>
    internal static class LegacyBridge
    {
        public static PrivateKey? FindKey(X509Certificate2 certificate) => Legacy.CertificateKeys.FindAttached(certificate);

        public static void RememberKey(X509Certificate2 certificate, PrivateKey key) => Legacy.CertificateKeys.Remember(certificate, key);

        public static void RememberKeyFile(X509Certificate2 certificate, string keyPath) => Legacy.CertificateKeys.RememberKeyFile(certificate, keyPath);

        public static string? KeyFileOf(X509Certificate2 certificate) => Legacy.CertificateKeys.KeyFileOf(certificate);

        public static void RememberChain(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> issuers) => Legacy.CertificateChains.Remember(certificate, issuers);

        public static IReadOnlyList<X509Certificate2> Issuers(X509Certificate2 certificate) => Legacy.CertificateChains.Issuers(certificate);
    }
}
