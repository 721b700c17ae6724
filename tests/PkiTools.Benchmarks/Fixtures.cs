using System;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Benchmarks
{
    /// <summary>Shared set-up: CAs, chains, the module manifest.</summary>
    internal static class Fixtures
    {
        public const string LeafDnsName = "web01.corp.example";

        public static readonly string[] LeafDnsNames = { LeafDnsName };

        /// <summary>A root CA (self-signed) whose certificate carries its private key, ready for <see cref="CertificateIssuer"/>.</summary>
        public static IssuedCertificate Root(KeyAlgorithm algorithm, string name = "CN=Bench Root") =>
            CertificateIssuer.SelfSign(PrivateKey.Generate(algorithm), new CertificateTemplate { Subject = name, Profile = CertificateProfile.RootCa });

        public static IssuedCertificate Intermediate(IssuedCertificate root, KeyAlgorithm algorithm, string name = "CN=Bench Intermediate") =>
            new CertificateIssuer(root.Certificate).Issue(PrivateKey.Generate(algorithm), new CertificateTemplate { Subject = name, Profile = CertificateProfile.IntermediateCa });

        /// <summary>A public-only copy, as Test-CertChain would read it from a file.</summary>
        public static X509Certificate2 PublicOnly(IssuedCertificate issued) => X509CertificateLoader.LoadCertificate(issued.Der);

        /// <summary>The folder holding PkiTools.psd1, found by walking up from the running assembly.</summary>
        public static string ModuleManifest { get; } = FindManifest();

        private static string FindManifest()
        {
            string? dir = AppContext.BaseDirectory;
            while (dir != null && !File.Exists(Path.Combine(dir, "PkiTools.psd1"))) dir = Path.GetDirectoryName(dir);
            if (dir == null) throw new InvalidOperationException("PkiTools.psd1 not found above " + AppContext.BaseDirectory);
            string manifest = Path.Combine(dir, "PkiTools.psd1");
            if (!File.Exists(Path.Combine(dir, "bin", "PkiTools.dll")))
            {
                throw new InvalidOperationException($"{dir}/bin/PkiTools.dll is missing: build src/PkiTools first (the benchmark project references it, so `dotnet build` does).");
            }
            return manifest;
        }
    }
}
