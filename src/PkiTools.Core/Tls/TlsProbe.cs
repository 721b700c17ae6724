using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Org.BouncyCastle.Tls;

namespace PkiTools.Core.Tls
{
    /// <summary>
    /// Connects to a TLS endpoint and completes a handshake trusting nothing, to see what the server presents: the
    /// negotiated version and suite and its Certificate message as sent. BouncyCastle's TLS client does the protocol
    /// (the platform's SslStream rebuilds the chain it hands over, so it cannot show what was sent); this class owns the
    /// socket, so that every step is bounded by one deadline and each failure is told apart:
    /// EndpointUnreachable (no such name, nothing listening, the connection reset), HandshakeFailed (the peer speaks
    /// something else, or refuses the handshake) and Timeout (no answer in time).
    /// </summary>
    public static class TlsProbe
    {
        /// <summary>How long, at most, a TLS 1.3 server is given to object to the client certificate after the handshake.</summary>
        private static readonly TimeSpan ClientCertificateVerdict = TimeSpan.FromSeconds(2);

        /// <summary>Probes one endpoint. Throws <see cref="PkiException"/> (EndpointUnreachable, HandshakeFailed, Timeout); cancellation throws <see cref="OperationCanceledException"/>.</summary>
        public static TlsHandshakeInfo Handshake(TlsEndpoint endpoint, TlsProbeOptions options, CancellationToken cancellation = default)
        {
            if (endpoint == null) throw new ArgumentNullException(nameof(endpoint));
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (options.Timeout <= TimeSpan.Zero) throw new PkiException(PkiErrorCode.InvalidArgument, "The timeout must be positive.", null, null, null, "TimeoutSec");
            var clock = Stopwatch.StartNew();
            var attempt = new Attempt(endpoint, options, clock, cancellation);
            return attempt.Run();
        }

        /// <summary>The name sent as SNI for this endpoint and these options, or null for none.</summary>
        public static string? SniName(TlsEndpoint endpoint, string? serverName) => ServerIdentity(endpoint, serverName).DnsName;

        /// <summary>
        /// The name the server is asked for and its certificate must match: the server name when given (an IP address
        /// there means no SNI and an address check), else the host: a DNS name, or an IP address (no SNI).
        /// </summary>
        internal static (string? DnsName, string? IpAddress) ServerIdentity(TlsEndpoint endpoint, string? serverName)
        {
            if (string.IsNullOrWhiteSpace(serverName)) return endpoint.IsIpAddress ? (null, endpoint.Host) : (endpoint.Host, null);
            string name = serverName!.Trim().TrimEnd('.');
            if (IPAddress.TryParse(name, out IPAddress? ip)) return (null, ip.ToString());
            return (new IdnMapping().GetAscii(name).ToLowerInvariant(), null);
        }

        private sealed class Attempt
        {
            private readonly TlsEndpoint _endpoint;
            private readonly TlsProbeOptions _options;
            private readonly Stopwatch _clock;
            private readonly CancellationToken _cancellation;
            private readonly byte[] _buffer = new byte[16 * 1024];
            private readonly MemoryStream _firstBytes = new MemoryStream();
            private Socket? _socket;

            public Attempt(TlsEndpoint endpoint, TlsProbeOptions options, Stopwatch clock, CancellationToken cancellation)
            {
                _endpoint = endpoint;
                _options = options;
                _clock = clock;
                _cancellation = cancellation;
            }

            private string Where => _endpoint.Display;

            private string Seconds => _options.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

            private TimeSpan Remaining => _options.Timeout - _clock.Elapsed;

            public TlsHandshakeInfo Run()
            {
                string? sni = SniName(_endpoint, _options.ServerName);
                IPAddress[] addresses = Resolve();
                using (_cancellation.Register(() => _socket?.Dispose()))
                {
                    try
                    {
                        IPAddress connected = Connect(addresses);
                        return Handshake(sni, connected);
                    }
                    catch (Exception ex) when (_cancellation.IsCancellationRequested && !(ex is OperationCanceledException))
                    {
                        throw new OperationCanceledException("The probe was stopped.", ex, _cancellation);
                    }
                    finally
                    {
                        _socket?.Dispose();
                    }
                }
            }

            private IPAddress[] Resolve()
            {
                if (_endpoint.Address != null) return new[] { _endpoint.Address };
                Task<IPAddress[]> lookup = Dns.GetHostAddressesAsync(_endpoint.Host);
                try
                {
                    if (!lookup.Wait(Millis(Remaining), _cancellation))
                    {
                        throw new PkiException(PkiErrorCode.Timeout, $"The name '{_endpoint.Host}' was not resolved within {Seconds}: the DNS server does not answer.",
                            null, Where, new PkiHint("Check the DNS settings, or raise {0}.", "TimeoutSec"));
                    }
                    IPAddress[] found = lookup.Result;
                    if (found.Length == 0) throw Unresolved(null);
                    return found;
                }
                catch (AggregateException ex) when (ex.InnerException is SocketException socket)
                {
                    throw Unresolved(socket);
                }
            }

