using System.IO;
using System.Linq;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Formats
{
    /// <summary>P7B, DER and PEM files we write, read by OpenSSL.</summary>
    public class P7bPemDerInteropTests
    {
        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Our_p7b_is_read_by_openssl_pkcs7_in_order(bool pem)
        {
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            using var dir = new TempDir();
            byte[] p7b = CertificateFiles.WriteP7b(chain.All, pem);
            File.WriteAllBytes(dir.File("b.p7b"), p7b);
            if (pem) Assert.StartsWith("-----BEGIN PKCS7-----", System.Text.Encoding.ASCII.GetString(p7b));
            string printed = OpenSsl.Ok("pkcs7", "-in", dir.File("b.p7b"), "-inform", pem ? "PEM" : "DER", "-print_certs");
            int leaf = printed.IndexOf("subject=CN = leaf.example");
            int intermediate = printed.IndexOf("subject=CN = Formats Intermediate");
            int root = printed.IndexOf("subject=CN = Formats Root");
            Assert.True(leaf >= 0 && leaf < intermediate && intermediate < root, printed);
            string parsed = OpenSsl.Ok("pkcs7", "-in", dir.File("b.p7b"), "-inform", pem ? "PEM" : "DER", "-print", "-noout").Replace("\r", "");
            Assert.Contains("version: 1\n    md_algs:\n      <EMPTY>", parsed);
            Assert.Contains("d.data: <ABSENT>", parsed);
            Assert.Contains("signer_info:\n      <EMPTY>", parsed);
            // Byte-for-byte what openssl crl2pkcs7 writes for the same certificates.
            File.WriteAllBytes(dir.File("all.pem"), CertificateFiles.WritePem(chain.All));
            OpenSsl.Ok("crl2pkcs7", "-nocrl", "-certfile", dir.File("all.pem"), "-outform", "DER", "-out", dir.File("theirs.p7b"));
            Assert.Equal(File.ReadAllBytes(dir.File("theirs.p7b")), CertificateFiles.WriteP7b(chain.All, pem: false));
        }

        [Fact]
        public void Our_der_certificate_is_read_by_openssl_x509()
        {
            TestChain chain = TestChain.For(KeyAlgorithm.Rsa2048);
            using var dir = new TempDir();
            File.WriteAllBytes(dir.File("leaf.cer"), CertificateFiles.WriteDer(chain.Leaf));
            string fingerprint = OpenSsl.Ok("x509", "-inform", "DER", "-in", dir.File("leaf.cer"), "-noout", "-fingerprint", "-sha1");
            Assert.Contains(string.Join(":", Enumerable.Range(0, 20).Select(i => chain.Leaf.Thumbprint.Substring(2 * i, 2))), fingerprint);
        }

        [Fact]
        public void Our_pem_bundle_has_certificates_in_order_then_the_key_and_openssl_reads_both()
        {
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            using var dir = new TempDir();
            File.WriteAllBytes(dir.File("b.pem"), CertificateFiles.WritePem(chain.All, chain.LeafKey));
            string text = File.ReadAllText(dir.File("b.pem"));
            Assert.True(text.LastIndexOf("BEGIN CERTIFICATE") < text.IndexOf("BEGIN PRIVATE KEY"));
            Assert.Contains("CN = leaf.example", OpenSsl.Ok("x509", "-in", dir.File("b.pem"), "-noout", "-subject"));
            Assert.Equal(chain.LeafKey.PublicKeyPem, OpenSsl.Ok("pkey", "-in", dir.File("b.pem"), "-pubout"));
        }
    }
}
