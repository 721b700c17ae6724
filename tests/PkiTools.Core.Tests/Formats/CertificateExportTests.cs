using System.IO;
using System.Linq;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using Xunit;

namespace PkiTools.Core.Tests.Formats
{
    /// <summary>The export rules (format x options) and the chain/key choice, without PowerShell: the core names options, never -Parameters.</summary>
    public class CertificateExportTests
    {
        private static readonly string Target = Path.Combine(Path.GetTempPath(), "pkitools-export-plan-" + System.Guid.NewGuid().ToString("N") + ".out");

        private static PkiException Refused(CertificateExportOptions options, char[]? password = null, ExportedCertificate[]? items = null)
        {
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            items ??= new[] { new ExportedCertificate(chain.Leaf, chain.LeafKey, chain.Chain) };
            return Assert.Throws<PkiException>(() => CertificateExport.Plan(Target, items, options, password));
        }

        [Theory]
        [InlineData(CertificateFormat.Der, "IncludeKey")]
        [InlineData(CertificateFormat.P7b, "IncludeKey")]
        public void Refusals_carry_a_hint_in_option_names(CertificateFormat format, string option)
        {
            PkiException ex = Refused(new CertificateExportOptions { Format = format, IncludeKey = true });
            Assert.Equal(PkiErrorCode.InvalidArgument, ex.Code);
            Assert.Contains(option, ex.Hint!.Inputs);
            Assert.DoesNotContain(" -", ex.Reason);
            Assert.Contains("-Format Pem", ex.Hint.Render((name, value) => value == null ? "-" + name : "-" + name + " " + value));
        }

        [Fact]
        public void A_pfx_needs_a_password_or_an_explicit_no_password()
        {
            PkiException ex = Refused(new CertificateExportOptions { Format = CertificateFormat.Pfx });
            Assert.Equal(PkiErrorCode.PasswordRequired, ex.Code);
            Assert.Equal("Password", ex.Input);
            Assert.Equal(PkiErrorCode.InvalidArgument, Refused(new CertificateExportOptions { Format = CertificateFormat.Pfx, NoPassword = true }, "x".ToCharArray()).Code);
        }

        [Fact]
        public void Pem_with_chain_leaves_out_the_root_and_reports_it_and_pfx_takes_the_known_key()
        {
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            var item = new ExportedCertificate(chain.Leaf, chain.LeafKey, chain.Chain);
            CertificateExportPlan pem = CertificateExport.Plan(Target, new[] { item }, new CertificateExportOptions { IncludeChain = true }, null);
            Assert.Equal(new[] { chain.Root }, pem.OmittedRoots);
            Assert.False(Assert.Single(pem.Files).Secret);
            var back = CertificateFiles.Read(pem.Files[0].Content, null);
            Assert.Equal(new[] { chain.Leaf.Thumbprint, chain.Intermediate.Thumbprint }, back.Certificates.Select(c => c.Thumbprint));

            CertificateExportPlan pfx = CertificateExport.Plan(Target, new[] { item }, new CertificateExportOptions { Format = CertificateFormat.Pfx, IncludeChain = true }, "pw".ToCharArray());
            Assert.Null(pfx.PfxWithoutKey);
            Assert.True(pfx.Files[0].Secret);
            var read = CertificateFiles.Read(pfx.Files[0].Content, "pw".ToCharArray());
            Assert.Equal(chain.LeafKey.KeyId, read.Key!.KeyId);
            Assert.Equal(chain.All.Select(c => c.Thumbprint), read.Certificates.Select(c => c.Thumbprint));

            CertificateExportPlan noKey = CertificateExport.Plan(Target, new[] { new ExportedCertificate(chain.Leaf) }, new CertificateExportOptions { Format = CertificateFormat.Pfx }, "pw".ToCharArray());
            Assert.Same(chain.Leaf, noKey.PfxWithoutKey);
        }

        [Fact]
        public void No_known_chain_and_no_known_key_are_refused_with_the_option_to_give()
        {
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            var bare = new[] { new ExportedCertificate(chain.Leaf) };
            Assert.Equal("Chain", Refused(new CertificateExportOptions { IncludeChain = true }, items: bare).Hint!.Inputs.Single());
            Assert.Equal("Key", Refused(new CertificateExportOptions { IncludeKey = true }, items: bare).Hint!.Inputs.Single());
            var other = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            Assert.Equal(PkiErrorCode.KeyMismatch, Refused(new CertificateExportOptions { IncludeKey = true, Key = other }).Code);
        }
    }
}
