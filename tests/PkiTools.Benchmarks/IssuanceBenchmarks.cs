using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Benchmarks
{
    /// <summary>
    /// Leaf issuance end to end under CAs made once in GlobalSetup: fresh key + CSR + CertificateIssuer.Sign, and fresh
    /// key + CertificateIssuer.Issue (no CSR). The RSA-2048 leaf is issued under an RSA-2048 root; its time is mostly
    /// RSA key generation and varies accordingly.
    /// </summary>
    [MemoryDiagnoser]
    [SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 5)]
    public class IssuanceBenchmarks
    {
        private static readonly CertificateTemplate LeafFromCsr = new CertificateTemplate { ValidDays = 90 };
        private static readonly CertificateTemplate LeafDirect = new CertificateTemplate { DnsNames = Fixtures.LeafDnsNames, ValidDays = 90 };

        private CertificateIssuer _ecIssuer = null!;
        private CertificateIssuer _rsaIssuer = null!;

        [GlobalSetup]
        public void Setup()
        {
            _ecIssuer = new CertificateIssuer(Fixtures.Root(KeyAlgorithm.EcdsaP256, "CN=Bench P-256 Root").Certificate);
            _rsaIssuer = new CertificateIssuer(Fixtures.Root(KeyAlgorithm.Rsa2048, "CN=Bench RSA Root").Certificate);
            // Fail fast if any path is broken rather than benchmarking an exception.
            Check(EcP256LeafViaCsr());
            Check(EcP256LeafDirect());
            Check(Rsa2048LeafViaCsr());
        }

        [Benchmark(Description = "P-256 leaf: key + CSR + Sign")]
        public IssuedCertificate EcP256LeafViaCsr()
        {
            PrivateKey key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            var csr = CertificateSigningRequest.Create(key, null, Fixtures.LeafDnsNames, Array.Empty<string>());
            return _ecIssuer.Sign(csr, LeafFromCsr);
        }

        [Benchmark(Description = "P-256 leaf: key + Issue (no CSR)")]
        public IssuedCertificate EcP256LeafDirect() => _ecIssuer.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), LeafDirect);

        [Benchmark(Description = "RSA-2048 leaf: key + CSR + Sign")]
        public IssuedCertificate Rsa2048LeafViaCsr()
        {
            PrivateKey key = PrivateKey.Generate(KeyAlgorithm.Rsa2048);
            var csr = CertificateSigningRequest.Create(key, null, Fixtures.LeafDnsNames, Array.Empty<string>());
            return _rsaIssuer.Sign(csr, LeafFromCsr);
        }

        private static void Check(IssuedCertificate issued)
        {
            if (issued.Certificate.Subject != "CN=" + Fixtures.LeafDnsName || !issued.Certificate.HasPrivateKey)
            {
                throw new InvalidOperationException("Unexpected leaf: " + issued.Certificate.Subject);
            }
        }
    }
}