            private PkiException Unresolved(Exception? inner) =>
                new PkiException(PkiErrorCode.EndpointUnreachable, $"Cannot reach {Where}: the name '{_endpoint.Host}' does not resolve to an address.", inner, Where,
                    new PkiHint("Check the spelling of the host name and the DNS settings."));

            /// <summary>Tries each address in turn (a refused IPv6 'localhost' falls back to IPv4).</summary>
            private IPAddress Connect(IPAddress[] addresses)
            {
                SocketException? last = null;
                foreach (IPAddress address in addresses)
                {
                    var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    _socket = socket;
                    _cancellation.ThrowIfCancellationRequested();
                    Task connect = socket.ConnectAsync(address, _endpoint.Port);
                    bool done;
                    try
                    {
                        done = connect.Wait(Millis(Remaining), _cancellation);
                    }
                    catch (AggregateException ex) when (ex.InnerException is SocketException refused)
                    {
                        last = refused;
                        socket.Dispose();
                        continue;
                    }
                    if (!done)
                    {
                        socket.Dispose();
                        connect.ContinueWith(t => _ = t.Exception, TaskScheduler.Default); // observed: the socket is gone
                        throw new PkiException(PkiErrorCode.Timeout, $"{Where} did not accept a connection within {Seconds}: a firewall may drop the packets, or the host is down.",
                            null, Where, new PkiHint("Check the address and port, or raise {0}.", "TimeoutSec"));
                    }
                    return address;
                }
                string why = last?.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "nothing listens on that port (connection refused)",
                    SocketError.HostUnreachable => "the host is unreachable (no route)",
                    SocketError.NetworkUnreachable => "the network is unreachable",
                    _ => last?.Message ?? "no address to connect to",
                };
                throw new PkiException(PkiErrorCode.EndpointUnreachable, $"Cannot connect to {Where}: {why}.", last, Where,
                    new PkiHint("Check the host name and port, and that the service runs."));
            }

            private TlsHandshakeInfo Handshake(string? sni, IPAddress connected)
            {
                var client = new ProbeClient(new RecordingCrypto(), sni, _options.ClientCredential);
                var protocol = new ProbeProtocol();
                try
                {
                    protocol.Connect(client);
                    Flush(protocol);
                    while (!client.HandshakeComplete)
                    {
                        int n = Receive(handshaking: true);
                        if (n == 0) throw ClosedDuringHandshake();
                        protocol.OfferInput(_buffer, 0, n);
                        Flush(protocol);
                    }
                    if (client.ClientCertificateRequested && Org.BouncyCastle.Tls.TlsUtilities.IsTlsV13(client.Version))
                    {
                        AwaitClientCertificateVerdict(protocol, client);
                    }
                }
                catch (TlsFatalAlertReceived ex)
                {
                    throw Refused(ex.AlertDescription, client, ex);
                }
                catch (TlsFatalAlert ex)
                {
                    FlushQuietly(protocol);
                    throw NotTls(ex.AlertDescription, ex);
                }
                catch (IOException ex)
                {
                    // Any other complaint of BouncyCastle's (it never touches the socket: this class does).
                    FlushQuietly(protocol);
                    throw NotTls(AlertDescription.internal_error, ex);
                }
                Close(protocol);

                IReadOnlyList<byte[]> raw = client.ServerCertificates ?? throw NotTls(AlertDescription.bad_certificate, null);
                var chain = new X509Certificate2[raw.Count];
                for (int i = 0; i < raw.Count; i++)
                {
                    try
                    {
                        chain[i] = new X509Certificate2(raw[i]);
                    }
                    catch (CryptographicException ex)
                    {
                        throw new PkiException(PkiErrorCode.CertificateInvalid, $"{Where} sent a certificate (number {i + 1} of {raw.Count}) that cannot be read: {PlainReason.Of(ex)}.", ex, Where);
                    }
                }
                return new TlsHandshakeInfo(_endpoint, sni, connected.ToString(), ProbeClient.ProtocolName(client.Version), ProbeClient.SuiteName(client.CipherSuiteNumber),
                    chain, client.ClientCertificateRequested, client.ClientCertificateSent);
            }

