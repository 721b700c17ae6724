using System;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using PkiTools.Core.Keys;
using PkiTools.Core.Revocation;
using PkiTools.Core.Validation;
using PkiTools.Core.X509;

namespace PkiTools.Benchmarks
{
    /// <summary>
    /// Validation of root -> intermediate -> leaf (all P-256, leaf for web01.corp.example) through ChainValidator, and
    /// the same work through .NET's X509Chain with CustomRootTrust (no revocation, no downloads) plus MatchesHostname.
    /// The certificates are public-only copies, as they would be read from files. Issue 15's figures: the same chain with
    /// RFC 5280 policy processing (a policy on each certificate, policyConstraints requireExplicitPolicy on the
    /// intermediate, one policy mapping, the caller's initial set), and with revocation checked against the
    /// intermediate's CRL of 100,000 entries plus the root's (parsed once, as Test-CertChain -Crl does per call).
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
            SetupPoliciesAndCrl(root, intermediate);
        }

        [Benchmark(Baseline = true, Description = "ChainValidator.Validate")]
        public ChainValidationResult PkiToolsChainValidator() => ChainValidator.Validate(_leaf, _options);

        [Benchmark(Description = "ChainValidator.Validate, certificate policies with a mapping and requireExplicitPolicy")]
        public ChainValidationResult WithPolicies() => ChainValidator.Validate(_policyLeaf, _policyOptions);

        [Benchmark(Description = "ChainValidator.Validate, revocation against a 100,000-entry CRL")]
        public ChainValidationResult WithLargeCrl() => ChainValidator.Validate(_leaf, _crlOptions);

        private X509Certificate2 _policyLeaf = null!;
        private ChainValidationOptions _policyOptions = null!;
        private ChainValidationOptions _crlOptions = null!;

        private void SetupPoliciesAndCrl(IssuedCertificate root, IssuedCertificate intermediate)
        {
            // Policies: built with BouncyCastle's generator (the issuing API writes no policies), all P-256.
            const string p1 = "1.3.6.1.4.1.55555.1.1", p2 = "1.3.6.1.4.1.55555.1.2";
            var random = new SecureRandom();
            var generator = new ECKeyPairGenerator();
            generator.Init(new ECKeyGenerationParameters(Org.BouncyCastle.Asn1.Sec.SecObjectIdentifiers.SecP256r1, random));
            AsymmetricCipherKeyPair rootKey = generator.GenerateKeyPair(), caKey = generator.GenerateKeyPair(), leafKey = generator.GenerateKeyPair();
            var rootName = new X509Name("CN=Policy Bench Root");
            var caName = new X509Name("CN=Policy Bench CA");
            X509Certificate2 Make(X509Name subject, AsymmetricKeyParameter pub, X509Name issuer, AsymmetricKeyParameter signer, int serial, Action<X509V3CertificateGenerator> extensions)
            {
                var g = new X509V3CertificateGenerator();
                g.SetSerialNumber(Org.BouncyCastle.Math.BigInteger.ValueOf(serial));
                g.SetSubjectDN(subject);
                g.SetIssuerDN(issuer);
                g.SetNotBefore(DateTime.UtcNow.AddDays(-1));
                g.SetNotAfter(DateTime.UtcNow.AddDays(365));
                g.SetPublicKey(pub);
                extensions(g);
                return X509CertificateLoader.LoadCertificate(g.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", signer, random)).GetEncoded());
            }
            void Ca(X509V3CertificateGenerator g)
            {
                g.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
                g.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
            }
            X509Certificate2 policyRoot = Make(rootName, rootKey.Public, rootName, rootKey.Private, 1, Ca);
            X509Certificate2 policyCa = Make(caName, caKey.Public, rootName, rootKey.Private, 2, g =>
            {
                Ca(g);
                g.AddExtension(X509Extensions.CertificatePolicies, false, new DerSequence(new PolicyInformation(new DerObjectIdentifier(p1))));
                g.AddExtension(X509Extensions.PolicyMappings, true, new DerSequence(new DerSequence(new DerObjectIdentifier(p1), new DerObjectIdentifier(p2))));
                g.AddExtension(X509Extensions.PolicyConstraints, true, new DerSequence(new DerTaggedObject(false, 0, DerInteger.ValueOf(0))));
            });
            _policyLeaf = Make(new X509Name("CN=" + Fixtures.LeafDnsName), leafKey.Public, caName, caKey.Private, 3, g =>
            {
                g.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.DnsName, Fixtures.LeafDnsName)));
                g.AddExtension(X509Extensions.CertificatePolicies, false, new DerSequence(new PolicyInformation(new DerObjectIdentifier(p2))));
            });
            _policyOptions = new ChainValidationOptions
            {
                TrustedRoots = new[] { policyRoot },
                Intermediates = new[] { policyCa },
                DnsName = Fixtures.LeafDnsName,
                InitialPolicies = new[] { p1 },
                RequireExplicitPolicy = true,
            };
            ChainValidationResult policies = WithPolicies();
            if (!policies.IsValid || !policies.ValidPolicies.Contains(p1))
            {
                throw new InvalidOperationException("ChainValidator rejected the policy chain: " + string.Join("; ", policies.Problems));
            }

            // Revocation: 100,000 other serials revoked by the intermediate; the leaf is not among them.
            var revokedAt = DateTimeOffset.UtcNow.AddDays(-1);
            var entries = new RevokedEntry[100_000];
            for (int i = 0; i < entries.Length; i++) entries[i] = new RevokedEntry(BitConverter.GetBytes(0x10000000 + i).Reverse().ToArray(), revokedAt, RevocationReason.KeyCompromise);
            CertificateRevocationList big = CrlBuilder.Build(intermediate.Certificate, entries, 2, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(7));
            CertificateRevocationList rootCrl = CrlBuilder.Build(root.Certificate, Array.Empty<RevokedEntry>(), 1, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(7));
            _crlOptions = new ChainValidationOptions
            {
                TrustedRoots = new[] { _root },
                Intermediates = new[] { _intermediate },
                DnsName = Fixtures.LeafDnsName,
                Crls = new[] { CertificateRevocationList.Parse(big.GetEncoded()), CertificateRevocationList.Parse(rootCrl.GetEncoded()) },
            };
            ChainValidationResult revocation = WithLargeCrl();
            if (!revocation.IsValid || revocation.Revocation.Count != 2 || revocation.Revocation.Any(c => c.Status != RevocationStatus.Good))
            {
                throw new InvalidOperationException("ChainValidator rejected the chain with CRLs: " + string.Join("; ", revocation.Problems));
            }
        }

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
