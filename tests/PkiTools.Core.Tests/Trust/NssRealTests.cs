using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Trust;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Trust
{
    /// <summary>
    /// The NSS store against the real certutil (libnss3-tools, installed by .ci/run): throw-away databases laid out in a
    /// temporary home the way Firefox (profiles.ini), the Firefox snap, Flatpak Firefox (legacy cert8.db) and Chromium
    /// (~/.pki/nssdb) keep them; NSS itself then decides whether a leaf the root issued verifies.
    /// </summary>
    public class NssRealTests
    {
        private static ProcessResult Certutil(params string[] arguments)
        {
            ProcessResult result = SystemProcessRunner.Instance.Run(new ProcessCall("certutil", arguments, timeout: TimeSpan.FromSeconds(30)));
            return result;
        }

        private static string Ok(params string[] arguments)
        {
            ProcessResult result = Certutil(arguments);
            Assert.True(result.ExitCode == 0, "certutil " + string.Join(" ", arguments) + " failed: " + result.StandardError + result.StandardOutput);
            return result.StandardOutput;
        }

        private static string NewDatabase(string folder, string format = "sql")
        {
            Directory.CreateDirectory(folder);
            Ok("-N", "--empty-password", "-d", format + ":" + folder);
            return folder;
        }

        private static void Add(string spec, string nickname, string trust, X509Certificate2 certificate, string scratch)
        {
            string file = Path.Combine(scratch, Guid.NewGuid().ToString("N") + ".pem");
            File.WriteAllText(file, PkiTools.Core.Formats.Pem.Encode("CERTIFICATE", certificate.RawData));
            Ok("-A", "-d", spec, "-n", nickname, "-t", trust, "-i", file);
        }

        /// <summary>NSS's own verdict on the leaf as a TLS server certificate.</summary>
        private static ProcessResult Verify(string spec) => Certutil("-V", "-u", "V", "-d", spec, "-n", "leaf");

        private static string TrustColumn(string spec, string nickname) =>
            Ok("-L", "-d", spec).Split('\n').Where(l => l.StartsWith(nickname + " ", StringComparison.Ordinal)).Select(l => l.Substring(nickname.Length).Trim()).Single();

        [Fact]
        public void Install_makes_every_discovered_database_trust_the_root_for_TLS_and_uninstall_restores_it_exactly()
        {
            using var home = new TempDir();
            string H(string relative) => Path.Combine(home.Path, relative);
            string firefox = NewDatabase(H(".mozilla/firefox/k3x9.default-release"));
            File.WriteAllText(H(".mozilla/firefox/profiles.ini"), "[Profile0]\nName=default-release\nIsRelative=1\nPath=k3x9.default-release\nDefault=1\n\n[General]\nVersion=2\n");
            string snap = NewDatabase(H("snap/firefox/common/.mozilla/firefox/s7.default"));
            File.WriteAllText(H("snap/firefox/common/.mozilla/firefox/profiles.ini"), "[Profile0]\nName=default\nIsRelative=1\nPath=s7.default\n");
            string chromium = NewDatabase(H(".pki/nssdb"));
            string legacy = NewDatabase(H(".var/app/org.mozilla.firefox/.mozilla/firefox/old.default"), "dbm");
            File.WriteAllText(H(".var/app/org.mozilla.firefox/.mozilla/firefox/profiles.ini"), "[Profile0]\nName=old\nIsRelative=1\nPath=old.default\n");
            string[] specs = { "sql:" + chromium, "sql:" + firefox, "sql:" + snap, "dbm:" + legacy };

            IssuedCertificate root = TrustTestPki.Root();
            X509Certificate2 leaf = TrustTestPki.Localhost(root).Certificate;
            X509Certificate2 unrelated = TrustTestPki.Root("CN=Unrelated Root").Certificate;
            var before = new Dictionary<string, string>();
            foreach (string spec in specs)
            {
                Add(spec, "Unrelated Root", "CT,C,C", unrelated, home.Path);
                Add(spec, "leaf", ",,", leaf, home.Path);
                Assert.NotEqual(0, Verify(spec).ExitCode); // the issuer is not known yet
                before[spec] = Ok("-L", "-d", spec);
            }
            var store = new NssTrustStore(new TrustEnvironment(SystemProcessRunner.Instance, TrustPlatform.Linux, home.Path, _ => null, true));

            IReadOnlyList<string> locations = store.Locations();
            Assert.Equal(new[] { chromium, firefox, snap, legacy }, locations);

            string nickname = NssTrustStore.Nickname(root.Certificate);
            foreach (string location in locations)
            {
                TrustStoreResult installed = store.Install(root.Certificate, location);
                Assert.Equal((TrustAction.Installed, true, location), (installed.Action, installed.Verified, installed.Location));
                Assert.Equal(TrustAction.AlreadyPresent, store.Install(root.Certificate, location).Action);
            }
            foreach (string spec in specs)
            {
                Assert.Equal("C,,", TrustColumn(spec, nickname));
                ProcessResult verified = Verify(spec);
                Assert.True(verified.ExitCode == 0, spec + ": " + verified.StandardError + verified.StandardOutput);
                Assert.Contains("certificate is valid", verified.StandardOutput + verified.StandardError);
                Assert.Equal(Ok("-L", "-d", spec, "-n", nickname, "-a").Replace("\r\n", "\n").Trim(), PkiTools.Core.Formats.Pem.Encode("CERTIFICATE", root.Certificate.RawData).Trim());
            }
            Assert.Equal(new[] { unrelated.Thumbprint, leaf.Thumbprint, root.Certificate.Thumbprint }.OrderBy(t => t), store.List(firefox).Select(c => c.Thumbprint).OrderBy(t => t));

            foreach (string location in locations)
            {
                TrustStoreResult removed = store.Uninstall(root.Certificate.Thumbprint, location);
                Assert.Equal((TrustAction.Removed, true, root.Certificate.Subject), (removed.Action, removed.Verified, removed.Subject));
                Assert.Equal(TrustAction.NotFound, store.Uninstall(root.Certificate.Thumbprint, location).Action);
            }
            foreach (string spec in specs)
            {
                Assert.NotEqual(0, Verify(spec).ExitCode);
                Assert.Equal(before[spec], Ok("-L", "-d", spec)); // otherwise unchanged: same nicknames, same trust
            }
        }

        [Fact]
        public void A_reissued_root_with_the_same_name_keeps_its_own_trust_through_install_and_uninstall()
        {
            using var dir = new TempDir();
            string db = NewDatabase(Path.Combine(dir.Path, "nssdb"));
            var key = Keys.PrivateKey.Generate(Keys.KeyAlgorithm.EcdsaP256);
            X509Certificate2 twin = TrustTestPki.Root("CN=Same Name Root", key).Certificate;
            X509Certificate2 root = TrustTestPki.Root("CN=Same Name Root", key).Certificate;
            Assert.NotEqual(twin.Thumbprint, root.Thumbprint);
            Add("sql:" + db, "twin", "CT,C,", twin, dir.Path);
            string listed = Ok("-L", "-d", "sql:" + db);
            var store = new NssTrustStore(new TrustEnvironment(SystemProcessRunner.Instance, TrustPlatform.Linux, dir.Path, _ => null, true), new[] { db });

            TrustStoreResult installed = store.Install(root, db);
            TrustStoreResult again = store.Install(root, db);
            TrustStoreResult removed = store.Uninstall(root.Thumbprint, db);

            Assert.Equal((TrustAction.Installed, true), (installed.Action, installed.Verified));
            Assert.Equal(TrustAction.AlreadyPresent, again.Action);
            Assert.Equal((TrustAction.Removed, true), (removed.Action, removed.Verified));
            Assert.Equal(listed, Ok("-L", "-d", "sql:" + db));
            Assert.Equal(new[] { twin.Thumbprint }, store.List(db).Select(c => c.Thumbprint));
        }

        [Fact]
        public void A_database_with_a_primary_password_is_refused_without_a_prompt_and_without_a_leftover()
        {
            using var dir = new TempDir();
            string db = Path.Combine(dir.Path, "nssdb");
            Directory.CreateDirectory(db);
            File.WriteAllText(Path.Combine(dir.Path, "pw"), "primary-password\n");
            Ok("-N", "-d", "sql:" + db, "-f", Path.Combine(dir.Path, "pw"));
            X509Certificate2 root = TrustTestPki.Root().Certificate;
            var store = new NssTrustStore(new TrustEnvironment(SystemProcessRunner.Instance, TrustPlatform.Linux, dir.Path, _ => null, true), new[] { db });

            var ex = Assert.Throws<PkiException>(() => store.Install(root, db));

            Assert.Equal(PkiErrorCode.StoreAccessDenied, ex.Code);
            Assert.Contains("primary password", ex.Message);
            Assert.Empty(store.List(db));
        }
    }
}
