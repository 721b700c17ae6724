using System;
using System.IO;
using System.Security.Cryptography;
using PkiTools.Core.Keys;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests
{
    public class KeyTests
    {
        [Theory]
        [InlineData(KeyAlgorithm.Rsa2048, "Rsa2048", 2048)]
        [InlineData(KeyAlgorithm.Rsa3072, "Rsa3072", 3072)]
        [InlineData(KeyAlgorithm.EcdsaP256, "EcdsaP256", 256)]
        [InlineData(KeyAlgorithm.EcdsaP384, "EcdsaP384", 384)]
        [InlineData(KeyAlgorithm.EcdsaP521, "EcdsaP521", 521)]
        [InlineData(KeyAlgorithm.Ed25519, "Ed25519", 256)]
        public void Generated_keys_export_pkcs8_that_openssl_and_dotnet_read_back(KeyAlgorithm algorithm, string name, int size)
        {
            var key = PrivateKey.Generate(algorithm);
            Assert.Equal(name, key.Algorithm);
            Assert.Equal(size, key.KeySize);
            Assert.Equal(64, key.KeyId.Length);
            using var dir = new TempDir();
            File.WriteAllText(dir.File("k.pem"), key.ExportPem());
            string pub = OpenSsl.Ok("pkey", "-in", dir.File("k.pem"), "-pubout");
            Assert.Equal(key.PublicKeyPem, pub);
            // And our importer reads it back to the same key.
            var again = PrivateKey.Import(File.ReadAllBytes(dir.File("k.pem")));
            Assert.Equal(key.KeyId, again.KeyId);
            if (algorithm != KeyAlgorithm.Ed25519)
            {
                // .NET reads our PKCS#8 too.
                using AsymmetricAlgorithm dotnet = algorithm.ToString().StartsWith("Rsa") ? RSA.Create() : ECDsa.Create();
                dotnet.ImportPkcs8PrivateKey(key.ExportPkcs8(), out int read);
                Assert.Equal(key.ExportPkcs8().Length, read);
            }
        }

        [Theory]
        [InlineData("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")]
        [InlineData("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384")]
        [InlineData("genpkey", "-algorithm", "ED25519")]
        public void Keys_written_by_openssl_are_read_in_every_unencrypted_form(params string[] generate)
        {
            using var dir = new TempDir();
            var args = new System.Collections.Generic.List<string>(generate) { "-out", dir.File("k.pem") };
            OpenSsl.Ok(args.ToArray());
            string expected = OpenSsl.Ok("pkey", "-in", dir.File("k.pem"), "-pubout");
            Assert.Equal(expected, PrivateKey.Import(File.ReadAllBytes(dir.File("k.pem"))).PublicKeyPem);
            OpenSsl.Ok("pkey", "-in", dir.File("k.pem"), "-outform", "DER", "-out", dir.File("k.der"));
            Assert.Equal(expected, PrivateKey.Import(File.ReadAllBytes(dir.File("k.der"))).PublicKeyPem);
            if (generate[2] != "ED25519")
            {
                // PKCS#1 / SEC1 ("traditional") form.
                OpenSsl.Ok("pkey", "-in", dir.File("k.pem"), "-traditional", "-out", dir.File("t.pem"));
                Assert.Contains(generate[2] == "RSA" ? "BEGIN RSA PRIVATE KEY" : "BEGIN EC PRIVATE KEY", File.ReadAllText(dir.File("t.pem")));
                Assert.Equal(expected, PrivateKey.Import(File.ReadAllBytes(dir.File("t.pem"))).PublicKeyPem);
            }
        }

        [Fact]
        public void Ecdsa_signature_format_conversion_round_trips_and_rejects_malformed_der()
        {
            var rng = new Random(1);
            for (int i = 0; i < 2000; i++)
            {
                var p1363 = new byte[64];
                rng.NextBytes(p1363);
                if (i % 3 == 0) p1363[0] = 0; // leading zeros
                if (i % 5 == 0) p1363[32] = 0x80; // high bit: DER needs a pad byte
                byte[] der = EcdsaSignatureFormat.P1363ToDer(p1363);
                Assert.Equal(p1363, EcdsaSignatureFormat.DerToP1363(der, 32));
                byte[] broken = (byte[])der.Clone();
                broken[rng.Next(broken.Length)] ^= (byte)(1 << rng.Next(8));
                byte[]? back = EcdsaSignatureFormat.DerToP1363(broken, 32); // must not throw
                Assert.True(back == null || back.Length == 64);
            }
            Assert.Null(EcdsaSignatureFormat.DerToP1363(Array.Empty<byte>(), 32));
            Assert.Null(EcdsaSignatureFormat.DerToP1363(new byte[] { 0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF }, 32));
        }

        [Theory]
        [InlineData("")]
        [InlineData("garbage")]
        [InlineData("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n")]
        [InlineData("-----BEGIN PRIVATE KEY-----\nMIIB")]
        public void Garbage_keys_give_typed_errors(string text)
        {
            var ex = Assert.Throws<PkiException>(() => PrivateKey.Import(System.Text.Encoding.ASCII.GetBytes(text)));
            Assert.Contains(ex.Code, new[] { PkiErrorCode.KeyInvalid, PkiErrorCode.FormatUnknown });
        }
    }
}
