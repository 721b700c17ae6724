using System.Collections.Generic;
using System.IO;
using System.Security;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>
    /// Issue 18 through the cmdlets: files of kinds and algorithms PkiTools does not read are named (error id and
    /// sentence), a key-only PFX gives its key, and a weak key's refusal names only a switch the cmdlet has.
    /// </summary>
    public class WildKeyFileTests : ModuleTestBase
    {
        private const string Secret = "wild-Pa55";

        public WildKeyFileTests()
        {
            var pw = new SecureString();
            foreach (char c in Secret) pw.AppendChar(c);
            S.Run("$pw = $p; $root = New-SelfSignedCert -Subject 'CN=Wild Root' -Profile RootCa", new Dictionary<string, object?> { ["p"] = pw }).ThrowOnError();
        }

        [Fact]
        public void A_weak_key_is_refused_naming_only_a_switch_the_cmdlet_has()
        {
            OpenSsl.Ok("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", S.File("weak.key"));
            S.Run("$weak = Import-PrivateKey ./weak.key").ThrowOnError();
            var self = S.Run("New-SelfSignedCert -DnsName weak.example -Key $weak");
            Assert.Equal(new[] { "WeakKey" }, self.ErrorIds);
            Assert.Contains("too weak", self.Errors[0].ToString());
            Assert.DoesNotContain("AllowWeakKey", self.Errors[0].ToString());
            var signed = S.Run("New-Csr -DnsName weak.example -Key $weak | Invoke-CaSign -Issuer $root");
            Assert.Equal(new[] { "WeakKey" }, signed.ErrorIds);
            Assert.Contains("-AllowWeakKey", signed.Errors[0].ToString());
        }

        [Fact]
        public void Import_Cert_says_a_crl_or_csr_is_one_and_names_its_reader()
        {
            S.Run("$ca = New-Ca -Path ./ca -Subject 'CN=Wild CA'; New-Crl -Ca $ca -Path ./ca.crl | Out-Null").ThrowOnError();
            OpenSsl.Ok("crl", "-in", S.File("ca.crl"), "-outform", "DER", "-out", S.File("ca.crl.der"));
            OpenSsl.Ok("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", S.File("r.key"), "-subj", "/CN=r.example", "-out", S.File("r.csr"));
            OpenSsl.Ok("req", "-in", S.File("r.csr"), "-outform", "DER", "-out", S.File("r.csr.der"));
            foreach (var (file, what, reader) in new[] { ("ca.crl", "(CRL)", "Import-Crl"), ("ca.crl.der", "(CRL)", "Import-Crl"), ("r.csr", "(CSR)", "Import-Csr"), ("r.csr.der", "(CSR)", "Import-Csr") })
            {
                var r = S.Run($"Import-Cert ./{file}");
                Assert.Equal(new[] { "WrongFileType" }, r.ErrorIds);
                string text = r.Errors[0].ToString();
                Assert.Contains(file, text);
                Assert.Contains(what, text);
                Assert.Contains($"Read it with {reader}.", text);
            }
        }

        [Fact]
        public void Import_PrivateKey_reads_a_key_only_pfx_and_names_algorithms_it_does_not_use()
        {
            OpenSsl.Ok("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", S.File("ec.key"));
            OpenSsl.Ok("pkcs12", "-export", "-nocerts", "-inkey", S.File("ec.key"), "-passout", "pass:" + Secret, "-out", S.File("ec.pfx"));
            dynamic key = S.Run("Import-PrivateKey ./ec.pfx -Password $pw").ThrowOnError().Single();
            dynamic same = S.Run("Import-PrivateKey ./ec.key").ThrowOnError().Single();
            Assert.Equal((string)same.KeyId, (string)key.KeyId);
            Assert.Equal(new[] { "PasswordRequired" }, S.Run("Import-PrivateKey ./ec.pfx").ErrorIds);

            OpenSsl.Ok("genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "pbits:2048", "-out", S.File("dsa.params"));
            OpenSsl.Ok("genpkey", "-paramfile", S.File("dsa.params"), "-out", S.File("dsa.key"));
            OpenSsl.Ok("dsa", "-in", S.File("dsa.key"), "-out", S.File("dsa.trad.key"));
            OpenSsl.Ok("genpkey", "-algorithm", "X25519", "-out", S.File("x25519.key"));
            foreach (var (file, name) in new[] { ("dsa.key", "DSA"), ("dsa.trad.key", "DSA"), ("x25519.key", "X25519") })
            {
                var r = S.Run($"Import-PrivateKey ./{file}");
                Assert.Equal(new[] { "UnsupportedAlgorithm" }, r.ErrorIds);
                Assert.Contains($"{name} key", r.Errors[0].ToString());
            }
            OpenSsl.Ok("req", "-new", "-key", S.File("dsa.key"), "-subj", "/CN=dsa.example", "-out", S.File("dsa.csr"));
            var signed = S.Run("Invoke-CaSign -CsrPath ./dsa.csr -Issuer $root");
            Assert.Equal(new[] { "UnsupportedAlgorithm" }, signed.ErrorIds);
            Assert.Contains("DSA", signed.Errors[0].ToString());
        }
    }
}
