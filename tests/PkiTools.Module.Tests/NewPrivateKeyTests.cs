using System.IO;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    public class NewPrivateKeyTests : ModuleTestBase
    {
        [Theory]
        [InlineData("Rsa2048", 2048)]
        [InlineData("EcdsaP256", 256)]
        [InlineData("EcdsaP384", 384)]
        [InlineData("EcdsaP521", 521)]
        [InlineData("Ed25519", 256)]
        public void Writes_an_owner_only_PKCS8_key_and_returns_a_key_object(string algorithm, int size)
        {
            var r = S.Run($"New-PrivateKey -Algorithm {algorithm} -Path ./web01.key").ThrowOnError();
            dynamic key = r.Single();
            Assert.Equal(algorithm, (string)key.Algorithm);
            Assert.Equal(size, (int)key.KeySize);
            string path = S.File("web01.key");
            AssertOwnerOnly(path);
            Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(path));
            // The key id is the SHA-256 of the SubjectPublicKeyInfo, as openssl computes it.
            string spkiHash = OpenSsl.Ok("pkey", "-in", path, "-pubout", "-outform", "DER").Length > 0
                ? Sha256OfPublicKey(path) : "";
            Assert.Equal(spkiHash, (string)key.KeyId);
            Assert.Equal(OpenSsl.Ok("pkey", "-in", path, "-pubout"), ((string)key.PublicKeyPem));
        }

        private static string Sha256OfPublicKey(string keyPath)
        {
            using var dir = new TempDir();
            OpenSsl.Ok("pkey", "-in", keyPath, "-pubout", "-outform", "DER", "-out", dir.File("pub.der"));
            return System.Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(dir.File("pub.der"))));
        }

        [Fact]
        public void Default_is_EcdsaP256_and_nothing_is_written_without_Path()
        {
            dynamic key = S.Run("New-PrivateKey").ThrowOnError().Single();
            Assert.Equal("EcdsaP256", (string)key.Algorithm);
            Assert.Empty(Directory.GetFiles(S.Directory));
        }

        [Fact]
        public void Formatting_and_properties_never_show_the_private_key()
        {
            string table = S.Render("New-PrivateKey -Algorithm Rsa2048");
            Assert.Contains("Algorithm", table);
            Assert.Contains("Rsa2048", table);
            AssertNoSecrets(table);
            string list = S.Render("New-PrivateKey | ForEach-Object { $_.psobject.Properties | ForEach-Object { '{0}={1}' -f $_.Name, $_.Value } }");
            AssertNoSecrets(list);
            Assert.Contains("PublicKeyPem=-----BEGIN PUBLIC KEY-----", list);
        }

        [Fact]
        public void Existing_key_file_is_not_replaced_without_Force()
        {
            File.WriteAllText(S.File("k.key"), "keep me");
            var r = S.Run("New-PrivateKey -Path ./k.key");
            Assert.Equal(new[] { "FileExists" }, r.ErrorIds);
            Assert.Equal("keep me", File.ReadAllText(S.File("k.key")));
            S.Run("New-PrivateKey -Path ./k.key -Force").ThrowOnError();
            Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(S.File("k.key")));
            AssertOwnerOnly(S.File("k.key"));
        }

        [Fact]
        public void WhatIf_writes_nothing()
        {
            var r = S.Run("New-PrivateKey -Path ./k.key -WhatIf").ThrowOnError();
            Assert.Empty(r.Output);
            Assert.Empty(Directory.GetFiles(S.Directory));
        }
    }
}
