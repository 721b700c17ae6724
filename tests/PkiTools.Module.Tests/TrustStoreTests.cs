using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>
    /// Install-Cert, Uninstall-Cert and Get-InstalledCert through the real engine, on the stores this Linux machine has:
    /// .NET's CurrentUser stores (under ~/.dotnet/corefx) and, as root, the system trust. Every test removes what it put in.
    /// </summary>
    public class TrustStoreTests : ModuleTestBase
    {
        private static void RemoveFromDotNetStore(StoreName name, string thumbprint)
        {
            using var store = new X509Store(name, StoreLocation.CurrentUser);
            store.Open(OpenFlags.ReadWrite);
            store.RemoveRange(store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint, false));
        }

        [Fact]
        public void A_root_goes_into_CurrentUser_Root_is_found_there_and_comes_out_again()
        {
            var root = S.Run("$root = New-SelfSignedCert -Subject 'CN=Trust Store Test Root' -Profile RootCa; $root").ThrowOnError().Single<X509Certificate2>();
            try
            {
                dynamic installed = S.Run(@"$root | Install-Cert -Store 'CurrentUser\Root' -Confirm:$false").ThrowOnError().Single();
                Assert.Equal(@"CurrentUser\Root", (string)installed.Store);
                Assert.Equal("Installed", ((dynamic)installed).Action.ToString());
                Assert.True((bool)installed.Verified);
                Assert.Equal(root.Thumbprint, (string)installed.Thumbprint);

                var found = S.Run(@"Get-InstalledCert -Store CurrentUser\Root -Thumbprint $root.Thumbprint").ThrowOnError();
                var listed = Assert.Single(found.Output);
                Assert.Equal(root.Thumbprint, ((X509Certificate2)listed.BaseObject).Thumbprint);
                Assert.Equal(@"CurrentUser\Root", listed.Properties["Store"].Value);
                Assert.Equal(1, S.Run(@"@(Get-InstalledCert -Store CurrentUser\Root -DnsName 'Trust Store Test*').Count").ThrowOnError().Single<int>());

                Assert.Equal("AlreadyPresent", ((dynamic)S.Run(@"$root | Install-Cert -Store CurrentUser\Root -Confirm:$false").ThrowOnError().Single()).Action.ToString());

                dynamic removed = S.Run(@"Uninstall-Cert -Thumbprint $root.Thumbprint.ToLower() -Store CurrentUser\Root -Confirm:$false").ThrowOnError().Single();
                Assert.Equal("Removed", ((dynamic)removed).Action.ToString());
                Assert.True((bool)removed.Verified);
                Assert.Empty(S.Run(@"Get-InstalledCert -Store CurrentUser\Root -Thumbprint $root.Thumbprint").ThrowOnError().Output);
                Assert.Equal("NotFound", ((dynamic)S.Run(@"$root | Uninstall-Cert -Store CurrentUser\Root -Confirm:$false").ThrowOnError().Single()).Action.ToString());
            }
            finally
            {
                RemoveFromDotNetStore(StoreName.Root, root.Thumbprint);
            }
        }

        [Fact]
        public void A_certificate_with_its_key_goes_into_CurrentUser_My_and_SslStream_serves_it_from_there()
        {
            var leaf = S.Run(@"
                $ca = New-SelfSignedCert -Subject 'CN=My Store Test CA' -Profile RootCa
                $leaf = New-Csr -DnsName localhost | Invoke-CaSign -Issuer $ca -ValidDays 5
                $leaf").ThrowOnError().Single<X509Certificate2>();
            try
            {
                dynamic result = S.Run(@"$leaf | Install-Cert -Store CurrentUser\My -Confirm:$false").ThrowOnError().Single();
                Assert.Equal("Installed", ((dynamic)result).Action.ToString());
                Assert.True((bool)result.Verified);
                Assert.Contains("private key", (string)result.Message);

                // A fresh handle from the store, as a server process would open it: key attached and usable.
                X509Certificate2 fromStore;
                using (var store = new X509Store(StoreName.My, StoreLocation.CurrentUser))
                {
                    store.Open(OpenFlags.ReadOnly);
                    fromStore = store.Certificates.Find(X509FindType.FindByThumbprint, leaf.Thumbprint, false)[0];
                }
                Assert.True(fromStore.HasPrivateKey);
                Assert.Equal(leaf.Thumbprint, Handshake(fromStore));
            }
            finally
            {
                RemoveFromDotNetStore(StoreName.My, leaf.Thumbprint);
            }
        }

        /// <summary>Serves <paramref name="certificate"/> from an SslStream on 127.0.0.1 and returns the thumbprint a client saw.</summary>
        private static string Handshake(X509Certificate2 certificate)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try
            {
                int port = ((IPEndPoint)listener.LocalEndpoint).Port;
                Task server = Task.Run(async () =>
                {
                    using TcpClient accepted = await listener.AcceptTcpClientAsync();
                    using var ssl = new SslStream(accepted.GetStream());
                    await ssl.AuthenticateAsServerAsync(certificate);
                });
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                string? seen = null;
                using var tls = new SslStream(client.GetStream(), false, (_, cert, _, _) => { seen = new X509Certificate2(cert!).Thumbprint; return true; });
                tls.AuthenticateAsClient("localhost");
                Assert.True(server.Wait(TimeSpan.FromSeconds(30)));
                return seen!;
            }
            finally
            {
                listener.Stop();
            }
        }

        [Fact]
        public void WhatIf_lists_the_files_and_commands_and_changes_nothing()
        {
            var r = S.Run(@"New-SelfSignedCert -Subject 'CN=WhatIf Root' -Profile RootCa | Install-Cert -Store System, CurrentUser\Root -WhatIf").ThrowOnError();
            Assert.Empty(r.Output);
            string text = S.HostText;
            Assert.Contains("What if:", text);
            Assert.Contains("update-ca-certificates", text);
            Assert.Contains("/usr/local/share/ca-certificates/pkitools-whatif-root-", text);
            Assert.Contains(@"X509 store CurrentUser\Root", text);
            Assert.DoesNotContain(Directory.GetFiles("/usr/local/share/ca-certificates"), f => f.Contains("pkitools-whatif-root-"));
            Assert.Empty(S.Run(@"Get-InstalledCert -Store CurrentUser\Root -DnsName 'WhatIf Root'").ThrowOnError().Output);
        }

        [Fact]
        public void An_unknown_store_is_one_error_and_the_other_stores_go_on()
        {
            var root = S.Run("$root = New-SelfSignedCert -Subject 'CN=Partial Root' -Profile RootCa; $root").ThrowOnError().Single<X509Certificate2>();
            try
            {
                var r = S.Run(@"$root | Install-Cert -Store Firefox, CurrentUser\Root -Confirm:$false");
                Assert.Equal(new[] { "InvalidArgument" }, r.ErrorIds);
                Assert.Contains(@"CurrentUser\Root", r.Errors[0].ToString());
                Assert.Equal("Installed", ((dynamic)Assert.Single(r.Output).BaseObject).Action.ToString());
            }
            finally
            {
                RemoveFromDotNetStore(StoreName.Root, root.Thumbprint);
            }
        }

        [Fact]
        public void LocalMachine_stores_on_linux_are_StoreUnavailable_pointing_to_System()
        {
            var r = S.Run(@"New-SelfSignedCert -Subject 'CN=Machine Root' -Profile RootCa | Install-Cert -Store LocalMachine\Root -Confirm:$false");
            Assert.Equal(new[] { "StoreUnavailable" }, r.ErrorIds);
            Assert.Contains("-Store System", r.Errors[0].ToString());
        }

        [Fact]
        public void A_malformed_thumbprint_is_InvalidArgument()
        {
            var r = S.Run(@"Uninstall-Cert -Thumbprint 'not-a-thumbprint' -Store CurrentUser\Root -Confirm:$false");
            Assert.Equal(new[] { "InvalidArgument" }, r.ErrorIds);
            Assert.Contains("40 hex digits", r.Errors[0].ToString());
        }

        [Fact]
        public void Store_names_complete_with_Tab()
        {
            var r = S.Run("(TabExpansion2 -inputScript 'Install-Cert -Store Curr' -cursorColumn 24).CompletionMatches | ForEach-Object { $_.CompletionText }").ThrowOnError();
            Assert.Equal(new[] { @"CurrentUser\My", @"CurrentUser\Root" }, r.Output.Select(o => o.ToString()).ToArray());
            var all = S.Run("(TabExpansion2 -inputScript 'Get-InstalledCert -Store ' -cursorColumn 25).CompletionMatches | ForEach-Object { $_.CompletionText }").ThrowOnError();
            Assert.Equal(new[] { "System", "Nss", "Java", @"CurrentUser\My", @"CurrentUser\Root", @"LocalMachine\My", @"LocalMachine\Root", @"LocalMachine\CA" }, all.Output.Select(o => o.ToString()).ToArray());
        }

        [Fact]
        public void System_trust_makes_openssl_trust_the_ca_and_uninstalling_restores_the_bundle()
        {
            S.Run(@"
                $ca = New-SelfSignedCert -Subject 'CN=System Trust Test Root' -Profile RootCa
                New-Csr -DnsName localhost | Invoke-CaSign -Issuer $ca -ValidDays 5 | Export-Cert -Path ./leaf.pem").ThrowOnError();
            string leaf = S.File("leaf.pem");
            if (!SystemTrustGuard.Usable)
            {
                // Not root here: refused with the command to run as root, and nothing changed.
                var refused = S.Run(@"$ca | Install-Cert -Store System -Confirm:$false");
                Assert.Equal(new[] { "StoreAccessDenied" }, refused.ErrorIds);
                Assert.Contains("sudo", refused.Errors[0].ToString());
                return;
            }
            using var guard = new SystemTrustGuard();
            Assert.NotEqual(0, OpenSsl.Run("verify", leaf).ExitCode);

            dynamic installed = S.Run(@"$ca | Install-Cert -Store System -Confirm:$false").ThrowOnError().Single();
            Assert.Equal("Installed", installed.Action.ToString());
            Assert.True((bool)installed.Verified);
            string anchor = Assert.Single(guard.Added);
            Assert.Equal(anchor, (string)installed.Location);
            Assert.StartsWith(SystemTrustGuard.Anchors + "/pkitools-system-trust-test-root-", anchor);
            Assert.Equal(0, OpenSsl.Run("verify", leaf).ExitCode);
            Assert.Equal(1, S.Run(@"@(Get-InstalledCert -Store System -Thumbprint $ca.Thumbprint).Count").ThrowOnError().Single<int>());
            Assert.Equal("AlreadyPresent", ((dynamic)S.Run(@"$ca | Install-Cert -Store System -Confirm:$false").ThrowOnError().Single()).Action.ToString());

            dynamic removed = S.Run(@"$ca | Uninstall-Cert -Store System -Confirm:$false").ThrowOnError().Single();
            Assert.Equal("Removed", removed.Action.ToString());
            Assert.True((bool)removed.Verified);
            Assert.Empty(guard.Added);
            Assert.NotEqual(0, OpenSsl.Run("verify", leaf).ExitCode);
            Assert.Equal(guard.BundleBefore, File.ReadAllBytes(SystemTrustGuard.Bundle));
        }
    }
}
