using System;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using PkiTools.Core.Keys;
using PkiTools.Core.Validation;
using PkiTools.Core.X509;

namespace PkiTools.Benchmarks
{
    /// <summary>
    /// Validation of root -> intermediate -> leaf (all P-256, leaf for web01.corp.example) through ChainValidator, and
    /// the same work through .NET's X509Chain with CustomRootTrust (no revocation, no downloads) plus MatchesHostname.
    /// The certificates are public-only copies, as they would be read from files.
    /// </summary>
    [MemoryDiagnoser]
    [SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 5)]
    public class ChainValidationBenchmarks
    {
        private X509Certificate2 _root = null!;
        private X509Certificate2 _intermediate = null!;
        private X509Certificate2 _leaf = null!;
        private ChainValidationOptions _options = null!;

        [GlobalSetup]
        public void Setup()
        {
            IssuedCertificate root = Fixtures.Root(KeyAlgorithm.EcdsaP256);
            IssuedCertificate intermediate = Fixtures.Intermediate(root, KeyAlgorithm.EcdsaP256);
            IssuedCertificate leaf = new CertificateIssuer(intermediate.Certificate)
                .Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { DnsNames = Fixtures.LeafDnsNames, ValidDays = 90 });
            _root = Fixtures.PublicOnly(root);
            _intermediate = Fixtures.PublicOnly(intermediate);
            _leaf = Fixtures.PublicOnly(leaf);
            _options = new ChainValidationOptions
            {
                TrustedRoots = new[] { _root },
                Intermediates = new[] { _intermediate },
                DnsName = Fixtures.LeafDnsName,
            };
            ChainValidationResult result = PkiToolsChainValidator();
            if (!result.IsValid)
            {
                throw new InvalidOperationException("ChainValidator rejected the benchmark chain: " + string.Join("; ", result.Problems));
            }
            if (!DotNetX509Chain())
            {
                throw new InvalidOperationException("X509Chain rejected the benchmark chain.");
            }
        }

        [Benchmark(Baseline = true, Description = "ChainValidator.Validate")]
        public ChainValidationResult PkiToolsChainValidator() => ChainValidator.Validate(_leaf, _options);

        [Benchmark(Description = "X509Chain (CustomRootTrust) + MatchesHostname")]
        public bool DotNetX509Chain()
        {
            using var chain = new X509Chain();
            X509ChainPolicy policy = chain.ChainPolicy;
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.Add(_root);
            policy.ExtraStore.Add(_intermediate);
            policy.RevocationMode = X509RevocationMode.NoCheck;
            policy.DisableCertificateDownloads = true;
            bool ok = chain.Build(_leaf) && chain.ChainElements.Count == 3 && _leaf.MatchesHostname(Fixtures.LeafDnsName);
            foreach (X509ChainElement element in chain.ChainElements) element.Certificate.Dispose();
            return ok;
        }
    }
}
