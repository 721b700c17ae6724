namespace PkiTools.Core.X509
{
    /// <summary>Named certificate profiles. The names are part of the cmdlet contract (-Profile).</summary>
    public enum CertificateProfile
    {
        TlsServer,
        TlsClient,
        TlsServerClient,
        RootCa,
        IntermediateCa,
    }

    internal static class Profiles
    {
        public static bool IsCa(CertificateProfile p) => p == CertificateProfile.RootCa || p == CertificateProfile.IntermediateCa;

        /// <summary>Default lifetime in days: 10 years for a root, 5 for an intermediate, 1 for leaves.</summary>
        public static int DefaultValidDays(CertificateProfile p) => p switch
        {
            CertificateProfile.RootCa => 3650,
            CertificateProfile.IntermediateCa => 1825,
            _ => 365,
        };
    }
}
