using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>Import-Csr and Import-Crl: files, wildcards, FileInfo and PEM text in; the objects Invoke-CaSign and Test-CertChain -Crl take out.</summary>
    public class ImportCsrCrlTests : ModuleTestBase
    {
        private void OpenSslCsr(string name, string dns)
        {
            OpenSsl.RunIn(S.Directory, null, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + dns, "-addext", "subjectAltName=DNS:" + dns);
        }

        [Fact]
        public void Imported_csr_pipes_into_Invoke_CaSign()
        {
            OpenSslCsr("web", "web.example");
            var cert = (X509Certificate2)S.Run(@"
                $root = New-SelfSignedCert -Subject 'CN=Import Root' -Profile RootCa
                Import-Csr ./web.csr | Invoke-CaSign -Issuer $root -Path ./web
            ").ThrowOnError().Single();
            Assert.Equal("CN=web.example", cert.Subject);
            Assert.True(File.Exists(S.File("web.crt")));
            // The issued certificate carries the key of the request openssl made.
            Assert.Contains("web.crt: OK", OpenSsl.Ok("verify", "-CAfile", S.File("web.crt"), "-partial_chain", S.File("web.crt")));
            string fromKey = OpenSsl.Ok("pkey", "-in", S.File("web.key"), "-pubout");
            string fromCert = OpenSsl.Ok("x509", "-in", S.File("web.crt"), "-noout", "-pubkey");
            Assert.Equal(fromKey, fromCert);
        }

        [Fact]
        public void Import_csr_reads_pem_der_wildcards_fileinfo_and_text()
        {
            OpenSslCsr("a", "a.example");
            OpenSslCsr("b", "b.example");
            OpenSsl.Ok("req", "-in", S.File("a.csr"), "-outform", "DER", "-out", S.File("a.der"));
            string Subjects(string script) => string.Join(",", S.Run(script).ThrowOnError().Output.Select(o => ((dynamic)o.BaseObject).Subject.ToString()).Cast<string>());
            Assert.Equal("CN=a.example,CN=b.example", Subjects("Import-Csr ./*.csr"));
            Assert.Equal("CN=a.example", Subjects("Import-Csr -LiteralPath ./a.der"));
            Assert.Equal("CN=a.example,CN=b.example", Subjects("Get-ChildItem ./*.csr | Import-Csr"));
            Assert.Equal("CN=b.example", Subjects("Get-Content ./b.csr | Import-Csr"));
            Assert.Equal("CN=b.example", Subjects("Get-Content ./b.csr -Raw | Import-Csr"));
            dynamic csr = S.Run("Import-Csr ./a.csr").ThrowOnError().Single();
            Assert.True((bool)csr.SignatureValid);
            Assert.False((bool)csr.HasPrivateKey);
            Assert.Equal(new[] { "a.example" }, (string[])csr.DnsNames);
        }

        [Fact]
        public void Import_csr_errors_have_ids_and_the_rest_are_read()
        {
            OpenSslCsr("good", "good.example");
            File.WriteAllText(S.File("cert-only.pem"), OpenSsl.Ok("req", "-x509", "-in", S.File("good.csr"), "-key", S.File("good.key"), "-days", "1"));
            File.WriteAllBytes(S.File("garbage.csr"), new byte[] { 1, 2, 3 });
            File.WriteAllText(S.File("broken.csr"), "-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQU=\n-----END CERTIFICATE REQUEST-----\n");
            var r = S.Run("Import-Csr ./missing.csr, ./cert-only.pem, ./garbage.csr, ./broken.csr, ./good.csr");
            Assert.Equal(new[] { "FileNotFound", "CsrInvalid", "FormatUnknown", "CsrInvalid" }, r.ErrorIds);
            Assert.Single(r.Output);
            Assert.Equal(S.File("garbage.csr"), r.Errors[2].TargetObject);

            // A request whose signature does not verify is returned with a warning, and Invoke-CaSign refuses it.
            byte[] der = System.Convert.FromBase64String(string.Concat(File.ReadAllLines(S.File("good.csr")).Where(l => !l.StartsWith("-----"))));
            der[^3] ^= 0x5A;
            File.WriteAllBytes(S.File("tampered.der"), der);
            var tampered = S.Run("Import-Csr ./tampered.der");
            Assert.Empty(tampered.Errors);
            Assert.Single(tampered.Warnings);
            Assert.False((bool)((dynamic)tampered.Single()).SignatureValid);
            var sign = S.Run("$root = New-SelfSignedCert -Subject 'CN=R' -Profile RootCa; Import-Csr ./tampered.der -WarningAction SilentlyContinue | Invoke-CaSign -Issuer $root");
            Assert.Equal(new[] { "CsrSignatureInvalid" }, sign.ErrorIds);
        }

        [Fact]
        public void Imported_crl_feeds_Test_CertChain()
        {
            S.Run(@"
                New-Ca -Path ./ca -Subject 'CN=Crl CA' | Out-Null
                $root = Import-Cert ./ca/ca.crt
                $good = New-Csr -DnsName good.example | Invoke-CaSign -Ca ./ca
                $bad = New-Csr -DnsName bad.example | Invoke-CaSign -Ca ./ca
                $bad | Revoke-Cert -Ca ./ca -Reason KeyCompromise -Confirm:$false
                New-Item -ItemType Directory ./pub | Out-Null
                New-Crl -Ca ./ca -Path ./pub/ca.crl | Out-Null
            ").ThrowOnError();
            string Codes(string who) => string.Join(",", S.Run($"(Test-CertChain ${who} -TrustedRoot $root -Crl (Import-Crl ./pub/ca.crl)).Problems | ForEach-Object {{ [string]$_.Code }}").ThrowOnError().Output);
            Assert.Equal("", Codes("good"));
            Assert.Equal("Revoked", Codes("bad"));

            // DER (the .der copy New-Crl writes), FileInfo, PEM text; the same CRL each time.
            string Numbers(string script) => string.Join(",", S.Run(script).ThrowOnError().Output.Select(o => ((dynamic)o.BaseObject).CrlNumber.ToString()).Cast<string>());
            Assert.Equal("2", Numbers("Import-Crl -LiteralPath ./pub/ca.der"));
            Assert.Equal("2,2", Numbers("Get-ChildItem ./pub | Import-Crl"));
            Assert.Equal("2", Numbers("Get-Content ./pub/ca.crl | Import-Crl"));
            Assert.Equal("2", Numbers("Import-Crl ./pub/*.crl"));
            dynamic crl = S.Run("Import-Crl ./pub/ca.crl").ThrowOnError().Single();
            Assert.Equal(1, (int)crl.RevokedCount);
            Assert.Equal("KeyCompromise", crl.Entries[0].Reason.ToString());
        }

        [Fact]
        public void Import_crl_errors_have_ids_and_the_rest_are_read()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Crl CA' | Out-Null; New-Crl -Ca ./ca -Path ./ca.crl | Out-Null").ThrowOnError();
            File.WriteAllText(S.File("garbage.crl"), "not a CRL");
            File.WriteAllText(S.File("broken.crl"), "-----BEGIN X509 CRL-----\nMAMCAQU=\n-----END X509 CRL-----\n");
            var r = S.Run("Import-Crl ./missing.crl, ./garbage.crl, ./broken.crl, ./ca/ca.crt, ./ca.crl");
            Assert.Equal(new[] { "FileNotFound", "CrlInvalid", "CrlInvalid", "CrlInvalid" }, r.ErrorIds);
            Assert.Single(r.Output);
            Assert.Equal(new[] { "CrlInvalid" }, S.Run("'garbage' | Import-Crl").ErrorIds);
        }
    }
}
