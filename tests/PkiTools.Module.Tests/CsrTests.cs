using System.IO;
using System.Linq;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    public class CsrTests : ModuleTestBase
    {
        [Fact]
        public void Key_from_the_pipeline_gives_a_csr_file_only()
        {
            var r = S.Run("New-PrivateKey | New-Csr -DnsName web01.corp.example -Path ./web01").ThrowOnError();
            dynamic csr = r.Single();
            Assert.Equal("CN=web01.corp.example", (string)csr.Subject);
            Assert.Equal(new[] { "web01.corp.example" }, (string[])csr.DnsNames);
            Assert.Equal("EcdsaP256", (string)csr.KeyAlgorithm);
            Assert.True((bool)csr.SignatureValid);
            Assert.True((bool)csr.HasPrivateKey);
            Assert.Equal(new[] { "web01.csr" }, Directory.GetFiles(S.Directory).Select(Path.GetFileName));
            string verify = OpenSsl.Run("req", "-verify", "-noout", "-text", "-in", S.File("web01.csr")).All;
            Assert.Contains("verify OK", verify);
            Assert.Contains("DNS:web01.corp.example", verify);
        }

        [Fact]
        public void Generated_key_is_written_next_to_the_csr()
        {
            S.Run("New-Csr -DnsName web01.corp.example -IpAddress 10.0.0.5 -Subject 'CN=web01, O=Corp' -KeyAlgorithm Rsa2048 -Path ./web01").ThrowOnError();
            AssertOwnerOnly(S.File("web01.key"));
            // The CSR is for the key in the key file (openssl genrsa + openssl req -new equivalent).
            string csrPub = OpenSsl.Ok("req", "-in", S.File("web01.csr"), "-noout", "-pubkey");
            Assert.Equal(OpenSsl.Ok("pkey", "-in", S.File("web01.key"), "-pubout"), csrPub);
            string text = OpenSsl.Ok("req", "-in", S.File("web01.csr"), "-noout", "-text");
            Assert.Contains("IP Address:10.0.0.5", text);
            Assert.Contains("O = Corp, CN = web01", text);
        }

        [Fact]
        public void Csr_formats_without_secrets()
        {
            string text = S.Render("New-Csr -DnsName a.example,b.example");
            Assert.Contains("a.example, b.example", text);
            Assert.Contains("SignatureValid", text);
            AssertNoSecrets(text);
        }
    }
}
