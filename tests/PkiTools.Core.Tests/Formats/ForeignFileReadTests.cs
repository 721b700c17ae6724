using System.IO;
using System.Linq;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Formats
{
    /// <summary>Files written by OpenSSL and Java keytool, read by CertificateFiles.</summary>
    public class ForeignFileReadTests
    {
        private const string Password = "their pass";

        private static TempDir Prepare(TestChain chain)
        {
            var dir = new TempDir();
            File.WriteAllBytes(dir.File("leaf.pem"), CertificateFiles.WritePem(new[] { chain.Leaf }, chain.LeafKey));
            File.WriteAllBytes(dir.File("chain.pem"), CertificateFiles.WritePem(chain.Chain));
            return dir;
        }

        [Theory]
        [InlineData(KeyAlgorithm.EcdsaP256, false)]
        [InlineData(KeyAlgorithm.EcdsaP256, true)]
        [InlineData(KeyAlgorithm.Rsa2048, false)]
        [InlineData(KeyAlgorithm.Rsa2048, true)]
        [InlineData(KeyAlgorithm.Ed25519, false)]
        public void Openssl_pkcs12_export_is_read_with_key_and_chain_leaf_first(KeyAlgorithm algorithm, bool legacy)
        {
            TestChain chain = TestChain.For(algorithm);
            using TempDir dir = Prepare(chain);
            var args = new System.Collections.Generic.List<string> { "pkcs12", "-export", "-in", dir.File("leaf.pem"), "-certfile", dir.File("chain.pem"), "-out", dir.File("o.pfx"), "-passout", "pass:" + Password };
            if (legacy) args.Add("-legacy");
            OpenSsl.Ok(args.ToArray());
            var read = CertificateFiles.Read(File.ReadAllBytes(dir.File("o.pfx")), Password.ToCharArray(), "o.pfx");
            Assert.Equal(chain.All.Select(c => c.Thumbprint), read.Certificates.Select(c => c.Thumbprint));
            Assert.Equal(chain.LeafKey.KeyId, read.Key!.KeyId);
            Assert.Equal(chain.All.Skip(1).Select(c => c.Thumbprint), read.Chain.Select(c => c.Thumbprint));
            Assert.Equal(CertificateFormat.Pfx, CertificateFiles.Detect(File.ReadAllBytes(dir.File("o.pfx"))));
        }

        [Fact]
        public void A_certificate_with_openssls_text_dump_before_it_is_read_as_openssl_reads_it()
        {
            // openssl ca (and so easy-rsa's issued/*.crt) writes `openssl x509 -text` output before the PEM block.
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            using TempDir dir = Prepare(chain);
            OpenSsl.Ok("x509", "-in", dir.File("leaf.pem"), "-text", "-out", dir.File("dump.crt"));
            byte[] data = File.ReadAllBytes(dir.File("dump.crt"));
            Assert.StartsWith("Certificate:", System.Text.Encoding.ASCII.GetString(data));
            Assert.Equal(CertificateFormat.Pem, CertificateFiles.Detect(data));
            Assert.Equal(chain.Leaf.Thumbprint, CertificateFiles.Read(data, null).Certificates.Single().Thumbprint);
            Assert.Equal(chain.Leaf.Thumbprint, CertificateReader.ReadCertificates(data, "dump.crt").Single().Thumbprint);
            // Binary data never counts as PEM, even with a header inside it.
            byte[] binary = new byte[] { 0x30, 0x03, 0x01 }.Concat(System.Text.Encoding.ASCII.GetBytes("\n-----BEGIN CERTIFICATE-----\n")).ToArray();
            Assert.False(Pem.LooksLikePem(binary));
        }

        [Fact]
        public void Openssl_pfx_with_an_empty_password_and_one_without_mac_or_encryption_load_without_a_password()
        {
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            using TempDir dir = Prepare(chain);
            OpenSsl.Ok("pkcs12", "-export", "-in", dir.File("leaf.pem"), "-out", dir.File("empty.pfx"), "-passout", "pass:");
            OpenSsl.Ok("pkcs12", "-export", "-in", dir.File("leaf.pem"), "-out", dir.File("open.pfx"), "-passout", "pass:", "-nomac", "-certpbe", "NONE", "-keypbe", "NONE");
            foreach (string name in new[] { "empty.pfx", "open.pfx" })
            {
                byte[] data = File.ReadAllBytes(dir.File(name));
                Assert.Equal(chain.LeafKey.KeyId, CertificateFiles.Read(data, null).Key!.KeyId);
                Assert.Equal(chain.LeafKey.KeyId, CertificateFiles.Read(data, new char[0]).Key!.KeyId);
            }
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void Openssl_crl2pkcs7_bundles_are_read_leaf_first(bool der)
        {
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            using TempDir dir = Prepare(chain);
            File.WriteAllBytes(dir.File("all.pem"), CertificateFiles.WritePem(chain.All));
            // Root first in the bundle: the reader still puts the leaf first.
            File.WriteAllBytes(dir.File("reversed.pem"), CertificateFiles.WritePem(chain.All.Reverse().ToList()));
            foreach (string input in new[] { "all.pem", "reversed.pem" })
            {
                var args = new System.Collections.Generic.List<string> { "crl2pkcs7", "-nocrl", "-certfile", dir.File(input), "-out", dir.File("b.p7b") };
                if (der) args.AddRange(new[] { "-outform", "DER" });
                OpenSsl.Ok(args.ToArray());
                byte[] data = File.ReadAllBytes(dir.File("b.p7b"));
                Assert.Equal(CertificateFormat.P7b, CertificateFiles.Detect(data));
                Assert.Equal(chain.All.Select(c => c.Thumbprint), CertificateFiles.Read(data, null).Certificates.Select(c => c.Thumbprint));
            }
        }

        [Fact]
        public void Openssl_der_certificates_and_pem_bundles_with_keys_are_read()
        {
            TestChain chain = TestChain.For(KeyAlgorithm.Rsa2048);
            using TempDir dir = Prepare(chain);
            OpenSsl.Ok("x509", "-in", dir.File("leaf.pem"), "-outform", "DER", "-out", dir.File("leaf.cer"));
            byte[] der = File.ReadAllBytes(dir.File("leaf.cer"));
            Assert.Equal(CertificateFormat.Der, CertificateFiles.Detect(der));
            Assert.Equal(chain.Leaf.Thumbprint, Assert.Single(CertificateFiles.Read(der, null).Certificates).Thumbprint);

            // PKCS#1 key written by openssl, after the certificates, chain before leaf: key decides the leaf.
            OpenSsl.Ok("pkey", "-in", dir.File("leaf.pem"), "-traditional", "-out", dir.File("rsa.key"));
            Assert.Contains("RSA PRIVATE KEY", File.ReadAllText(dir.File("rsa.key")));
            string bundle = File.ReadAllText(dir.File("chain.pem")) + OpenSsl.Ok("x509", "-in", dir.File("leaf.pem")) + File.ReadAllText(dir.File("rsa.key"));
            var read = CertificateFiles.Read(System.Text.Encoding.ASCII.GetBytes(bundle), null);
            Assert.Equal(chain.All.Select(c => c.Thumbprint), read.Certificates.Select(c => c.Thumbprint));
            Assert.Same(read.Certificates[0], read.Keys.Single().Key);
            Assert.Equal(chain.LeafKey.KeyId, read.Key!.KeyId);
        }

        [Fact]
        public void Encrypted_key_in_a_pem_bundle_needs_its_password()
        {
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            byte[] pem = CertificateFiles.WritePem(new[] { chain.Leaf }, chain.LeafKey, "k".ToCharArray());
            Assert.Contains("ENCRYPTED PRIVATE KEY", System.Text.Encoding.ASCII.GetString(pem));
            Assert.Equal(PkiErrorCode.PasswordRequired, Assert.Throws<PkiException>(() => CertificateFiles.Read(pem, null)).Code);
            Assert.Equal(PkiErrorCode.PasswordIncorrect, Assert.Throws<PkiException>(() => CertificateFiles.Read(pem, "nope".ToCharArray())).Code);
            Assert.Equal(chain.LeafKey.KeyId, CertificateFiles.Read(pem, "k".ToCharArray()).Key!.KeyId);
        }

        [Theory]
        [InlineData("EC", "-groupname", "secp256r1")]
        [InlineData("RSA", "-keysize", "2048")]
        public void Keytool_pkcs12_keystores_are_read(string keyAlgorithm, string sizeOption, string sizeValue)
        {
            using var dir = new TempDir();
            PfxWriteInteropTests.Keytool("-genkeypair", "-storetype", "PKCS12", "-keystore", dir.File("ks.p12"), "-storepass", Password,
                "-alias", "web", "-keyalg", keyAlgorithm, sizeOption, sizeValue, "-dname", "CN=java.example", "-validity", "30", "-noprompt");
            var certificates = CertificateFiles.Read(File.ReadAllBytes(dir.File("ks.p12")), Password.ToCharArray(), "ks.p12");
            Assert.Equal("CN=java.example", certificates.Leaf.Subject);
            Assert.NotNull(certificates.Key);
        }
    }
}
