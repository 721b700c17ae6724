using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using PkiTools.Core.Internal;
using PkiTools.Core.Tests.Tls;
using PkiTools.Tests;

namespace PkiTools.Core.Tests.Acme
{
    /// <summary>How a <see cref="PebbleServer"/> is started.</summary>
    public sealed class PebbleSettings
    {
        /// <summary>PEBBLE_WFE_NONCEREJECT: the percentage of good nonces pebble rejects (pebble's own default is 5).</summary>
        public int? NonceRejectPercent { get; init; }

        /// <summary>PEBBLE_ALTERNATE_ROOTS: how many other roots (and chains to them) pebble offers besides /roots/0.</summary>
        public int? AlternateRoots { get; init; }

        /// <summary>certificateValidityPeriod in seconds (pebble 2.4's default is 5 years): short-lived certificates for renewal tests.</summary>
        public int? CertificateValiditySeconds { get; init; }

        /// <summary>externalAccountBindingRequired, with one key id and HMAC key (<see cref="PebbleServer.EabKeyId"/>).</summary>
        public bool RequireExternalAccountBinding { get; init; }
    }

    /// <summary>
    /// Debian's pebble (2.4) on 127.0.0.1 with free ports, its HTTPS listener certificate issued at test time by a
    /// throw-away PKI (<see cref="TlsTestPki"/>), and pebble-challtestsrv as its DNS server: every name resolves to
    /// 127.0.0.1 (A only), TXT records are set through challtestsrv's management API for dns-01. http-01 and
    /// tls-alpn-01 validation connect to 127.0.0.1 on <see cref="HttpPort"/> and <see cref="TlsPort"/>, where the test's
    /// responder listens. Both processes are killed in Dispose (also when the constructor fails).
    /// </summary>
    public sealed class PebbleServer : IDisposable
    {
        private readonly TlsTestPki _pki;
        private readonly List<Process> _processes = new List<Process>();
        private readonly StringBuilder _output = new StringBuilder();
        private HttpClient? _management;
        private readonly HttpClient _challtestsrv = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        public PebbleServer() : this(new PebbleSettings())
        {
        }

