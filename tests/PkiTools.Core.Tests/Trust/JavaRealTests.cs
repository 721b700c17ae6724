using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;
using PkiTools.Core.Trust;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Trust
{
    /// <summary>
    /// The Java store against the real keytool, on copies of the system's cacerts (never the file itself). That a Java
    /// client trusts a server exactly while its root is installed is proven through the cmdlets against nginx
    /// (PkiTools.Module.Tests/TrustEndToEndTests).
    /// </summary>
    public class JavaRealTests
    {
        private static string CopyOfSystemCacerts(TempDir dir)
        {
            string copy = dir.File("cacerts");
            File.Copy(JavaClient.SystemCacerts, copy);
            return copy;
        }

        [Fact]
        public void The_JDK_on_PATH_is_found_and_a_wrong_password_is_PasswordIncorrect_from_the_real_keytool()
        {
            using var dir = new TempDir();
            string keystore = CopyOfSystemCacerts(dir);
            X509Certificate2 root = TrustTestPki.Root().Certificate;

            string cacerts = Assert.Single(new JavaTrustStore(TrustEnvironment.Current, null, null).Locations());
            Assert.True(File.Exists(cacerts), cacerts);
            Assert.Contains(new JavaTrustStore(TrustEnvironment.Current, null, null).List(cacerts), c => c.Subject.Length > 0);

            var ex = Assert.Throws<PkiException>(() => new JavaTrustStore(TrustEnvironment.Current, keystore, "not-the-password".ToCharArray()).Install(root, keystore));
            Assert.Equal((PkiErrorCode.PasswordIncorrect, "KeystorePassword"), (ex.Code, ex.Input));
            Assert.DoesNotContain("not-the-password", ex.ToString());
        }

        [Fact]
        public void A_PKCS12_truststore_made_by_a_newer_keytool_works_the_same()
        {
            using var dir = new TempDir();
            string jdk = "/usr/lib/jvm/temurin-25-jdk-amd64";
            string keytool = Directory.Exists(jdk) ? Path.Combine(jdk, "bin/keytool") : "keytool";
            string keystore = dir.File("app-truststore.p12");
            X509Certificate2 first = TrustTestPki.Root("CN=First Root").Certificate;
            File.WriteAllText(dir.File("first.pem"), PkiTools.Core.Formats.Pem.Encode("CERTIFICATE", first.RawData));
            ProcessResult made = SystemProcessRunner.Instance.Run(new ProcessCall(keytool, new[] { "-importcert", "-noprompt", "-alias", "first", "-file", dir.File("first.pem"), "-keystore", keystore, "-storetype", "PKCS12", "-storepass", "app-secret" }));
            Assert.True(made.ExitCode == 0, made.StandardError + made.StandardOutput);
            var variables = Directory.Exists(jdk) ? new System.Collections.Generic.Dictionary<string, string> { ["JAVA_HOME"] = jdk } : null;
            var env = new TrustEnvironment(SystemProcessRunner.Instance, TrustPlatform.Linux, dir.Path, n => variables != null && variables.TryGetValue(n, out string? v) ? v : Environment.GetEnvironmentVariable(n), true);
            var store = new JavaTrustStore(env, keystore, "app-secret".ToCharArray());
            X509Certificate2 root = TrustTestPki.Root().Certificate;

            TrustStoreResult installed = store.Install(root, keystore);
            Assert.Equal((TrustAction.Installed, true), (installed.Action, installed.Verified));
            TrustStoreResult removed = store.Uninstall(root.Thumbprint, keystore);
            Assert.Equal((TrustAction.Removed, true), (removed.Action, removed.Verified));
            Assert.Equal(new[] { first.Thumbprint }, store.List(keystore).Select(c => c.Thumbprint));
        }
    }
}
