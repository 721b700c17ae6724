using System.Linq;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.Revocation;
using Xunit;

namespace PkiTools.Core.Tests.Revocation
{
    /// <summary>The name and reason comparisons of RFC 5280 §6.3.3(b) and (d).</summary>
    public class DistributionPointsTests
    {
        private static GeneralName Uri(string u) => new GeneralName(GeneralName.UniformResourceIdentifier, u);

        [Fact]
        public void Names_match_by_uri_and_by_directory_name_as_section_7_1_compares_them()
        {
            Assert.True(DistributionPoints.AnyMatch(new[] { Uri("http://a/1.crl"), Uri("http://a/2.crl") }, new[] { Uri("http://a/2.crl") }));
            Assert.False(DistributionPoints.AnyMatch(new[] { Uri("http://a/1.crl") }, new[] { Uri("http://a/2.crl") }));
            var printable = new GeneralName(new X509Name("CN=Issuing CA,O=Corp"));
            var differentCase = new GeneralName(new X509Name("CN=issuing  ca,O=CORP"));
            Assert.True(DistributionPoints.AnyMatch(new[] { printable }, new[] { differentCase }));
            Assert.False(DistributionPoints.AnyMatch(new[] { printable }, new[] { Uri("CN=Issuing CA,O=Corp") }));
        }

        [Fact]
        public void A_name_relative_to_the_crl_issuer_is_appended_to_its_name()
        {
            byte[] issuer = new X509Name("CN=Issuing CA").GetDerEncoded();
            var relative = new DistributionPointName(DistributionPointName.NameRelativeToCrlIssuer,
                new DerSet(new DerSequence(X509Name.OU, new DerUtf8String("Partition 7"))));
            GeneralName name = Assert.Single(DistributionPoints.NamesOf(relative, issuer));
            Assert.Equal(GeneralName.DirectoryName, name.TagNo);
            Assert.True(DistributionPoints.AnyMatch(new[] { name }, new[] { new GeneralName(new X509Name("CN=Issuing CA,OU=Partition 7")) }));
        }

        [Fact]
        public void Reason_masks_cover_the_eight_reasons_and_never_unused()
        {
            Assert.Equal(DistributionPoints.AllReasons, DistributionPoints.Mask(null));
            Assert.Equal(0, DistributionPoints.AllReasons & ReasonFlags.Unused);
            Assert.Equal(ReasonFlags.KeyCompromise, DistributionPoints.Mask(new ReasonFlags(ReasonFlags.KeyCompromise | ReasonFlags.Unused)));
            Assert.Equal("keyCompromise, aACompromise", DistributionPoints.Describe(ReasonFlags.KeyCompromise | ReasonFlags.AACompromise));
        }

        [Fact]
        public void Thousands_of_names_on_each_side_are_not_compared()
        {
            GeneralName[] many = Enumerable.Range(0, 100).Select(i => Uri($"http://a/{i}.crl")).ToArray();
            Assert.True(DistributionPoints.AnyMatch(many.Take(40).ToArray(), many.Skip(39).Take(40).ToArray()));
            // 100 x 100 pairs is over the budget: no match is claimed, so such a CRL is out of scope (RevocationUnknown).
            Assert.False(DistributionPoints.AnyMatch(many, many));
        }
    }
}
