using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using PkiTools.Core.Keys;
using PkiTools.Core.Trust;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Trust
{
    /// <summary>
    /// The Java store against the real keytool and a real Java TLS client: a copy of the system's cacerts (never the
    /// file itself), a local openssl s_server with a leaf from a throw-away root, and a single-file HttpsURLConnection
    /// client that must fail with a PKIX error until the root is installed, and again after it is uninstalled.
    /// </summary>
    public class JavaRealTests
    {
        private const string SystemCacerts = "/etc/ssl/certs/java/cacerts";

        private const string ClientSource = @"import java.net.URL;
import javax.net.ssl.HttpsURLConnection;

public class Client {
    public static void main(String[] args) {
        try {
            HttpsURLConnection c = (HttpsURLConnection) new URL(args[0]).openConnection();
            c.setConnectTimeout(5000);
            c.setReadTimeout(5000);
            System.out.println(""HTTP "" + c.getResponseCode());
        } catch (Exception e) {
            System.out.println(""FAILED "" + e);
            System.exit(1);
        }
    }
}
";

        /// <summary>openssl s_server on a free loopback port, killed on dispose.</summary>
        private sealed class TlsServer : IDisposable
        {
            private readonly Process _process;

            public TlsServer(string certificate, string key)
            {
                var probe = new TcpListener(IPAddress.Loopback, 0);
                probe.Start();
                Port = ((IPEndPoint)probe.LocalEndpoint).Port;
                probe.Stop();
                var psi = new ProcessStartInfo("openssl") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (string a in new[] { "s_server", "-accept", "127.0.0.1:" + Port, "-cert", certificate, "-key", key, "-www", "-quiet" }) psi.ArgumentList.Add(a);
                _process = Process.Start(psi)!;
                _process.OutputDataReceived += (_, _) => { };
                _process.ErrorDataReceived += (_, _) => { };
                _process.BeginOutputReadLine();
                _process.BeginErrorReadLine();
                for (int i = 0; i < 200; i++)
                {
                    Assert.False(_process.HasExited, "openssl s_server exited with " + (_process.HasExited ? _process.ExitCode : 0));
                    try
                    {
                        using var client = new TcpClient();
                        client.Connect(IPAddress.Loopback, Port);
                        return;
                    }
                    catch (SocketException)
                    {
                        Thread.Sleep(50);
                    }
                }
                throw new TimeoutException("openssl s_server did not accept on port " + Port);
            }

            public int Port { get; }

            public void Dispose()
            {
                try { _process.Kill(true); } catch (InvalidOperationException) { }
                _process.WaitForExit(5000);
                _process.Dispose();
            }
        }

        private static ProcessResult Client(string folder, string truststore, int port) =>
            SystemProcessRunner.Instance.Run(new ProcessCall("java", new[]
            {
                "-XX:TieredStopAtLevel=1", "-Djavax.net.ssl.trustStore=" + truststore, "-Djavax.net.ssl.trustStorePassword=changeit",
                Path.Combine(folder, "Client.java"), $"https://localhost:{port}/",
            }, timeout: TimeSpan.FromSeconds(60)));

        private static string CopyOfSystemCacerts(TempDir dir)
        {
            string copy = dir.File("cacerts");
            File.Copy(SystemCacerts, copy);
            return copy;
        }

        [Fact]
        public void A_Java_client_trusts_the_local_server_exactly_while_the_root_is_installed_in_its_truststore()
        {
            using var dir = new TempDir();
            string keystore = CopyOfSystemCacerts(dir);
            byte[] system = File.ReadAllBytes(SystemCacerts);
            IssuedCertificate root = TrustTestPki.Root();
            IssuedCertificate leaf = TrustTestPki.Localhost(root);
            File.WriteAllText(dir.File("leaf.pem"), leaf.Pem);
            File.WriteAllText(dir.File("leaf.key"), leaf.Key!.ExportPem());
            File.WriteAllText(dir.File("Client.java"), ClientSource);
            var store = new JavaTrustStore(TrustEnvironment.Current, keystore, null);
            int before = store.List(keystore).Count;

            using var server = new TlsServer(dir.File("leaf.pem"), dir.File("leaf.key"));
            ProcessResult untrusted = Client(dir.Path, keystore, server.Port);
            Assert.NotEqual(0, untrusted.ExitCode);
            Assert.Contains("PKIX", untrusted.StandardOutput);

            TrustStoreResult installed = store.Install(root.Certificate, keystore);
            Assert.Equal((TrustAction.Installed, true, keystore, "Java"), (installed.Action, installed.Verified, installed.Location, installed.Store));
            Assert.Equal(TrustAction.AlreadyPresent, store.Install(root.Certificate, keystore).Action);
            ProcessResult listed = SystemProcessRunner.Instance.Run(new ProcessCall("keytool", new[] { "-list", "-keystore", keystore, "-storepass", "changeit", "-alias", JavaTrustStore.Alias(root.Certificate) }));
            Assert.Equal(0, listed.ExitCode);
            Assert.Contains("trustedCertEntry", listed.StandardOutput);

            ProcessResult trusted = Client(dir.Path, keystore, server.Port);
            Assert.True(trusted.ExitCode == 0, trusted.StandardOutput + trusted.StandardError);
            Assert.Contains("HTTP 200", trusted.StandardOutput);

            TrustStoreResult removed = store.Uninstall(root.Certificate.Thumbprint, keystore);
            Assert.Equal((TrustAction.Removed, true), (removed.Action, removed.Verified));
            Assert.Equal(before, store.List(keystore).Count);
            ProcessResult again = Client(dir.Path, keystore, server.Port);
            Assert.NotEqual(0, again.ExitCode);
            Assert.Contains("PKIX", again.StandardOutput);
            Assert.Equal(system, File.ReadAllBytes(SystemCacerts));
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
