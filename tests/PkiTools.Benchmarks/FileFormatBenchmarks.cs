using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Benchmarks
{
    /// <summary>
    /// File formats at their default strength: encrypted PKCS#8 (PBKDF2-HMAC-SHA256, 600,000 iterations) written and read,
    /// a Modern PFX (300,000 iterations for key bag, certificate bag and MAC) written and read, and a 10,000-certificate
    /// P7B bundle read (bounded by .NET's X509Certificate2 construction on OpenSSL 3.0).
    /// </summary>
    [MemoryDiagnoser]
    [SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
    public class FileFormatBenchmarks
    {
        private static readonly char[] Password = "benchmark password".ToCharArray();
        private PrivateKey _key = null!;
        private IssuedCertificate _leaf = null!;
        private byte[] _encryptedKey = null!;
        private byte[] _pfx = null!;
        private byte[] _bundle = null!;

        [GlobalSetup]
        public void Setup()
        {
            IssuedCertificate root = Fixtures.Root(KeyAlgorithm.EcdsaP256);
            var issuer = new CertificateIssuer(root.Certificate);
            _key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            _leaf = issuer.Issue(_key, new CertificateTemplate { DnsNames = Fixtures.LeafDnsNames });
            _encryptedKey = System.Text.Encoding.ASCII.GetBytes(_key.ExportPem(PrivateKeyFormat.Pkcs8, Password));
            _pfx = CertificateFiles.WritePfx(_leaf.Certificate, _key, new[] { root.Certificate }, Password, PfxCompatibility.Modern);
            var many = new List<X509Certificate2>();
            for (int i = 0; i < 10_000; i++) many.Add(issuer.Issue(_key, new CertificateTemplate { DnsNames = new[] { $"h{i}.example" } }).Certificate);
            _bundle = CertificateFiles.WriteP7b(many, pem: false);
        }

        [Benchmark(Description = "encrypted PKCS#8: write (600,000 iterations)")]
        public string WriteEncryptedKey() => _key.ExportPem(PrivateKeyFormat.Pkcs8, Password);

        [Benchmark(Description = "encrypted PKCS#8: read")]
        public PrivateKey ReadEncryptedKey() => PrivateKey.Import(_encryptedKey, Password);

        [Benchmark(Description = "Modern PFX: write")]
        public byte[] WritePfx() => CertificateFiles.WritePfx(_leaf.Certificate, _key, System.Array.Empty<X509Certificate2>(), Password, PfxCompatibility.Modern);

        [Benchmark(Description = "Modern PFX: read")]
        public IReadOnlyList<X509Certificate2> ReadPfx() => CertificateFiles.Read(_pfx, Password).Certificates;

        [Benchmark(Description = "P7B with 10,000 certificates: read")]
        public IReadOnlyList<X509Certificate2> ReadBundle() => CertificateFiles.Read(_bundle, null).Certificates;
    }
}
