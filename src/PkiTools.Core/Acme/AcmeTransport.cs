using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PkiTools.Core.Validation;

namespace PkiTools.Core.Acme
{
    /// <summary>One HTTP answer from an ACME server, read whole (bounded size).</summary>
    internal sealed class AcmeResponse
    {
        public int Status { get; set; }
        public string? Location { get; set; }
        public string? ContentType { get; set; }
        public string Body { get; set; } = "";
        public DateTimeOffset? RetryAfter { get; set; }
        public List<string> UpLinks { get; } = new List<string>();
        public List<string> AlternateLinks { get; } = new List<string>();

        /// <summary>The body as a JSON object; anything else means the server does not speak ACME here.</summary>
        public Dictionary<string, object?> Json(string what, Uri url)
        {
            try
            {
                return AcmeJson.Parse(Body);
            }
            catch (FormatException ex)
            {
                throw new PkiException(PkiErrorCode.AcmeUnavailable, $"The ACME server's answer to {what} ({url.GetLeftPart(UriPartial.Path)}) is not a JSON object: is this an ACME server?", ex, url);
            }
        }
    }

    /// <summary>
    /// HTTP to one ACME server: trust of its HTTPS certificate, per-request time bound, the nonce pool, signed POSTs
    /// retried on badNonce, and problem documents turned into <see cref="PkiException"/>s.
    /// </summary>
    internal sealed class AcmeTransport : IDisposable
    {
        /// <summary>No ACME answer is anywhere near this; a larger one is not read.</summary>
        private const int MaxBody = 4 * 1024 * 1024;

        private readonly HttpClient _http;
        private readonly AcmeClientOptions _options;
        private readonly Stack<string> _nonces = new Stack<string>();
        private string? _tlsFailure;

        public AcmeTransport(AcmeClientOptions options)
        {
            _options = options;
            var handler = new HttpClientHandler { AllowAutoRedirect = false };
            if (options.SkipCertificateCheck)
            {
                handler.ServerCertificateCustomValidationCallback = (_, _, _, _) => true;
            }
            else if (options.TrustedRoot != null)
            {
                X509Certificate2 root = options.TrustedRoot;
                handler.ServerCertificateCustomValidationCallback = (message, certificate, chain, _) => ChainsToRoot(message.RequestUri, certificate, chain, root);
            }
            else
            {
                handler.ServerCertificateCustomValidationCallback = (message, _, _, errors) =>
                {
                    if (errors == System.Net.Security.SslPolicyErrors.None) return true;
                    string why = (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNotAvailable) != 0 ? "it sent no certificate"
                        : (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) != 0 ? "it does not chain to a root this system trusts"
                        : "its names do not include " + message.RequestUri?.Host;
                    _tlsFailure = $"The HTTPS certificate of {message.RequestUri?.Host} is not trusted: {why}. Install the CA's root in the system store or give it as the trusted root.";
                    return false;
                };
            }
            _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
            _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("PkiTools", typeof(AcmeTransport).Assembly.GetName().Version?.ToString(3) ?? "1.0"));
        }

        public int BadNonceRetries { get; private set; }

        public void Log(string line) => _options.Log?.Invoke(line);

        private bool ChainsToRoot(Uri? uri, X509Certificate2? certificate, X509Chain? chain, X509Certificate2 root)
        {
            if (certificate == null) return false;
            var intermediates = new List<X509Certificate2>();
            if (chain != null)
            {
                foreach (X509ChainElement element in chain.ChainElements)
                {
                    if (!element.Certificate.RawData.SequenceEqual(certificate.RawData)) intermediates.Add(new X509Certificate2(element.Certificate.RawData));
                }
            }
            string host = uri?.Host ?? "";
            bool isIp = IPAddress.TryParse(host.Trim('[', ']'), out _);
            ChainValidationResult result = ChainValidator.Validate(new X509Certificate2(certificate.RawData), new ChainValidationOptions
            {
                TrustedRoots = new[] { root },
                Intermediates = intermediates,
                DnsName = isIp ? null : host,
                IpAddress = isIp ? host.Trim('[', ']') : null,
                Purpose = CertificatePurpose.ServerAuth,
            });
            if (result.IsValid) return true;
            _tlsFailure = $"The HTTPS certificate of {host} does not validate against the given trusted root '{root.Subject}': {string.Join("; ", result.Problems.Take(3).Select(p => p.Message))}";
            return false;
        }

