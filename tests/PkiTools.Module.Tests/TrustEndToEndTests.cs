using System;
using System.IO;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>
    /// The trust cmdlets proven with the real clients: nginx on 127.0.0.1 serves a leaf from a New-Ca CA (written with
    /// Export-Cert -IncludeChain), and curl (system trust), a Java HTTPS client (a copy of cacerts) and NSS's certutil
    /// (throw-away databases) each refuse it before Install-Cert, accept it after, and refuse it again after Uninstall-Cert.
    /// </summary>
    public sealed class TrustEndToEndTests : ModuleTestBase
    {
        /// <summary>An intermediate-issued localhost leaf served by nginx; the root is ./pki/root/ca.crt.</summary>
        private Nginx Serve()
        {
            S.Run(@"
                $root = New-Ca -Path ./pki/root -Subject 'CN=E2E Trust Root, O=PkiTools Tests'
                $issuing = New-Ca -Path ./pki/issuing -Subject 'CN=E2E Issuing CA' -Parent $root
                $site = New-Csr -DnsName localhost | Invoke-CaSign -Ca $issuing -Path ./site   # site.key among its files
                $site | Export-Cert -Path ./site.pem -IncludeChain").ThrowOnError();
            return Nginx.Start(S.File("site.pem"), S.File("site.key"));
        }

        private static OpenSsl.Result CurlTo(Nginx web) => Curl.Run("--silent", "--show-error", "--max-time", "10", $"https://localhost:{web.Port}/");

        [NginxFact]
        public void Curl_trusts_nginx_only_while_the_root_is_in_the_system_store_and_the_bundle_ends_as_it_was()
        {
            using Nginx web = Serve();
            if (!SystemTrustGuard.Usable)
            {
                var refused = S.Run(@"Import-Cert ./pki/root/ca.crt | Install-Cert -Store System -Confirm:$false");
                Assert.Equal(new[] { "StoreAccessDenied" }, refused.ErrorIds);
                return;
            }
            using var guard = new SystemTrustGuard();
            OpenSsl.Result before = CurlTo(web);
            Assert.Equal(60, before.ExitCode); // curl: (60) SSL certificate problem: unable to get local issuer certificate

            dynamic installed = S.Run(@"Import-Cert ./pki/root/ca.crt | Install-Cert -Store System -Confirm:$false").ThrowOnError().Single();
            Assert.Equal("Installed", installed.Action.ToString());
            Assert.True((bool)installed.Verified);
            OpenSsl.Result trusted = CurlTo(web);
            Assert.True(trusted.ExitCode == 0, trusted.ToString());
            Assert.Equal("ok\n", trusted.Stdout);

            dynamic removed = S.Run(@"Import-Cert ./pki/root/ca.crt | Uninstall-Cert -Store System -Confirm:$false").ThrowOnError().Single();
            Assert.Equal("Removed", removed.Action.ToString());
            Assert.Equal(60, CurlTo(web).ExitCode);
            Assert.Equal(guard.BundleBefore, File.ReadAllBytes(SystemTrustGuard.Bundle));
        }

        [NginxFact]
        public void A_Java_client_reaches_nginx_only_while_the_root_is_in_its_keystore()
        {
            using Nginx web = Serve();
            string keystore = S.File("cacerts");
            File.Copy(JavaClient.SystemCacerts, keystore);
            byte[] system = File.ReadAllBytes(JavaClient.SystemCacerts);
            string url = $"https://localhost:{web.Port}/";

            OpenSsl.Result untrusted = JavaClient.Get(S.Directory, keystore, url);
            Assert.NotEqual(0, untrusted.ExitCode);
            Assert.Contains("PKIX", untrusted.Stdout);

            dynamic installed = S.Run(@"Import-Cert ./pki/root/ca.crt | Install-Cert -Store Java -JavaKeystore ./cacerts -Confirm:$false").ThrowOnError().Single();
            Assert.Equal(("Installed", true, keystore), (installed.Action.ToString(), (bool)installed.Verified, (string)installed.Location));
            Assert.Equal(1, S.Run(@"@(Import-Cert ./pki/root/ca.crt | Get-InstalledCert -Store Java -JavaKeystore ./cacerts).Count").ThrowOnError().Single<int>());
            OpenSsl.Result trusted = JavaClient.Get(S.Directory, keystore, url);
            Assert.True(trusted.ExitCode == 0, trusted.ToString());
            Assert.Contains("HTTP 200", trusted.Stdout);

            dynamic removed = S.Run(@"Import-Cert ./pki/root/ca.crt | Uninstall-Cert -Store Java -JavaKeystore ./cacerts -Confirm:$false").ThrowOnError().Single();
            Assert.Equal(("Removed", true), (removed.Action.ToString(), (bool)removed.Verified));
            OpenSsl.Result again = JavaClient.Get(S.Directory, keystore, url);
            Assert.NotEqual(0, again.ExitCode);
            Assert.Contains("PKIX", again.Stdout);
            Assert.Equal(system, File.ReadAllBytes(JavaClient.SystemCacerts));
        }

        [NginxFact]
        public void Each_nss_database_accepts_the_served_leaf_only_while_the_root_is_installed()
        {
            using Nginx web = Serve();
            string[] databases = { S.File("profile-a"), S.File("profile-b") };
            foreach (string db in databases)
            {
                Directory.CreateDirectory(db);
                Certutil("-N", "--empty-password", "-d", "sql:" + db).ThrowUnlessOk();
                // The leaf as nginx serves it, without trust of its own: only a trusted root can make it valid.
                Certutil("-A", "-n", "served-leaf", "-t", ",,", "-i", S.File("site.pem"), "-d", "sql:" + db).ThrowUnlessOk();
                Certutil("-A", "-n", "issuing", "-t", ",,", "-i", S.File("pki/issuing/ca.crt"), "-d", "sql:" + db).ThrowUnlessOk();
                Assert.NotEqual(0, Verify(db).ExitCode);
            }

            var installed = S.Run(@"Import-Cert ./pki/root/ca.crt | Install-Cert -Store Nss -NssDatabase ./profile-a, ./profile-b -Confirm:$false").ThrowOnError();
            Assert.Equal(2, installed.Output.Count);
            foreach (dynamic r in installed.Output) Assert.True((bool)r.Verified && r.Action.ToString() == "Installed", (string)r.Message);
            foreach (string db in databases)
            {
                OpenSsl.Result ok = Verify(db);
                Assert.True(ok.ExitCode == 0 && ok.All.Contains("certificate is valid"), ok.ToString());
            }

            var removed = S.Run(@"Import-Cert ./pki/root/ca.crt | Uninstall-Cert -Store Nss -NssDatabase ./profile-a, ./profile-b -Confirm:$false").ThrowOnError();
            foreach (dynamic r in removed.Output) Assert.Equal("Removed", r.Action.ToString());
            foreach (string db in databases) Assert.NotEqual(0, Verify(db).ExitCode);
        }

        private static OpenSsl.Result Certutil(params string[] args) => OpenSsl.RunProgram("certutil", null, null, args);

        private static OpenSsl.Result Verify(string db) => Certutil("-V", "-u", "V", "-n", "served-leaf", "-d", "sql:" + db);
    }

    internal static class ResultChecks
    {
        public static OpenSsl.Result ThrowUnlessOk(this OpenSsl.Result r) =>
            r.ExitCode == 0 ? r : throw new InvalidOperationException("command failed: " + r);
    }
}
