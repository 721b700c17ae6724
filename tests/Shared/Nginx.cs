using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using Xunit;

namespace PkiTools.Tests
{
    /// <summary>
    /// A real nginx (Debian's /usr/sbin/nginx, installed by .ci/run) serving HTTPS on 127.0.0.1 with the given
    /// certificate files, for tests that need a real TLS server. Each instance runs in the foreground (daemon off, no
    /// master process) with its own config, pid, logs and temp folders in a fresh folder, on a free port, and is
    /// stopped by Dispose (also when the test fails).
    /// <code>
    /// using var web = Nginx.Start(certFile: "site.fullchain.pem", keyFile: "site.key");
    /// // https://127.0.0.1:{web.Port}/ answers "ok" (200); with clientCaFile, only clients with a certificate from that CA
    /// </code>
    /// Mark tests that use it <see cref="NginxFactAttribute"/> so that they are skipped, with the reason, where nginx is absent.
    /// </summary>
    public sealed class Nginx : IDisposable
    {
        public const string Program = "/usr/sbin/nginx";

        private readonly Process _process;
        private readonly string _folder;
        private int _disposed;

        private Nginx(Process process, string folder, int port, int httpPort)
        {
            _process = process;
            _folder = folder;
            Port = port;
            HttpPort = httpPort;
        }

        /// <summary>Null when nginx can run here, else why not (the skip reason).</summary>
        public static string? Unavailable => File.Exists(Program) ? null : $"nginx is not installed ({Program} is missing): .ci/run installs it, or apt-get install nginx";

        /// <summary>The HTTPS port on 127.0.0.1.</summary>
        public int Port { get; }

        /// <summary>The plain-HTTP port on 127.0.0.1 (with plainHttp), else 0.</summary>
        public int HttpPort { get; }

        public string Url => $"https://127.0.0.1:{Port}/";

        /// <summary>The nginx.conf this instance runs; <c>nginx -s reload -c ConfigFile</c> makes it re-read its certificate files.</summary>
        public string ConfigFile => Path.Combine(_folder, "nginx.conf");

        /// <summary>What nginx wrote to its error log so far (level info).</summary>
        public string ErrorLog => ReadShared(Path.Combine(_folder, "error.log"));

        /// <summary>
        /// Starts nginx serving <paramref name="certFile"/> (PEM: the certificate, then the intermediates it should send,
        /// as Export-Cert -IncludeChain or Invoke-CaSign's .fullchain.crt write them) with <paramref name="keyFile"/>.
        /// <paramref name="clientCaFile"/>: ssl_verify_client on, trusting that CA's certificates (no certificate or another
        /// CA's: 400). <paramref name="plainHttp"/>: also a plain-HTTP server on <see cref="HttpPort"/>.
        /// <paramref name="serverDirectives"/>: extra lines for the HTTPS server block ("ssl_protocols TLSv1.2;").
        /// Every location answers 200 "ok".
        /// <paramref name="reloadable"/>: run with a master process, so that <c>nginx -s reload -c ConfigFile</c> re-reads the
        /// certificate files as a production nginx does (a single-process nginx cannot reload).
        /// </summary>
        public static Nginx Start(string certFile, string keyFile, string? clientCaFile = null, bool plainHttp = false, string? serverDirectives = null, bool reloadable = false)
        {
            if (Unavailable != null) throw new InvalidOperationException(Unavailable);
            Exception? last = null;
            for (int attempt = 0; attempt < 3; attempt++)
            {
                // A free port is found by binding port 0; another process could take it before nginx does, so retry.
                string folder = Path.Combine(Path.GetTempPath(), "pkitools-nginx-" + Guid.NewGuid().ToString("N").Substring(0, 10));
                try
                {
                    return StartIn(folder, Path.GetFullPath(certFile), Path.GetFullPath(keyFile), clientCaFile == null ? null : Path.GetFullPath(clientCaFile), plainHttp, serverDirectives, reloadable);
                }
                catch (NginxStartException ex) when (ex.Message.Contains("Address already in use", StringComparison.Ordinal))
                {
                    last = ex;
                }
            }
            throw new InvalidOperationException("nginx could not bind a free port in 3 attempts", last);
        }

