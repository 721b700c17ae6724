using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;
using PkiTools.Core.Trust;
using PkiTools.Core.X509;

namespace PkiTools.Core.Tests.Trust
{
    /// <summary>Throw-away roots and TLS leaves valid now (the real certutil, keytool and java check against the clock).</summary>
    public static class TrustTestPki
    {
        public static IssuedCertificate Root(string subject = "CN=PkiTools Trust Test Root, O=PkiTools Tests", PrivateKey? key = null) =>
            CertificateIssuer.SelfSign(key ?? PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate
            {
                Subject = subject,
                Profile = CertificateProfile.RootCa,
                NotBefore = DateTimeOffset.UtcNow.AddDays(-1),
                NotAfter = DateTimeOffset.UtcNow.AddDays(30),
            });

        /// <summary>A TLS server certificate for localhost and 127.0.0.1, issued by <paramref name="root"/>.</summary>
        public static IssuedCertificate Localhost(IssuedCertificate root) =>
            new CertificateIssuer(root.Certificate, root.Key!).Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate
            {
                Subject = "CN=localhost",
                DnsNames = new[] { "localhost" },
                IpAddresses = new[] { "127.0.0.1" },
                Profile = CertificateProfile.TlsServer,
                NotBefore = DateTimeOffset.UtcNow.AddHours(-1),
                NotAfter = DateTimeOffset.UtcNow.AddDays(10),
            });

        /// <summary>An environment over a temporary home (and system root) with a recording runner.</summary>
        public static TrustEnvironment Environment(IProcessRunner runner, string home, Dictionary<string, string>? variables = null, string systemRoot = "/", TrustPlatform platform = TrustPlatform.Linux, bool elevated = true) =>
            new TrustEnvironment(runner, platform, home, name => variables != null && variables.TryGetValue(name, out string? v) ? v : null, elevated, systemRoot);

        public static void Touch(string file, string content = "")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, content);
        }
    }
}
