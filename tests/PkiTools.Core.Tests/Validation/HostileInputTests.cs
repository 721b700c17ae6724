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
    }
}
