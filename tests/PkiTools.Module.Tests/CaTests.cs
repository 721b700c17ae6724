using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>The CA cmdlets end to end: New-Ca, Get-Ca, Invoke-CaSign -Ca, Get-IssuedCert, Revoke-Cert, New-Crl, Update-Crl.</summary>
    public class CaTests : ModuleTestBase
    {
        [Fact]
        public void A_root_issues_revokes_and_publishes_a_crl_that_test_certchain_and_openssl_agree_on()
        {
            var r = S.Run(@"
                $ca = New-Ca -Path ./ca -Subject 'CN=Corp Root CA, O=Corp' -PermittedDnsDomain corp.example -CrlDistributionPoint http://pki.corp.example/ca.crl
                $web = New-Csr -DnsName web.corp.example -Path ./web | Invoke-CaSign -Ca $ca -Path ./web
                $old = New-Csr -DnsName old.corp.example | Invoke-CaSign -Ca ./ca
                $ca
            ").ThrowOnError();
            dynamic ca = r.Single();
            Assert.Equal(2, (int)ca.IssuedCount);
            Assert.True((bool)ca.IsRoot);
            Assert.Contains("256", (string)ca.KeyAlgorithm);
            AssertOwnerOnly(S.File("ca/private/ca.key"));

            // The CA certificate carries the name constraints; the leaf carries the CDP.
            string caText = OpenSsl.Ok("x509", "-in", S.File("ca/ca.crt"), "-noout", "-text");
            Assert.Contains("Permitted:", caText);
            Assert.Contains("DNS:corp.example", caText);
            string leafText = OpenSsl.Ok("x509", "-in", S.File("web.crt"), "-noout", "-text");
            Assert.Contains("URI:http://pki.corp.example/ca.crl", leafText);

            S.Run("Get-IssuedCert -Ca ./ca -DnsName old.* | Revoke-Cert -Reason Superseded -Confirm:$false").ThrowOnError();
            Directory.CreateDirectory(S.File("pub"));
            dynamic crl = S.Run("New-Crl -Ca ./ca -Path ./pub/ca.crl").ThrowOnError().Single();
            Assert.Equal("1", (string)crl.CrlNumber);
            Assert.Equal(1, (int)crl.RevokedCount);
            Assert.Equal("Superseded", crl.Entries[0].Reason.ToString());
            Assert.True(File.Exists(S.File("pub/ca.der")));
            Assert.True(File.Exists(S.File("ca/crl/ca.der")));
            Assert.Equal("2", S.Run("(New-Crl -Ca ./ca).CrlNumber").ThrowOnError().Single<string>());

            Assert.Equal("Revoked", S.Run("($old | Test-CertChain -TrustedRoot ./ca/ca.crt -Crl ./ca/crl/ca.crl).Problems[0].Code.ToString()").ThrowOnError().Single<string>());
            Assert.True(S.Run("$web | Test-CertChain -TrustedRoot ./ca/ca.crt -Crl ./ca/crl/ca.crl -Quiet").ThrowOnError().Single<bool>());
            OpenSsl.Ok("crl", "-in", S.File("ca/crl/ca.crl"), "-CAfile", S.File("ca/ca.crt"), "-noout", "-verify");
            Assert.Equal(0, OpenSsl.Run("verify", "-crl_check", "-CRLfile", S.File("ca/crl/ca.crl"), "-CAfile", S.File("ca/ca.crt"), S.File("web.crt")).ExitCode);
            File.WriteAllText(S.File("old.crt"), S.Run("[PkiTools.Core.Encoding.Pem]::Encode('CERTIFICATE', $old.RawData)").ThrowOnError().Single<string>());
            Assert.NotEqual(0, OpenSsl.Run("verify", "-crl_check", "-CRLfile", S.File("ca/crl/ca.crl"), "-CAfile", S.File("ca/ca.crt"), S.File("old.crt")).ExitCode);

            var statuses = S.Run("Get-IssuedCert -Ca ./ca | ForEach-Object { '{0} {1}' -f $_.Status, $_.SubjectAltNames[0] }").ThrowOnError().Output.Select(o => o.ToString()).OrderBy(s => s).ToArray();
            Assert.Equal(new[] { "Revoked DNS:old.corp.example", "Valid DNS:web.corp.example" }, statuses);
        }

        [Fact]
        public void An_intermediate_is_recorded_by_its_parent_and_issues_with_a_full_chain_file()
        {
            S.Run(@"
                $root = New-Ca -Path ./root -Subject 'CN=Root' -PathLength 1
                $sub = New-Ca -Path ./sub -Subject 'CN=Issuing CA' -Parent $root
                New-Csr -DnsName app.example -Path ./app | Invoke-CaSign -Ca $sub -Path ./app | Out-Null
            ").ThrowOnError();
            Assert.Equal(1, S.Run("(Get-IssuedCert -Ca ./root).Count").ThrowOnError().Single<int>());
            string[] chain = File.ReadAllText(S.File("app.fullchain.crt")).Split("-----BEGIN CERTIFICATE-----", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, chain.Length);
            OpenSsl.Ok("verify", "-CAfile", S.File("root/ca.crt"), "-untrusted", S.File("app.fullchain.crt"), S.File("app.crt"));
            Assert.True(S.Run("Get-Ca ./sub | ForEach-Object { -not $_.IsRoot }").ThrowOnError().Single<bool>());
        }

        [Fact]
        public void Names_outside_the_policy_are_refused_and_nothing_is_recorded()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Corp' -PermittedDnsDomain corp.example | Out-Null").ThrowOnError();
            string before = File.ReadAllText(S.File("ca/index.txt"));
            var r = S.Run("New-Csr -DnsName www.evil.example | Invoke-CaSign -Ca ./ca -Path ./evil");
            Assert.Equal(new[] { "PolicyViolation" }, r.ErrorIds);
            Assert.Equal(before, File.ReadAllText(S.File("ca/index.txt")));
            Assert.False(File.Exists(S.File("evil.crt")));
            Assert.Empty(Directory.GetFiles(S.File("ca/certs")));
        }

        [Fact]
        public void Update_crl_reissues_only_when_due()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Corp' | Out-Null").ThrowOnError();
            Assert.Single(S.Run("Update-Crl -Ca ./ca -RenewBeforeDays 7").ThrowOnError().Output);
            Assert.Empty(S.Run("Update-Crl -Ca ./ca -RenewBeforeDays 7").ThrowOnError().Output);
            Assert.Single(S.Run("Update-Crl -Ca ./ca -RenewBeforeDays 40").ThrowOnError().Output);
            S.Run("New-Csr -DnsName a.example | Invoke-CaSign -Ca ./ca | Revoke-Cert -Ca ./ca -Reason KeyCompromise -Confirm:$false").ThrowOnError();
            dynamic crl = S.Run("Update-Crl -Ca ./ca -RenewBeforeDays 7").ThrowOnError().Single();
            Assert.Equal(1, (int)crl.RevokedCount);
            Assert.Equal("3", (string)crl.CrlNumber);
        }

        [Fact]
        public void An_offline_root_lists_and_revokes_without_its_key_but_signing_says_the_key_is_missing()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Offline Root' | Out-Null; New-Csr -DnsName a.example | Invoke-CaSign -Ca ./ca | Out-Null").ThrowOnError();
            File.Move(S.File("ca/private/ca.key"), S.File("usb-stick.key"));
            var r = S.Run("Get-Ca ./ca");
            Assert.Empty(r.ErrorIds);
            Assert.Contains(r.Warnings, w => w.Contains("ca.key"));
            S.Run("Get-IssuedCert -Ca ./ca | Revoke-Cert -Confirm:$false").ThrowOnError();
            Assert.Equal(new[] { "IssuerKeyMissing" }, S.Run("New-Crl -Ca ./ca").ErrorIds);
            Assert.Equal(new[] { "IssuerKeyMissing" }, S.Run("New-Csr -DnsName b.example | Invoke-CaSign -Ca ./ca").ErrorIds);
        }

        [Fact]
        public void An_intermediate_outliving_its_parent_is_clipped_with_a_warning()
        {
            var r = S.Run("$root = New-Ca -Path ./root -Subject 'CN=Short Root' -ValidYears 2; New-Ca -Path ./sub -Subject 'CN=Sub' -Parent $root -ValidYears 5").ThrowOnError();
            Assert.Contains(r.Warnings, w => w.Contains("clipped"));
        }

        [Fact]
        public void A_missing_ca_password_names_the_cmdlet_parameters_that_take_it()
        {
            var pw = Vars("pw", new System.Net.NetworkCredential("", "s3cret-Pa55").SecurePassword);
            S.Run("New-Ca -Path ./ca -Subject 'CN=Locked' -Password $pw | Out-Null", pw).ThrowOnError();
            var r = S.Run("New-Crl -Ca ./ca");
            Assert.Equal(new[] { "PasswordRequired" }, r.ErrorIds);
            Assert.Contains("-CaPassword", r.Errors[0].ToString());
            Assert.Single(S.Run("New-Crl -Ca ./ca -CaPassword $pw", pw).ThrowOnError().Output);
        }
    }
}
