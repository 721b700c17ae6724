using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PkiTools.Core;
using PkiTools.Core.Formats;
using PkiTools.Core.Trust;
using PkiTools.Core.Tests.Validation;
using Xunit;

namespace PkiTools.Core.Tests.Trust
{
    /// <summary>
    /// The system trust store over a temporary file-system root and a scripted runner: every Linux layout, the macOS and
    /// Windows command lines, refusals without root, and results decided by reading the bundle back.
    /// </summary>
    public sealed class SystemTrustStoreTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "pkitools-sysroot-" + Guid.NewGuid().ToString("N"));
        private static readonly X509Certificate2 Root = ValidationPki.SelfSignedRoot("CN=System Store Test Root, O=PkiTools Tests").Certificate;
        private static readonly X509Certificate2 Other = ValidationPki.SelfSignedRoot("CN=Distribution Root").Certificate;

        public SystemTrustStoreTests() => Directory.CreateDirectory(_root);

        public void Dispose() => Directory.Delete(_root, true);

        private TrustEnvironment Environment(RecordingProcessRunner runner, TrustPlatform platform = TrustPlatform.Linux, bool elevated = true) =>
            TrustTestPki.Environment(runner, Path.Combine(_root, "home"), systemRoot: _root, platform: platform, elevated: elevated);

        private string Sys(string absolute) => Path.Combine(_root, absolute.TrimStart('/'));

        /// <summary>A Debian tree whose update-ca-certificates, like the real one, writes the distribution's roots plus every anchor into the bundle.</summary>
        private RecordingProcessRunner Debian(bool updates = true, ProcessResult? failure = null)
        {
            Directory.CreateDirectory(Sys("/usr/local/share/ca-certificates"));
            Directory.CreateDirectory(Sys("/etc/ssl/certs"));
            var runner = new RecordingProcessRunner("update-ca-certificates").On(call => call.Program == "update-ca-certificates", _ =>
            {
                if (failure != null) return failure;
                if (updates) WriteBundle();
                return new ProcessResult(0, "Updating certificates in /etc/ssl/certs...\n", "");
            });
            WriteBundle();
            return runner;
        }

        private void WriteBundle()
        {
            var text = new StringBuilder(Pem.Encode("CERTIFICATE", Other.RawData));
            foreach (string file in Directory.GetFiles(Sys("/usr/local/share/ca-certificates"), "*.crt")) text.Append(File.ReadAllText(file));
            File.WriteAllText(Sys("/etc/ssl/certs/ca-certificates.crt"), text.ToString());
        }

        [Theory]
        [InlineData(new[] { "/usr/local/share/ca-certificates" }, "update-ca-certificates", "Debian/Ubuntu/Alpine")]
        [InlineData(new[] { "/etc/pki/ca-trust/source/anchors" }, "update-ca-trust", "RHEL/Fedora")]
        [InlineData(new[] { "/etc/ca-certificates/trust-source/anchors" }, "trust", "Arch")]
        [InlineData(new[] { "/usr/share/pki/trust/anchors" }, "update-ca-certificates", "openSUSE")]
        [InlineData(new[] { "/usr/local/share/ca-certificates", "/etc/pki/ca-trust/source/anchors" }, "update-ca-trust", "RHEL/Fedora")]
        public void The_layout_is_found_by_its_anchors_folder_and_command(string[] folders, string program, string family)
        {
            foreach (string folder in folders) Directory.CreateDirectory(Sys(folder));
            var runner = new RecordingProcessRunner("update-ca-certificates", "update-ca-trust", "trust");
            var store = (LinuxSystemTrustStore)SystemTrustStore.For(Environment(runner));
            Assert.Equal(family, store.Layout.Family);
            Assert.Equal(program, store.Layout.Program);
        }

        [Fact]
        public void A_layout_without_its_command_names_the_package_and_no_layout_at_all_is_unavailable()
        {
            Directory.CreateDirectory(Sys("/etc/pki/ca-trust/source/anchors"));
            var ex = Assert.Throws<PkiException>(() => SystemTrustStore.For(Environment(new RecordingProcessRunner())));
            Assert.Equal(PkiErrorCode.StoreUnavailable, ex.Code);
            Assert.Contains("update-ca-trust", ex.Message);
            Assert.Contains("dnf install ca-certificates", ex.Message);

            Directory.Delete(Sys("/etc"), true);
            ex = Assert.Throws<PkiException>(() => SystemTrustStore.For(Environment(new RecordingProcessRunner())));
            Assert.Equal(PkiErrorCode.StoreUnavailable, ex.Code);
            Assert.Contains("/usr/local/share/ca-certificates", ex.Message);
        }

        [Fact]
        public void Install_writes_one_readable_pem_runs_the_update_and_is_verified_from_the_bundle()
        {
            RecordingProcessRunner runner = Debian();
            ITrustStore store = SystemTrustStore.For(Environment(runner));
            Assert.Equal(new[] { "/usr/local/share/ca-certificates" }, store.Locations());
            string location = store.Locations()[0];

            IReadOnlyList<string> plan = store.PlanInstall(Root, location);
            Assert.Contains(plan, l => l.StartsWith("write " + Sys("/usr/local/share/ca-certificates/pkitools-system-store-test-root-"), StringComparison.Ordinal) && l.Contains(".crt"));
            Assert.Contains("run update-ca-certificates", plan);
            Assert.Empty(runner.Calls); // planning runs nothing

            TrustStoreResult result = store.Install(Root, location);
            Assert.Equal(TrustAction.Installed, result.Action);
            Assert.True(result.Verified);
            Assert.Equal(Root.Thumbprint, result.Thumbprint);
            string file = Assert.Single(Directory.GetFiles(Sys("/usr/local/share/ca-certificates")));
            Assert.Equal(file, result.Location);
            Assert.Equal(Root.RawData, CertificateFiles.Read(File.ReadAllBytes(file), null).Leaf.RawData);
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(file));
            Assert.Equal("update-ca-certificates", Assert.Single(runner.Calls).ToString());

            Assert.Contains(store.List(location), c => c.Thumbprint == Root.Thumbprint);
            Assert.Equal(TrustAction.AlreadyPresent, store.Install(Root, location).Action);
            Assert.Single(runner.Calls); // nothing run the second time
        }

        [Fact]
        public void Without_root_nothing_is_written_or_run_and_the_error_says_what_to_run_as_root()
        {
            RecordingProcessRunner runner = Debian();
            ITrustStore store = SystemTrustStore.For(Environment(runner, elevated: false));
            var ex = Assert.Throws<PkiException>(() => store.Install(Root, store.Locations()[0]));
            Assert.Equal(PkiErrorCode.StoreAccessDenied, ex.Code);
            Assert.Contains("root", ex.Message);
            Assert.Contains("sudo", ex.Message);
            Assert.Contains("update-ca-certificates", ex.Message);
            Assert.Empty(Directory.GetFiles(Sys("/usr/local/share/ca-certificates")));
            Assert.Empty(runner.Calls);
        }

        [Fact]
        public void An_update_that_does_not_put_the_certificate_in_the_bundle_is_Failed_not_Installed()
        {
            RecordingProcessRunner runner = Debian(updates: false);
            ITrustStore store = SystemTrustStore.For(Environment(runner));
            TrustStoreResult result = store.Install(Root, store.Locations()[0]);
            Assert.Equal(TrustAction.Failed, result.Action);
            Assert.False(result.Verified);
            Assert.Contains("does not contain", result.Message);
        }

        [Fact]
        public void A_failing_update_command_is_StoreUpdateFailed_with_its_message()
        {
            RecordingProcessRunner runner = Debian(failure: new ProcessResult(1, "", "run-parts: failed to exec hook\n"));
            ITrustStore store = SystemTrustStore.For(Environment(runner));
            var ex = Assert.Throws<PkiException>(() => store.Install(Root, store.Locations()[0]));
            Assert.Equal(PkiErrorCode.StoreUpdateFailed, ex.Code);
            Assert.Contains("run-parts: failed to exec hook", ex.Message);
        }

        [Fact]
        public void Uninstall_removes_every_anchor_file_holding_the_certificate_and_reads_the_bundle_back()
        {
            RecordingProcessRunner runner = Debian();
            ITrustStore store = SystemTrustStore.For(Environment(runner));
            string location = store.Locations()[0];
            store.Install(Root, location);
            File.WriteAllText(Sys("/usr/local/share/ca-certificates/placed-by-hand.crt"), Pem.Encode("CERTIFICATE", Root.RawData));
            File.WriteAllText(Sys("/usr/local/share/ca-certificates/unrelated.crt"), Pem.Encode("CERTIFICATE", Other.RawData));
            WriteBundle();

            Assert.Equal(2, store.PlanUninstall(Root.Thumbprint, location).Count(l => l.StartsWith("remove ", StringComparison.Ordinal)));
            TrustStoreResult result = store.Uninstall(Root.Thumbprint, location);
            Assert.Equal(TrustAction.Removed, result.Action);
            Assert.True(result.Verified);
            Assert.Equal(Root.Subject, result.Subject);
            Assert.Equal(new[] { "unrelated.crt" }, Directory.GetFiles(Sys("/usr/local/share/ca-certificates")).Select(Path.GetFileName));
            Assert.DoesNotContain(store.List(location), c => c.Thumbprint == Root.Thumbprint);

            TrustStoreResult again = store.Uninstall(Root.Thumbprint, location);
            Assert.Equal(TrustAction.NotFound, again.Action);
        }

        [Fact]
        public void A_root_the_distribution_already_trusts_is_AlreadyPresent_and_nothing_is_added()
        {
            RecordingProcessRunner runner = Debian();
            ITrustStore store = SystemTrustStore.For(Environment(runner));
            TrustStoreResult result = store.Install(Other, store.Locations()[0]);
            Assert.Equal(TrustAction.AlreadyPresent, result.Action);
            Assert.Contains("distribution's own list", result.Message);
            Assert.Empty(Directory.GetFiles(Sys("/usr/local/share/ca-certificates")));
            Assert.Empty(runner.Calls);
        }

        [Fact]
        public void A_distribution_root_is_NotFound_and_left_in_place()
        {
            RecordingProcessRunner runner = Debian();
            ITrustStore store = SystemTrustStore.For(Environment(runner));
            TrustStoreResult result = store.Uninstall(Other.Thumbprint, store.Locations()[0]);
            Assert.Equal(TrustAction.NotFound, result.Action);
            Assert.Contains("distribution's own list", result.Message);
            Assert.Empty(runner.Calls);
        }

        [Fact]
        public void MacOS_uses_security_with_the_system_keychain_and_reads_back_by_sha1()
        {
            bool added = false;
            bool listEmpty = false;
            var runner = new RecordingProcessRunner("security").On(_ => true, call =>
            {
                if (listEmpty) return new ProcessResult(0, "", "");
                if (call.Arguments[0] == "add-trusted-cert") added = true;
                string listing = "keychain: \"/Library/Keychains/System.keychain\"\nSHA-256 hash: 00\n" + (added ? "SHA-1 hash: " + Root.Thumbprint + "\n" + Pem.Encode("CERTIFICATE", Root.RawData) : "");
                return new ProcessResult(0, call.Arguments[0] == "find-certificate" ? listing : "", "");
            });
            ITrustStore store = SystemTrustStore.For(Environment(runner, TrustPlatform.MacOS));
            Assert.Equal(new[] { MacSystemTrustStore.Keychain }, store.Locations());

            TrustStoreResult result = store.Install(Root, MacSystemTrustStore.Keychain);
            Assert.Equal(TrustAction.Installed, result.Action);
            Assert.True(result.Verified);
            ProcessCall add = runner.Calls.Single(c => c.Arguments[0] == "add-trusted-cert");
            Assert.Equal(new[] { "add-trusted-cert", "-d", "-r", "trustRoot", "-k", "/Library/Keychains/System.keychain" }, add.Arguments.Take(6));
            Assert.False(File.Exists(add.Arguments[6])); // the temporary PEM is gone
            Assert.Contains(store.List(MacSystemTrustStore.Keychain), c => c.Thumbprint == Root.Thumbprint);

            TrustStoreResult again = store.Install(Root, MacSystemTrustStore.Keychain);
            Assert.Equal(TrustAction.AlreadyPresent, again.Action);

            Assert.Equal("run security delete-certificate -Z " + Root.Thumbprint + " -t /Library/Keychains/System.keychain",
                store.PlanUninstall(Root.Thumbprint, MacSystemTrustStore.Keychain)[0]);
            listEmpty = true;
            Assert.Equal(TrustAction.NotFound, store.Uninstall(Root.Thumbprint, MacSystemTrustStore.Keychain).Action);
            Assert.DoesNotContain(runner.Calls, c => c.Arguments[0] == "delete-certificate"); // not there: nothing deleted
        }

        [Fact]
        public void MacOS_without_root_is_refused_before_security_can_open_a_dialog()
        {
            var runner = new RecordingProcessRunner("security");
            ITrustStore store = SystemTrustStore.For(Environment(runner, TrustPlatform.MacOS, elevated: false));
            var ex = Assert.Throws<PkiException>(() => store.Install(Root, MacSystemTrustStore.Keychain));
            Assert.Equal(PkiErrorCode.StoreAccessDenied, ex.Code);
            Assert.Contains("sudo", ex.Message);
            Assert.DoesNotContain(runner.Calls, c => c.Arguments[0] == "add-trusted-cert");
        }

        [Fact]
        public void Windows_system_trust_is_LocalMachine_Root_and_needs_an_Administrator()
        {
            ITrustStore store = SystemTrustStore.For(Environment(new RecordingProcessRunner(), TrustPlatform.Windows, elevated: false));
            Assert.Equal("System", store.Name);
            Assert.Equal(new[] { @"LocalMachine\Root" }, store.Locations());
            var ex = Assert.Throws<PkiException>(() => store.Install(Root, @"LocalMachine\Root"));
            Assert.Equal(PkiErrorCode.StoreAccessDenied, ex.Code);
            Assert.Contains("Run as administrator", ex.Message);
        }

        [Fact]
        public void LocalMachine_stores_cannot_be_changed_on_linux_and_point_to_the_system_store()
        {
            ITrustStore store = TrustStores.Create(@"localmachine\root", new TrustStoreOptions(), Environment(new RecordingProcessRunner()));
            Assert.Equal(@"LocalMachine\Root", store.Name);
            var ex = Assert.Throws<PkiException>(() => store.Install(Root, store.Locations()[0]));
            Assert.Equal(PkiErrorCode.StoreUnavailable, ex.Code);
            Assert.Equal("Store=System", ex.Hint!.Inputs[0]);
        }

        [Fact]
        public void An_unknown_store_name_lists_the_known_ones()
        {
            var ex = Assert.Throws<PkiException>(() => TrustStores.Create("Firefox", new TrustStoreOptions(), Environment(new RecordingProcessRunner())));
            Assert.Equal(PkiErrorCode.InvalidArgument, ex.Code);
            Assert.Contains(@"CurrentUser\Root", ex.Message);
        }
    }
}