        public async Task<AcmeResponse> GetAsync(Uri url, string what, CancellationToken cancel, string? accept = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (accept != null) request.Headers.Accept.ParseAdd(accept);
            AcmeResponse response = await SendAsync(request, what, cancel).ConfigureAwait(false);
            if (response.Status >= 400) throw ProblemOf(response, what, url);
            return response;
        }

        public async Task<string> TakeNonceAsync(Uri newNonce, CancellationToken cancel)
        {
            lock (_nonces)
            {
                if (_nonces.Count > 0) return _nonces.Pop();
            }
            using var request = new HttpRequestMessage(HttpMethod.Head, newNonce);
            await SendAsync(request, "a new nonce", cancel).ConfigureAwait(false);
            lock (_nonces)
            {
                if (_nonces.Count > 0) return _nonces.Pop();
            }
            throw new PkiException(PkiErrorCode.AcmeUnavailable, $"The ACME server gave no Replay-Nonce at {newNonce}: is this an ACME server?", null, newNonce);
        }

        /// <summary>A signed POST (payload null: POST-as-GET); badNonce is retried with the nonce of the refusal.</summary>
        public async Task<AcmeResponse> PostAsync(Uri newNonce, Uri url, AcmeJws jws, string? kid, string? payloadJson, string what, CancellationToken cancel, string? accept = null)
        {
            for (int attempt = 0; ; attempt++)
            {
                string nonce = await TakeNonceAsync(newNonce, cancel).ConfigureAwait(false);
                using var request = new HttpRequestMessage(HttpMethod.Post, url)
                {
                    Content = new StringContent(jws.Sign(url.AbsoluteUri, nonce, kid, payloadJson), Encoding.UTF8),
                };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/jose+json");
                if (accept != null) request.Headers.Accept.ParseAdd(accept);
                AcmeResponse response = await SendAsync(request, what, cancel).ConfigureAwait(false);
                if (response.Status < 400) return response;
                PkiException error = ProblemOf(response, what, url);
                if (error.Target is AcmeProblemDetails problem && problem.Is("badNonce") && attempt < _options.MaxBadNonceRetries)
                {
                    BadNonceRetries++;
                    Log($"badNonce for {what}: retrying with the fresh nonce ({attempt + 1}/{_options.MaxBadNonceRetries})");
                    continue;
                }
                throw error;
            }
        }

