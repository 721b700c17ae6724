using System;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Ca;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests
{
    /// <summary>Issue 11, hole 7: an empty password never encrypts anything (it would "protect" a key or PFX by nothing).</summary>
    public class EmptyPasswordTests
    {
        private static void AssertRefused(Action write)
        {
            var ex = Assert.Throws<PkiException>(write);
            Assert.Equal(PkiErrorCode.InvalidArgument, ex.Code);
            Assert.Contains("empty", ex.Reason);
            Assert.NotNull(ex.Hint);
            Assert.Contains("Password", ex.Hint!.Inputs);
            Assert.DoesNotContain("-Password", ex.Reason);
        }

        [Fact]
        public void An_encrypted_key_file_with_an_empty_password_is_refused()
        {
            var key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            AssertRefused(() => key.ExportPem(PrivateKeyFormat.Pkcs8, Array.Empty<char>()));
            AssertRefused(() => PasswordBasedEncryption.EncryptPkcs8(key.ExportPkcs8(), Array.Empty<char>(), PbeScheme.Aes256Pbkdf2Sha256, 1000));
            AssertRefused(() => PasswordBasedEncryption.Encrypt(new byte[16], Array.Empty<char>(), PbeScheme.TripleDesSha1, 2048));
            // A real password still encrypts, and no password still writes the plain key.
            Assert.Contains("ENCRYPTED PRIVATE KEY", key.ExportPem(PrivateKeyFormat.Pkcs8, "x".ToCharArray(), 1000));
            Assert.Contains("BEGIN PRIVATE KEY", key.ExportPem());
        }

        [Theory]
        [InlineData(PfxCompatibility.Modern)]
        [InlineData(PfxCompatibility.Legacy)]
        public void A_pfx_with_an_empty_password_is_refused_with_or_without_a_key(PfxCompatibility compatibility)
        {
            var key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            using X509Certificate2 certificate = CertificateIssuer.SelfSign(key, new CertificateTemplate { Subject = "CN=pfx.example", DnsNames = new[] { "pfx.example" } }).Certificate;
            AssertRefused(() => CertificateFiles.WritePfx(certificate, key, Array.Empty<X509Certificate2>(), Array.Empty<char>(), compatibility));
            AssertRefused(() => CertificateFiles.WritePfx(certificate, null, Array.Empty<X509Certificate2>(), Array.Empty<char>(), compatibility));
            // Unprotected on purpose (null: -NoPassword) and a real password still write.
            Assert.NotEmpty(CertificateFiles.WritePfx(certificate, key, Array.Empty<X509Certificate2>(), null, compatibility));
        }

        [Fact]
        public void A_ca_key_with_an_empty_password_is_refused_and_no_ca_is_left_behind()
        {
            using var tmp = new TempDir();
            string dir = tmp.File("ca");
            AssertRefused(() => CaDirectory.Create(dir, "CN=Empty", password: Array.Empty<char>()));
            Assert.False(File.Exists(Path.Combine(dir, "private", "ca.key")));
            Assert.False(File.Exists(Path.Combine(dir, "ca.crt")));
        }
    }
}
