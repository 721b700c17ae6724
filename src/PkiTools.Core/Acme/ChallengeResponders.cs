using System;
using System.Collections.Concurrent;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace PkiTools.Core.Acme
{
    /// <summary>One challenge to answer: the identifier, the token and the key authorization that proves the account.</summary>
    public sealed class AcmeChallengeContext
    {
        public AcmeChallengeContext(string identifier, bool wildcard, string challengeType, string token, string keyAuthorization)
        {
            Identifier = identifier;
            Wildcard = wildcard;
            ChallengeType = challengeType;
            Token = token;
            KeyAuthorization = keyAuthorization;
        }

        /// <summary>The DNS name (without "*.").</summary>
        public string Identifier { get; }
        public bool Wildcard { get; }
        public string ChallengeType { get; }
        public string Token { get; }

        /// <summary>token "." account-key thumbprint: proves the account, not secret once published.</summary>
        public string KeyAuthorization { get; }

        /// <summary>For dns-01: the TXT record's name, _acme-challenge.&lt;identifier&gt;.</summary>
        public string DnsRecordName => AcmeChallenges.Dns01RecordName(Identifier);

        /// <summary>For dns-01: the TXT record's value.</summary>
        public string DnsRecordValue => AcmeChallenges.Dns01Value(KeyAuthorization);
    }

    /// <summary>Puts a challenge's answer where the ACME server looks, and takes it away again.</summary>
    public interface IAcmeChallengeResponder
    {
        /// <summary>"http-01", "dns-01" or "tls-alpn-01".</summary>
        string ChallengeType { get; }

        /// <summary>How long to wait after deploying every challenge of an order before the server is asked to validate (DNS propagation); zero for most.</summary>
        TimeSpan ReadyDelay { get; }

        Task DeployAsync(AcmeChallengeContext challenge, CancellationToken cancel);

        /// <summary>Called after validation, whether it succeeded or not.</summary>
        Task RemoveAsync(AcmeChallengeContext challenge, CancellationToken cancel);
    }

    /// <summary>The values each challenge type publishes (RFC 8555 §8.3, §8.4; RFC 8737).</summary>
    public static class AcmeChallenges
    {
        /// <summary>The path the server fetches for http-01.</summary>
        public static string Http01Path(string token) => "/.well-known/acme-challenge/" + token;

        /// <summary>_acme-challenge.&lt;name&gt; (without the wildcard label and trailing dot).</summary>
        public static string Dns01RecordName(string identifier) => "_acme-challenge." + identifier.TrimStart('*', '.').TrimEnd('.');

        /// <summary>The TXT value: base64url(SHA-256(key authorization)).</summary>
        public static string Dns01Value(string keyAuthorization)
        {
            using SHA256 sha = SHA256.Create();
            return Base64Url.Encode(sha.ComputeHash(Encoding.UTF8.GetBytes(keyAuthorization)));
        }

        /// <summary>A token as servers send it: base64url characters only (anything else could walk out of a folder).</summary>
        internal static bool IsSafeToken(string token)
        {
            if (token.Length == 0 || token.Length > 256) return false;
            foreach (char c in token)
            {
                if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) return false;
            }
            return true;
        }

        internal static void CheckToken(string token)
        {
            if (!IsSafeToken(token)) throw new PkiException(PkiErrorCode.AcmeUnavailable, "The ACME server sent a challenge token with characters outside base64url; it was not used.");
        }
    }

    /// <summary>
    /// dns-01 through a callback that creates (true) and deletes (false) the TXT record: a DNS API, nsupdate, a hook.
    /// A name and its wildcard ("example.org" and "*.example.org") use the same record name with two values: the
    /// callback must add a value next to any existing one, not replace it.
    /// </summary>
    public sealed class Dns01Responder : IAcmeChallengeResponder
    {
        private readonly Func<string, string, bool, CancellationToken, Task> _callback;

        /// <param name="callback">Receives the record name (_acme-challenge.&lt;name&gt;), the value, and true to create or false to delete.</param>
        public Dns01Responder(Func<string, string, bool, CancellationToken, Task> callback) => _callback = callback;

        /// <summary>Waited for once after creating the order's records, for the DNS to propagate (default none).</summary>
        public TimeSpan PropagationDelay { get; init; }

        public TimeSpan ReadyDelay => PropagationDelay;

        public string ChallengeType => AcmeChallenge.Dns01;

        public Task DeployAsync(AcmeChallengeContext challenge, CancellationToken cancel) => _callback(challenge.DnsRecordName, challenge.DnsRecordValue, true, cancel);

        public Task RemoveAsync(AcmeChallengeContext challenge, CancellationToken cancel) => _callback(challenge.DnsRecordName, challenge.DnsRecordValue, false, cancel);
    }

    /// <summary>http-01 by writing the key authorization to &lt;web root&gt;/.well-known/acme-challenge/&lt;token&gt; (removed afterwards).</summary>
    public sealed class Http01WebRootResponder : IAcmeChallengeResponder
    {
        public Http01WebRootResponder(string webRoot) => WebRoot = Path.GetFullPath(webRoot);

        public string WebRoot { get; }

        public string ChallengeType => AcmeChallenge.Http01;

        public TimeSpan ReadyDelay => TimeSpan.Zero;

        /// <summary>The file that answers <paramref name="token"/>.</summary>
        public string FileFor(string token)
        {
            AcmeChallenges.CheckToken(token);
            return Path.Combine(WebRoot, ".well-known", "acme-challenge", token);
        }

        public Task DeployAsync(AcmeChallengeContext challenge, CancellationToken cancel)
        {
            if (!System.IO.Directory.Exists(WebRoot)) throw new PkiException(PkiErrorCode.FileNotFound, $"The web root '{WebRoot}' does not exist.", null, WebRoot, null, "WebRoot");
            string file = FileFor(challenge.Token);
            try
            {
                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                File.WriteAllText(file, challenge.KeyAuthorization, new UTF8Encoding(false));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PkiException(PkiErrorCode.FileWriteFailed, $"The challenge file '{file}' could not be written under the web root.", ex, file, null, "WebRoot");
            }
            return Task.CompletedTask;
        }

        public Task RemoveAsync(AcmeChallengeContext challenge, CancellationToken cancel)
        {
            try
            {
                File.Delete(FileFor(challenge.Token));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Best effort: the token is single-use and worthless once validated.
            }
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// http-01 from a minimal HTTP/1.1 responder on a TCP port for as long as it lives: GET
    /// /.well-known/acme-challenge/&lt;token&gt; gets the key authorization, anything else 404.
    /// </summary>
    public sealed class Http01Listener : IAcmeChallengeResponder, IDisposable
    {
        private readonly ChallengeSocket _socket;
        private readonly ConcurrentDictionary<string, string> _answers = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        private int _requests;

        /// <param name="port">The port the CA connects to (80 for a public CA).</param>
        /// <param name="address">The address to listen on (default: every IPv6 and IPv4 address where the system allows both on one socket, else every IPv4 address).</param>
        public Http01Listener(int port, IPAddress? address = null)
        {
            _socket = new ChallengeSocket(port, address, "http-01", "HttpPort", new PkiHint("Stop the web server for the duration or use {0}.", "WebRoot"), Serve);
        }

        public int Port => _socket.Port;

        /// <summary>How many requests were answered (any path).</summary>
        public int Requests => Volatile.Read(ref _requests);

        public string ChallengeType => AcmeChallenge.Http01;

        public TimeSpan ReadyDelay => TimeSpan.Zero;

        /// <summary>Answers <paramref name="token"/> with <paramref name="content"/> until removed.</summary>
        public void Add(string token, string content) => _answers[token] = content;

        public void Remove(string token) => _answers.TryRemove(token, out _);

        public Task DeployAsync(AcmeChallengeContext challenge, CancellationToken cancel)
        {
            AcmeChallenges.CheckToken(challenge.Token);
            Add(challenge.Token, challenge.KeyAuthorization);
            return Task.CompletedTask;
        }

        public Task RemoveAsync(AcmeChallengeContext challenge, CancellationToken cancel)
        {
            Remove(challenge.Token);
            return Task.CompletedTask;
        }

        private void Serve(TcpClient client)
        {
            using (client)
            {
                try
                {
                    NetworkStream stream = client.GetStream();
                    string? path = ReadRequestPath(stream, out bool isHead);
                    Interlocked.Increment(ref _requests);
                    const string prefix = "/.well-known/acme-challenge/";
                    string? body = null;
                    if (path != null && path.StartsWith(prefix, StringComparison.Ordinal) && _answers.TryGetValue(path.Substring(prefix.Length), out string? answer)) body = answer;
                    byte[] content = Encoding.ASCII.GetBytes(body ?? "not found");
                    string head = (body != null ? "HTTP/1.1 200 OK" : "HTTP/1.1 404 Not Found") + "\r\nContent-Type: " +
                        (body != null ? "application/octet-stream" : "text/plain") + "\r\nContent-Length: " + content.Length + "\r\nConnection: close\r\n\r\n";
                    byte[] headBytes = Encoding.ASCII.GetBytes(head);
                    stream.Write(headBytes, 0, headBytes.Length);
                    if (!isHead) stream.Write(content, 0, content.Length);
                    stream.Flush();
                }
                catch (Exception ex) when (ex is IOException || ex is SocketException || ex is ObjectDisposedException)
                {
                    // The peer went away: nothing to answer.
                }
            }
        }

        /// <summary>The path of a GET request, reading the head up to its blank line (at most 16 KiB); null for anything else.</summary>
        private static string? ReadRequestPath(Stream stream, out bool isHead)
        {
            isHead = false;
            var head = new StringBuilder();
            var buffer = new byte[1];
            while (head.Length < 16384)
            {
                int n = stream.Read(buffer, 0, 1);
                if (n == 0) break;
                head.Append((char)buffer[0]);
                if (head.Length >= 4 && head[head.Length - 1] == '\n' && head.ToString(head.Length - 4, 4) == "\r\n\r\n") break;
                if (head.Length >= 2 && head[head.Length - 1] == '\n' && head[head.Length - 2] == '\n') break;
            }
            string text = head.ToString();
            int lineEnd = text.IndexOf('\n');
            string[] parts = (lineEnd < 0 ? text : text.Substring(0, lineEnd)).Trim().Split(' ');
            if (parts.Length < 2 || (parts[0] != "GET" && parts[0] != "HEAD")) return null;
            isHead = parts[0] == "HEAD";
            string target = parts[1];
            int query = target.IndexOf('?');
            return query < 0 ? target : target.Substring(0, query);
        }

        public void Dispose() => _socket.Dispose();
    }

    /// <summary>
    /// The TCP side of a challenge listener: bound for as long as it lives, each connection served on its own task with
    /// 10-second read and write bounds. A port that cannot be bound is InvalidArgument naming the parameter that chose it.
    /// </summary>
    internal sealed class ChallengeSocket : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly Action<TcpClient> _serve;
        private readonly Task _loop;

        /// <param name="port">The port (0: any free one).</param>
        /// <param name="address">The address; null is every IPv6 and IPv4 address where one socket can have both, else every IPv4 address.</param>
        /// <param name="challenge">"http-01" or "tls-alpn-01", for the error.</param>
        /// <param name="parameter">The parameter that chose the port, for the error.</param>
        /// <param name="hint">What to do instead, for the error.</param>
        /// <param name="serve">Answers one connection (on a pool thread) and returns when done; the caller disposes it.</param>
        public ChallengeSocket(int port, IPAddress? address, string challenge, string parameter, PkiHint? hint, Action<TcpClient> serve)
        {
            _serve = serve;
            _listener = address != null ? new TcpListener(address, port) : Socket.OSSupportsIPv6 ? TcpListener.Create(port) : new TcpListener(IPAddress.Any, port);
            try
            {
                _listener.Start();
            }
            catch (SocketException ex)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument,
                    $"Port {port} cannot be listened on for {challenge} ({(ex.SocketErrorCode == SocketError.AddressAlreadyInUse ? "another program uses it" : ex.SocketErrorCode == SocketError.AccessDenied ? "ports under 1024 need root or CAP_NET_BIND_SERVICE" : "refused by the system")}).",
                    ex, port, hint, parameter);
            }
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _loop = Task.Run(AcceptLoop);
        }

        public int Port { get; }

        private async Task AcceptLoop()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync().ConfigureAwait(false);
                }
                catch (Exception) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (SocketException)
                {
                    continue;
                }
                client.ReceiveTimeout = 10000;
                client.SendTimeout = 10000;
                _ = Task.Run(() => _serve(client));
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            try
            {
                _loop.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
            }
            _stop.Dispose();
        }
    }
}
