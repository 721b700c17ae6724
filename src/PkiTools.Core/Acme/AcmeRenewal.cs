using System;
using System.Security.Cryptography.X509Certificates;

namespace PkiTools.Core.Acme
{
    /// <summary>
    /// When to renew an ACME certificate: inside the server's suggested window when it offers renewal information
    /// (RFC 9773 §4.2: a uniformly random moment in the window, renewing at once when that moment has passed),
    /// otherwise at two thirds of the certificate's lifetime.
    /// </summary>
    public static class AcmeRenewal
    {
        /// <summary>The moment to renew <paramref name="certificate"/>; <paramref name="info"/> null means the server gave no window.</summary>
        public static DateTimeOffset RenewalTime(X509Certificate2 certificate, AcmeRenewalInfo? info, Random random)
        {
            if (info != null) return info.ChooseRenewalTime(random);
            DateTimeOffset notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
            DateTimeOffset notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            return notBefore + TimeSpan.FromTicks((notAfter - notBefore).Ticks / 3 * 2);
        }

        /// <summary>Whether <paramref name="certificate"/> should be renewed at <paramref name="now"/>.</summary>
        public static bool IsDue(X509Certificate2 certificate, AcmeRenewalInfo? info, DateTimeOffset now, Random random) =>
            now >= RenewalTime(certificate, info, random);
    }
}
