using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Trust;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Trust
{
    /// <summary>NSS store logic over a temporary home and a recording certutil: discovery, command lines, results, errors.</summary>
    public class NssTrustStoreTests
    {
        private static readonly X509Certificate2 Root = TrustTestPki.Root("CN=Corp: Root, O=PkiTools Tests").Certificate;

        private static string Db(string folder, string file = "cert9.db")
        {
            TrustTestPki.Touch(Path.Combine(folder, file));
            return folder;
        }

        /// <summary>One database folder in a temporary directory, a recording runner whose certutil is a <see cref="FakeCertutil"/> holding <c>entries</c>, and the store over it.</summary>
        private sealed class OneDatabase : IDisposable
        {
            private readonly TempDir _dir = new TempDir();

            /// <param name="file">cert9.db, or cert8.db for a legacy database.</param>
            /// <param name="first">Rules the runner applies before the fake certutil answers.</param>
            /// <param name="entries">What the database holds.</param>
            public OneDatabase(string file = "cert9.db", Action<RecordingProcessRunner>? first = null, params (string Nickname, string Trust, X509Certificate2 Certificate)[] entries)
            {
                Db = NssTrustStoreTests.Db(Path.Combine(_dir.Path, "nssdb"), file);
                first?.Invoke(Runner);
                foreach (var (nickname, trust, certificate) in entries) Certutil.Entries.Add((nickname, trust, certificate.RawData));
                Certutil.Attach(Runner);
                Store = new NssTrustStore(TrustTestPki.Environment(Runner, _dir.Path), new[] { Db });
            }

            public string Db { get; }

            public RecordingProcessRunner Runner { get; } = new RecordingProcessRunner("certutil");

            public FakeCertutil Certutil { get; } = new FakeCertutil();

            public NssTrustStore Store { get; }

            public void Dispose() => _dir.Dispose();
        }

        [Fact]
        public void Discovery_finds_chromium_firefox_snap_flatpak_absolute_unlisted_and_legacy_databases_once_each()
        {
            using var home = new TempDir();
            using var elsewhere = new TempDir();
            string H(string relative) => Path.Combine(home.Path, relative);
            Db(H(".pki/nssdb"));
            Db(H("snap/chromium/current/.pki/nssdb"));
            string ff = H(".mozilla/firefox");
            Db(Path.Combine(ff, "abc.default-release"));
            Directory.CreateDirectory(Path.Combine(ff, "never-started")); // listed, but no database yet
            Db(Path.Combine(ff, "unlisted.custom"));                       // not in profiles.ini (installs.ini era)
            string absolute = Db(Path.Combine(elsewhere.Path, "work profile"));
            File.WriteAllText(Path.Combine(ff, "profiles.ini"),
                "[Install4F96D1932A9F858E]\nDefault=abc.default-release\n\n" +
                "[Profile1]\nName=work\nIsRelative=0\nPath=" + absolute + "\n\n" +
                "[Profile0]\nName=default-release\nIsRelative=1\nPath=abc.default-release\nDefault=1\n\n" +
                "[Profile2]\nName=again\nPath=abc.default-release/\n\n" +                 // the same folder again, IsRelative defaulted
                "[Profile3]\nName=fresh\nIsRelative=1\nPath=never-started\n\n[General]\nStartWithLastProfile=1\nVersion=2\n");
            string snapFf = H("snap/firefox/common/.mozilla/firefox");
            Db(Path.Combine(snapFf, "s1.default"), "cert8.db");                          // legacy only
            File.WriteAllText(Path.Combine(snapFf, "profiles.ini"), "[Profile0]\nName=default\nIsRelative=1\nPath=s1.default\n");
            string flatpak = H(".var/app/org.mozilla.firefox/.mozilla/firefox");
            Db(Path.Combine(flatpak, "f1.default-release"));
            File.WriteAllText(Path.Combine(flatpak, "profiles.ini"), "[Profile0]\nName=default\nIsRelative=1\nPath=f1.default-release\n");
            Db(Path.Combine(H("Library/Application Support/Firefox"), "Profiles", "m1.default")); // macOS, no profiles.ini read needed
            Directory.CreateDirectory(H(".mozilla/firefox/empty-folder"));

            IReadOnlyList<NssDatabase> found = NssDatabaseFinder.Find(home.Path);

            Assert.Equal(new[]
            {
                "sql:" + H(".pki/nssdb"),
                "sql:" + H("snap/chromium/current/.pki/nssdb"),
                "sql:" + absolute,
                "sql:" + Path.Combine(ff, "abc.default-release"),
                "sql:" + Path.Combine(ff, "unlisted.custom"),
                "dbm:" + Path.Combine(snapFf, "s1.default"),
                "sql:" + Path.Combine(flatpak, "f1.default-release"),
                "sql:" + Path.Combine(H("Library/Application Support/Firefox"), "Profiles", "m1.default"),
            }, found.Select(d => d.Spec));
            Assert.True(found.Single(d => d.Spec.StartsWith("dbm:", StringComparison.Ordinal)).Legacy);

            var store = new NssTrustStore(TrustTestPki.Environment(new RecordingProcessRunner("certutil"), home.Path));
            Assert.Equal(found.Select(d => d.Folder), store.Locations());
        }

        [Fact]
        public void A_folder_with_both_formats_is_the_sql_database()
        {
            using var home = new TempDir();
            string folder = Db(Db(Path.Combine(home.Path, ".pki/nssdb"), "cert8.db"));
            Assert.Equal("sql:" + folder, Assert.Single(NssDatabaseFinder.Find(home.Path)).Spec);
        }

        [Fact]
        public void No_database_is_StoreUnavailable_saying_where_it_looked_and_naming_the_option()
        {
            using var home = new TempDir();
            var store = new NssTrustStore(TrustTestPki.Environment(new RecordingProcessRunner("certutil"), home.Path));
            var ex = Assert.Throws<PkiException>(() => store.Locations());
            Assert.Equal(PkiErrorCode.StoreUnavailable, ex.Code);
            Assert.Contains("~/.pki/nssdb", ex.Message);
            Assert.Contains("snap/firefox", ex.Message);
            Assert.Equal("NssDatabase", ex.Input);
            Assert.Contains("NssDatabase", ex.Hint!.Inputs);
        }

        [Fact]
        public void Missing_certutil_is_StoreUnavailable_naming_the_package_of_each_family()
        {
            using var home = new TempDir();
            Db(Path.Combine(home.Path, ".pki/nssdb"));
            var ex = Assert.Throws<PkiException>(() => new NssTrustStore(TrustTestPki.Environment(new RecordingProcessRunner(), home.Path)).Locations());
            Assert.Equal(PkiErrorCode.StoreUnavailable, ex.Code);
            foreach (string package in new[] { "libnss3-tools", "nss-tools", "nss (Arch; Homebrew" }) Assert.Contains(package, ex.Message);
        }

        [Fact]
        public void On_macOS_certutil_is_also_found_in_Homebrews_nss_keg()
        {
            using var home = new TempDir();
            string db = Db(Path.Combine(home.Path, "db"));
            var runner = new RecordingProcessRunner("/opt/homebrew/opt/nss/bin/certutil");
            var store = new NssTrustStore(TrustTestPki.Environment(runner, home.Path, platform: TrustPlatform.MacOS), new[] { db });
            store.List(db);
            Assert.Equal("/opt/homebrew/opt/nss/bin/certutil -L -d sql:" + db, Assert.Single(runner.Lines));
        }

        [Fact]
        public void A_given_folder_must_hold_a_database_and_may_carry_certutils_prefix()
        {
            using var dir = new TempDir();
            string empty = Path.Combine(dir.Path, "empty");
            Directory.CreateDirectory(empty);
            string legacy = Db(Path.Combine(dir.Path, "legacy"), "cert8.db");
            var env = TrustTestPki.Environment(new RecordingProcessRunner("certutil"), dir.Path);

            var ex = Assert.Throws<PkiException>(() => new NssTrustStore(env, new[] { empty }).Locations());
            Assert.Equal(PkiErrorCode.StoreUnavailable, ex.Code);
            Assert.Contains("certutil -N --empty-password -d sql:" + empty, ex.Message);
            Assert.Equal("NssDatabase", ex.Input);
            Assert.False(File.Exists(Path.Combine(empty, "cert9.db")));
            Assert.Contains("does not exist", Assert.Throws<PkiException>(() => new NssTrustStore(env, new[] { Path.Combine(dir.Path, "typo") }).Locations()).Message);

            Assert.Equal(new[] { legacy }, new NssTrustStore(env, new[] { "dbm:" + legacy, legacy + "/" }).Locations());
            Assert.Equal("dbm:" + legacy, NssDatabase.At(legacy)!.Spec);
        }

        [Fact]
        public void Install_runs_certutil_A_with_a_readable_unique_nickname_reads_back_and_deletes_the_temporary_file()
        {
            using var one = new OneDatabase();
            (string db, RecordingProcessRunner runner, FakeCertutil fake) = (one.Db, one.Runner, one.Certutil);

            TrustStoreResult result = one.Store.Install(Root, db);

            string nick = "PkiTools Corp- Root " + Root.Thumbprint.Substring(0, 8).ToLowerInvariant();
            Assert.Equal(nick, NssTrustStore.Nickname(Root));
            Assert.Equal((TrustAction.Installed, true, db, "Nss"), (result.Action, result.Verified, result.Location, result.Store));
            ProcessCall add = runner.Calls.Single(c => c.Arguments[0] == "-A");
            string file = add.Arguments[add.Arguments.ToList().IndexOf("-i") + 1];
            Assert.Equal($"certutil -A -d sql:{db} -t C,, -n '{nick}' -i {file} -f /dev/null", add.ToString());
            Assert.False(File.Exists(file));
            Assert.Equal(new[] { "-L" }, runner.Calls.Skip(runner.Calls.IndexOf(add) + 1).Take(1).Select(c => c.Arguments[0]));
            Assert.Equal((nick, "C,,"), (fake.Entries.Single().Nickname, fake.Entries.Single().Trust));
            Assert.Contains(nick, result.Message);
        }

        [Fact]
        public void Install_of_a_trusted_certificate_is_AlreadyPresent_without_changing_anything()
        {
            using var one = new OneDatabase(entries: ("Corp Root (imported by hand)", "CT,C,C", Root));
            RecordingProcessRunner runner = one.Runner;

            TrustStoreResult result = one.Store.Install(Root, one.Db);

            Assert.Equal((TrustAction.AlreadyPresent, true), (result.Action, result.Verified));
            Assert.Contains("Corp Root (imported by hand)", result.Message);
            Assert.DoesNotContain(runner.Calls, c => c.Arguments[0] == "-A" || c.Arguments[0] == "-D");
        }

        [Fact]
        public void Install_of_a_present_but_untrusted_certificate_adds_CA_trust_and_keeps_its_other_flags()
        {
            using var one = new OneDatabase(entries: ("old name", "c,C,", Root));
            (RecordingProcessRunner runner, FakeCertutil fake) = (one.Runner, one.Certutil);

            TrustStoreResult result = one.Store.Install(Root, one.Db);

            Assert.Equal((TrustAction.Installed, true), (result.Action, result.Verified));
            Assert.Contains("-t C,C,", runner.Calls.Single(c => c.Arguments[0] == "-A").ToString());
            Assert.Equal(("old name", "C,C,"), (fake.Entries.Single().Nickname, fake.Entries.Single().Trust));
        }

        [Fact]
        public void Install_that_does_not_read_back_is_Failed_and_not_verified()
        {
            using var one = new OneDatabase();
            one.Certutil.AddWorks = false;

            TrustStoreResult result = one.Store.Install(Root, one.Db);

            Assert.Equal((TrustAction.Failed, false), (result.Action, result.Verified));
        }

        [Fact]
        public void Uninstall_deletes_every_nickname_holding_the_thumbprint_and_keeps_the_rest()
        {
            X509Certificate2 other = TrustTestPki.Root("CN=Other Root").Certificate;
            using var one = new OneDatabase(entries: new[] { ("Other", "CT,C,C", other), (NssTrustStore.Nickname(Root), "C,,", Root) });
            (string db, RecordingProcessRunner runner, FakeCertutil fake, NssTrustStore store) = (one.Db, one.Runner, one.Certutil, one.Store);

            Assert.Equal(new[] { $"run certutil -D -d sql:{db} -n '{NssTrustStore.Nickname(Root)}' -f /dev/null" }, store.PlanUninstall(Root.Thumbprint, db).Take(1));
            TrustStoreResult removed = store.Uninstall(Root.Thumbprint.ToLowerInvariant(), db);
            TrustStoreResult again = store.Uninstall(Root.Thumbprint, db);

            Assert.Equal((TrustAction.Removed, true, Root.Subject), (removed.Action, removed.Verified, removed.Subject));
            Assert.Equal((TrustAction.NotFound, true), (again.Action, again.Verified));
            Assert.Equal(("Other", "CT,C,C"), (fake.Entries.Single().Nickname, fake.Entries.Single().Trust));
            Assert.Single(runner.Calls, c => c.Arguments[0] == "-D");
            Assert.Equal(new[] { other.Thumbprint }, store.List(db).Select(c => c.Thumbprint));
        }

        [Theory]
        [InlineData("certutil: function failed: SEC_ERROR_READ_ONLY: security library: read-only database.", false, PkiErrorCode.StoreAccessDenied, "user whose browser uses it")]
        [InlineData("certutil: could not authenticate to token NSS Certificate DB.: SEC_ERROR_BAD_PASSWORD: The security password entered is incorrect.", false, PkiErrorCode.StoreAccessDenied, "primary password")]
        [InlineData("certutil: function failed: SEC_ERROR_LEGACY_DATABASE: The certificate/key database is in an old, unsupported format.", true, PkiErrorCode.StoreUpdateFailed, "close Firefox")]
        [InlineData("certutil: function failed: SEC_ERROR_BAD_DATABASE: security library: bad database.", false, PkiErrorCode.StoreUpdateFailed, "could not be opened")]
        [InlineData("certutil: something else entirely", false, PkiErrorCode.StoreUpdateFailed, "exit code 255: certutil: something else entirely")]
        public void Certutil_failures_become_errors_a_person_can_act_on(string stderr, bool legacy, PkiErrorCode code, string says)
        {
            using var one = new OneDatabase(legacy ? "cert8.db" : "cert9.db", r => r.On(new[] { "-A" }, 255, "", stderr));
            string db = one.Db;

            var ex = Assert.Throws<PkiException>(() => one.Store.Install(Root, db));

            Assert.Equal(code, ex.Code);
            Assert.Contains(says, ex.Message);
            if (stderr.Contains("BAD_PASSWORD"))
            {
                Assert.Contains($"certutil -A -d sql:{db} -t C,, -n", ex.Message);
                Assert.DoesNotContain("/dev/null", ex.Message); // the suggested command may ask for the password
            }
        }

        [Fact]
        public void A_listing_failure_and_a_timeout_reach_the_caller_with_their_codes()
        {
            using var dir = new TempDir();
            string db = Db(Path.Combine(dir.Path, "nssdb"));
            var runner = new RecordingProcessRunner("certutil").Otherwise(1, "", "certutil: function failed: SEC_ERROR_BAD_DATABASE: security library: bad database.");
            var store = new NssTrustStore(TrustTestPki.Environment(runner, dir.Path), new[] { db });
            Assert.Equal(PkiErrorCode.StoreUpdateFailed, Assert.Throws<PkiException>(() => store.List(db)).Code);

            var slow = new RecordingProcessRunner("certutil").On(_ => true, c => throw new PkiException(PkiErrorCode.Timeout, $"'{c}' did not finish within 30 s and was stopped."));
            var timeout = Assert.Throws<PkiException>(() => new NssTrustStore(TrustTestPki.Environment(slow, dir.Path), new[] { db }).Uninstall(Root.Thumbprint, db));
            Assert.Equal(PkiErrorCode.Timeout, timeout.Code);
            Assert.Equal(TimeSpan.FromSeconds(30), Assert.Single(slow.Calls).Timeout);
        }

        [Fact]
        public void Plans_name_the_commands_and_change_nothing()
        {
            using var one = new OneDatabase();
            (string db, RecordingProcessRunner runner, NssTrustStore store) = (one.Db, one.Runner, one.Store);

            IReadOnlyList<string> plan = store.PlanInstall(Root, db);

            Assert.Contains(plan, l => l.StartsWith($"run certutil -A -d sql:{db} -t C,, -n '{NssTrustStore.Nickname(Root)}' -i '<that file>'", StringComparison.Ordinal));
            Assert.Empty(runner.Calls);
            store.PlanUninstall(Root.Thumbprint, db);
            Assert.All(runner.Calls, c => Assert.Equal("-L", c.Arguments[0]));
        }

        [Fact]
        public void Trust_is_read_per_certificate_from_certutils_description()
        {
            const string description =
                "Certificate:\n    Data:\n        Version: 3 (0x2)\n    Fingerprint (SHA-256):\n        5B:35\n    Fingerprint (SHA1):\n        B2:E1:3C:33:B8:63:4A:85:87:74:C9:18:62:E6:56:B4:52:E0:13:D5\n\n" +
                "    Mozilla-CA-Policy: false (attribute missing)\n    Certificate Trust Flags:\n        SSL Flags:\n            Valid CA\n            Trusted CA\n            Trusted Client CA\n" +
                "        Email Flags:\n            Valid CA\n            Trusted CA\n        Object Signing Flags:\n            Terminal Record\n\n" +
                "Certificate:\n    Data:\n    Fingerprint (SHA1):\n        05:2A:4D:57:A8:98:80:2E:13:F4:B3:82:CB:F0:83:16:41:24:98:06\n\n" +
                "    Certificate Trust Flags:\n        SSL Flags:\n            Valid CA\n        Email Flags:\n        Object Signing Flags:\n\n";
            Assert.Equal("CT,C,p", NssTrustStore.DescribedTrust(description, "B2E13C33B8634A858774C91862E656B452E013D5"));
            Assert.Equal("c,,", NssTrustStore.DescribedTrust(description, "052a4d57a898802e13f4b382cbf0831641249806"));
            Assert.Null(NssTrustStore.DescribedTrust(description, "00"));
            Assert.Equal("TC,C,", NssTrustStore.WithSslCa("T,C,"));
            Assert.Equal("C,,", NssTrustStore.WithSslCa("p,,"));
            Assert.False(NssTrustStore.SslTrustedCa("c,C,C"));
        }

        [Fact]
        public void The_registry_offers_Nss_and_Java_after_System_and_builds_them_from_the_options()
        {
            Assert.Equal(new[] { "System", "Nss", "Java" }, TrustStores.Names.Take(3));
            var env = TrustTestPki.Environment(new RecordingProcessRunner(), "/nonexistent");
            Assert.IsType<NssTrustStore>(TrustStores.Create("nss", new TrustStoreOptions(), env));
            Assert.IsType<JavaTrustStore>(TrustStores.Create("JAVA", new TrustStoreOptions { JavaKeystore = "/x" }, env));
        }
    }
}
