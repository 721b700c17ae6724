using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>Invoke-CertRenewal through the engine: due rules, in-place files, hooks, refusals, and what nginx serves afterwards.</summary>
    public class InvokeCertRenewalTests : ModuleTestBase
    {
        /// <summary>A CA and three site certificates: web (30 days, due under -RenewBeforeDays 60), api (300 days), and a key-less one.</summary>
        private void Site(string caPassword = "")
        {
            string pw = caPassword.Length > 0 ? $"-Password (ConvertTo-SecureString '{caPassword}' -AsPlainText -Force)" : "";
            string capw = caPassword.Length > 0 ? $"-CaPassword (ConvertTo-SecureString '{caPassword}' -AsPlainText -Force)" : "";
            S.Run($@"
                $ca = New-Ca -Path ./ca -Subject 'CN=Renewal Test CA' {pw}
                New-Item -ItemType Directory ./site | Out-Null
                New-Csr -DnsName web.example -IpAddress 10.0.0.5 | Invoke-CaSign -Ca ./ca {capw} -Path ./site/web -ValidDays 30 | Out-Null
                New-Csr -DnsName api.example | Invoke-CaSign -Ca ./ca {capw} -Path ./site/api -ValidDays 300 | Out-Null
                New-Csr -DnsName nokey.example | Invoke-CaSign -Ca ./ca {capw} -ValidDays 5 | Export-Cert -Path ./site/nokey.crt").ThrowOnError();
        }

        private static X509Certificate2 Leaf(string file) => X509Certificate2.CreateFromPem(File.ReadAllText(file));

        [Fact]
        public void Due_certificates_are_renewed_in_place_the_rest_are_reported_and_a_second_run_renews_nothing()
        {
            Site();
            X509Certificate2 before = Leaf(S.File("site/web.crt"));
            string oldKey = File.ReadAllText(S.File("site/web.key"));
            bool unix = !OperatingSystem.IsWindows();
            if (unix) File.SetUnixFileMode(S.File("site/web.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

            var r = S.Run("Invoke-CertRenewal -Path ./site -Ca ./ca -RenewBeforeDays 60 -Confirm:$false").ThrowOnError();
            var byFile = r.Output.Select(o => (dynamic)o.BaseObject).ToDictionary(x => Path.GetFileName((string)x.Path), x => x.Action.ToString());
            Assert.Equal("Renewed", byFile["web.crt"]);
            Assert.Equal("NotDue", byFile["api.crt"]);
            Assert.False(byFile.ContainsKey("nokey.crt")); // a folder search takes only certificates with a key beside them

            X509Certificate2 after = Leaf(S.File("site/web.crt"));
            Assert.NotEqual(before.SerialNumber, after.SerialNumber);
            Assert.Equal(before.Subject, after.Subject);
            Assert.Equal(new[] { "DNS:web.example", "IP:10.0.0.5" }, S.Run("(Import-Cert ./site/web.crt).SubjectAltNames").ThrowOnError().Output.Select(o => o.ToString()));
            Assert.NotEqual(oldKey, File.ReadAllText(S.File("site/web.key")));
            if (unix) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(S.File("site/web.key")));
            Assert.True(S.Run("Test-CertChain -Path ./site/web.crt -TrustedRoot ./ca/ca.crt -Quiet").ThrowOnError().Single<bool>());
            Assert.Equal(OpenSsl.Ok("x509", "-noout", "-pubkey", "-in", S.File("site/web.crt")), OpenSsl.Ok("pkey", "-pubout", "-in", S.File("site/web.key")));
            Assert.Equal(2, S.Run("@(Get-IssuedCert -Ca ./ca -DnsName web.example).Count").ThrowOnError().Single<int>()); // recorded in the ledger
            string backup = Assert.Single(Directory.GetDirectories(S.File("site/.pkitools-backup/web.crt")));
            Assert.Equal(oldKey, File.ReadAllText(Path.Combine(backup, "web.key")));

            var again = S.Run("Invoke-CertRenewal -Path ./site/*.crt -Ca ./ca -Confirm:$false");
            Assert.DoesNotContain(again.Output, o => ((dynamic)o.BaseObject).Action.ToString() == "Renewed");
            Assert.Contains(again.Output, o => ((dynamic)o.BaseObject).Action.ToString() == "Skipped" && ((string)((dynamic)o.BaseObject).Message).Contains("no key file"));
        }

        [Fact]
        public void The_inventory_pipes_into_the_renewal()
        {
            Site();
            var r = S.Run("Find-ExpiringCert -Path ./site -WithinDays 60 | Where-Object Renewable | Invoke-CertRenewal -Ca ./ca -RenewBeforeDays 60 -Confirm:$false").ThrowOnError();
            Assert.Equal(S.File("site/web.crt"), (string)((dynamic)r.Single()).Path);
            Assert.Equal("Renewed", ((dynamic)r.Single()).Action.ToString());
        }

        [Fact]
        public void Hooks_run_once_per_renewed_certificate_and_once_per_run_with_the_paths_in_the_environment()
        {
            Site();
            S.Run(@"Invoke-CertRenewal -Path ./site -Ca ./ca -Force -Confirm:$false `
                -DeployHook { Add-Content ./hooks.log ""deploy $env:RENEWED_DOMAINS $(Split-Path -Leaf $env:PKITOOLS_RENEWED_KEY)"" } `
                -PostHook 'Add-Content ./hooks.log ""post $env:PKITOOLS_RENEWED_COUNT""' | Out-Null").ThrowOnError();
            Assert.Equal(new[] { "deploy api.example api.key", "deploy web.example web.key", "post 2" }, File.ReadAllLines(S.File("hooks.log")));

            File.Delete(S.File("hooks.log"));
            S.Run("Invoke-CertRenewal -Path ./site -Ca ./ca -PostHook 'Add-Content ./hooks.log post' | Out-Null").ThrowOnError();
            Assert.False(File.Exists(S.File("hooks.log"))); // nothing renewed: no post hook
        }

        [Fact]
        public void A_failing_hook_is_HookFailed_and_the_renewed_files_stay()
        {
            Site();
            var r = S.Run("Invoke-CertRenewal -Path ./site/web.crt -Ca ./ca -RenewBeforeDays 60 -DeployHook { throw 'reload refused' } -PostHook 'sh -c \"exit 3\"' -Confirm:$false");
            Assert.Equal(new[] { "HookFailed", "HookFailed" }, r.ErrorIds);
            Assert.Contains("reload refused", r.Errors[0].ToString());
            Assert.Contains("exited with code 3", r.Errors[1].ToString());
            dynamic result = r.Single();
            Assert.Equal("Failed", result.Action.ToString()); // renewed but not deployed
            Assert.NotNull(result.NewNotAfter);
            Assert.Contains("new files are in place", (string)result.Message);
            Assert.True(S.Run("Test-CertChain -Path ./site/web.crt -TrustedRoot ./ca/ca.crt -Quiet").ThrowOnError().Single<bool>());
        }

        [Fact]
        public void A_wrong_CA_password_a_policy_refusal_and_a_missing_CA_key_are_Failed_and_nothing_in_place_changes()
        {
            Site("ca-secret");
            byte[] web = File.ReadAllBytes(S.File("site/web.crt")), key = File.ReadAllBytes(S.File("site/web.key"));

            var wrong = S.Run("Invoke-CertRenewal -Path ./site/web.crt -Ca ./ca -Force -CaPassword (ConvertTo-SecureString 'nope' -AsPlainText -Force) -Confirm:$false");
            Assert.Equal(new[] { "PasswordIncorrect" }, wrong.ErrorIds);
            Assert.Equal("Failed", ((dynamic)wrong.Single()).Action.ToString());

            string policy = File.ReadAllText(S.File("ca/policy.json"));
            File.WriteAllText(S.File("ca/policy.json"), "{ \"permittedDnsSuffixes\": [\"corp.example\"] }");
            var refused = S.Run("Invoke-CertRenewal -Path ./site/web.crt -Ca ./ca -Force -CaPassword (ConvertTo-SecureString 'ca-secret' -AsPlainText -Force) -Confirm:$false");
            Assert.Equal(new[] { "PolicyViolation" }, refused.ErrorIds);

            File.WriteAllText(S.File("ca/policy.json"), policy);
            File.Move(S.File("ca/private/ca.key"), S.File("ca-key-offline"));
            var keyless = S.Run("Invoke-CertRenewal -Path ./site/web.crt -Ca ./ca -Force -Confirm:$false");
            Assert.Equal(new[] { "IssuerKeyMissing" }, keyless.ErrorIds);

            Assert.Equal(web, File.ReadAllBytes(S.File("site/web.crt")));
            Assert.Equal(key, File.ReadAllBytes(S.File("site/web.key")));
        }

        [Fact]
        public void A_certificate_from_another_CA_is_skipped_and_two_CAs_each_renew_their_own()
        {
            Site();
            S.Run(@"
                New-Ca -Path ./other -Subject 'CN=Other CA' | Out-Null
                New-Csr -DnsName other.example | Invoke-CaSign -Ca ./other -Path ./site/other -ValidDays 30 | Out-Null").ThrowOnError();
            var one = S.Run("Invoke-CertRenewal -Path ./site/other.crt -Ca ./ca -Force -WhatIf").ThrowOnError();
            Assert.Contains("not one of the given CAs", (string)((dynamic)one.Single()).Message);
            var both = S.Run("Invoke-CertRenewal -Path ./site -Ca ./ca, ./other -RenewBeforeDays 60 -Confirm:$false").ThrowOnError();
            Assert.Equal(2, both.Output.Count(o => ((dynamic)o.BaseObject).Action.ToString() == "Renewed"));
            Assert.True(S.Run("Test-CertChain -Path ./site/other.crt -TrustedRoot ./other/ca.crt -Quiet").ThrowOnError().Single<bool>());
        }

        [NginxFact]
        public void Nginx_serves_the_renewed_certificate_after_the_post_hook_reloads_it()
        {
            S.Run(@"
                New-Ca -Path ./ca -Subject 'CN=Reload CA' | Out-Null
                New-Item -ItemType Directory ./site | Out-Null
                New-Csr -DnsName localhost | Invoke-CaSign -Ca ./ca -Path ./site/web -ValidDays 5 | Out-Null").ThrowOnError();
            using Nginx web = Nginx.Start(S.File("site/web.crt"), S.File("site/web.key"), reloadable: true);
            string Served() => S.Run($"$c = (Get-TlsCert 127.0.0.1:{web.Port}).Certificate; '{{0}} {{1:o}}' -f $c.SerialNumber, $c.NotAfter.ToUniversalTime()").ThrowOnError().Single<string>();
            string before = Served();

            var r = S.Run($"Invoke-CertRenewal -Path ./site -Ca ./ca -RenewBeforeDays 30 -PostHook '{Nginx.Program} -s reload -c {web.ConfigFile} 2>&1' -Confirm:$false").ThrowOnError();
            dynamic result = r.Single();
            Assert.Equal("Renewed", result.Action.ToString());
            string expected = S.Run("$c = Import-Cert ./site/web.crt; '{0} {1:o}' -f $c.SerialNumber, $c.NotAfter.ToUniversalTime()").ThrowOnError().Single<string>();
            string now = before;
            for (int i = 0; i < 50 && now != expected; i++)
            {
                System.Threading.Thread.Sleep(100);
                now = Served();
            }
            Assert.NotEqual(before, now);
            Assert.Equal(expected, now); // nginx serves the renewed certificate: its serial and NotAfter
        }
    }
}
