using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using PkiTools.Core.Formats;
using PkiTools.Core.Validation;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>Critical extensions, key usage, basic constraints and signature algorithms, on BouncyCastle-built certificates.</summary>
    public class ExtensionAndAlgorithmTests
    {
        private static readonly (X509Certificate2 Certificate, AsymmetricCipherKeyPair Key) Root = RawCertificates.Root("CN=Raw Root");

        private static (ChainProblemCode, int)[] Problems(X509Certificate2 leaf, X509Certificate2[]? intermediates = null, CertificatePurpose purpose = CertificatePurpose.Any, bool allowWeak = false) =>
            ChainValidator.Validate(leaf, new ChainValidationOptions
            {
                TrustedRoots = new[] { Root.Certificate },
                Intermediates = intermediates ?? new X509Certificate2[0],
                Purpose = purpose,
                At = ValidationPki.At,
                AllowWeakSignatures = allowWeak,
            }).Problems.Select(p => (p.Code, p.Index)).ToArray();

        private static X509Certificate2 Leaf(System.Action<Org.BouncyCastle.X509.X509V3CertificateGenerator>? extra = null, string algorithm = "SHA256WITHECDSA") =>
            RawCertificates.Build(RawCertificates.Name("CN=raw.corp.example"), RawCertificates.NewKey().Public, RawCertificates.NameOf(Root.Certificate), Root.Key.Private,
                g => { RawCertificates.ServerLeaf(g); extra?.Invoke(g); }, algorithm);

        private static bool OpensslAccepts(X509Certificate2 leaf, X509Certificate2[]? intermediates = null)
        {
            using var dir = new TempDir();
            File.WriteAllText(dir.File("root.pem"), Pem.Encode("CERTIFICATE", Root.Certificate.RawData));
            File.WriteAllText(dir.File("leaf.pem"), Pem.Encode("CERTIFICATE", leaf.RawData));
            File.WriteAllText(dir.File("int.pem"), string.Concat((intermediates ?? new X509Certificate2[0]).Select(c => Pem.Encode("CERTIFICATE", c.RawData))));
            var args = new System.Collections.Generic.List<string> { "verify", "-no-CApath", "-no-CAstore", "-CAfile", dir.File("root.pem"), "-attime", ValidationPki.At.ToUnixTimeSeconds().ToString() };
            if (intermediates != null) args.AddRange(new[] { "-untrusted", dir.File("int.pem") });
            args.Add(dir.File("leaf.pem"));
            return OpenSsl.Run(args.ToArray()).ExitCode == 0;
        }

        [Fact]
        public void Plain_raw_leaf_is_valid()
        {
            X509Certificate2 leaf = Leaf();
            Assert.Empty(Problems(leaf));
            Assert.True(OpensslAccepts(leaf));
        }

        [Fact]
        public void Unknown_critical_extension_is_rejected_like_openssl()
        {
            X509Certificate2 leaf = Leaf(g => g.AddExtension(new DerObjectIdentifier("1.3.6.1.4.1.99999.7"), true, DerNull.Instance));
            Assert.Equal(new[] { (ChainProblemCode.UnknownCriticalExtension, 0) }, Problems(leaf));
            Assert.False(OpensslAccepts(leaf));
        }

        [Fact]
        public void Unknown_non_critical_extension_is_ignored()
        {
            X509Certificate2 leaf = Leaf(g => g.AddExtension(new DerObjectIdentifier("1.3.6.1.4.1.99999.7"), false, DerNull.Instance));
            Assert.Empty(Problems(leaf));
        }

        [Fact]
        public void Sha1_signature_is_weak_unless_allowed()
        {
            X509Certificate2 leaf = Leaf(algorithm: "SHA1WITHECDSA");
            Assert.Equal(new[] { (ChainProblemCode.WeakSignatureAlgorithm, 0) }, Problems(leaf));
            Assert.Empty(Problems(leaf, allowWeak: true));
        }

        [Fact]
        public void Sha1_rsa_signature_is_weak_unless_allowed()
        {
            var g = new Org.BouncyCastle.Crypto.Generators.RsaKeyPairGenerator();
            g.Init(new Org.BouncyCastle.Crypto.Parameters.RsaKeyGenerationParameters(Org.BouncyCastle.Math.BigInteger.ValueOf(65537), new Org.BouncyCastle.Security.SecureRandom(), 2048, 25));
            AsymmetricCipherKeyPair rsa = g.GenerateKeyPair();
            X509Certificate2 root = RawCertificates.Build(RawCertificates.Name("CN=RSA Root"), rsa.Public, RawCertificates.Name("CN=RSA Root"), rsa.Private, RawCertificates.CaWithKeyCertSign, "SHA256WITHRSA");
            X509Certificate2 leaf = RawCertificates.Build(RawCertificates.Name("CN=raw.corp.example"), RawCertificates.NewKey().Public, RawCertificates.Name("CN=RSA Root"), rsa.Private, RawCertificates.ServerLeaf, "SHA1WITHRSA");
            var options = new ChainValidationOptions { TrustedRoots = new[] { root }, At = ValidationPki.At };
            Assert.Equal(new[] { (ChainProblemCode.WeakSignatureAlgorithm, 0) }, ChainValidator.Validate(leaf, options).Problems.Select(p => (p.Code, p.Index)));
            Assert.True(ChainValidator.Validate(leaf, new ChainValidationOptions { TrustedRoots = new[] { root }, At = ValidationPki.At, AllowWeakSignatures = true }).IsValid);
        }

        [Theory]
        [InlineData(Keys.KeyAlgorithm.Rsa2048)]
        [InlineData(Keys.KeyAlgorithm.EcdsaP384)]
        [InlineData(Keys.KeyAlgorithm.EcdsaP521)]
        [InlineData(Keys.KeyAlgorithm.Ed25519)]
        public void Chains_of_every_key_family_validate(Keys.KeyAlgorithm algorithm)
        {
            // Keys travel explicitly: .NET cannot hold an Ed25519 key on a certificate object.
            var rootIssued = X509.CertificateIssuer.SelfSign(Keys.PrivateKey.Generate(algorithm), new X509.CertificateTemplate { Subject = "CN=Alg Root " + algorithm, Profile = X509.CertificateProfile.RootCa, NotBefore = ValidationPki.Days(-10) }, ValidationPki.Days(-10));
            var root = rootIssued.Certificate;
            var caIssued = new X509.CertificateIssuer(root, rootIssued.Key!) { Clock = () => ValidationPki.Days(-30) }.Issue(Keys.PrivateKey.Generate(algorithm),
                new X509.CertificateTemplate { Subject = "CN=Alg CA", Profile = X509.CertificateProfile.IntermediateCa, NotBefore = ValidationPki.Days(-5), NotAfter = ValidationPki.Days(100) });
            var ca = caIssued.Certificate;
            var leaf = new X509.CertificateIssuer(ca, caIssued.Key!) { Clock = () => ValidationPki.Days(-30) }.Issue(Keys.PrivateKey.Generate(algorithm),
                new X509.CertificateTemplate { Subject = "CN=alg.corp.example", DnsNames = new[] { "alg.corp.example" }, Profile = X509.CertificateProfile.TlsServer, NotBefore = ValidationPki.Days(-10), NotAfter = ValidationPki.Days(90) }).Certificate;
            var options = new ChainValidationOptions { TrustedRoots = new[] { root }, Intermediates = new[] { ca }, DnsName = "alg.corp.example", Purpose = CertificatePurpose.ServerAuth, At = ValidationPki.At };
            ChainValidationResult result = ChainValidator.Validate(leaf, options);
            Assert.True(result.IsValid, string.Join("\n", result.Problems));
            Assert.Equal(3, result.Chain.Count);
        }

        [Fact]
        public void Ca_without_keyCertSign_is_KeyUsageMissing()
        {
            var key = RawCertificates.NewKey();
            X509Certificate2 ca = RawCertificates.Build(RawCertificates.Name("CN=No KeyCertSign CA"), key.Public, RawCertificates.NameOf(Root.Certificate), Root.Key.Private, g =>
            {
                RawCertificates.Ca(g);
                g.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature));
            });
            X509Certificate2 leaf = RawCertificates.Build(RawCertificates.Name("CN=raw.corp.example"), RawCertificates.NewKey().Public, RawCertificates.Name("CN=No KeyCertSign CA"), key.Private, RawCertificates.ServerLeaf);
            Assert.Equal(new[] { (ChainProblemCode.KeyUsageMissing, 1) }, Problems(leaf, new[] { ca }));
            Assert.False(OpensslAccepts(leaf, new[] { ca }));
        }

        [Fact]
        public void Issuer_without_basic_constraints_is_not_a_ca()
        {
            var key = RawCertificates.NewKey();
            X509Certificate2 ca = RawCertificates.Build(RawCertificates.Name("CN=No BC CA"), key.Public, RawCertificates.NameOf(Root.Certificate), Root.Key.Private);
            X509Certificate2 leaf = RawCertificates.Build(RawCertificates.Name("CN=raw.corp.example"), RawCertificates.NewKey().Public, RawCertificates.Name("CN=No BC CA"), key.Private, RawCertificates.ServerLeaf);
            Assert.Equal(new[] { (ChainProblemCode.IssuerNotCa, 1) }, Problems(leaf, new[] { ca }));
            Assert.False(OpensslAccepts(leaf, new[] { ca }));
        }

        [Fact]
        public void Intermediate_with_eku_lacking_the_purpose_is_WrongPurpose()
        {
            var key = RawCertificates.NewKey();
            X509Certificate2 ca = RawCertificates.Build(RawCertificates.Name("CN=Client Only CA"), key.Public, RawCertificates.NameOf(Root.Certificate), Root.Key.Private, g =>
            {
                RawCertificates.CaWithKeyCertSign(g);
                g.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_clientAuth));
            });
            X509Certificate2 leaf = RawCertificates.Build(RawCertificates.Name("CN=raw.corp.example"), RawCertificates.NewKey().Public, RawCertificates.Name("CN=Client Only CA"), key.Private, RawCertificates.ServerLeaf);
            Assert.Equal(new[] { (ChainProblemCode.WrongPurpose, 1) }, Problems(leaf, new[] { ca }, CertificatePurpose.ServerAuth));
            Assert.Empty(Problems(leaf, new[] { ca }, CertificatePurpose.Any));
        }

        [Fact]
        public void Malformed_extension_in_the_leaf_is_CertificateInvalid()
        {
            X509Certificate2 leaf = Leaf(g => g.AddExtension(X509Extensions.SubjectKeyIdentifier, false, DerInteger.ValueOf(5)));
            ChainValidationResult result = ChainValidator.Validate(leaf, new ChainValidationOptions { TrustedRoots = new[] { Root.Certificate }, At = ValidationPki.At });
            Assert.Equal(new[] { (ChainProblemCode.CertificateInvalid, 0) }, result.Problems.Select(p => (p.Code, p.Index)));
            Assert.Same(leaf, result.Chain.Single());
        }

        [Fact]
        public void Corrupted_signature_is_SignatureInvalid()
        {
            byte[] der = Leaf().RawData.ToArray();
            der[der.Length - 1] ^= 0x01;
            var leaf = new X509Certificate2(der);
            Assert.Equal(new[] { (ChainProblemCode.SignatureInvalid, 0) }, Problems(leaf));
        }
    }
}
