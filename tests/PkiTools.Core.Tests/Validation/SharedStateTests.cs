using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using PkiTools.Core.Validation;
using PkiTools.Core.X509;
using Xunit;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>The process-wide key and signature memo: never changes an outcome, safe across threads.</summary>
    public class SharedStateTests
    {
        [Fact]
        public void Same_leaf_against_a_same_named_impostor_root_is_not_confused_by_the_memo()
        {
            ChainCase good = ValidationPki.Cases["good-no-name-check"];
            X509Certificate2 impostorIntermediate = ValidationPki.Ca(ValidationPki.Root, "CN=Validation Intermediate, O=PkiTools Tests").Certificate; // same name, other key
            var impostorOptions = new ChainValidationOptions { TrustedRoots = good.Roots, Intermediates = new[] { impostorIntermediate }, At = ValidationPki.At };

            Assert.True(ChainValidator.Validate(good.Leaf, good.Options).IsValid);
            Assert.Equal(new[] { (ChainProblemCode.SignatureInvalid, 0) }, ChainValidator.Validate(good.Leaf, impostorOptions).Problems.Select(p => (p.Code, p.Index)));
            Assert.True(ChainValidator.Validate(good.Leaf, good.Options).IsValid);
        }

        [Fact]
        public void Parallel_validations_agree()
        {
            ChainCase good = ValidationPki.Cases["good"];
            ChainCase expired = ValidationPki.Cases["expired-leaf"];
            var results = new bool[400];
            Parallel.For(0, results.Length, i =>
            {
                ChainCase c = i % 2 == 0 ? good : expired;
                results[i] = ChainValidator.Validate(c.Leaf, c.Options).IsValid;
            });
            for (int i = 0; i < results.Length; i++) Assert.Equal(i % 2 == 0, results[i]);
        }
    }
}
