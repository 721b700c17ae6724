using System.Collections.Generic;
using System.Linq;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>
    /// Export-Cert -IncludeChain / -Chain: PEM is leaf + intermediates (what a server sends); PFX and P7B carry the root
    /// when it is known; a certificate given with -Chain is always written, whatever the format.
    /// </summary>
    public class ExportCertChainTests : ModuleTestBase
    {
        public ExportCertChainTests()
        {
            var pw = new SecureString();
            foreach (char c in "chain-Pa55") pw.AppendChar(c);
            S.Run(@"
                $pw = $p
                $root = New-SelfSignedCert -Subject 'CN=Chain Export Root' -Profile RootCa
                $int = New-Csr -Subject 'CN=Chain Export Issuing' | Invoke-CaSign -Issuer $root -Profile IntermediateCa
                $leaf = New-Csr -DnsName site.example | Invoke-CaSign -Issuer $int
                $bare = [Security.Cryptography.X509Certificates.X509Certificate2]::new($leaf.RawData)
            ", new Dictionary<string, object?> { ["p"] = pw }).ThrowOnError();
        }

        private string[] Subjects(string file, string extra = "") =>
            S.Run($"Import-Cert -Path {file} {extra}").ThrowOnError().Output.Select(o => ((X509Certificate2)o.BaseObject).Subject).ToArray();

        [Fact]
        public void Pem_with_IncludeChain_is_leaf_and_intermediates_and_says_the_root_is_left_out()
        {
            var r = S.Run("$leaf | Export-Cert -Path ./full.pem -IncludeChain -Verbose").ThrowOnError();
            Assert.Equal(new[] { "CN=site.example", "CN=Chain Export Issuing" }, Subjects("./full.pem"));
            Assert.Contains(r.Verbose, v => v.Contains("CN=Chain Export Root") && v.Contains("-Chain"));
        }

        [Fact]
        public void P7b_and_Pfx_with_IncludeChain_carry_the_root()
        {
            S.Run("$leaf | Export-Cert -Path ./full.p7b -Format P7b -IncludeChain").ThrowOnError();
            Assert.Equal(new[] { "CN=Chain Export Issuing", "CN=Chain Export Root", "CN=site.example" }, Subjects("./full.p7b").OrderBy(s => s).ToArray());
            S.Run("$leaf | Export-Cert -Path ./full.pfx -Format Pfx -Password $pw -IncludeChain").ThrowOnError();
            Assert.Equal(new[] { "CN=Chain Export Issuing", "CN=Chain Export Root", "CN=site.example" }, Subjects("./full.pfx", "-Password $pw").OrderBy(s => s).ToArray());
        }

        [Theory]
        [InlineData("Pem", "")]
        [InlineData("P7b", "")]
        [InlineData("Pfx", "-Password $pw")]
        public void Every_certificate_given_with_Chain_is_written(string format, string extra)
        {
            string file = "./given." + format.ToLowerInvariant();
            S.Run($"$bare | Export-Cert -Path {file} -Format {format} {extra} -Chain $int, $root -WarningAction SilentlyContinue").ThrowOnError();
            Assert.Equal(new[] { "CN=Chain Export Issuing", "CN=Chain Export Root", "CN=site.example" }, Subjects(file, extra).OrderBy(s => s).ToArray());
        }
    }
}