        private async Task<AcmeResponse> SendAsync(HttpRequestMessage request, string what, CancellationToken cancel)
        {
            Uri url = request.RequestUri!;
            if (url.Scheme != "https" && !(url.Scheme == "http" && url.IsLoopback))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"The ACME URL {url} is not https: ACME needs HTTPS (plain http only for a server on this machine).", null, url);
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            timeout.CancelAfter(_options.RequestTimeout);
            _tlsFailure = null;
            try
            {
                using HttpResponseMessage message = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                var response = new AcmeResponse
                {
                    Status = (int)message.StatusCode,
                    Location = message.Headers.Location == null ? null : new Uri(url, message.Headers.Location).AbsoluteUri,
                    ContentType = message.Content?.Headers.ContentType?.MediaType,
                };
                if (message.Headers.TryGetValues("Replay-Nonce", out IEnumerable<string>? nonces))
                {
                    string? nonce = nonces.FirstOrDefault()?.Trim();
                    if (!string.IsNullOrEmpty(nonce))
                    {
                        lock (_nonces) _nonces.Push(nonce!);
                    }
                }
                RetryConditionHeaderValue? retry = message.Headers.RetryAfter;
                if (retry?.Delta is TimeSpan delta) response.RetryAfter = DateTimeOffset.UtcNow + delta;
                else if (retry?.Date is DateTimeOffset date) response.RetryAfter = date;
                if (message.Headers.TryGetValues("Link", out IEnumerable<string>? links))
                {
                    foreach (string link in links.SelectMany(l => l.Split(',')))
                    {
                        int lt = link.IndexOf('<'), gt = link.IndexOf('>');
                        if (lt < 0 || gt <= lt) continue;
                        string target = new Uri(url, link.Substring(lt + 1, gt - lt - 1)).AbsoluteUri;
                        if (link.IndexOf("rel=\"up\"", gt, StringComparison.OrdinalIgnoreCase) > 0) response.UpLinks.Add(target);
                        if (link.IndexOf("rel=\"alternate\"", gt, StringComparison.OrdinalIgnoreCase) > 0) response.AlternateLinks.Add(target);
                    }
                }
                if (message.Content != null && request.Method != HttpMethod.Head)
                {
                    if (message.Content.Headers.ContentLength > MaxBody) throw new PkiException(PkiErrorCode.AcmeUnavailable, $"The ACME server's answer to {what} is larger than {MaxBody / 1024 / 1024} MiB; it was not read.", null, url);
                    byte[] body = await message.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                    if (body.Length > MaxBody) throw new PkiException(PkiErrorCode.AcmeUnavailable, $"The ACME server's answer to {what} is larger than {MaxBody / 1024 / 1024} MiB.", null, url);
                    response.Body = Encoding.UTF8.GetString(body);
                }
                Log($"{request.Method} {url.GetLeftPart(UriPartial.Path)} -> {response.Status}");
                return response;
            }
            catch (OperationCanceledException ex) when (cancel.IsCancellationRequested)
            {
                throw new PkiException(PkiErrorCode.AcmeUnavailable, $"The ACME exchange did not finish within its time bound (while asking for {what}).", ex, url);
            }
            catch (OperationCanceledException ex)
            {
                throw new PkiException(PkiErrorCode.AcmeUnavailable, $"The ACME server at {url.Host} did not answer {what} within {_options.RequestTimeout.TotalSeconds:0} s.", ex, url);
            }
            catch (HttpRequestException ex)
            {
                throw new PkiException(PkiErrorCode.AcmeUnavailable, Unreachable(url, ex), ex, url);
            }
        }

        private string Unreachable(Uri url, Exception ex)
        {
            if (_tlsFailure != null) return _tlsFailure;
            for (Exception? e = ex; e != null; e = e.InnerException)
            {
                if (e is SocketException socket)
                {
                    switch (socket.SocketErrorCode)
                    {
                        case SocketError.ConnectionRefused: return $"The ACME server {url.Host}:{url.Port} refused the connection: nothing listens there.";
                        case SocketError.HostNotFound:
                        case SocketError.NoData:
                        case SocketError.TryAgain: return $"The ACME server's name {url.Host} does not resolve.";
                        case SocketError.TimedOut: return $"The connection to the ACME server {url.Host}:{url.Port} timed out.";
                    }
                }
                if (e is AuthenticationException) return $"The TLS handshake with the ACME server {url.Host}:{url.Port} failed: it does not speak HTTPS there, or its certificate is not trusted.";
            }
            return $"The ACME server {url.Host}:{url.Port} could not be reached (the connection failed or was reset).";
        }

        /// <summary>An error answer as an exception: a problem document when there is one, the status otherwise.</summary>
        public static PkiException ProblemOf(AcmeResponse response, string what, Uri url)
        {
            AcmeProblemDetails? problem = AcmeProblemDetails.Parse(response.Body, response.Status, response.RetryAfter);
            if (problem != null) return problem.ToException(what);
            if (response.Status >= 500 || response.Status == 404)
            {
                return new PkiException(PkiErrorCode.AcmeUnavailable, $"The ACME server answered {what} with HTTP {response.Status} and no problem document ({url.GetLeftPart(UriPartial.Path)}).", null, url);
            }
            var plain = new AcmeProblemDetails("about:blank", $"HTTP {response.Status} without a problem document", response.Status, null, null, response.RetryAfter);
            return plain.ToException(what);
        }

        public void Dispose() => _http.Dispose();
    }
}
