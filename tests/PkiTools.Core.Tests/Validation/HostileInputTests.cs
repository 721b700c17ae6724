using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using PkiTools.Core.Validation;
using Xunit;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>Inputs built to exhaust a path builder, and objects that are not certificates at all.</summary>
    public class HostileInputTests
    {
        /// <summary>8 CA keys under one name, every key certified by every key (64 certificates), and a leaf below them.</summary>
        private static readonly Lazy<(X509Certificate2 Leaf, X509Certificate2[] Bomb, X509Certificate2 SelfSigned7)> Bomb = new Lazy<(X509Certificate2, X509Certificate2[], X509Certificate2)>(() =>
        {
            const int n = 8;
            X509Name name = RawCertificates.Name("CN=Bomb CA");
            AsymmetricCipherKeyPair[] keys = Enumerable.Range(0, n).Select(_ => RawCertificates.NewKey()).ToArray();
            var certs = new List<X509Certificate2>();
            X509Certificate2? selfSigned7 = null;
            for (int subject = 0; subject < n; subject++)
            {
                for (int issuer = 0; issuer < n; issuer++)
                {
                    X509Certificate2 c = RawCertificates.Build(name, keys[subject].Public, name, keys[issuer].Private, RawCertificates.CaWithKeyCertSign);
                    certs.Add(c);
                    if (subject == 7 && issuer == 7) selfSigned7 = c;
                }
            }
            X509Certificate2 leaf = RawCertificates.Build(RawCertificates.Name("CN=raw.corp.example"), RawCertificates.NewKey().Public, name, keys[0].Private, RawCertificates.ServerLeaf);
            return (leaf, certs.ToArray(), selfSigned7!);
        });

        private static void AssertValidOrLimited(ChainValidationResult result)
        {
            Assert.True(result.IsValid || result.Problems.Any(p => p.Code == ChainProblemCode.PathBuildingLimitExceeded), string.Join("\n", result.Problems));
            Assert.InRange(result.Chain.Count, 1, ChainValidator.MaxPathLength);
        }

        [Fact]
        public void Cross_signing_bomb_without_a_trusted_root_stops_at_a_budget()
        {
            var bomb = Bomb.Value;
            ChainValidationResult result = ChainValidator.Validate(bomb.Leaf, new ChainValidationOptions
            {
                TrustedRoots = new[] { ValidationPki.Root },
                Intermediates = bomb.Bomb,
                At = ValidationPki.At,
            });
            Assert.False(result.IsValid);
            Assert.Contains(result.Problems, p => p.Code == ChainProblemCode.PathBuildingLimitExceeded);
        }

        [Fact]
        public void Cross_signing_bomb_finishes_within_a_second_at_a_named_budget()
        {
            var bomb = Bomb.Value;
            var options = new ChainValidationOptions { TrustedRoots = new[] { ValidationPki.Root }, Intermediates = bomb.Bomb, At = ValidationPki.At };
            ChainValidator.Validate(bomb.Leaf, options); // warm-up: JIT, not the measured run
            var stopwatch = System.Diagnostics.Stopwatch.StartNew();
            ChainValidationResult result = ChainValidator.Validate(bomb.Leaf, options);
            stopwatch.Stop();
            Assert.True(stopwatch.ElapsedMilliseconds < 1000, $"{stopwatch.ElapsedMilliseconds} ms");
            ChainProblem limit = Assert.Single(result.Problems, p => p.Code == ChainProblemCode.PathBuildingLimitExceeded);
            Assert.True(limit.Message.Contains($"{ChainValidator.MaxSignatureChecks} signature checks") || limit.Message.Contains($"{ChainValidator.MaxCandidatePaths} candidate paths"), limit.Message);
        }

        /// <summary>200 CAs with the intermediate's name and other keys, listed before the real one.</summary>
        private static X509Certificate2[] Impostors(string subject, bool keyIdentifiers)
        {
            var result = new List<X509Certificate2>();
            for (int i = 0; i < 200; i++)
            {
                AsymmetricCipherKeyPair key = RawCertificates.NewKey();
                result.Add(RawCertificates.Build(RawCertificates.Name(subject), key.Public, RawCertificates.NameOf(ValidationPki.Root), key.Private, g =>
                {
                    RawCertificates.CaWithKeyCertSign(g);
                    if (keyIdentifiers) g.AddExtension(X509Extensions.SubjectKeyIdentifier, false, new SubjectKeyIdentifier(new byte[] { (byte)i, 1, 2, 3 }));
                }));
            }
            return result.ToArray();
        }

        [Fact]
        public void Same_name_impostors_are_passed_over_by_key_identifier()
        {
            // The real intermediate's subjectKeyIdentifier matches the leaf's authorityKeyIdentifier: it is tried first.
            X509Certificate2[] intermediates = Impostors(ValidationPki.Intermediate.Subject, keyIdentifiers: true).Append(ValidationPki.Intermediate).ToArray();
            var stopwatch = System.Diagnostics.Stopwatch.StartNew();
            ChainValidationResult result = ChainValidator.Validate(ValidationPki.Leaf, new ChainValidationOptions { TrustedRoots = new[] { ValidationPki.Root }, Intermediates = intermediates, At = ValidationPki.At });
            Assert.True(result.IsValid, string.Join("\n", result.Problems));
            Assert.Same(ValidationPki.Intermediate, result.Chain[1]);
            Assert.True(stopwatch.ElapsedMilliseconds < 1000, $"{stopwatch.ElapsedMilliseconds} ms");
        }

        [Fact]
        public void Same_name_impostors_without_key_identifiers_stop_at_a_budget()
        {
            var bomb = Bomb.Value; // a leaf without authorityKeyIdentifier, issued by "CN=Bomb CA" key 0
            X509Certificate2[] intermediates = Impostors("CN=Bomb CA", keyIdentifiers: false);
            var stopwatch = System.Diagnostics.Stopwatch.StartNew();
            ChainValidationResult result = ChainValidator.Validate(bomb.Leaf, new ChainValidationOptions { TrustedRoots = new[] { ValidationPki.Root }, Intermediates = intermediates, At = ValidationPki.At });
            stopwatch.Stop();
            Assert.False(result.IsValid);
            Assert.Contains(result.Problems, p => p.Code == ChainProblemCode.PathBuildingLimitExceeded);
            Assert.True(stopwatch.ElapsedMilliseconds < 1000, $"{stopwatch.ElapsedMilliseconds} ms");
        }

        [Fact]
        public void Name_constraint_comparisons_stop_at_a_budget()
        {
            // 600 permitted subtrees x 600 SANs, each SAN matching only the last subtree: 360,000 comparisons.
            AsymmetricCipherKeyPair caKey = RawCertificates.NewKey();
            GeneralSubtree[] permitted = Enumerable.Range(0, 600).Select(i => new GeneralSubtree(new GeneralName(GeneralName.DnsName, i == 599 ? "corp.example" : $"zone{i}.example"))).ToArray();
            X509Certificate2 ca = RawCertificates.Build(RawCertificates.Name("CN=Many Constraints CA"), caKey.Public, RawCertificates.NameOf(ValidationPki.Root), caKey.Private, g =>
            {
                RawCertificates.CaWithKeyCertSign(g);
                g.AddExtension(X509Extensions.NameConstraints, true, new NameConstraints(new GeneralSubtrees(permitted), null));
            });
            GeneralName[] sans = Enumerable.Range(0, 600).Select(i => new GeneralName(GeneralName.DnsName, $"host{i}.corp.example")).ToArray();
            X509Certificate2 leaf = RawCertificates.Build(RawCertificates.Name("CN=host0.corp.example"), RawCertificates.NewKey().Public, RawCertificates.Name("CN=Many Constraints CA"), caKey.Private,
                g => g.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(sans)));
            var stopwatch = System.Diagnostics.Stopwatch.StartNew();
            ChainValidationResult result = ChainValidator.Validate(leaf, new ChainValidationOptions { TrustedRoots = new[] { ca }, At = ValidationPki.At });
            stopwatch.Stop();
            ChainProblem limit = Assert.Single(result.Problems);
            Assert.Equal((ChainProblemCode.PathBuildingLimitExceeded, 1), (limit.Code, limit.Index));
            Assert.Contains($"{NameConstraintChecker.MaxComparisons}", limit.Message);
            Assert.True(stopwatch.ElapsedMilliseconds < 1000, $"{stopwatch.ElapsedMilliseconds} ms");
        }

        [Fact]
        public void Cross_signing_bomb_with_one_trusted_member_is_valid_or_limited()
        {
            var bomb = Bomb.Value;
            AssertValidOrLimited(ChainValidator.Validate(bomb.Leaf, new ChainValidationOptions
            {
                TrustedRoots = new[] { bomb.SelfSigned7 },
                Intermediates = bomb.Bomb.Reverse().ToArray(),
                At = ValidationPki.At,
            }));
        }

        [Fact]
        public void Chain_longer_than_the_depth_limit_is_reported()
        {
            X509Certificate2 issuer = ValidationPki.Root;
            var intermediates = new List<X509Certificate2>();
            for (int i = 0; i < ChainValidator.MaxPathLength; i++)
            {
                issuer = ValidationPki.Ca(issuer, $"CN=Deep CA {i}", pathLength: 50 - i).Certificate;
                intermediates.Add(issuer);
            }
            X509Certificate2 leaf = ValidationPki.Server(issuer, "deepest.corp.example").Certificate;
            ChainValidationResult result = ChainValidator.Validate(leaf, new ChainValidationOptions
            {
                TrustedRoots = new[] { ValidationPki.Root },
                Intermediates = intermediates,
                At = ValidationPki.At,
            });
            Assert.Equal(new[] { (ChainProblemCode.PathBuildingLimitExceeded, ChainValidator.MaxPathLength - 1) }, result.Problems.Select(p => (p.Code, p.Index)));

            // A larger MaxDepth (limbo asks for 255) does not lift the built-in limit.
            ChainValidationResult withMaxDepth = ChainValidator.Validate(leaf, new ChainValidationOptions
            {
                TrustedRoots = new[] { ValidationPki.Root },
                Intermediates = intermediates,
                At = ValidationPki.At,
                MaxDepth = 255,
            });
            Assert.Equal(new[] { (ChainProblemCode.PathBuildingLimitExceeded, ChainValidator.MaxPathLength - 1) }, withMaxDepth.Problems.Select(p => (p.Code, p.Index)));

            // Deep CA 8 -> ... -> Deep CA 0 -> root is exactly MaxDepth certificates.
            ChainValidationResult shorter = ChainValidator.Validate(intermediates[ChainValidator.MaxPathLength - 2], new ChainValidationOptions
            {
                TrustedRoots = new[] { ValidationPki.Root },
                Intermediates = intermediates,
                At = ValidationPki.At,
            });
            Assert.True(shorter.IsValid, string.Join("\n", shorter.Problems));
            Assert.Equal(ChainValidator.MaxPathLength, shorter.Chain.Count);
        }

        [Fact]
        public void Garbage_certificate_objects_do_not_throw()
        {
#pragma warning disable SYSLIB0026 // the empty constructor is what a careless caller can produce
            var empty = new X509Certificate2();
#pragma warning restore SYSLIB0026
            var disposed = new X509Certificate2(ValidationPki.Intermediate.RawData);
            disposed.Dispose();
            var options = new ChainValidationOptions
            {
                TrustedRoots = new X509Certificate2[] { null!, empty, ValidationPki.Root },
                Intermediates = new X509Certificate2[] { empty, null!, disposed, ValidationPki.Intermediate },
                At = ValidationPki.At,
            };

            ChainValidationResult forEmpty = ChainValidator.Validate(empty, options);
            Assert.Equal(ChainProblemCode.CertificateInvalid, forEmpty.Problems.Single().Code);

            ChainValidationResult forLeaf = ChainValidator.Validate(ValidationPki.Leaf, options);
            Assert.True(forLeaf.IsValid, string.Join("\n", forLeaf.Problems));

            ChainValidationResult nullLists = ChainValidator.Validate(ValidationPki.Leaf, new ChainValidationOptions { TrustedRoots = null!, Intermediates = null!, At = ValidationPki.At });
            Assert.False(nullLists.IsValid);
        }

        [Fact]
        public void Leaf_listed_among_intermediates_and_roots_does_not_loop()
        {
            ChainValidationResult result = ChainValidator.Validate(ValidationPki.Leaf, new ChainValidationOptions
            {
                TrustedRoots = new[] { ValidationPki.Root },
                Intermediates = new[] { ValidationPki.Leaf, ValidationPki.Intermediate, ValidationPki.Leaf, ValidationPki.Root },
                At = ValidationPki.At,
            });
            Assert.True(result.IsValid, string.Join("\n", result.Problems));
            Assert.Equal(3, result.Chain.Count);
        }

        [Fact]
        public void A_signature_that_is_not_a_whole_number_of_bytes_is_a_problem_not_an_exception()
        {
            (X509Certificate2 root, AsymmetricCipherKeyPair rootKey) = RawCertificates.Root("CN=Bit String Root");
            X509Certificate2 good = RawCertificates.Build(RawCertificates.Name("CN=raw.corp.example"), RawCertificates.NewKey().Public, RawCertificates.NameOf(root), rootKey.Private, RawCertificates.ServerLeaf);
            var structure = X509CertificateStructure.GetInstance(Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(good.RawData));
            byte[] signature = structure.Signature.GetOctets();
            signature[signature.Length - 1] &= 0xFE;
            byte[] der = new Org.BouncyCastle.Asn1.DerSequence(structure.TbsCertificate, structure.SignatureAlgorithm, new Org.BouncyCastle.Asn1.DerBitString(signature, 1)).GetEncoded();
            var odd = new X509Certificate2(der);

            ChainValidationResult result = ChainValidator.Validate(odd, new ChainValidationOptions { TrustedRoots = new[] { root }, At = ValidationPki.At });

            Assert.False(result.IsValid);
            Assert.Contains(result.Problems, p => p.Code == ChainProblemCode.CertificateInvalid && p.Index == 0 && p.Message.Contains("whole number of bytes"));
        }
    }
}