        private static Nginx StartIn(string folder, string certFile, string keyFile, string? clientCaFile, bool plainHttp, string? serverDirectives, bool reloadable)
        {
            Directory.CreateDirectory(Path.Combine(folder, "tmp"));
            int port = FreePorts.Tcp();
            int httpPort = plainHttp ? FreePorts.Tcp() : 0;
            string Quote(string path) => "\"" + path.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
            var conf = new StringBuilder();
            conf.AppendLine("daemon off;");
            conf.AppendLine(reloadable ? "master_process on;" : "master_process off;");
            conf.AppendLine("worker_processes 1;");
            conf.AppendLine($"pid {Quote(Path.Combine(folder, "nginx.pid"))};");
            conf.AppendLine($"error_log {Quote(Path.Combine(folder, "error.log"))} info;");
            conf.AppendLine("events { worker_connections 512; }");
            conf.AppendLine("http {");
            conf.AppendLine($"  access_log {Quote(Path.Combine(folder, "access.log"))};");
            foreach (string temp in new[] { "client_body", "proxy", "fastcgi", "uwsgi", "scgi" })
            {
                conf.AppendLine($"  {temp}_temp_path {Quote(Path.Combine(folder, "tmp", temp))};");
            }
            conf.AppendLine("  server {");
            conf.AppendLine($"    listen 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)} ssl;");
            conf.AppendLine($"    ssl_certificate {Quote(certFile)};");
            conf.AppendLine($"    ssl_certificate_key {Quote(keyFile)};");
            if (clientCaFile != null)
            {
                conf.AppendLine($"    ssl_client_certificate {Quote(clientCaFile)};");
                conf.AppendLine("    ssl_verify_client on;");
            }
            // nginx 1.22 leaves TLS 1.3 off by default; a test that wants other versions says so in serverDirectives.
            if (serverDirectives == null || !serverDirectives.Contains("ssl_protocols", StringComparison.Ordinal)) conf.AppendLine("    ssl_protocols TLSv1.2 TLSv1.3;");
            if (serverDirectives != null) conf.AppendLine("    " + serverDirectives);
            conf.AppendLine("    location / { default_type text/plain; return 200 \"ok\\n\"; }");
            conf.AppendLine("  }");
            if (plainHttp)
            {
                conf.AppendLine("  server {");
                conf.AppendLine($"    listen 127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)};");
                conf.AppendLine("    location / { default_type text/plain; return 200 \"plain\\n\"; }");
                conf.AppendLine("  }");
            }
            conf.AppendLine("}");
            string confFile = Path.Combine(folder, "nginx.conf");
            File.WriteAllText(confFile, conf.ToString());

            var start = new ProcessStartInfo(Program)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            // -e: the startup error log too goes to the folder (not /var/log/nginx); -p: the prefix for relative paths.
            foreach (string a in new[] { "-p", folder + "/", "-c", confFile, "-e", Path.Combine(folder, "error.log") }) start.ArgumentList.Add(a);
            var stderr = new StringBuilder();
            var process = new Process { StartInfo = start };
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (stderr) stderr.AppendLine(e.Data); };
            process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (stderr) stderr.AppendLine(e.Data); };
            process.Start();
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            var server = new Nginx(process, folder, port, httpPort);
            try
            {
                var clock = Stopwatch.StartNew();
                while (!(Accepts(port) && (httpPort == 0 || Accepts(httpPort))))
                {
                    if (process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(15))
                    {
                        string why;
                        lock (stderr) why = stderr + server.ErrorLog;
                        throw new NginxStartException($"nginx did not start (exit {(process.HasExited ? process.ExitCode.ToString(CultureInfo.InvariantCulture) : "none, still running")}): {why}\n{conf}");
                    }
                    Thread.Sleep(25);
                }
                return server;
            }
            catch
            {
                server.Dispose();
                throw;
            }
        }

        private static bool Accepts(int port)
        {
            using var client = new TcpClient();
            try
            {
                client.Connect(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }

        private static string ReadShared(string path)
        {
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                return reader.ReadToEnd();
            }
            catch (IOException)
            {
                return string.Empty;
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
            _process.Dispose();
            try
            {
                Directory.Delete(_folder, true);
            }
            catch (IOException)
            {
            }
        }

        private sealed class NginxStartException : Exception
        {
            public NginxStartException(string message)
                : base(message)
            {
            }
        }
    }

    /// <summary>A fact that needs nginx: skipped, with the reason, where /usr/sbin/nginx is absent.</summary>
    public sealed class NginxFactAttribute : FactAttribute
    {
        public NginxFactAttribute()
        {
            if (Nginx.Unavailable != null) Skip = Nginx.Unavailable;
        }
    }

    /// <summary>A theory that needs nginx: skipped, with the reason, where /usr/sbin/nginx is absent.</summary>
    public sealed class NginxTheoryAttribute : TheoryAttribute
    {
        public NginxTheoryAttribute()
        {
            if (Nginx.Unavailable != null) Skip = Nginx.Unavailable;
        }
    }

    /// <summary>Runs the real curl (installed by .ci/run when missing) and captures what it says.</summary>
    public static class Curl
    {
        public static OpenSsl.Result Run(params string[] args) => OpenSsl.RunProgram("curl", null, null, args);
    }
}
