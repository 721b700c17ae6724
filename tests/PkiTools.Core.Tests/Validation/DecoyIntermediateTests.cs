using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using PkiTools.Core.Validation;
using Xunit;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>
    /// Issue 11: hundreds of CAs with the real intermediate's name, other keys, listed before it. Candidate issuers are
    /// ordered by key identifier match first so the decoys do not spend the path-building budgets.
    /// </summary>
    public class DecoyIntermediateTests
    {
        private const string CaName = "CN=Decoyed Intermediate, O=PkiTools Tests";
        private static readonly byte[] RealSki = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };

        private sealed class Pki
        {
            public X509Certificate2 Root = null!;
            public X509Certificate2 Intermediate = null!;
            public X509Certificate2 Leaf = null!;
            public AsymmetricCipherKeyPair RootKey = null!;
        }

        private static Pki Build()
        {
            (X509Certificate2 root, AsymmetricCipherKeyPair rootKey) = RawCertificates.Root("CN=Decoy Test Root, O=PkiTools Tests");
            AsymmetricCipherKeyPair caKey = RawCertificates.NewKey();
            X509Certificate2 intermediate = RawCertificates.Build(RawCertificates.Name(CaName), caKey.Public, RawCertificates.NameOf(root), rootKey.Private, g =>
            {
                RawCertificates.CaWithKeyCertSign(g);
                g.AddExtension(X509Extensions.SubjectKeyIdentifier, false, new SubjectKeyIdentifier(RealSki));
            });
            X509Certificate2 leaf = RawCertificates.Build(RawCertificates.Name("CN=raw.corp.example"), RawCertificates.NewKey().Public, RawCertificates.Name(CaName), caKey.Private, g =>
            {
                RawCertificates.ServerLeaf(g);
                g.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(RealSki));
            }, from: -10, to: 90);
            return new Pki { Root = root, Intermediate = intermediate, Leaf = leaf, RootKey = rootKey };
        }

        /// <summary>A CA named like the real intermediate, signed by the root, with its own key.</summary>
        private static X509Certificate2 Decoy(Pki pki, byte[]? ski, bool expired) =>
            RawCertificates.Build(RawCertificates.Name(CaName), RawCertificates.NewKey().Public, RawCertificates.NameOf(pki.Root), pki.RootKey.Private, g =>
            {
                RawCertificates.CaWithKeyCertSign(g);
                if (ski != null) g.AddExtension(X509Extensions.SubjectKeyIdentifier, false, new SubjectKeyIdentifier(ski));
            }, from: expired ? -300 : -30, to: expired ? -1 : 300);

        private static ChainValidationResult Validate(Pki pki, IEnumerable<X509Certificate2> decoys) =>
            ChainValidator.Validate(pki.Leaf, new ChainValidationOptions
            {
                TrustedRoots = new[] { pki.Root },
                Intermediates = decoys.Append(pki.Intermediate).ToArray(),
                At = ValidationPki.At,
            });

        [Fact]
        public void Valid_chain_is_found_behind_300_same_name_decoys()
        {
            Pki pki = Build();
            // Decoys valid now with another SKI, without SKI, and expired ones with and without SKI, before the real one.
            var decoys = new List<X509Certificate2>();
            for (int i = 0; i < 300; i++)
            {
                byte[] otherSki = { (byte)(i >> 8), (byte)i, 0xDE, 0xC0, 0x7 };
                decoys.Add((i % 4) switch
                {
                    0 => Decoy(pki, otherSki, expired: false),
                    1 => Decoy(pki, null, expired: false),
                    2 => Decoy(pki, otherSki, expired: true),
                    _ => Decoy(pki, null, expired: true),
                });
            }
            ChainValidationResult result = Validate(pki, decoys);
            Assert.True(result.IsValid, string.Join("\n", result.Problems));
            Assert.Equal(new[] { pki.Leaf, pki.Intermediate, pki.Root }, result.Chain);
        }

        [Fact]
        public void Expired_real_intermediate_behind_300_current_decoys_is_the_reported_chain()
        {
            // The real intermediate (its SKI is the leaf's AKI) has expired; 300 decoys with other or no SKIs are valid now.
            // The key identifier outranks the validity period, so the report is about the real path, not a decoy's bad signature.
            (X509Certificate2 root, AsymmetricCipherKeyPair rootKey) = RawCertificates.Root("CN=Decoy Test Root, O=PkiTools Tests");
            AsymmetricCipherKeyPair caKey = RawCertificates.NewKey();
            X509Certificate2 expired = RawCertificates.Build(RawCertificates.Name(CaName), caKey.Public, RawCertificates.NameOf(root), rootKey.Private, g =>
            {
                RawCertificates.CaWithKeyCertSign(g);
                g.AddExtension(X509Extensions.SubjectKeyIdentifier, false, new SubjectKeyIdentifier(RealSki));
            }, from: -300, to: -1);
            X509Certificate2 leaf = RawCertificates.Build(RawCertificates.Name("CN=raw.corp.example"), RawCertificates.NewKey().Public, RawCertificates.Name(CaName), caKey.Private, g =>
            {
                RawCertificates.ServerLeaf(g);
                g.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(RealSki));
            }, from: -10, to: 90);
            var pki = new Pki { Root = root, Intermediate = expired, Leaf = leaf, RootKey = rootKey };
            X509Certificate2[] decoys = Enumerable.Range(0, 300).Select(i => Decoy(pki, i % 2 == 0 ? new byte[] { (byte)(i >> 8), (byte)i, 0xDE } : null, expired: false)).ToArray();
            ChainValidationResult result = Validate(pki, decoys);
            Assert.False(result.IsValid);
            Assert.Equal(new[] { leaf, expired, root }, result.Chain);
            Assert.Contains((ChainProblemCode.Expired, 1), result.Problems.Select(p => (p.Code, p.Index)));
        }

        [Fact]
        public void Decoys_with_the_real_ski_and_another_key_stop_at_a_budget()
        {
            // Hostile: the decoys claim the real intermediate's key identifier. The builder may give up, but at a budget.
            Pki pki = Build();
            X509Certificate2[] decoys = Enumerable.Range(0, 300).Select(i => Decoy(pki, RealSki, expired: i % 2 == 1)).ToArray();
            ChainValidationResult result = Validate(pki, decoys);
            if (!result.IsValid)
            {
                ChainProblem limit = Assert.Single(result.Problems, p => p.Code == ChainProblemCode.PathBuildingLimitExceeded);
                Assert.True(limit.Message.Contains($"{ChainValidator.MaxSignatureChecks} signature checks") || limit.Message.Contains($"{ChainValidator.MaxCandidatePaths} candidate paths"), limit.Message);
            }
            else
            {
                Assert.Equal(new[] { pki.Leaf, pki.Intermediate, pki.Root }, result.Chain);
            }
        }

        [Fact]
        public void A_failing_chain_reports_the_path_that_got_furthest_not_a_decoy_with_fewer_problems()
        {
            // The real intermediate is expired and signed with SHA-1 (two problems); a decoy with its name and no key
            // identifier offers a path whose only problem is a bad signature. The report is about the chain as it is:
            // the intermediate's two problems, not a SignatureInvalid on the leaf.
            (X509Certificate2 root, AsymmetricCipherKeyPair rootKey) = RawCertificates.Root("CN=Furthest Root");
            AsymmetricCipherKeyPair caKey = RawCertificates.NewKey();
            X509Certificate2 intermediate = RawCertificates.Build(RawCertificates.Name("CN=Furthest CA"), caKey.Public, RawCertificates.NameOf(root), rootKey.Private,
                RawCertificates.CaWithKeyCertSign, algorithm: "SHA1WITHECDSA", from: -300, to: -2);
            X509Certificate2 leaf = RawCertificates.Build(RawCertificates.Name("CN=raw.corp.example"), RawCertificates.NewKey().Public, RawCertificates.Name("CN=Furthest CA"), caKey.Private,
                RawCertificates.ServerLeaf, from: -200, to: 10);
            X509Certificate2 decoy = RawCertificates.Build(RawCertificates.Name("CN=Furthest CA"), RawCertificates.NewKey().Public, RawCertificates.NameOf(root), rootKey.Private, RawCertificates.CaWithKeyCertSign);

            ChainValidationResult result = ChainValidator.Validate(leaf, new ChainValidationOptions { TrustedRoots = new[] { root }, Intermediates = new[] { decoy, intermediate }, At = ValidationPki.At });

            Assert.Equal(new[] { (ChainProblemCode.Expired, 1), (ChainProblemCode.WeakSignatureAlgorithm, 1) }, result.Problems.Select(p => (p.Code, p.Index)).OrderBy(p => p.Index).ThenBy(p => p.Code.ToString()));
            Assert.Equal(intermediate.Thumbprint, result.Chain[1].Thumbprint);
        }
    }
}
