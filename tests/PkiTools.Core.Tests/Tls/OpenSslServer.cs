using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using PkiTools.Tests;

namespace PkiTools.Core.Tests.Tls
{
    /// <summary>
    /// `openssl s_server` on 127.0.0.1 (a second, independent TLS server): for what nginx cannot show, such as a
    /// handshake that fails without a client certificate (-Verify) or a certificate chosen by SNI (-servername/-cert2).
    /// </summary>
    public sealed class OpenSslServer : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new StringBuilder();

        public OpenSslServer(params string[] args)
        {
            Port = FreePorts.Tcp();
            var start = new ProcessStartInfo("openssl") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            foreach (string a in new[] { "s_server", "-accept", "127.0.0.1:" + Port, "-quiet" }) start.ArgumentList.Add(a);
            foreach (string a in args) start.ArgumentList.Add(a);
            _process = new Process { StartInfo = start };
            _process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_output) _output.AppendLine(e.Data); };
            _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_output) _output.AppendLine(e.Data); };
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            var clock = Stopwatch.StartNew();
            while (true)
            {
                using var probe = new TcpClient();
                try
                {
                    probe.Connect(IPAddress.Loopback, Port);
                    break;
                }
                catch (SocketException) when (!_process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(10))
                {
                    Thread.Sleep(25);
                }
                catch (SocketException)
                {
                    Dispose();
                    throw new InvalidOperationException("openssl s_server did not start: " + Output);
                }
            }
        }

        public int Port { get; }

        public string Output
        {
            get
            {
                lock (_output) return _output.ToString();
            }
        }

        /// <summary>True once the server has printed <paramref name="text"/> (it writes asynchronously), false after 10 s.</summary>
        public bool Printed(string text)
        {
            var clock = Stopwatch.StartNew();
            while (!Output.Contains(text, StringComparison.Ordinal))
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(10)) return false;
                Thread.Sleep(20);
            }
            return true;
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            _process.Dispose();
        }
    }
}
