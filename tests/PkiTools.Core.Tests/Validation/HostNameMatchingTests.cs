using PkiTools.Core.Validation;
using Xunit;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>RFC 6125 matching of one SAN dNSName against a normalised host name.</summary>
    public class HostNameMatchingTests
    {
        [Theory]
        [InlineData("web01.corp.example", "web01.corp.example", true)]
        [InlineData("WEB01.Corp.Example", "web01.corp.example", true)]
        [InlineData("web01.corp.example.", "web01.corp.example", true)]
        [InlineData("web01.corp.example", "web02.corp.example", false)]
        [InlineData("*.corp.example", "a.corp.example", true)]
        [InlineData("*.corp.example", "a.b.corp.example", false)]
        [InlineData("*.corp.example", "corp.example", false)]
        [InlineData("*.example", "corp.example", false)]
        [InlineData("w*.corp.example", "web.corp.example", false)]
        [InlineData("*web.corp.example", "web.corp.example", false)]
        [InlineData("a.*.example", "a.b.example", false)]
        [InlineData("*", "localhost", false)]
        [InlineData("", "localhost", false)]
        [InlineData("corp..example", "corp..example", false)]
        public void Pattern(string pattern, string host, bool expected) => Assert.Equal(expected, ChainValidator.MatchesPattern(pattern, host));

        [Fact]
        public void Host_name_with_trailing_dot_and_case_matches()
        {
            ChainCase c = ValidationPki.Cases["good"];
            var options = new ChainValidationOptions { TrustedRoots = c.Roots, Intermediates = c.Intermediates, At = ValidationPki.At, DnsName = "Web01.CORP.example." };
            Assert.True(ChainValidator.Validate(c.Leaf, options).IsValid);
        }

        [Theory]
        [InlineData("*.corp.example")]
        [InlineData("a..corp.example")]
        [InlineData("")]
        [InlineData("not an ip")]
        public void Odd_host_names_do_not_match_or_throw(string host)
        {
            ChainCase c = ValidationPki.Cases["good"];
            var options = new ChainValidationOptions { TrustedRoots = c.Roots, Intermediates = c.Intermediates, At = ValidationPki.At, DnsName = host, IpAddress = host };
            ChainValidationResult result = ChainValidator.Validate(c.Leaf, options);
            Assert.All(result.Problems, p => Assert.Equal(ChainProblemCode.NameMismatch, p.Code));
            Assert.Equal(2, result.Problems.Count);
        }
    }
}
