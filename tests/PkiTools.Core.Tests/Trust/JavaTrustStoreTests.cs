using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PkiTools.Core.Formats;
using PkiTools.Core.Trust;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Trust
{
    /// <summary>Java store logic over fake JDK trees and a recording keytool: where cacerts is, command lines, the password, errors.</summary>
    public class JavaTrustStoreTests
    {
        private static readonly X509Certificate2 Root = TrustTestPki.Root("CN=Java Test Root").Certificate;
        private const string Password = "s3cr3t-Pa55phrase";

        /// <summary>A keystore in memory answering keytool -list -rfc [-alias], -importcert and -delete as keytool 17 prints them.</summary>
        private sealed class FakeKeytool
        {
            public List<(string Alias, string Type, byte[] Der)> Entries { get; } = new List<(string, string, byte[])>();

            public void Attach(RecordingProcessRunner runner) => runner.On(c => c.Program.EndsWith("keytool", StringComparison.Ordinal), Answer);

            private ProcessResult Answer(ProcessCall call)
            {
                var a = call.Arguments.ToList();
                string? After(string flag) => a.IndexOf(flag) >= 0 ? a[a.IndexOf(flag) + 1] : null;
                string? alias = After("-alias")?.ToLowerInvariant();
                switch (a[0])
                {
                    case "-list":
                        var shown = Entries.Where(e => alias == null || e.Alias == alias).ToList();
                        if (alias != null && shown.Count == 0) return new ProcessResult(1, "keytool error: java.lang.Exception: Alias <" + alias + "> does not exist\n", "");
                        var sb = new StringBuilder(alias == null ? $"Keystore type: JKS\nKeystore provider: SUN\n\nYour keystore contains {Entries.Count} entries\n\n" : "");
                        foreach (var e in shown)
                        {
                            sb.Append($"Alias name: {e.Alias}\nCreation date: Dec 6, 2026\nEntry type: {e.Type}\n");
                            if (e.Type == "PrivateKeyEntry") sb.Append("Certificate chain length: 1\nCertificate[1]:\n");
                            sb.Append("\n").Append(Pem.Encode("CERTIFICATE", e.Der)).Append("\n\n*******************************************\n*******************************************\n\n\n");
                        }
                        return new ProcessResult(0, sb.ToString(), "");
                    case "-importcert":
                        Entries.Add((alias!, "trustedCertEntry", Pem.Decode(File.ReadAllText(After("-file")!))[0].Data));
                        return new ProcessResult(0, "", "Certificate was added to keystore\n");
                    case "-delete":
                        int removed = Entries.RemoveAll(e => e.Alias == alias);
                        return removed > 0 ? new ProcessResult(0, "", "") : new ProcessResult(1, "keytool error: java.lang.Exception: Alias <" + alias + "> does not exist\n", "");
                    default:
                        throw new InvalidOperationException("FakeKeytool does not know " + call);
                }
            }
        }

        private static void Link(string link, string target)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            File.CreateSymbolicLink(link, target);
        }

        [Fact]
        public void JAVA_HOME_gives_the_JDKs_cacerts_and_keytool_JDK_9_and_JDK_8_layouts()
        {
            using var dir = new TempDir();
            string jdk17 = Path.Combine(dir.Path, "jdk-17"), jdk8 = Path.Combine(dir.Path, "jdk1.8.0");
            TrustTestPki.Touch(Path.Combine(jdk17, "lib/security/cacerts"));
            TrustTestPki.Touch(Path.Combine(jdk8, "jre/lib/security/cacerts"));
            var runner = new RecordingProcessRunner(Path.Combine(jdk17, "bin/keytool"), Path.Combine(jdk8, "bin/keytool"));
            new FakeKeytool().Attach(runner);

            var store17 = new JavaTrustStore(TrustTestPki.Environment(runner, dir.Path, new Dictionary<string, string> { ["JAVA_HOME"] = jdk17 }), null, null);
            var store8 = new JavaTrustStore(TrustTestPki.Environment(runner, dir.Path, new Dictionary<string, string> { ["JAVA_HOME"] = jdk8 }), null, null);

            Assert.Equal(new[] { Path.Combine(jdk17, "lib/security/cacerts") }, store17.Locations());
            Assert.Equal(new[] { Path.Combine(jdk8, "jre/lib/security/cacerts") }, store8.Locations());
            store8.List(store8.Locations()[0]);
            Assert.Equal(Path.Combine(jdk8, "bin/keytool"), runner.Calls.Single().Program);
        }

        [Fact]
        public void The_java_on_PATH_is_followed_through_its_links_to_the_JDK_and_its_cacerts_to_the_real_file()
        {
            using var root = new TempDir();
            string R(string absolute) => Path.Combine(root.Path, absolute.TrimStart('/'));
            Link(R("/usr/bin/java"), "/etc/alternatives/java");
            Link(R("/etc/alternatives/java"), "/usr/lib/jvm/java-17-openjdk-amd64/bin/java");
            TrustTestPki.Touch(R("/usr/lib/jvm/java-17-openjdk-amd64/bin/java"));
            Link(R("/usr/lib/jvm/java-17-openjdk-amd64/lib/security/cacerts"), "/etc/ssl/certs/java/cacerts");
            TrustTestPki.Touch(R("/etc/ssl/certs/java/cacerts"));
            string keytool = R("/usr/lib/jvm/java-17-openjdk-amd64/bin/keytool");
            var runner = new RecordingProcessRunner(keytool, "keytool");
            new FakeKeytool().Attach(runner);
            var env = TrustTestPki.Environment(runner, root.Path, new Dictionary<string, string> { ["PATH"] = "relative/bin:/usr/local/bin:/usr/bin" }, systemRoot: root.Path);

            var store = new JavaTrustStore(env, null, null);

            Assert.Equal(new[] { R("/etc/ssl/certs/java/cacerts") }, store.Locations());
            store.List(store.Locations()[0]);
            Assert.Equal(keytool, runner.Calls.Single().Program);
        }

        [Fact]
        public void Without_a_JDK_the_distributions_shared_cacerts_and_keytool_on_PATH_are_used()
        {
            using var root = new TempDir();
            TrustTestPki.Touch(Path.Combine(root.Path, "etc/pki/java/cacerts"));
            var env = TrustTestPki.Environment(new RecordingProcessRunner("keytool"), root.Path, systemRoot: root.Path);
            Assert.Equal(new[] { Path.Combine(root.Path, "etc/pki/java/cacerts") }, new JavaTrustStore(env, null, null).Locations());
        }

        [Fact]
        public void Missing_keytool_or_cacerts_is_StoreUnavailable_naming_the_packages_or_the_option()
        {
            using var root = new TempDir();
            var noKeytool = Assert.Throws<PkiException>(() => new JavaTrustStore(TrustTestPki.Environment(new RecordingProcessRunner(), root.Path, systemRoot: root.Path), null, null).Locations());
            Assert.Equal(PkiErrorCode.StoreUnavailable, noKeytool.Code);
            Assert.Contains("default-jre-headless", noKeytool.Message);
            Assert.Contains("java-17-openjdk-headless", noKeytool.Message);

            string jdk = Path.Combine(root.Path, "jdk");
            var env = TrustTestPki.Environment(new RecordingProcessRunner("keytool"), root.Path, new Dictionary<string, string> { ["JAVA_HOME"] = jdk }, systemRoot: root.Path);
            var noCacerts = Assert.Throws<PkiException>(() => new JavaTrustStore(env, null, null).Locations());
            Assert.Equal(PkiErrorCode.StoreUnavailable, noCacerts.Code);
            Assert.Contains("JAVA_HOME is " + jdk, noCacerts.Message);
            Assert.Equal("JavaKeystore", noCacerts.Input);

            var noFile = Assert.Throws<PkiException>(() => new JavaTrustStore(env, Path.Combine(root.Path, "app.p12"), null).Locations());
            Assert.Equal((PkiErrorCode.StoreUnavailable, "JavaKeystore"), (noFile.Code, noFile.Input));
            Assert.False(File.Exists(Path.Combine(root.Path, "app.p12")));
        }

        /// <summary>A keystore file in a temporary directory, a recording runner whose keytool is a <see cref="FakeKeytool"/>, and the store over it.</summary>
        private sealed class OneKeystore : IDisposable
        {
            private readonly TempDir _dir = new TempDir();

            /// <param name="password">The store's password (null: the default).</param>
            /// <param name="first">Rules the runner applies before the fake keytool answers.</param>
            /// <param name="elevated">Whether the process is root.</param>
            public OneKeystore(char[]? password = null, Action<RecordingProcessRunner>? first = null, bool elevated = true)
            {
                Keystore = _dir.File("cacerts");
                TrustTestPki.Touch(Keystore);
                first?.Invoke(Runner);
                Keytool.Attach(Runner);
                Store = new JavaTrustStore(TrustTestPki.Environment(Runner, _dir.Path, elevated: elevated), Keystore, password);
            }

            public string Keystore { get; }

            public RecordingProcessRunner Runner { get; } = new RecordingProcessRunner("keytool");

            public FakeKeytool Keytool { get; } = new FakeKeytool();

            public JavaTrustStore Store { get; }

            public void Dispose() => _dir.Dispose();
        }

        [Fact]
        public void Install_imports_with_the_password_only_in_the_environment_and_reads_the_alias_back()
        {
            using var one = new OneKeystore(Password.ToCharArray());
            (string ks, RecordingProcessRunner runner, JavaTrustStore store) = (one.Keystore, one.Runner, one.Store);

            IReadOnlyList<string> plan = store.PlanInstall(Root, ks);
            TrustStoreResult result = store.Install(Root, ks);
            TrustStoreResult again = store.Install(Root, ks);

            string alias = "pkitools-java-test-root-" + Root.Thumbprint.Substring(0, 16).ToLowerInvariant();
            Assert.Equal((TrustAction.Installed, true, ks, "Java"), (result.Action, result.Verified, result.Location, result.Store));
            Assert.Equal((TrustAction.AlreadyPresent, true), (again.Action, again.Verified));
            ProcessCall import = runner.Calls.Single(c => c.Arguments[0] == "-importcert");
            string file = import.Arguments[import.Arguments.ToList().IndexOf("-file") + 1];
            Assert.Equal($"keytool -importcert -noprompt -trustcacerts -alias {alias} -file {file} -keystore {ks} -storepass:env PKITOOLS_KEYSTORE_PASSWORD -J-Duser.language=en -J-Duser.country=US", import.ToString());
            Assert.False(File.Exists(file));
            Assert.Contains($"keytool -list -rfc -keystore {ks} -alias {alias} -storepass:env PKITOOLS_KEYSTORE_PASSWORD -J-Duser.language=en -J-Duser.country=US", runner.Lines);
            Assert.All(runner.Calls, c =>
            {
                Assert.Equal(Password, c.Environment[JavaTrustStore.PasswordVariable]);
                Assert.DoesNotContain(Password, c.ToString());
                Assert.DoesNotContain(c.Arguments, a => a.Contains(Password));
            });
            Assert.DoesNotContain(plan.Concat(new[] { result.Message, again.Message, result.ToString() }), l => l.Contains(Password));
        }

        [Fact]
        public void Without_a_password_keytool_gets_changeit()
        {
            using var one = new OneKeystore();
            one.Store.List(one.Keystore);
            Assert.Equal("changeit", one.Runner.Calls.Single().Environment[JavaTrustStore.PasswordVariable]);
        }

        [Fact]
        public void A_wrong_password_is_PasswordIncorrect_naming_KeystorePassword_and_never_the_password()
        {
            using var one = new OneKeystore(Password.ToCharArray(), r => r.Otherwise(1, "keytool error: java.io.IOException: Keystore was tampered with, or password was incorrect\n"));
            (string ks, JavaTrustStore store) = (one.Keystore, one.Store);

            foreach (Action act in new Action[] { () => store.Install(Root, ks), () => store.Uninstall(Root.Thumbprint, ks), () => store.List(ks), () => store.PlanUninstall(Root.Thumbprint, ks) })
            {
                var ex = Assert.Throws<PkiException>(act);
                Assert.Equal((PkiErrorCode.PasswordIncorrect, "KeystorePassword"), (ex.Code, ex.Input));
                Assert.Contains("KeystorePassword", ex.Hint!.Inputs);
                Assert.DoesNotContain(Password, ex.Message);
                Assert.DoesNotContain(Password, ex.ToString());
            }
        }

        [Theory]
        [InlineData(false, "sudo")]
        [InlineData(true, "permissions")]
        public void A_keystore_this_user_may_not_write_is_StoreAccessDenied_with_what_to_run(bool elevated, string says)
        {
            using var one = new OneKeystore(Password.ToCharArray(), r => r.On(new[] { "-importcert" }, 1, "keytool error: java.io.FileNotFoundException: cacerts (Permission denied)\n"), elevated);

            var ex = Assert.Throws<PkiException>(() => one.Store.Install(Root, one.Keystore));

            Assert.Equal(PkiErrorCode.StoreAccessDenied, ex.Code);
            Assert.Contains(says, ex.Message);
            if (!elevated) Assert.Contains($"keytool -importcert -noprompt -trustcacerts -alias pkitools-java-test-root-", ex.Message);
            Assert.DoesNotContain(Password, ex.Message);
            Assert.DoesNotContain("storepass", ex.Message);
        }

        [Fact]
        public void Other_keytool_failures_are_StoreUpdateFailed_with_keytools_words()
        {
            using var one = new OneKeystore(first: r => r.Otherwise(1, "keytool error: java.io.IOException: Invalid keystore format\n"));
            var ex = Assert.Throws<PkiException>(() => one.Store.List(one.Keystore));
            Assert.Equal(PkiErrorCode.StoreUpdateFailed, ex.Code);
            Assert.Contains("Invalid keystore format", ex.Message);
        }

        [Fact]
        public void Uninstall_deletes_every_trusted_alias_of_the_certificate_and_reads_back()
        {
            X509Certificate2 other = TrustTestPki.Root("CN=Other").Certificate;
            using var one = new OneKeystore();
            (string ks, RecordingProcessRunner runner, FakeKeytool fake, JavaTrustStore store) = (one.Keystore, one.Runner, one.Keytool, one.Store);
            fake.Entries.Add(("debian:other.pem", "trustedCertEntry", other.RawData));
            fake.Entries.Add(("mine", "trustedCertEntry", Root.RawData));
            fake.Entries.Add(("mine-again", "trustedCertEntry", Root.RawData));
            fake.Entries.Add(("server", "PrivateKeyEntry", Root.RawData)); // a key entry is not trust: left alone

            TrustStoreResult removed = store.Uninstall(Root.Thumbprint, ks);
            TrustStoreResult none = store.Uninstall(Root.Thumbprint, ks);

            Assert.Equal((TrustAction.Removed, true, "CN=Java Test Root"), (removed.Action, removed.Verified, removed.Subject));
            Assert.Equal(TrustAction.NotFound, none.Action);
            Assert.Equal(new[] { "mine", "mine-again" }, runner.Calls.Where(c => c.Arguments[0] == "-delete").Select(c => c.Arguments[2]));
            Assert.Equal(new[] { "debian:other.pem", "server" }, fake.Entries.Select(e => e.Alias));
            Assert.Equal(new[] { other.Thumbprint }, store.List(ks).Select(c => c.Thumbprint));
        }
    }
}