        internal PebbleServer(PebbleSettings settings)
        {
            _pki = new TlsTestPki();
            // Should the test host end without disposing (a crash, Ctrl+C), pebble must not outlive it.
            AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
            // Free ports are found by binding and releasing them; a parallel test can take one before pebble binds it,
            // so a start that fails is tried again with new ports.
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    StartOnce(settings);
                    return;
                }
                catch (InvalidOperationException) when (attempt < 2)
                {
                    StopProcesses();
                }
                catch
                {
                    Dispose();
                    throw;
                }
            }
        }

        private void StartOnce(PebbleSettings settings)
        {
            int listen = FreePorts.Tcp(), management = FreePorts.Tcp();
            HttpPort = FreePorts.Tcp();
            TlsPort = FreePorts.Tcp();
            int dns = FreeUdpAndTcpPort(), dnsManagement = FreePorts.Tcp();
            ChallengeManagementUrl = new Uri($"http://127.0.0.1:{dnsManagement}");

            Start("challtestsrv", "pebble-challtestsrv", new Dictionary<string, string>(),
                "-management", "127.0.0.1:" + dnsManagement, "-dns01", "127.0.0.1:" + dns,
                "-http01", "", "-https01", "", "-tlsalpn01", "", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "");
            WaitForPort(dnsManagement, "pebble-challtestsrv");

            var config = new Dictionary<string, object?>
            {
                ["listenAddress"] = "127.0.0.1:" + listen,
                ["managementListenAddress"] = "127.0.0.1:" + management,
                ["certificate"] = _pki.FullChainFile,
                ["privateKey"] = _pki.KeyFile,
                ["httpPort"] = HttpPort,
                ["tlsPort"] = TlsPort,
                ["ocspResponderURL"] = "",
                ["externalAccountBindingRequired"] = settings.RequireExternalAccountBinding,
            };
            if (settings.CertificateValiditySeconds is int validity) config["certificateValidityPeriod"] = validity;
            if (settings.RequireExternalAccountBinding)
            {
                EabKeyId = "kid-" + Guid.NewGuid().ToString("N").Substring(0, 8);
                var mac = new byte[32];
                System.Security.Cryptography.RandomNumberGenerator.Fill(mac);
                EabHmacKey = PkiTools.Core.Acme.Base64Url.Encode(mac);
                config["externalAccountMACKeys"] = new Dictionary<string, object?> { [EabKeyId] = EabHmacKey };
            }
            string configFile = _pki.File("pebble-config.json");
            File.WriteAllText(configFile, MiniJsonWriter.Write(new Dictionary<string, object?> { ["pebble"] = config }));

            var env = new Dictionary<string, string>
            {
                ["PEBBLE_VA_NOSLEEP"] = "1",
                // Every new order gets fresh authorizations, so that each test answers its own challenge.
                ["PEBBLE_AUTHZREUSE"] = "0",
            };
            if (settings.AlternateRoots is int alternates) env["PEBBLE_ALTERNATE_ROOTS"] = alternates.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (settings.NonceRejectPercent is int reject) env["PEBBLE_WFE_NONCEREJECT"] = reject.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Start("pebble", "pebble", env, "-config", configFile, "-dnsserver", "127.0.0.1:" + dns, "-strict");

            ListenerRoot = _pki.Root.Certificate;
            DirectoryUrl = new Uri($"https://127.0.0.1:{listen}/dir");
            ManagementUrl = new Uri($"https://127.0.0.1:{management}");
            var handler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
                    cert != null && _pki.Leaf.Certificate.RawData.AsSpan().SequenceEqual(cert.RawData),
            };
            _management?.Dispose();
            _management = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
            WaitForDirectory();
            string rootPem = _management.GetStringAsync(new Uri(ManagementUrl, "/roots/0")).GetAwaiter().GetResult();
            IssuingRoot = new X509Certificate2(Encoding.ASCII.GetBytes(rootPem));
            IssuingRootFile = _pki.File("pebble-root.pem");
            File.WriteAllText(IssuingRootFile, rootPem);
        }

        /// <summary>https://127.0.0.1:port/dir</summary>
        public Uri DirectoryUrl { get; private set; } = null!;

        /// <summary>The management interface (roots, certificate status).</summary>
        public Uri ManagementUrl { get; private set; } = null!;

        /// <summary>The root of the throw-away PKI that issued pebble's HTTPS listener certificate: what a client trusts to reach the directory.</summary>
        public X509Certificate2 ListenerRoot { get; private set; } = null!;

        /// <summary>The root pebble issues under (generated at its start; from the management interface's /roots/0).</summary>
        public X509Certificate2 IssuingRoot { get; private set; } = null!;

        public string IssuingRootFile { get; private set; } = null!;

        /// <summary>Where pebble's VA connects for http-01 (on 127.0.0.1, the address every name resolves to).</summary>
        public int HttpPort { get; private set; }

        /// <summary>Where pebble's VA connects for tls-alpn-01.</summary>
        public int TlsPort { get; private set; }

        public Uri ChallengeManagementUrl { get; private set; } = null!;

        public string? EabKeyId { get; private set; }

        /// <summary>The EAB MAC key as pebble's configuration holds it (base64url).</summary>
        public string? EabHmacKey { get; private set; }

        /// <summary>Both processes' output so far (for failure messages).</summary>
        public string Output
        {
            get
            {
                lock (_output) return _output.ToString();
            }
        }

        /// <summary>A client of this pebble (its listener root trusted, a 60 s bound, quick polling) with a new EC account.</summary>
        public async System.Threading.Tasks.Task<PkiTools.Core.Acme.AcmeClient> ConnectWithAccountAsync()
        {
            var client = await PkiTools.Core.Acme.AcmeClient.ConnectAsync(new PkiTools.Core.Acme.AcmeClientOptions(DirectoryUrl)
            {
                TrustedRoot = ListenerRoot,
                TotalTimeout = TimeSpan.FromSeconds(60),
                PollInterval = TimeSpan.FromMilliseconds(200),
            });
            await client.NewAccountAsync(PkiTools.Core.Keys.PrivateKey.Generate(PkiTools.Core.Keys.KeyAlgorithm.EcdsaP256), new PkiTools.Core.Acme.AcmeAccountRequest { TermsOfServiceAgreed = true });
            return client;
        }

        /// <summary>A fresh name under .test for one test (every name resolves to 127.0.0.1 through challtestsrv).</summary>
        public static string NewName(string label = "www") => $"{label}-{Guid.NewGuid().ToString("N").Substring(0, 8)}.acme.test";

        /// <summary>Pebble's root number <paramref name="index"/> from the management interface (/roots/0 is <see cref="IssuingRoot"/>).</summary>
        public X509Certificate2 Root(int index) =>
            new X509Certificate2(Encoding.ASCII.GetBytes(_management!.GetStringAsync(new Uri(ManagementUrl, "/roots/" + index)).GetAwaiter().GetResult()));

        /// <summary>Sets a TXT record in challtestsrv (pebble's DNS).</summary>
        public void SetTxt(string name, string value) => PostChallenge("/set-txt", new Dictionary<string, object?> { ["host"] = name.TrimEnd('.') + ".", ["value"] = value });

        public void ClearTxt(string name) => PostChallenge("/clear-txt", new Dictionary<string, object?> { ["host"] = name.TrimEnd('.') + "." });

        /// <summary>The management interface's view of a certificate: pebble answers /cert-status-by-serial/&lt;hex&gt;.</summary>
        public string CertificateStatus(string serialHex)
        {
            HttpResponseMessage r = _management!.GetAsync(new Uri(ManagementUrl, "/cert-status-by-serial/" + serialHex.ToLowerInvariant())).GetAwaiter().GetResult();
            return ((int)r.StatusCode) + " " + r.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        }

        private void PostChallenge(string path, Dictionary<string, object?> body)
        {
            using var content = new StringContent(MiniJsonWriter.Write(body), Encoding.UTF8, "application/json");
            HttpResponseMessage r = _challtestsrv.PostAsync(new Uri(ChallengeManagementUrl, path), content).GetAwaiter().GetResult();
            if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"challtestsrv {path} answered {(int)r.StatusCode}");
        }

        private void Start(string tag, string program, Dictionary<string, string> env, params string[] args)
        {
            var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _pki.File("") };
            foreach (string a in args) start.ArgumentList.Add(a);
            start.Environment.Remove("PEBBLE_VA_ALWAYS_VALID");
            start.Environment.Remove("PEBBLE_WFE_NONCEREJECT");
            start.Environment.Remove("PEBBLE_ALTERNATE_ROOTS");
            foreach (KeyValuePair<string, string> kv in env) start.Environment[kv.Key] = kv.Value;
            var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_output) _output.Append(tag).Append(": ").AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_output) _output.Append(tag).Append(": ").AppendLine(e.Data); };
            process.Start();
            lock (_processes) _processes.Add(process);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        private void WaitForPort(int port, string what)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                using var probe = new TcpClient();
                try
                {
                    probe.Connect(IPAddress.Loopback, port);
                    return;
                }
                catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(15) && _processes.All(p => !p.HasExited))
                {
                    Thread.Sleep(25);
                }
                catch (SocketException)
                {
                    throw new InvalidOperationException(what + " did not start: " + Output);
                }
            }
        }

        private void WaitForDirectory()
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    HttpResponseMessage r = _management!.GetAsync(DirectoryUrl).GetAwaiter().GetResult();
                    if (r.IsSuccessStatusCode) return;
                }
                catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(20) && _processes.All(p => !p.HasExited))
                {
                }
                catch (HttpRequestException)
                {
                    throw new InvalidOperationException("pebble did not start: " + Output);
                }
                Thread.Sleep(50);
            }
        }

        /// <summary>A port free for both TCP and UDP on 127.0.0.1 (challtestsrv's DNS listens on both).</summary>
        private static int FreeUdpAndTcpPort()
        {
            for (int i = 0; i < 50; i++)
            {
                int port = FreePorts.Tcp();
                try
                {
                    using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                    return port;
                }
                catch (SocketException)
                {
                }
            }
            throw new InvalidOperationException("no free port for DNS");
        }

        private void OnProcessExit(object? sender, EventArgs e) => StopProcesses();

        public void Dispose()
        {
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
            StopProcesses();
            _management?.Dispose();
            _challtestsrv.Dispose();
            _pki.Dispose();
        }

        private void StopProcesses()
        {
            List<Process> processes;
            lock (_processes)
            {
                processes = _processes.ToList();
                _processes.Clear();
            }
            foreach (Process p in processes)
            {
                try
                {
                    if (!p.HasExited)
                    {
                        p.Kill(entireProcessTree: true);
                        p.WaitForExit(5000);
                    }
                }
                catch (InvalidOperationException)
                {
                }
                p.Dispose();
            }
        }
    }
}
