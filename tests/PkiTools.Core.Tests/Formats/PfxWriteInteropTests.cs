using System;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Formats
{
    /// <summary>PFX files we write, read by OpenSSL 3 (without -legacy for Modern), .NET and Java keytool.</summary>
    public class PfxWriteInteropTests
    {
        private const string Password = "Pfx-pass 1";

        private static string Write(TempDir dir, KeyAlgorithm algorithm, PfxCompatibility compatibility, string name = "our.pfx")
        {
            TestChain chain = TestChain.For(algorithm);
            byte[] pfx = CertificateFiles.WritePfx(chain.Leaf, chain.LeafKey, chain.Chain, Password.ToCharArray(), compatibility, "My Leaf");
            File.WriteAllBytes(dir.File(name), pfx);
            return dir.File(name);
        }

        [Theory]
        [InlineData(KeyAlgorithm.EcdsaP256)]
        [InlineData(KeyAlgorithm.Rsa2048)]
        [InlineData(KeyAlgorithm.Ed25519)]
        public void Modern_pfx_is_read_by_openssl3_without_legacy(KeyAlgorithm algorithm)
        {
            using var dir = new TempDir();
            string path = Write(dir, algorithm, PfxCompatibility.Modern);
            OpenSsl.Result r = OpenSsl.Run("pkcs12", "-info", "-nodes", "-in", path, "-passin", "pass:" + Password);
            Assert.True(r.ExitCode == 0, r.ToString());
            string all = r.All;
            Assert.Contains("MAC: sha256, Iteration 300000", all);
            Assert.Contains("PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 300000, PRF hmacWithSHA256", all);
            Assert.Contains("Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 300000, PRF hmacWithSHA256", all);
            Assert.Contains("friendlyName: My Leaf", all);
            Assert.Contains("localKeyID:", all);
            Assert.Equal(3, CountOf(all, "BEGIN CERTIFICATE"));
            // The key openssl extracts is ours.
            OpenSsl.Ok("pkcs12", "-in", path, "-passin", "pass:" + Password, "-nocerts", "-nodes", "-out", dir.File("key.pem"));
            Assert.Equal(TestChain.For(algorithm).LeafKey.PublicKeyPem, OpenSsl.Ok("pkey", "-in", dir.File("key.pem"), "-pubout"));
            // And the leaf is the one with the key.
            OpenSsl.Ok("pkcs12", "-in", path, "-passin", "pass:" + Password, "-clcerts", "-nokeys", "-out", dir.File("leaf.pem"));
            Assert.Contains("CN = leaf.example", OpenSsl.Ok("x509", "-in", dir.File("leaf.pem"), "-noout", "-subject"));
        }

        [Theory]
        [InlineData(KeyAlgorithm.EcdsaP256)]
        [InlineData(KeyAlgorithm.Rsa2048)]
        public void Legacy_pfx_is_3des_sha1_and_read_by_openssl_with_legacy(KeyAlgorithm algorithm)
        {
            using var dir = new TempDir();
            string path = Write(dir, algorithm, PfxCompatibility.Legacy);
            string all = OpenSsl.Ok("pkcs12", "-info", "-nodes", "-legacy", "-in", path, "-passin", "pass:" + Password);
            OpenSsl.Result r = OpenSsl.Run("pkcs12", "-info", "-nodes", "-legacy", "-in", path, "-passin", "pass:" + Password);
            all = r.All;
            Assert.Contains("MAC: sha1, Iteration 2048", all);
            Assert.Contains("PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048", all);
            Assert.Contains("Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048", all);
            Assert.Equal(3, CountOf(all, "BEGIN CERTIFICATE"));
        }

        [Fact]
        public void Unprotected_pfx_has_no_mac_and_openssl_reads_it_without_a_password()
        {
            using var dir = new TempDir();
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            File.WriteAllBytes(dir.File("open.pfx"), CertificateFiles.WritePfx(chain.Leaf, chain.LeafKey, chain.Chain, null, PfxCompatibility.Modern));
            OpenSsl.Result r = OpenSsl.Run("pkcs12", "-info", "-nodes", "-nomacver", "-in", dir.File("open.pfx"), "-passin", "pass:");
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains("PKCS7 Data", r.All);
            Assert.DoesNotContain("Encrypted", r.All);
            Assert.Contains("BEGIN PRIVATE KEY", r.All);
            var back = CertificateFiles.Read(File.ReadAllBytes(dir.File("open.pfx")), null);
            Assert.Equal(chain.Leaf.Thumbprint, back.Leaf.Thumbprint);
            Assert.Equal(chain.LeafKey.KeyId, back.Key!.KeyId);
        }

        [Theory]
        [InlineData(KeyAlgorithm.EcdsaP256, PfxCompatibility.Modern)]
        [InlineData(KeyAlgorithm.Rsa2048, PfxCompatibility.Modern)]
        [InlineData(KeyAlgorithm.EcdsaP256, PfxCompatibility.Legacy)]
        [InlineData(KeyAlgorithm.Rsa2048, PfxCompatibility.Legacy)]
        public void DotNet_loads_our_pfx_with_a_usable_key(KeyAlgorithm algorithm, PfxCompatibility compatibility)
        {
            TestChain chain = TestChain.For(algorithm);
            byte[] pfx = CertificateFiles.WritePfx(chain.Leaf, chain.LeafKey, chain.Chain, Password.ToCharArray(), compatibility);
            using var loaded = new X509Certificate2(pfx, Password, X509KeyStorageFlags.Exportable);
            Assert.Equal(chain.Leaf.Thumbprint, loaded.Thumbprint);
            Assert.True(loaded.HasPrivateKey);
            byte[] data = { 1, 2, 3, 4, 5 };
            if (algorithm == KeyAlgorithm.Rsa2048)
            {
                using RSA rsa = loaded.GetRSAPrivateKey()!;
                byte[] signature = rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                using RSA pub = chain.Leaf.GetRSAPublicKey()!;
                Assert.True(pub.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            }
            else
            {
                using ECDsa ec = loaded.GetECDsaPrivateKey()!;
                byte[] signature = ec.SignData(data, HashAlgorithmName.SHA256);
                using ECDsa pub = chain.Leaf.GetECDsaPublicKey()!;
                Assert.True(pub.VerifyData(data, signature, HashAlgorithmName.SHA256));
            }
            // The non-obsolete loader applies Pkcs12LoaderLimits.Defaults (300,000 iterations per KDF): ours fit.
            using var strict = X509CertificateLoader.LoadPkcs12(pfx, Password, X509KeyStorageFlags.Exportable);
            Assert.True(strict.HasPrivateKey);
            var collection = new X509Certificate2Collection();
            collection.Import(pfx, Password, X509KeyStorageFlags.Exportable);
            Assert.Equal(3, collection.Count);
        }

        [Theory]
        [InlineData(KeyAlgorithm.EcdsaP256, PfxCompatibility.Modern)]
        [InlineData(KeyAlgorithm.Rsa2048, PfxCompatibility.Modern)]
        [InlineData(KeyAlgorithm.Rsa2048, PfxCompatibility.Legacy)]
        public void Java_keytool_imports_our_pfx_as_a_private_key_entry(KeyAlgorithm algorithm, PfxCompatibility compatibility)
        {
            using var dir = new TempDir();
            string path = Write(dir, algorithm, compatibility);
            Keytool("-importkeystore", "-srckeystore", path, "-srcstoretype", "PKCS12", "-srcstorepass", Password,
                "-destkeystore", dir.File("out.p12"), "-deststoretype", "PKCS12", "-deststorepass", "changeit", "-noprompt");
            string list = Keytool("-list", "-keystore", dir.File("out.p12"), "-storetype", "PKCS12", "-storepass", "changeit");
            Assert.Contains("PrivateKeyEntry", list);
        }

        internal static string Keytool(params string[] args)
        {
            var psi = new ProcessStartInfo("keytool") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(120_000))
            {
                p.Kill(true);
                throw new TimeoutException("keytool did not finish");
            }
            string all = stdout.Result + stderr.Result;
            Assert.True(p.ExitCode == 0, "keytool " + string.Join(" ", args) + " failed:\n" + all);
            return all;
        }

        private static int CountOf(string text, string what)
        {
            int count = 0;
            for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal)) count++;
            return count;
        }
    }
}
