using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using PkiTools.Core.Formats;
using PkiTools.Core.Validation;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>
    /// The RFC 5280 rules the validator enforces beyond path checking (key identifiers, serials, empty subjects, leaf
    /// basicConstraints/keyUsage consistency, AIA, weak keys, malformed names under name constraints, MaxDepth,
    /// RequiredKeyUsage), and the certificates ordinary internal-PKI tools make, which must still validate.
    /// </summary>
    public class ProfileRuleTests
    {
        private static readonly (X509Certificate2 Certificate, AsymmetricCipherKeyPair Key) Root = RawCertificates.Root("CN=Profile Root");

        private static ChainValidationOptions Options(X509Certificate2[]? intermediates = null, bool allowWeak = false, X509Certificate2? root = null) => new ChainValidationOptions
        {
            TrustedRoots = new[] { root ?? Root.Certificate },
            Intermediates = intermediates ?? Array.Empty<X509Certificate2>(),
            At = ValidationPki.At,
            AllowWeakSignatures = allowWeak,
        };

        private static (ChainProblemCode, int)[] Problems(X509Certificate2 leaf, ChainValidationOptions? options = null) =>
            ChainValidator.Validate(leaf, options ?? Options()).Problems.Select(p => (p.Code, p.Index)).ToArray();

        private static X509Certificate2 Leaf(Action<Org.BouncyCastle.X509.X509V3CertificateGenerator>? extensions = null, string subject = "CN=raw.corp.example", AsymmetricKeyParameter? publicKey = null) =>
            RawCertificates.Build(RawCertificates.Name(subject), publicKey ?? RawCertificates.NewKey().Public, RawCertificates.NameOf(Root.Certificate), Root.Key.Private, extensions ?? RawCertificates.ServerLeaf);

        [Fact]
        public void Critical_key_identifiers_are_CertificateInvalid()
        {
            X509Certificate2 aki = Leaf(g =>
            {
                RawCertificates.ServerLeaf(g);
                g.AddExtension(X509Extensions.AuthorityKeyIdentifier, true, new AuthorityKeyIdentifier(new byte[] { 1, 2, 3 }));
            });
            X509Certificate2 ski = Leaf(g =>
            {
                RawCertificates.ServerLeaf(g);
                g.AddExtension(X509Extensions.SubjectKeyIdentifier, true, new SubjectKeyIdentifier(new byte[] { 1, 2, 3 }));
            });
            Assert.Equal(new[] { (ChainProblemCode.CertificateInvalid, 0) }, Problems(aki));
            Assert.Equal(new[] { (ChainProblemCode.CertificateInvalid, 0) }, Problems(ski));
        }

        /// <summary>A certificate with any serial (BouncyCastle's generator refuses zero and negative ones).</summary>
        private static X509Certificate2 WithSerial(BigInteger serial, X509Name subject, AsymmetricKeyParameter publicKey, X509Name issuer, AsymmetricKeyParameter issuerKey, Action<X509ExtensionsGenerator> extensions)
        {
            var tbs = new V3TbsCertificateGenerator();
            var factory = new Org.BouncyCastle.Crypto.Operators.Asn1SignatureFactory("SHA256WITHECDSA", issuerKey);
            var algorithm = (AlgorithmIdentifier)factory.AlgorithmDetails;
            tbs.SetSerialNumber(new DerInteger(serial));
            tbs.SetSignature(algorithm);
            tbs.SetIssuer(issuer);
            tbs.SetStartDate(new Time(ValidationPki.Days(-30).UtcDateTime));
            tbs.SetEndDate(new Time(ValidationPki.Days(300).UtcDateTime));
            tbs.SetSubject(subject);
            tbs.SetSubjectPublicKeyInfo(Org.BouncyCastle.X509.SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey));
            var ext = new X509ExtensionsGenerator();
            extensions(ext);
            tbs.SetExtensions(ext.Generate());
            TbsCertificateStructure structure = tbs.GenerateTbsCertificate();
            IStreamCalculator<IBlockResult> calculator = factory.CreateCalculator();
            using (Stream stream = calculator.Stream) structure.EncodeTo(stream, Asn1Encodable.Der);
            byte[] signature = calculator.GetResult().Collect();
            return new X509Certificate2(new X509CertificateStructure(structure, algorithm, new DerBitString(signature)).GetEncoded(Asn1Encodable.Der));
        }

        private static void ServerLeaf(X509ExtensionsGenerator g)
        {
            g.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
            g.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.DnsName, "raw.corp.example")));
        }

        [Theory]
        [InlineData("0")]
        [InlineData("-5")]
        [InlineData("123456789012345678901234567890123456789012345678901234567890")] // 25 octets
        public void Serial_outside_1_to_20_positive_octets_is_CertificateInvalid(string serial)
        {
            X509Certificate2 leaf = WithSerial(new BigInteger(serial), RawCertificates.Name("CN=raw.corp.example"), RawCertificates.NewKey().Public, RawCertificates.NameOf(Root.Certificate), Root.Key.Private, ServerLeaf);
            Assert.Equal(new[] { (ChainProblemCode.CertificateInvalid, 0) }, Problems(leaf));
            X509Certificate2 twenty = WithSerial(new BigInteger(1, Enumerable.Repeat((byte)0x7f, 20).ToArray()), RawCertificates.Name("CN=raw.corp.example"), RawCertificates.NewKey().Public, RawCertificates.NameOf(Root.Certificate), Root.Key.Private, ServerLeaf);
            Assert.Empty(Problems(twenty));
        }

        [Fact]
        public void Serial_rules_do_not_apply_to_trust_anchors()
        {
            // Old self-signed device certificates often have serial 0; trusting one is the user's call.
            AsymmetricCipherKeyPair key = RawCertificates.NewKey();
            X509Certificate2 self = WithSerial(BigInteger.Zero, RawCertificates.Name("CN=raw.corp.example"), key.Public, RawCertificates.Name("CN=raw.corp.example"), key.Private, ServerLeaf);
            ChainValidationResult result = ChainValidator.Validate(self, new ChainValidationOptions { TrustedRoots = new[] { self }, DnsName = "raw.corp.example", At = ValidationPki.At });
            Assert.True(result.IsValid, string.Join("\n", result.Problems));
        }

        [Fact]
        public void Empty_subject_needs_a_critical_subjectAltName()
        {
            var san = new GeneralNames(new GeneralName(GeneralName.DnsName, "raw.corp.example"));
            X509Certificate2 nonCritical = Leaf(g => g.AddExtension(X509Extensions.SubjectAlternativeName, false, san), subject: "");
            X509Certificate2 critical = Leaf(g => g.AddExtension(X509Extensions.SubjectAlternativeName, true, san), subject: "");
            Assert.Equal(new[] { (ChainProblemCode.CertificateInvalid, 0) }, Problems(nonCritical));
            Assert.Empty(Problems(critical));
        }

        [Fact]
        public void Leaf_whose_basicConstraints_and_keyUsage_disagree_is_CertificateInvalid()
        {
            X509Certificate2 keyCertSignLeaf = Leaf(g =>
            {
                RawCertificates.ServerLeaf(g);
                g.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature | KeyUsage.KeyCertSign));
            });
            X509Certificate2 caWithoutKeyCertSign = Leaf(g =>
            {
                g.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
                g.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature));
                g.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.DnsName, "raw.corp.example")));
            });
            Assert.Equal(new[] { (ChainProblemCode.CertificateInvalid, 0) }, Problems(keyCertSignLeaf));
            Assert.Equal(new[] { (ChainProblemCode.CertificateInvalid, 0) }, Problems(caWithoutKeyCertSign));
        }

        [Fact]
        public void Self_signed_ca_true_server_certificate_trusted_directly_is_valid()
        {
            // What `openssl req -x509 -addext keyUsage=digitalSignature ...` makes with the default config (v3_ca: CA:TRUE).
            AsymmetricCipherKeyPair key = RawCertificates.NewKey();
            X509Certificate2 self = RawCertificates.Build(RawCertificates.Name("CN=app.corp.example"), key.Public, RawCertificates.Name("CN=app.corp.example"), key.Private, g =>
            {
                g.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
                g.AddExtension(X509Extensions.KeyUsage, false, new KeyUsage(KeyUsage.DigitalSignature));
                g.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.DnsName, "app.corp.example")));
            });
            ChainValidationResult result = ChainValidator.Validate(self, new ChainValidationOptions
            {
                TrustedRoots = new[] { self },
                DnsName = "app.corp.example",
                Purpose = CertificatePurpose.ServerAuth,
                At = ValidationPki.At,
            });
            Assert.True(result.IsValid, string.Join("\n", result.Problems));
        }

        [Fact]
        public void Malformed_authorityInfoAccess_is_CertificateInvalid()
        {
            X509Certificate2 leaf = Leaf(g =>
            {
                RawCertificates.ServerLeaf(g);
                g.AddExtension(X509Extensions.AuthorityInfoAccess, false, new DerSequence());
            });
            Assert.Equal(new[] { (ChainProblemCode.CertificateInvalid, 0) }, Problems(leaf));
        }

        [Theory]
        [InlineData(1024, ChainProblemCode.WeakKey)]
        [InlineData(2052, ChainProblemCode.WeakKey)]
        [InlineData(2048, null)]
        public void Rsa_leaf_keys_under_2048_bits_or_not_whole_bytes_are_WeakKey(int bits, ChainProblemCode? expected)
        {
            var generator = new RsaKeyPairGenerator();
            generator.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(65537), new SecureRandom(), bits, 25));
            X509Certificate2 leaf = Leaf(publicKey: generator.GenerateKeyPair().Public);
            Assert.Equal(expected is ChainProblemCode code ? new[] { (code, 0) } : Array.Empty<(ChainProblemCode, int)>(), Problems(leaf));
            Assert.Empty(Problems(leaf, Options(allowWeak: true)));
        }

        [Fact]
        public void Weak_root_key_is_WeakKey_at_the_anchor()
        {
            var generator = new RsaKeyPairGenerator();
            generator.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(65537), new SecureRandom(), 1024, 25));
            AsymmetricCipherKeyPair rsa = generator.GenerateKeyPair();
            X509Certificate2 root = RawCertificates.Build(RawCertificates.Name("CN=RSA1024 Root"), rsa.Public, RawCertificates.Name("CN=RSA1024 Root"), rsa.Private, RawCertificates.CaWithKeyCertSign, "SHA256WITHRSA");
            X509Certificate2 leaf = RawCertificates.Build(RawCertificates.Name("CN=raw.corp.example"), RawCertificates.NewKey().Public, RawCertificates.Name("CN=RSA1024 Root"), rsa.Private, RawCertificates.ServerLeaf, "SHA256WITHRSA");
            Assert.Equal(new[] { (ChainProblemCode.WeakKey, 1) }, Problems(leaf, Options(root: root)));
            Assert.Empty(Problems(leaf, Options(root: root, allowWeak: true)));
        }

        [Fact]
        public void P192_leaf_key_is_WeakKey()
        {
            var generator = new ECKeyPairGenerator();
            generator.Init(new ECKeyGenerationParameters(Org.BouncyCastle.Asn1.Sec.SecObjectIdentifiers.SecP192r1, new SecureRandom()));
            X509Certificate2 leaf = Leaf(publicKey: generator.GenerateKeyPair().Public);
            Assert.Equal(new[] { (ChainProblemCode.WeakKey, 0) }, Problems(leaf));
        }

        [Fact]
        public void Malformed_san_names_are_outside_every_permitted_subtree()
        {
            AsymmetricCipherKeyPair caKey = RawCertificates.NewKey();
            X509Certificate2 ca = RawCertificates.Build(RawCertificates.Name("CN=Constrained CA"), caKey.Public, RawCertificates.NameOf(Root.Certificate), Root.Key.Private, g =>
            {
                RawCertificates.CaWithKeyCertSign(g);
                g.AddExtension(X509Extensions.NameConstraints, true, new NameConstraints(
                    new GeneralSubtrees(new[] { new GeneralSubtree(new GeneralName(GeneralName.DnsName, "example.com")), new GeneralSubtree(new GeneralName(GeneralName.Rfc822Name, "example.com")) }), null));
            });
            X509Certificate2 Under(GeneralName name) => RawCertificates.Build(RawCertificates.Name("CN=leaf"), RawCertificates.NewKey().Public, RawCertificates.Name("CN=Constrained CA"), caKey.Private,
                g => g.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(name)));
            ChainValidationOptions options = Options(new[] { ca });
            Assert.Empty(Problems(Under(new GeneralName(GeneralName.DnsName, "www.example.com")), options));
            Assert.Empty(Problems(Under(new GeneralName(GeneralName.Rfc822Name, "someone@example.com")), options));
            Assert.Equal(new[] { (ChainProblemCode.NameConstraintViolation, 0) }, Problems(Under(new GeneralName(GeneralName.DnsName, ".example.com")), options));
            Assert.Equal(new[] { (ChainProblemCode.NameConstraintViolation, 0) }, Problems(Under(new GeneralName(GeneralName.DnsName, "a..example.com")), options));
            Assert.Equal(new[] { (ChainProblemCode.NameConstraintViolation, 0) }, Problems(Under(new GeneralName(GeneralName.Rfc822Name, "bad@address@example.com")), options));
        }

        [Fact]
        public void MaxDepth_counts_intermediates_but_not_self_issued_ones()
        {
            ChainCase good = ValidationPki.Cases["good"]; // root -> intermediate -> leaf
            ChainValidationOptions With(int? depth) => new ChainValidationOptions
            {
                TrustedRoots = good.Roots,
                Intermediates = good.Intermediates,
                At = ValidationPki.At,
                MaxDepth = depth,
            };
            Assert.True(ChainValidator.Validate(good.Leaf, With(1)).IsValid);
            Assert.True(ChainValidator.Validate(good.Leaf, With(null)).IsValid);
            ChainValidationResult tooDeep = ChainValidator.Validate(good.Leaf, With(0));
            Assert.Equal(new[] { (ChainProblemCode.PathLengthExceeded, 1) }, tooDeep.Problems.Select(p => (p.Code, p.Index)));
            Assert.Contains("maximum depth", tooDeep.Problems[0].Message);
            PkiException ex = Assert.Throws<PkiException>(() => ChainValidator.Validate(good.Leaf, With(-1)));
            Assert.Equal(PkiErrorCode.InvalidArgument, ex.Code);

            // root -> A -> A' (self-issued: same name, new key) -> leaf: one intermediate for MaxDepth.
            PkiTools.Core.Keys.PrivateKey oldKey = ValidationPki.Key(), newKey = ValidationPki.Key();
            X509Certificate2 a = ValidationPki.Ca(ValidationPki.Root, "CN=Rollover CA", oldKey, pathLength: 1).Certificate;
            X509Certificate2 rollover = ValidationPki.Issue(a, new X509.CertificateTemplate { Subject = "CN=Rollover CA", Profile = X509.CertificateProfile.IntermediateCa, PathLength = 0, NotBefore = ValidationPki.Days(-20), NotAfter = ValidationPki.Days(500) }, newKey).Certificate;
            X509Certificate2 leaf = ValidationPki.Server(rollover, "rolled.corp.example").Certificate;
            var options = new ChainValidationOptions { TrustedRoots = new[] { ValidationPki.Root }, Intermediates = new[] { rollover, a }, At = ValidationPki.At, MaxDepth = 1 };
            ChainValidationResult result = ChainValidator.Validate(leaf, options);
            Assert.True(result.IsValid, string.Join("\n", result.Problems));
            Assert.Equal(4, result.Chain.Count);
        }

        [Fact]
        public void RequiredKeyUsage_is_checked_on_the_leaf_only()
        {
            X509Certificate2 signing = Leaf(g =>
            {
                RawCertificates.ServerLeaf(g);
                g.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature));
            });
            X509Certificate2 encipherOnly = Leaf(g =>
            {
                RawCertificates.ServerLeaf(g);
                g.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyEncipherment));
            });
            ChainValidationOptions options = new ChainValidationOptions { TrustedRoots = new[] { Root.Certificate }, At = ValidationPki.At, RequiredKeyUsage = X509KeyUsageFlags.DigitalSignature };
            Assert.Empty(Problems(signing, options));
            Assert.Empty(Problems(Leaf(), options)); // no keyUsage extension: every usage
            ChainValidationResult wrong = ChainValidator.Validate(encipherOnly, options);
            Assert.Equal(new[] { (ChainProblemCode.WrongPurpose, 0) }, wrong.Problems.Select(p => (p.Code, p.Index)));
            Assert.Contains("DigitalSignature", wrong.Problems[0].Message);
        }

        [Fact]
        public void Openssl_and_easy_rsa_style_pki_validates()
        {
            // Root: `openssl req -x509` with the default config (v3_ca). Intermediate and leaf: easy-rsa's x509-types
            // (non-critical CA:TRUE, authorityKeyIdentifier keyid:always,issuer:always), signed with `openssl x509 -req`.
            using var dir = new TempDir();
            string d = dir.File(string.Empty);
            File.WriteAllText(dir.File("ca.ext"), "basicConstraints = CA:TRUE\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always,issuer:always\nkeyUsage = cRLSign, keyCertSign\n");
            File.WriteAllText(dir.File("server.ext"), "basicConstraints = CA:FALSE\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid,issuer:always\nextendedKeyUsage = serverAuth\nkeyUsage = digitalSignature,keyEncipherment\nsubjectAltName = DNS:web.corp.example,IP:192.0.2.7\n");
            void Ok(params string[] args)
            {
                OpenSsl.Result r = OpenSsl.RunIn(d, null, args);
                Assert.True(r.ExitCode == 0, r.ToString());
            }
            Ok("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key", "-out", "root.pem", "-subj", "/CN=Easy Root", "-days", "30");
            Ok("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.csr", "-subj", "/CN=Easy Sub CA");
            Ok("x509", "-req", "-in", "ca.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial", "-out", "ca.pem", "-days", "30", "-extfile", "ca.ext");
            Ok("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "web.key", "-out", "web.csr", "-subj", "/CN=web");
            Ok("x509", "-req", "-in", "web.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "web.pem", "-days", "30", "-extfile", "server.ext");
            X509Certificate2 Read(string name) => X509Certificate2.CreateFromPem(File.ReadAllText(dir.File(name)));
            var options = new ChainValidationOptions
            {
                TrustedRoots = new[] { Read("root.pem") },
                Intermediates = new[] { Read("ca.pem") },
                DnsName = "web.corp.example",
                Purpose = CertificatePurpose.ServerAuth,
                RequiredKeyUsage = X509KeyUsageFlags.DigitalSignature,
                MaxDepth = 1,
            };
            ChainValidationResult result = ChainValidator.Validate(Read("web.pem"), options);
            Assert.True(result.IsValid, string.Join("\n", result.Problems));
            Assert.Equal(3, result.Chain.Count);
        }

        [Fact]
        public void Dotnet_CertificateRequest_pki_without_key_identifiers_validates()
        {
            // .NET adds no subjectKeyIdentifier or authorityKeyIdentifier unless asked to.
            DateTimeOffset now = DateTimeOffset.UtcNow;
            using ECDsa rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var rootRequest = new CertificateRequest("CN=DotNet Root", rootKey, HashAlgorithmName.SHA256);
            rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            using X509Certificate2 root = rootRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

            using ECDsa leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var leafRequest = new CertificateRequest("CN=dotnet.corp.example", leafKey, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("dotnet.corp.example");
            leafRequest.CertificateExtensions.Add(san.Build());
            leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, true)); // critical, as many samples do
            using X509Certificate2 leaf = leafRequest.Create(root, now.AddDays(-1), now.AddDays(10), new byte[] { 0x01, 0x23, 0x45 });

            ChainValidationResult result = ChainValidator.Validate(leaf, new ChainValidationOptions
            {
                TrustedRoots = new[] { root },
                DnsName = "dotnet.corp.example",
                Purpose = CertificatePurpose.ServerAuth,
            });
            Assert.True(result.IsValid, string.Join("\n", result.Problems));
        }
    }
}
