using System;
using System.IO;
using PkiTools.Core.Keys;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests
{
    public class EncryptedKeyTests
    {
        private static readonly char[] Password = "correct horse battery staple".ToCharArray();

        [Theory]
        [InlineData(KeyAlgorithm.Rsa2048)]
        [InlineData(KeyAlgorithm.EcdsaP256)]
        [InlineData(KeyAlgorithm.Ed25519)]
        public void Our_encrypted_pkcs8_is_pbes2_aes256_sha256_and_openssl_reads_it(KeyAlgorithm algorithm)
        {
            var key = PrivateKey.Generate(algorithm);
            using var dir = new TempDir();
            File.WriteAllText(dir.File("k.pem"), key.ExportPem(PrivateKeyFormat.Pkcs8, Password));
            string text = File.ReadAllText(dir.File("k.pem"));
            Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", text);
            string asn1 = OpenSsl.Ok("asn1parse", "-in", dir.File("k.pem"));
            Assert.Contains("PBES2", asn1);
            Assert.Contains("PBKDF2", asn1);
            Assert.Contains("hmacWithSHA256", asn1);
            Assert.Contains("aes-256-cbc", asn1);
            Assert.Contains(":0927C0", asn1); // 600,000 iterations
            string pub = OpenSsl.Ok("pkey", "-in", dir.File("k.pem"), "-passin", "pass:" + new string(Password), "-pubout");
            Assert.Equal(key.PublicKeyPem, pub);
            Assert.Equal(key.KeyId, PrivateKey.Import(File.ReadAllBytes(dir.File("k.pem")), Password).KeyId);
        }

        [Theory]
        [InlineData("-v2", "aes-256-cbc", null)]
        [InlineData("-v2", "aes-128-cbc", null)]
        [InlineData("-v2", "des3", null)]
        [InlineData("-v2", "aes-256-cbc", "hmacWithSHA512")]
        [InlineData("-v2", "aes-192-cbc", "hmacWithSHA224")]
        [InlineData("-v2", "camellia-256-cbc", "hmacWithSHA384")]
        [InlineData("-v1", "PBE-SHA1-3DES", null)]
        public void Keys_encrypted_by_openssl_are_read(string version, string cipher, string? prf)
        {
            using var dir = new TempDir();
            OpenSsl.Ok("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", dir.File("plain.pem"));
            var args = new System.Collections.Generic.List<string> { "pkcs8", "-topk8", "-in", dir.File("plain.pem"), "-out", dir.File("enc.pem"), "-passout", "pass:" + new string(Password), version, cipher };
            if (prf != null) args.AddRange(new[] { "-v2prf", prf });
            OpenSsl.Ok(args.ToArray());
            string expected = OpenSsl.Ok("pkey", "-in", dir.File("plain.pem"), "-pubout");
            Assert.Equal(expected, PrivateKey.Import(File.ReadAllBytes(dir.File("enc.pem")), Password).PublicKeyPem);
            // DER too.
            OpenSsl.Ok("pkcs8", "-topk8", "-in", dir.File("plain.pem"), "-outform", "DER", "-out", dir.File("enc.der"), "-passout", "pass:x", "-v2", "aes-256-cbc");
            Assert.Equal(expected, PrivateKey.Import(File.ReadAllBytes(dir.File("enc.der")), "x".ToCharArray()).PublicKeyPem);
        }

        [Theory]
        [InlineData("rsa", "RSA", "rsa_keygen_bits:2048")]
        [InlineData("ec", "EC", "ec_paramgen_curve:P-256")]
        public void Obsolete_openssl_pem_encryption_is_read(string tool, string algorithm, string option)
        {
            using var dir = new TempDir();
            OpenSsl.Ok("genpkey", "-algorithm", algorithm, "-pkeyopt", option, "-out", dir.File("plain.pem"));
            // openssl rsa needs -traditional for the old form; openssl ec writes it by default.
            var args = new System.Collections.Generic.List<string> { tool, "-in", dir.File("plain.pem"), "-aes256", "-passout", "pass:" + new string(Password), "-out", dir.File("trad.pem") };
            if (tool == "rsa") args.Add("-traditional");
            OpenSsl.Ok(args.ToArray());
            Assert.Contains("Proc-Type: 4,ENCRYPTED", File.ReadAllText(dir.File("trad.pem")));
            string expected = OpenSsl.Ok("pkey", "-in", dir.File("plain.pem"), "-pubout");
            byte[] data = File.ReadAllBytes(dir.File("trad.pem"));
            Assert.Equal(expected, PrivateKey.Import(data, Password).PublicKeyPem);
            Assert.Equal(PkiErrorCode.PasswordIncorrect, Assert.Throws<PkiException>(() => PrivateKey.Import(data, "nope".ToCharArray())).Code);
            Assert.Equal(PkiErrorCode.PasswordRequired, Assert.Throws<PkiException>(() => PrivateKey.Import(data)).Code);
        }

        [Fact]
        public void Wrong_or_missing_passwords_are_told_apart()
        {
            string pem = PrivateKey.Generate(KeyAlgorithm.EcdsaP256).ExportPem(PrivateKeyFormat.Pkcs8, Password, iterations: 1000);
            byte[] data = System.Text.Encoding.ASCII.GetBytes(pem);
            for (int i = 0; i < 20; i++)
            {
                var wrong = Assert.Throws<PkiException>(() => PrivateKey.Import(data, ("wrong" + i).ToCharArray()));
                Assert.Equal(PkiErrorCode.PasswordIncorrect, wrong.Code);
                Assert.DoesNotContain("wrong" + i, wrong.Message);
            }
            Assert.Equal(PkiErrorCode.PasswordRequired, Assert.Throws<PkiException>(() => PrivateKey.Import(data)).Code);
        }

        [Theory]
        [InlineData(KeyAlgorithm.Rsa2048, PrivateKeyFormat.Pkcs1, "RSA PRIVATE KEY")]
        [InlineData(KeyAlgorithm.EcdsaP384, PrivateKeyFormat.Sec1, "EC PRIVATE KEY")]
        public void Traditional_formats_are_written_for_tools_that_need_them(KeyAlgorithm algorithm, PrivateKeyFormat format, string label)
        {
            var key = PrivateKey.Generate(algorithm);
            using var dir = new TempDir();
            File.WriteAllText(dir.File("k.pem"), key.ExportPem(format));
            Assert.StartsWith("-----BEGIN " + label + "-----", File.ReadAllText(dir.File("k.pem")));
            Assert.Equal(key.PublicKeyPem, OpenSsl.Ok("pkey", "-in", dir.File("k.pem"), "-pubout"));
            Assert.Equal(key.KeyId, PrivateKey.Import(File.ReadAllBytes(dir.File("k.pem"))).KeyId);
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => key.ExportPem(format, Password)).Code);
            var other = format == PrivateKeyFormat.Pkcs1 ? PrivateKeyFormat.Sec1 : PrivateKeyFormat.Pkcs1;
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => key.ExportPem(other)).Code);
        }
    }
}
