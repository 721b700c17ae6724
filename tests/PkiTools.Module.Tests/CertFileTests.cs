using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>Import-Cert and Export-Cert through the engine: every format both ways, with the real tools.</summary>
    public class CertFileTests : ModuleTestBase
    {
        private const string Secret = "pfx-Pa55word";

        public CertFileTests()
        {
            var pw = new SecureString();
            foreach (char c in Secret) pw.AppendChar(c);
            S.Run(@"
                $pw = $p
                $root = New-SelfSignedCert -Subject 'CN=Export Root' -Profile RootCa -Path ./root
                $int = New-Csr -Subject 'CN=Export Issuing' | Invoke-CaSign -Issuer $root -Profile IntermediateCa
                $leaf = New-Csr -DnsName site.example | Invoke-CaSign -Issuer $int -Path ./site
            ", new Dictionary<string, object?> { ["p"] = pw }).ThrowOnError();
        }

        private X509Certificate2 Leaf => (X509Certificate2)S.Run("$leaf").Single();

        [Theory]
        [InlineData("Pem", "")]
        [InlineData("Der", "")]
        [InlineData("P7b", "")]
        [InlineData("Pfx", "-Password $pw")]
        [InlineData("Pfx", "-Password $pw -PfxCompatibility Legacy")]
        public void Every_format_round_trips_with_thumbprint_and_key(string format, string extra)
        {
            S.Run($"$leaf | Export-Cert -Path ./out.{format.ToLowerInvariant()} -Format {format} {extra}").ThrowOnError();
            var back = S.Run($"Import-Cert -Path ./out.{format.ToLowerInvariant()} {(format == "Pfx" ? "-Password $pw" : "")}").ThrowOnError().Output.Select(o => (X509Certificate2)o.BaseObject).ToList();
            Assert.Equal(Leaf.Thumbprint, back[0].Thumbprint);
            if (format == "Pfx")
            {
                Assert.True(back[0].HasPrivateKey);
                AssertOwnerOnly(S.File("out.pfx"));
                Assert.True(S.Run("$leaf.HasPkiPrivateKey").ThrowOnError().Single<bool>());
            }
        }

        [Fact]
        public void Full_chain_pem_for_nginx_and_combined_pem_for_haproxy()
        {
            S.Run("$leaf | Export-Cert -Path ./fullchain.pem -IncludeChain").ThrowOnError();
            string fullchain = File.ReadAllText(S.File("fullchain.pem"));
            Assert.Equal(2, fullchain.Split("BEGIN CERTIFICATE").Length - 1); // leaf + intermediate, no root
            Assert.Contains("OK", OpenSsl.Ok("verify", "-CAfile", S.File("root.crt"), "-untrusted", S.File("fullchain.pem"), S.File("fullchain.pem")));
            S.Run("$leaf | Export-Cert -Path ./haproxy.pem -IncludeChain -IncludeKey").ThrowOnError();
            AssertOwnerOnly(S.File("haproxy.pem"));
            string combined = File.ReadAllText(S.File("haproxy.pem"));
            Assert.Contains("BEGIN PRIVATE KEY", combined);
            Assert.Equal(OpenSsl.Ok("x509", "-in", S.File("haproxy.pem"), "-noout", "-pubkey"), OpenSsl.Ok("pkey", "-in", S.File("haproxy.pem"), "-pubout"));
            // Reading it back attaches the key and remembers the chain.
            var again = S.Run("$c = Import-Cert ./haproxy.pem; $c[0].HasPrivateKey; $c.Count").ThrowOnError();
            Assert.True((bool)again.Output[0].BaseObject);
            Assert.Equal(2, (int)again.Output[1].BaseObject);
        }

        [Fact]
        public void Modern_pfx_is_read_by_openssl_3_without_legacy_and_by_dotnet()
        {
            S.Run("$leaf | Export-Cert -Path ./m.pfx -Format Pfx -Password $pw -IncludeChain -FriendlyName 'site cert'").ThrowOnError();
            string info = OpenSsl.Run("pkcs12", "-info", "-nodes", "-in", S.File("m.pfx"), "-passin", "pass:" + Secret).All;
            Assert.Contains("PBES2", info);
            Assert.Contains("AES-256-CBC", info);
            Assert.Contains("BEGIN PRIVATE KEY", info);
            Assert.Contains("site cert", info);
            using var loaded = new X509Certificate2(File.ReadAllBytes(S.File("m.pfx")), Secret, X509KeyStorageFlags.Exportable);
            Assert.True(loaded.HasPrivateKey);
            Assert.Equal(Leaf.Thumbprint, loaded.Thumbprint);
        }

        [Fact]
        public void A_pfx_needs_a_password_or_an_explicit_NoPassword()
        {
            var refused = S.Run("$leaf | Export-Cert -Path ./n.pfx -Format Pfx");
            Assert.Equal(new[] { "PasswordRequired" }, refused.ErrorIds);
            Assert.False(File.Exists(S.File("n.pfx")));
            S.Run("$leaf | Export-Cert -Path ./n.pfx -Format Pfx -NoPassword").ThrowOnError();
            Assert.True(S.Run("(Import-Cert ./n.pfx)[0].HasPrivateKey").ThrowOnError().Single<bool>());
        }

        [Fact]
        public void A_key_pairs_with_any_certificate_and_a_wrong_one_is_refused()
        {
            var r = S.Run("Import-Cert ./site.crt | Export-Cert -Path ./paired.pfx -Format Pfx -Password $pw -Key (Import-PrivateKey ./site.key)").ThrowOnError();
            Assert.True(File.Exists(S.File("paired.pfx")));
            var mismatch = S.Run("Import-Cert ./site.crt | Export-Cert -Path ./bad.pfx -Format Pfx -Password $pw -Key (New-PrivateKey)");
            Assert.Equal(new[] { "KeyMismatch" }, mismatch.ErrorIds);
            Assert.False(File.Exists(S.File("bad.pfx")));
        }

        [Fact]
        public void Reads_what_openssl_and_keytool_write()
        {
            OpenSsl.Ok("pkcs12", "-export", "-in", S.File("site.crt"), "-inkey", S.File("site.key"), "-out", S.File("o.pfx"), "-passout", "pass:" + Secret);
            OpenSsl.Ok("pkcs12", "-export", "-legacy", "-in", S.File("site.crt"), "-inkey", S.File("site.key"), "-out", S.File("ol.pfx"), "-passout", "pass:" + Secret);
            OpenSsl.Ok("crl2pkcs7", "-nocrl", "-certfile", S.File("site.crt"), "-out", S.File("o.p7b"));
            foreach (string file in new[] { "o.pfx", "ol.pfx" })
            {
                var c = (X509Certificate2)S.Run($"Import-Cert ./{file} -Password $pw").ThrowOnError().Output[0].BaseObject;
                Assert.Equal(Leaf.Thumbprint, c.Thumbprint);
                Assert.True(c.HasPrivateKey);
            }
            Assert.Equal(Leaf.Thumbprint, ((X509Certificate2)S.Run("Import-Cert ./o.p7b").ThrowOnError().Single()).Thumbprint);
            Assert.Equal(Leaf.Thumbprint, ((X509Certificate2)S.Run("[IO.File]::ReadAllLines(\"$PWD/site.crt\") | Import-Cert").ThrowOnError().Single()).Thumbprint);
        }

        [Theory]
        [InlineData("", "FormatUnknown")]
        [InlineData("garbage", "FormatUnknown")]
        [InlineData("-----BEGIN CERTIFICATE-----\nMIIB\n", "FormatUnknown")]
        public void Bad_files_give_one_clear_error(string content, string id)
        {
            File.WriteAllText(S.File("bad.crt"), content);
            var r = S.Run("Import-Cert ./bad.crt");
            Assert.Equal(new[] { id }, r.ErrorIds);
            Assert.Contains("bad.crt", r.Errors[0].ToString());
        }

        [Fact]
        public void Wrong_pfx_password_is_PasswordIncorrect()
        {
            S.Run("$leaf | Export-Cert -Path ./w.pfx -Format Pfx -Password $pw").ThrowOnError();
            var wrong = new SecureString();
            foreach (char c in "nope") wrong.AppendChar(c);
            var r = S.Run("Import-Cert ./w.pfx -Password $x", new Dictionary<string, object?> { ["x"] = wrong });
            Assert.Equal(new[] { "PasswordIncorrect" }, r.ErrorIds);
            Assert.Equal(new[] { "PasswordRequired" }, S.Run("Import-Cert ./w.pfx").ErrorIds);
        }

        [Fact]
        public void Several_certificates_make_one_bundle_or_a_clear_refusal()
        {
            S.Run("$leaf, $int | Export-Cert -Path ./bundle.p7b -Format P7b").ThrowOnError();
            Assert.Equal(2, S.Run("Import-Cert ./bundle.p7b").ThrowOnError().Output.Count);
            Assert.Equal(new[] { "InvalidArgument" }, S.Run("$leaf, $int | Export-Cert -Path ./two.der -Format Der").ErrorIds);
            Assert.False(File.Exists(S.File("two.der")));
        }
    }
}
