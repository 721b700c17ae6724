using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;
using PkiTools.Core.Validation;
using Xunit;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>Several candidate issuers: cross-signed roots, re-keyed CAs, expired alternates; the chain or best candidate reported.</summary>
    public class PathBuildingTests
    {
        private static ChainValidationResult Validate(X509Certificate2 leaf, X509Certificate2[] roots, X509Certificate2[] intermediates) =>
            ChainValidator.Validate(leaf, new ChainValidationOptions { TrustedRoots = roots, Intermediates = intermediates, At = ValidationPki.At });

        [Fact]
        public void Rekeyed_ca_the_key_that_signed_is_chosen()
        {
            X509Certificate2 root = ValidationPki.Root;
            X509Certificate2 oldCa = ValidationPki.Ca(root, "CN=Rekeyed CA").Certificate;
            X509Certificate2 newCa = ValidationPki.Ca(root, "CN=Rekeyed CA").Certificate;
            X509Certificate2 leaf = ValidationPki.Server(newCa, "rekeyed.corp.example").Certificate;
            ChainValidationResult result = Validate(leaf, new[] { root }, new[] { oldCa, newCa });
            Assert.True(result.IsValid, string.Join("\n", result.Problems));
            Assert.Equal(new[] { leaf, newCa, root }, result.Chain);
        }

        [Fact]
        public void Cross_signed_root_reaches_the_old_anchor_and_prefers_the_new_one_when_trusted()
        {
            PrivateKey newRootKey = ValidationPki.Key();
            X509Certificate2 oldRoot = ValidationPki.SelfSignedRoot("CN=Old Root").Certificate;
            X509Certificate2 newRoot = ValidationPki.SelfSignedRoot("CN=New Root", newRootKey).Certificate;
            X509Certificate2 cross = ValidationPki.Ca(oldRoot, "CN=New Root", newRootKey, pathLength: 3).Certificate;
            X509Certificate2 ca = ValidationPki.Ca(newRoot, "CN=Under New Root").Certificate;
            X509Certificate2 leaf = ValidationPki.Server(ca, "cross.corp.example").Certificate;

            ChainValidationResult viaOld = Validate(leaf, new[] { oldRoot }, new[] { ca, newRoot, cross });
            Assert.True(viaOld.IsValid, string.Join("\n", viaOld.Problems));
            Assert.Equal(new[] { leaf, ca, cross, oldRoot }, viaOld.Chain);

            ChainValidationResult both = Validate(leaf, new[] { oldRoot, newRoot }, new[] { cross, ca });
            Assert.True(both.IsValid, string.Join("\n", both.Problems));
            Assert.Equal(new[] { leaf, ca, newRoot }, both.Chain);
        }

        [Fact]
        public void Chain_of_pain_expired_cross_certificate_is_passed_over()
        {
            // root2 -> root1 (cross certificate, expired) and root1 self-signed; both roots trusted (the AddTrust case).
            PrivateKey root1Key = ValidationPki.Key();
            X509Certificate2 root2 = ValidationPki.SelfSignedRoot("CN=Root Two").Certificate;
            X509Certificate2 expiredCross = ValidationPki.Ca(root2, "CN=Root One", root1Key, pathLength: 3, from: -300, to: -1).Certificate;
            X509Certificate2 root1 = ValidationPki.SelfSignedRoot("CN=Root One", root1Key).Certificate;
            X509Certificate2 leaf = ValidationPki.Server(root1, "pain.corp.example").Certificate;
            ChainValidationResult result = Validate(leaf, new[] { root2, root1 }, new[] { expiredCross });
            Assert.True(result.IsValid, string.Join("\n", result.Problems));
            Assert.Equal(new[] { leaf, root1 }, result.Chain);

            // Only root2 trusted: the best candidate is the path through the expired cross certificate.
            ChainValidationResult onlyRoot2 = Validate(leaf, new[] { root2 }, new[] { expiredCross, root1 });
            Assert.Equal(new[] { (ChainProblemCode.Expired, 1) }, onlyRoot2.Problems.Select(p => (p.Code, p.Index)));
            Assert.Equal(new[] { leaf, expiredCross, root2 }, onlyRoot2.Chain);
        }

        [Fact]
        public void Best_candidate_prefers_a_path_to_a_trusted_anchor()
        {
            // Two ways up from the leaf, one problem each: an expired intermediate under the trusted root, or an untrusted
            // self-signed twin of the intermediate. The report is about the path that reached the trusted root.
            PrivateKey caKey = ValidationPki.Key();
            X509Certificate2 root = ValidationPki.Root;
            X509Certificate2 expired = ValidationPki.Ca(root, "CN=Best Candidate CA", caKey, from: -300, to: -2).Certificate;
            X509Certificate2 selfSignedTwin = ValidationPki.SelfSignedRoot("CN=Best Candidate CA", caKey).Certificate;
            X509Certificate2 leaf = ValidationPki.Server(selfSignedTwin, "best.corp.example").Certificate;
            ChainValidationResult result = Validate(leaf, new[] { root }, new[] { selfSignedTwin, expired });
            Assert.False(result.IsValid);
            Assert.Equal(new[] { (ChainProblemCode.Expired, 1) }, result.Problems.Select(p => (p.Code, p.Index)));
            Assert.Equal(new[] { leaf, expired, root }, result.Chain);
            Assert.All(result.Problems, p => Assert.False(string.IsNullOrWhiteSpace(p.Message)));
        }
    }
}
