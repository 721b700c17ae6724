using System.Linq;
using PkiTools.Core.Validation;
using Xunit;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>Every case of <see cref="ValidationPki"/>: the exact problem codes and chain positions.</summary>
    public class ChainCaseTests
    {
        public static TheoryData<string> AllCases() => new TheoryData<string>(ValidationPki.Cases.Keys.OrderBy(k => k));

        [Theory]
        [MemberData(nameof(AllCases))]
        public void Reports_exactly_the_expected_problems(string name)
        {
            ChainCase c = ValidationPki.Cases[name];
            ChainValidationResult result = ChainValidator.Validate(c.Leaf, c.Options);
            var actual = result.Problems.Select(p => (p.Code, p.Index)).ToArray();
            Assert.True(c.Expected.SequenceEqual(actual), $"{name}: expected [{string.Join(", ", c.Expected)}], got:\n{string.Join("\n", result.Problems)}");
            Assert.Equal(c.Expected.Length == 0, result.IsValid);
            Assert.Same(c.Leaf, result.Certificate);
            Assert.Same(c.Leaf, result.Chain[0]);
            foreach (ChainProblem p in result.Problems)
            {
                Assert.InRange(p.Index, 0, result.Chain.Count - 1);
                Assert.Equal(result.Chain[p.Index].Subject, p.Subject);
                Assert.False(string.IsNullOrWhiteSpace(p.Message));
                Assert.EndsWith(".", p.Message);
            }
        }

        [Fact]
        public void Valid_chain_is_the_callers_objects_leaf_to_anchor()
        {
            ChainCase c = ValidationPki.Cases["good"];
            ChainValidationResult result = ChainValidator.Validate(c.Leaf, c.Options);
            Assert.True(result.IsValid);
            Assert.Equal(3, result.Chain.Count);
            Assert.Same(c.Intermediates[0], result.Chain[1]);
            Assert.Same(c.Roots[0], result.Chain[2]);
        }

        [Fact]
        public void Of_two_reissued_intermediates_the_one_valid_now_is_chosen()
        {
            ChainCase c = ValidationPki.Cases["reissued-intermediate-valid-one-chosen"];
            ChainValidationResult result = ChainValidator.Validate(c.Leaf, c.Options);
            Assert.True(result.IsValid, string.Join("\n", result.Problems));
            Assert.Same(c.Intermediates[1], result.Chain[1]);
        }

        [Fact]
        public void Self_signed_leaf_trusted_directly_is_a_one_certificate_chain()
        {
            ChainCase c = ValidationPki.Cases["self-signed-leaf-trusted"];
            ChainValidationResult result = ChainValidator.Validate(c.Leaf, c.Options);
            Assert.True(result.IsValid, string.Join("\n", result.Problems));
            Assert.Single(result.Chain);
        }

        [Fact]
        public void Expiry_message_names_both_dates()
        {
            ChainCase c = ValidationPki.Cases["expired-leaf"];
            ChainProblem p = ChainValidator.Validate(c.Leaf, c.Options).Problems.Single();
            Assert.Contains(c.Leaf.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss"), p.Message);
            Assert.Contains("2026-06-01 00:00:00 UTC", p.Message);
        }
    }
}
