using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    public class PrivateKeyFileTests : ModuleTestBase
    {
        private const string Secret = "s3cret-Pa55";

        public PrivateKeyFileTests()
        {
            var pw = new SecureString();
            foreach (char c in Secret) pw.AppendChar(c);
            var wrong = new SecureString();
            foreach (char c in "not-it") wrong.AppendChar(c);
            S.Run("$pw = $p; $wrong = $w", new Dictionary<string, object?> { ["p"] = pw, ["w"] = wrong }).ThrowOnError();
        }

        [Theory]
        [InlineData("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048", "Rsa2048")]
        [InlineData("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384", "EcdsaP384")]
        [InlineData("genpkey -algorithm ED25519", "Ed25519")]
        public void Reads_every_form_openssl_writes(string generate, string algorithm)
        {
            OpenSsl.Ok(generate.Split(' ').Concat(new[] { "-out", S.File("k.pem") }).ToArray());
            string expected = OpenSsl.Ok("pkey", "-in", S.File("k.pem"), "-pubout");
            OpenSsl.Ok("pkcs8", "-topk8", "-in", S.File("k.pem"), "-out", S.File("enc.pem"), "-passout", "pass:" + Secret, "-v2", "aes-256-cbc");
            OpenSsl.Ok("pkey", "-in", S.File("k.pem"), "-outform", "DER", "-out", S.File("k.der"));
            var forms = new List<string> { "./k.pem", "./k.der", "./enc.pem -Password $pw" };
            if (algorithm != "Ed25519")
            {
                OpenSsl.Ok("pkey", "-in", S.File("k.pem"), "-traditional", "-out", S.File("trad.pem"));
                forms.Add("./trad.pem");
            }
            foreach (string form in forms)
            {
                dynamic key = S.Run("Import-PrivateKey " + form).ThrowOnError().Single();
                Assert.Equal(algorithm, (string)key.Algorithm);
                Assert.Equal(expected, (string)key.PublicKeyPem);
            }
        }

        [Fact]
        public void Password_errors_are_clear_and_never_echo_the_password()
        {
            S.Run("New-PrivateKey -Path ./enc.key -Password $pw").ThrowOnError();
            Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", File.ReadAllText(S.File("enc.key")));
            AssertOwnerOnly(S.File("enc.key"));
            var missing = S.Run("Import-PrivateKey ./enc.key");
            Assert.Equal(new[] { "PasswordRequired" }, missing.ErrorIds);
            var wrong = S.Run("Import-PrivateKey ./enc.key -Password $wrong -Verbose");
            Assert.Equal(new[] { "PasswordIncorrect" }, wrong.ErrorIds);
            Assert.Contains("enc.key", wrong.Errors[0].ToString());
            Assert.DoesNotContain("not-it", wrong.Errors[0].ToString());
            var right = S.Run("Import-PrivateKey ./enc.key -Password $pw -Verbose").ThrowOnError();
            Assert.DoesNotContain(Secret, string.Join("\n", right.Verbose));
            Assert.Equal(new[] { "FileNotFound" }, S.Run("Import-PrivateKey ./nope.key").ErrorIds);
            File.WriteAllText(S.File("junk.key"), "junk");
            Assert.Equal(new[] { "FormatUnknown" }, S.Run("Import-PrivateKey ./junk.key").ErrorIds);
        }

        [Theory]
        [InlineData("Rsa2048", "Pkcs1", "RSA PRIVATE KEY")]
        [InlineData("EcdsaP256", "Sec1", "EC PRIVATE KEY")]
        [InlineData("Ed25519", "Pkcs8", "PRIVATE KEY")]
        public void Export_writes_the_requested_format_owner_only(string algorithm, string format, string label)
        {
            var r = S.Run($"New-PrivateKey -Algorithm {algorithm} | Export-PrivateKey -Path ./out.key -Format {format} -PassThru").ThrowOnError();
            dynamic key = r.Single();
            Assert.StartsWith($"-----BEGIN {label}-----", File.ReadAllText(S.File("out.key")));
            AssertOwnerOnly(S.File("out.key"));
            Assert.Equal((string)key.PublicKeyPem, OpenSsl.Ok("pkey", "-in", S.File("out.key"), "-pubout"));
        }

        [Fact]
        public void Export_encrypts_with_a_password_that_openssl_accepts()
        {
            S.Run("$k = New-PrivateKey; $k | Export-PrivateKey -Path ./e.key -Password $pw").ThrowOnError();
            string pub = OpenSsl.Ok("pkey", "-in", S.File("e.key"), "-passin", "pass:" + Secret, "-pubout");
            Assert.Equal(pub, S.Run("$k.PublicKeyPem").ThrowOnError().Single<string>());
            Assert.Equal(new[] { "InvalidArgument" }, S.Run("$k | Export-PrivateKey -Path ./f.key -Format Sec1 -Password $pw").ErrorIds);
            Assert.False(File.Exists(S.File("f.key")));
            Assert.Equal(new[] { "FileExists" }, S.Run("$k | Export-PrivateKey -Path ./e.key").ErrorIds);
            Assert.Empty(S.Run("$k | Export-PrivateKey -Path ./w.key -WhatIf").ThrowOnError().Output);
            Assert.False(File.Exists(S.File("w.key")));
        }

        [Fact]
        public void An_issuer_with_an_encrypted_key_file_needs_IssuerPassword()
        {
            S.Run("New-SelfSignedCert -Subject 'CN=Locked Root' -Profile RootCa -Path ./locked -Password $pw").ThrowOnError();
            var missing = S.Run("New-Csr -DnsName a.example | Invoke-CaSign -Issuer ./locked");
            Assert.Equal(new[] { "PasswordRequired" }, missing.ErrorIds);
            Assert.Contains("-IssuerPassword", missing.Errors[0].ToString());
            Assert.Equal(new[] { "PasswordIncorrect" }, S.Run("New-Csr -DnsName a.example | Invoke-CaSign -Issuer ./locked -IssuerPassword $wrong").ErrorIds);
            var issued = S.Run("New-Csr -DnsName a.example | Invoke-CaSign -Issuer ./locked -IssuerPassword $pw").ThrowOnError();
            Assert.Equal("CN=Locked Root", ((System.Security.Cryptography.X509Certificates.X509Certificate2)issued.Single()).Issuer);
        }

        [Fact]
        public void An_unencrypted_key_file_is_not_taken_for_an_encrypted_one()
        {
            S.Run("$root = New-SelfSignedCert -Subject 'CN=R' -Profile RootCa").ThrowOnError();
            S.Run("New-Csr -DnsName p.example -Path ./p | Invoke-CaSign -Issuer $root -Path ./p -Password $pw -Force").ThrowOnError();
            Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", File.ReadAllText(S.File("p.key")));
        }

        [Fact]
        public void Password_without_a_key_file_to_protect_warns()
        {
            var r = S.Run("New-PrivateKey -Password $pw").ThrowOnError();
            Assert.Contains(r.Warnings, w => w.Contains("-Password has no effect"));
        }

        [Fact]
        public void Password_on_the_making_cmdlets_encrypts_their_key_files()
        {
            S.Run("$root = New-SelfSignedCert -Subject 'CN=Enc Root' -Profile RootCa -Path ./root -Password $pw").ThrowOnError();
            Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", File.ReadAllText(S.File("root.key")));
            S.Run("New-Csr -DnsName e.example -Path ./e -Password $pw | Invoke-CaSign -Issuer $root -Path ./e -Password $pw").ThrowOnError();
            Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", File.ReadAllText(S.File("e.key")));
            // Invoke-CaSign found the same key already in e.key and left it alone.
            Assert.Equal(OpenSsl.Ok("x509", "-in", S.File("e.crt"), "-noout", "-pubkey"), OpenSsl.Ok("pkey", "-in", S.File("e.key"), "-passin", "pass:" + Secret, "-pubout"));
            AssertOwnerOnly(S.File("e.key"));
        }
    }
}