            /// <summary>
            /// In TLS 1.3 the server judges the client certificate after the client has finished the handshake: it then
            /// either sends a session ticket or data (accepted) or an alert (refused). Reads until one of them, the end
            /// of the connection, or a short wait for servers that send neither.
            /// </summary>
            private void AwaitClientCertificateVerdict(ProbeProtocol protocol, ProbeClient client)
            {
                TimeSpan limit = _clock.Elapsed + (Remaining < ClientCertificateVerdict ? Remaining : ClientCertificateVerdict);
                while (!protocol.TicketReceived && protocol.ApplicationDataAvailable == 0 && _clock.Elapsed < limit)
                {
                    int n = Receive(handshaking: false, until: limit);
                    if (n < 0) return; // no word within the wait: nothing objected
                    if (n == 0)
                    {
                        throw new PkiException(PkiErrorCode.HandshakeFailed,
                            $"{Where} closed the connection after the handshake, without a word: it did not accept the {(client.ClientCertificateSent ? "client certificate" : "missing client certificate")}.",
                            null, Where, client.ClientCertificateSent ? null : new PkiHint("The server asks for a client certificate: give one with {0}.", "ClientCertificate"));
                    }
                    protocol.OfferInput(_buffer, 0, n);
                }
            }

            /// <summary>Bytes received (0: the peer closed; -1: nothing until <paramref name="until"/>). During the handshake the deadline is a Timeout.</summary>
            private int Receive(bool handshaking, TimeSpan? until = null)
            {
                Socket socket = _socket!;
                while (true)
                {
                    _cancellation.ThrowIfCancellationRequested();
                    TimeSpan left = (until ?? _options.Timeout) - _clock.Elapsed;
                    if (left <= TimeSpan.Zero)
                    {
                        if (!handshaking) return -1;
                        throw Silent();
                    }
                    socket.ReceiveTimeout = Millis(left);
                    try
                    {
                        int n = socket.Receive(_buffer);
                        if (n > 0 && _firstBytes.Length < 64) _firstBytes.Write(_buffer, 0, Math.Min(n, 64 - (int)_firstBytes.Length));
                        return n;
                    }
                    catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TimedOut || ex.SocketErrorCode == SocketError.WouldBlock)
                    {
                        // loop: the deadline decides
                    }
                    catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset || ex.SocketErrorCode == SocketError.ConnectionAborted)
                    {
                        if (!handshaking) return 0;
                        throw new PkiException(PkiErrorCode.HandshakeFailed,
                            $"{Where} reset the connection during the TLS handshake{(_firstBytes.Length == 0 ? " without answering" : string.Empty)}: it refuses this client, or does not speak TLS on this port.",
                            ex, Where, new PkiHint("Check the port, and whether the server expects another name ({0}).", "ServerName"));
                    }
                }
            }

            private void Flush(TlsClientProtocol protocol)
            {
                int available;
                while ((available = protocol.GetAvailableOutputBytes()) > 0)
                {
                    var output = new byte[available];
                    int n = protocol.ReadOutput(output, 0, available);
                    Send(output, n);
                }
            }

            private void Send(byte[] data, int count)
            {
                Socket socket = _socket!;
                socket.SendTimeout = Millis(Remaining);
                int sent = 0;
                try
                {
                    while (sent < count) sent += socket.Send(data, sent, count - sent, SocketFlags.None);
                }
                catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TimedOut || ex.SocketErrorCode == SocketError.WouldBlock)
                {
                    throw Silent();
                }
                catch (SocketException ex)
                {
                    throw new PkiException(PkiErrorCode.HandshakeFailed, $"{Where} closed the connection during the TLS handshake ({ex.Message}).", ex, Where);
                }
            }

            /// <summary>Best effort: the alert BouncyCastle queued for the server (a protocol error) goes out before the socket closes.</summary>
            private void FlushQuietly(TlsClientProtocol protocol)
            {
                try
                {
                    Flush(protocol);
                }
                catch (Exception ex) when (ex is PkiException || ex is SocketException || ex is IOException || ex is ObjectDisposedException)
                {
                }
            }

            /// <summary>A polite end: close_notify, then the socket closes.</summary>
            private void Close(TlsClientProtocol protocol)
            {
                try
                {
                    protocol.Close();
                }
                catch (IOException)
                {
                }
                FlushQuietly(protocol);
            }

            private PkiException Silent() =>
                _firstBytes.Length == 0
                    ? new PkiException(PkiErrorCode.Timeout,
                        $"{Where} accepted the connection but did not answer the TLS handshake within {Seconds}: the service may not speak TLS, or may wait for the client to speak another protocol first.",
                        null, Where, new PkiHint("Check the port, or raise {0}.", "TimeoutSec"))
                    : new PkiException(PkiErrorCode.Timeout, $"{Where} did not complete the TLS handshake within {Seconds}.", null, Where,
                        new PkiHint("Raise {0} for a slow server or link.", "TimeoutSec"));

            private PkiException ClosedDuringHandshake() =>
                new PkiException(PkiErrorCode.HandshakeFailed,
                    _firstBytes.Length == 0
                        ? $"{Where} closed the connection without answering the TLS handshake: the service does not speak TLS on this port, or refuses this client."
                        : $"{Where} closed the connection during the TLS handshake{Peek()}.",
                    null, Where, new PkiHint("Check the port, and whether the server expects another name ({0}).", "ServerName"));

            /// <summary>The server sent an alert: it refused the handshake.</summary>
            private PkiException Refused(short alert, ProbeClient client, Exception inner)
            {
                string name = AlertDescription.GetText(alert);
                PkiHint? hint = alert switch
                {
                    AlertDescription.protocol_version => new PkiHint("The server speaks only protocol versions older than TLS 1.2, which PkiTools does not offer."),
                    AlertDescription.unrecognized_name => new PkiHint("The server does not serve that name: give the name it serves with {0}.", "ServerName"),
                    AlertDescription.certificate_required => new PkiHint("The server requires a client certificate: give one with {0}.", "ClientCertificate"),
                    _ when client.ClientCertificateRequested && !client.ClientCertificateSent
                        => new PkiHint("The server asked for a client certificate and none was sent: give one with {0}.", "ClientCertificate"),
                    _ => null,
                };
                string what = client.ClientCertificateSent && client.HandshakeComplete
                    ? $"{Where} refused the client certificate: alert '{name}'."
                    : $"{Where} refused the TLS handshake: alert '{name}'.";
                if (client.ClientCertificateSent && !client.HandshakeComplete && IsCertificateAlert(alert))
                {
                    what = $"{Where} refused the client certificate: alert '{name}'.";
                }
                return new PkiException(PkiErrorCode.HandshakeFailed, what, inner, Where, hint);
            }

            private static bool IsCertificateAlert(short alert) =>
                alert == AlertDescription.bad_certificate || alert == AlertDescription.unknown_ca || alert == AlertDescription.certificate_unknown
                || alert == AlertDescription.certificate_expired || alert == AlertDescription.unsupported_certificate || alert == AlertDescription.access_denied
                || alert == AlertDescription.decrypt_error;

            /// <summary>We stopped the handshake: the answer was not TLS, or not TLS we can complete.</summary>
            private PkiException NotTls(short alert, Exception? inner)
            {
                byte[] first = _firstBytes.ToArray();
                // A TLS record starts with content type 20..24 and major version 3.
                bool looksTls = first.Length >= 2 && first[0] >= 20 && first[0] <= 24 && first[1] == 3;
                if (first.Length > 0 && !looksTls)
                {
                    return new PkiException(PkiErrorCode.HandshakeFailed, $"{Where} answered, but not with TLS{Peek()}: the port serves another protocol.", inner, Where,
                        new PkiHint("Check the port (HTTPS is usually 443, plain HTTP 80)."));
                }
                string detail = inner is TlsFatalAlert fatal && !string.IsNullOrEmpty(fatal.Message) && fatal.Message != AlertDescription.GetText(alert)
                    ? " (" + fatal.Message + ")" : string.Empty;
                return new PkiException(PkiErrorCode.HandshakeFailed,
                    $"The TLS handshake with {Where} failed on this side: alert '{AlertDescription.GetText(alert)}'{detail}. The server offers nothing PkiTools can negotiate, or sent a malformed message.",
                    inner, Where);
            }

            /// <summary>": it looks like HTTP ('HTTP/1.1 400 Bad Request')", from the first bytes the server sent.</summary>
            private string Peek()
            {
                byte[] first = _firstBytes.ToArray();
                if (first.Length == 0) return string.Empty;
                var text = new StringBuilder();
                foreach (byte b in first)
                {
                    if (b == '\r' || b == '\n') break;
                    text.Append(b >= 32 && b < 127 ? (char)b : '.');
                }
                string line = text.ToString();
                if (line.StartsWith("HTTP/", StringComparison.Ordinal)) return $" (it looks like plain HTTP: '{line}')";
                return line.Trim('.').Length >= 3 ? $" (it sent '{line}')" : $" (it sent bytes {BitConverter.ToString(first, 0, Math.Min(first.Length, 8))})";
            }

            private static int Millis(TimeSpan t) => Math.Max(1, (int)Math.Ceiling(t.TotalMilliseconds));
        }

        /// <summary>Notices TLS 1.3 session tickets: a server sends them only once it has accepted the client's Finished (and its certificate).</summary>
        private sealed class ProbeProtocol : TlsClientProtocol
        {
            public bool TicketReceived { get; private set; }

            protected override void Receive13NewSessionTicket(MemoryStream buf)
            {
                base.Receive13NewSessionTicket(buf);
                TicketReceived = true;
            }
        }
    }
}
