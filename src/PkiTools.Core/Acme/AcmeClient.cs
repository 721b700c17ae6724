using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PkiTools.Core.Internal;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Core.Acme
{
    /// <summary>
    /// An ACME (RFC 8555) client for one directory: accounts, orders, challenges, finalization, download, revocation
    /// and renewal information (RFC 9773). Every server problem is a <see cref="PkiException"/> (AcmeProblem,
    /// AcmeRateLimited, AcmeChallengeFailed, AcmeUnavailable). Async; a synchronous caller blocks on the tasks.
    /// </summary>
    public sealed class AcmeClient : IDisposable
    {
        private readonly AcmeTransport _transport;
        private AcmeJws? _account;
        private string? _kid;

        private AcmeClient(AcmeClientOptions options, AcmeTransport transport, AcmeDirectory directory)
        {
            Options = options;
            _transport = transport;
            Directory = directory;
        }

        public AcmeClientOptions Options { get; }

        public AcmeDirectory Directory { get; }

        /// <summary>How many requests were retried after a badNonce refusal (diagnostics).</summary>
        public int BadNonceRetries => _transport.BadNonceRetries;

        /// <summary>The account URL in use, once an account was created, found or given.</summary>
        public Uri? AccountUrl => _kid == null ? null : new Uri(_kid);

        /// <summary>Reads the directory. Unreachable, untrusted or non-ACME servers are <see cref="PkiErrorCode.AcmeUnavailable"/>.</summary>
        public static async Task<AcmeClient> ConnectAsync(AcmeClientOptions options, CancellationToken cancel = default)
        {
            var transport = new AcmeTransport(options);
            try
            {
                using CancellationTokenSource bound = Bound(options, cancel);
                AcmeResponse response = await transport.GetAsync(options.Directory, "the directory", bound.Token).ConfigureAwait(false);
                return new AcmeClient(options, transport, new AcmeDirectory(options.Directory, response.Json("the directory", options.Directory)));
            }
            catch
            {
                transport.Dispose();
                throw;
            }
        }

        // ---- accounts ----

        /// <summary>
        /// Creates the account of <paramref name="accountKey"/> (or returns the existing one: <see cref="AcmeAccount.Created"/>
        /// is then false) and uses it for the following requests.
        /// </summary>
        public async Task<AcmeAccount> NewAccountAsync(PrivateKey accountKey, AcmeAccountRequest request, CancellationToken cancel = default)
        {
            var jws = new AcmeJws(accountKey);
            var payload = new List<KeyValuePair<string, object?>>();
            if (request.OnlyReturnExisting)
            {
                payload.Add(new KeyValuePair<string, object?>("onlyReturnExisting", true));
            }
            else
            {
                if (request.Contact.Count > 0)
                {
                    payload.Add(new KeyValuePair<string, object?>("contact", request.Contact.Select(c => c.Contains(":") ? c : "mailto:" + c).ToList()));
                }
                if (request.TermsOfServiceAgreed) payload.Add(new KeyValuePair<string, object?>("termsOfServiceAgreed", true));
                if (request.ExternalAccountBinding is AcmeExternalAccountBinding eab)
                {
                    payload.Add(new KeyValuePair<string, object?>("externalAccountBinding", jws.ExternalAccountBinding(eab.KeyId, eab.HmacKey, Directory.NewAccount.AbsoluteUri)));
                }
            }
            using CancellationTokenSource bound = Bound(Options, cancel);
            string what = request.OnlyReturnExisting ? "the lookup of the account" : "the new account";
            AcmeResponse response = await _transport.PostAsync(Directory.NewNonce, Directory.NewAccount, jws, null, MiniJsonWriter.Write(payload), what, bound.Token).ConfigureAwait(false);
            if (response.Location == null)
            {
                throw new PkiException(PkiErrorCode.AcmeUnavailable, $"The ACME server answered {what} without the account URL (Location).", null, Directory.NewAccount);
            }
            _account = jws;
            _kid = response.Location;
            var account = new AcmeAccount(new Uri(response.Location), string.IsNullOrWhiteSpace(response.Body) ? new Dictionary<string, object?>() : response.Json(what, Directory.NewAccount), response.Status == 201);
            _transport.Log($"account {account.Url} ({(account.Created ? "created" : "existing")}, {account.Status})");
            return account;
        }

        /// <summary>Finds the existing account of <paramref name="accountKey"/> (onlyReturnExisting); accountDoesNotExist is an AcmeProblem.</summary>
        public Task<AcmeAccount> FindAccountAsync(PrivateKey accountKey, CancellationToken cancel = default) =>
            NewAccountAsync(accountKey, new AcmeAccountRequest { OnlyReturnExisting = true }, cancel);

        /// <summary>Uses a known account (its key and URL, as stored after creating it) without asking the server.</summary>
        public void UseAccount(PrivateKey accountKey, Uri accountUrl)
        {
            _account = new AcmeJws(accountKey);
            _kid = accountUrl.AbsoluteUri;
        }

        /// <summary>The RFC 7638 thumbprint of the account key (base64url SHA-256).</summary>
        public string AccountKeyThumbprint => Account.Thumbprint;

        /// <summary>The key authorization for a challenge token: token "." thumbprint (RFC 8555 §8.1).</summary>
        public string KeyAuthorization(string token) => token + "." + Account.Thumbprint;

        private AcmeJws Account => _account ?? throw new PkiException(PkiErrorCode.InvalidArgument, "No ACME account is in use: create or find one first.", null, null, null, "Account");

        // ---- orders ----

        /// <summary>Asks for a certificate for <paramref name="dnsNames"/> (DNS identifiers; "*.example.com" for a wildcard).</summary>
        public Task<AcmeOrder> NewOrderAsync(IEnumerable<string> dnsNames, CancellationToken cancel = default) => NewOrderAsync(dnsNames, null, cancel);

        /// <summary>
        /// Asks for a certificate for <paramref name="dnsNames"/>; <paramref name="replaces"/> names the certificate this one
        /// renews (RFC 9773 §5: its <see cref="RenewalCertificateId"/>), sent only to a server that offers renewal information.
        /// </summary>
        public async Task<AcmeOrder> NewOrderAsync(IEnumerable<string> dnsNames, string? replaces, CancellationToken cancel = default)
        {
            List<string> names = dnsNames.Select(n => n.Trim().TrimEnd('.').ToLowerInvariant()).Where(n => n.Length > 0).Distinct().ToList();
            if (names.Count == 0) throw new PkiException(PkiErrorCode.InvalidArgument, "An ACME order needs at least one DNS name.", null, null, null, "DnsName");
            var payload = new Dictionary<string, object?>
            {
                ["identifiers"] = names.Select(n => new Dictionary<string, object?> { ["type"] = "dns", ["value"] = n }).ToList(),
            };
            if (replaces != null && Directory.RenewalInfo != null) payload["replaces"] = replaces;
            string what = "the order for " + string.Join(", ", names);
            using CancellationTokenSource bound = Bound(Options, cancel);
            AcmeResponse response = await Post(Directory.NewOrder, MiniJsonWriter.Write(payload), what, bound.Token).ConfigureAwait(false);
            if (response.Location == null) throw new PkiException(PkiErrorCode.AcmeUnavailable, $"The ACME server answered {what} without the order URL (Location).", null, Directory.NewOrder);
            var order = new AcmeOrder(new Uri(response.Location), response.Json(what, Directory.NewOrder), response.RetryAfter);
            _transport.Log($"order {order.Url}: {order.Status}, {order.Authorizations.Count} authorization(s)");
            return order;
        }

        public async Task<AcmeOrder> GetOrderAsync(Uri url, CancellationToken cancel = default)
        {
            AcmeResponse response = await Post(url, null, "the order", cancel).ConfigureAwait(false);
            return new AcmeOrder(url, response.Json("the order", url), response.RetryAfter);
        }

        public async Task<AcmeAuthorization> GetAuthorizationAsync(Uri url, CancellationToken cancel = default)
        {
            AcmeResponse response = await Post(url, null, "the authorization", cancel).ConfigureAwait(false);
            return new AcmeAuthorization(url, response.Json("the authorization", url), response.RetryAfter);
        }

        /// <summary>Tells the server the challenge is ready to be validated (POST {}).</summary>
        public async Task RespondAsync(AcmeChallenge challenge, CancellationToken cancel = default)
        {
            await Post(challenge.Url, "{}", $"the {challenge.Type} challenge", cancel).ConfigureAwait(false);
        }

        /// <summary>
        /// Polls the authorization until it is no longer pending or processing, honouring Retry-After, within
        /// <see cref="AcmeClientOptions.TotalTimeout"/>. Invalid is <see cref="PkiErrorCode.AcmeChallengeFailed"/> with the server's detail.
        /// </summary>
        public async Task<AcmeAuthorization> WaitForAuthorizationAsync(Uri url, CancellationToken cancel = default)
        {
            using CancellationTokenSource bound = Bound(Options, cancel);
            var clock = Stopwatch.StartNew();
            while (true)
            {
                AcmeAuthorization authz = await GetAuthorizationAsync(url, bound.Token).ConfigureAwait(false);
                if (authz.Status == "valid") return authz;
                if (authz.Status != "pending" && authz.Status != "processing") throw ChallengeFailed(authz);
                // An authorization stays pending while its challenge is processing; pending with every challenge still
                // pending means the server waits for a response that was never sent.
                await Pause(authz.RetryAfter, "the authorization of " + authz.Identifier, clock, bound.Token).ConfigureAwait(false);
            }
        }

        private static PkiException ChallengeFailed(AcmeAuthorization authz)
        {
            AcmeChallenge? failed = authz.Challenges.FirstOrDefault(c => c.Error != null) ?? authz.Challenges.FirstOrDefault(c => c.Status == "invalid");
            AcmeProblemDetails problem = failed?.Error ?? new AcmeProblemDetails("about:blank", $"the authorization is {authz.Status}", null, authz.Identifier);
            string how = failed == null ? "" : " by " + failed.Type;
            return new PkiException(PkiErrorCode.AcmeChallengeFailed,
                $"The ACME server could not validate control of {authz.Identifier}{how}: {problem.Describe()}.", null, problem,
                new PkiHint("Check that the challenge is answered where the CA looks (name resolution, port, firewall), or choose another {0}.", "Challenge"));
        }

        /// <summary>Polls the order until it is no longer pending or processing, honouring Retry-After, within the time bound; invalid is an AcmeProblem.</summary>
        public async Task<AcmeOrder> WaitForOrderAsync(Uri url, CancellationToken cancel = default)
        {
            using CancellationTokenSource bound = Bound(Options, cancel);
            var clock = Stopwatch.StartNew();
            while (true)
            {
                AcmeOrder order = await GetOrderAsync(url, bound.Token).ConfigureAwait(false);
                if (order.Status != "pending" && order.Status != "processing") return OrderOutcome(order);
                await Pause(order.RetryAfter, "the order", clock, bound.Token).ConfigureAwait(false);
            }
        }

        private static AcmeOrder OrderOutcome(AcmeOrder order)
        {
            if (order.Status == "invalid")
            {
                throw (order.Error ?? new AcmeProblemDetails("about:blank", "the order became invalid")).ToException("the order for " + string.Join(", ", order.Identifiers));
            }
            return order;
        }

        /// <summary>Sends the CSR (DER) to the order's finalize URL and waits until the certificate is issued.</summary>
        public async Task<AcmeOrder> FinalizeAsync(AcmeOrder order, byte[] csrDer, CancellationToken cancel = default)
        {
            if (order.Finalize == null) throw new PkiException(PkiErrorCode.AcmeUnavailable, $"The ACME order {order.Url} has no finalize URL.", null, order.Url);
            string payload = MiniJsonWriter.Write(new Dictionary<string, object?> { ["csr"] = Base64Url.Encode(csrDer) });
            using CancellationTokenSource bound = Bound(Options, cancel);
            AcmeResponse response = await Post(order.Finalize, payload, "the finalization of the order", bound.Token).ConfigureAwait(false);
            var after = new AcmeOrder(order.Url, response.Json("the finalization", order.Finalize), response.RetryAfter);
            if (after.Status == "valid") return after;
            AcmeOrder done = await WaitForOrderAsync(order.Url, bound.Token).ConfigureAwait(false);
            if (done.Status != "valid") throw new PkiException(PkiErrorCode.AcmeUnavailable, $"The ACME order {order.Url} is {done.Status} after finalization, not valid.", null, order.Url);
            return done;
        }

        /// <summary>Downloads the PEM chain (leaf first) from the order's certificate URL or one of a chain's <see cref="AcmeCertificateChain.Alternates"/>.</summary>
        public async Task<AcmeCertificateChain> DownloadCertificateAsync(Uri url, CancellationToken cancel = default)
        {
            AcmeResponse response = await Post(url, null, "the certificate download", cancel, "application/pem-certificate-chain").ConfigureAwait(false);
            var certificates = new List<X509Certificate2>();
            try
            {
                foreach (Formats.PemBlock block in Formats.Pem.Decode(response.Body))
                {
                    if (block.Label == "CERTIFICATE") certificates.Add(new X509Certificate2(block.Data));
                }
            }
            catch (Exception ex) when (ex is PkiException || ex is CryptographicException)
            {
                throw new PkiException(PkiErrorCode.AcmeUnavailable, $"The certificate chain at {url} is not a PEM certificate chain.", ex, url);
            }
            if (certificates.Count == 0) throw new PkiException(PkiErrorCode.AcmeUnavailable, $"The certificate chain at {url} holds no certificate.", null, url);
            return new AcmeCertificateChain(url, response.Body, certificates, response.AlternateLinks.Select(l => new Uri(l)).ToList());
        }

        /// <summary>
        /// The whole issuance for a CSR: order its DNS names, answer each pending authorization through
        /// <paramref name="responder"/> (removing what it deployed afterwards, also on failure), finalize, download.
        /// Bounded by <see cref="AcmeClientOptions.TotalTimeout"/>.
        /// </summary>
        public Task<AcmeCertificateChain> IssueAsync(CertificateSigningRequest csr, IAcmeChallengeResponder responder, CancellationToken cancel = default) =>
            IssueAsync(csr, responder, null, cancel);

        /// <summary>
        /// The whole issuance, as a renewal of <paramref name="replaces"/> (sent as the order's RFC 9773 "replaces" when the
        /// server offers renewal information; null for a first issuance).
        /// </summary>
        public async Task<AcmeCertificateChain> IssueAsync(CertificateSigningRequest csr, IAcmeChallengeResponder responder, X509Certificate2? replaces, CancellationToken cancel = default)
        {
            if (csr.DnsNames.Length == 0) throw new PkiException(PkiErrorCode.InvalidArgument, "The CSR names no DNS name; ACME certificates are issued for DNS names.", null, csr, null, "Csr");
            using CancellationTokenSource bound = Bound(Options, cancel);
            string? replacedId = replaces != null && Directory.RenewalInfo != null ? RenewalCertificateId(replaces) : null;
            AcmeOrder order = await NewOrderAsync(csr.DnsNames, replacedId, bound.Token).ConfigureAwait(false);
            // Every pending authorization's challenge is deployed first (one DNS propagation wait for all), then
            // answered, then awaited; whatever was deployed is removed at the end, whether validation succeeded or not.
            var pending = new List<(Uri Authorization, AcmeChallenge Challenge, AcmeChallengeContext Context)>();
            try
            {
                foreach (Uri authzUrl in order.Authorizations)
                {
                    AcmeAuthorization authz = await GetAuthorizationAsync(authzUrl, bound.Token).ConfigureAwait(false);
                    if (authz.Status == "valid") continue;
                    if (authz.Status != "pending") throw ChallengeFailed(authz);
                    AcmeChallenge? challenge = authz.Challenges.FirstOrDefault(c => c.Type == responder.ChallengeType);
                    if (challenge == null)
                    {
                        throw new PkiException(PkiErrorCode.AcmeChallengeFailed,
                            $"The ACME server offers no {responder.ChallengeType} challenge for {(authz.Wildcard ? "*." : "")}{authz.Identifier} (it offers {string.Join(", ", authz.Challenges.Select(c => c.Type))}).",
                            null, authz.Identifier, new PkiHint("Choose one of the offered challenges with {0}.", "Challenge"));
                    }
                    var context = new AcmeChallengeContext(authz.Identifier, authz.Wildcard, challenge.Type, challenge.Token, KeyAuthorization(challenge.Token));
                    pending.Add((authzUrl, challenge, context));
                    await responder.DeployAsync(context, bound.Token).ConfigureAwait(false);
                }
                if (pending.Count > 0 && responder.ReadyDelay > TimeSpan.Zero)
                {
                    _transport.Log($"waiting {responder.ReadyDelay.TotalSeconds:0} s for the challenges to propagate");
                    await Task.Delay(responder.ReadyDelay, bound.Token).ConfigureAwait(false);
                }
                foreach ((Uri _, AcmeChallenge challenge, AcmeChallengeContext _) in pending)
                {
                    if (challenge.Status == "pending") await RespondAsync(challenge, bound.Token).ConfigureAwait(false);
                }
                foreach ((Uri authzUrl, AcmeChallenge _, AcmeChallengeContext _) in pending)
                {
                    await WaitForAuthorizationAsync(authzUrl, bound.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException ex)
            {
                throw new PkiException(PkiErrorCode.AcmeUnavailable, $"The ACME order {order.Url} did not finish within {Options.TotalTimeout.TotalSeconds:0} s.", ex, order.Url);
            }
            finally
            {
                foreach ((Uri _, AcmeChallenge _, AcmeChallengeContext context) in pending)
                {
                    try
                    {
                        await responder.RemoveAsync(context, CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (!(ex is OutOfMemoryException))
                    {
                        // Removal is best effort: a failure here must not hide the outcome of the validation.
                        _transport.Log($"removing the {context.ChallengeType} answer for {context.Identifier} failed: {ex.GetType().Name}");
                    }
                }
            }
            order = await WaitForOrderAsync(order.Url, bound.Token).ConfigureAwait(false);
            if (order.Status != "ready" && order.Status != "valid")
            {
                throw new PkiException(PkiErrorCode.AcmeUnavailable, $"The ACME order {order.Url} is {order.Status} after its authorizations, not ready.", null, order.Url);
            }
            if (order.Status == "ready") order = await FinalizeAsync(order, csr.GetEncoded(), bound.Token).ConfigureAwait(false);
            if (order.Certificate == null) throw new PkiException(PkiErrorCode.AcmeUnavailable, $"The valid ACME order {order.Url} has no certificate URL.", null, order.Url);
            AcmeCertificateChain chain = await DownloadCertificateAsync(order.Certificate, bound.Token).ConfigureAwait(false);
            ParsedCertificate leaf = ParsedCertificate.Parse(chain.Leaf.RawData);
            if (Hex.Sha256(leaf.Tbs.SubjectPublicKeyInfo.GetDerEncoded()) != csr.KeyId)
            {
                throw new PkiException(PkiErrorCode.KeyMismatch, $"The certificate the ACME server issued at {order.Certificate} is not for the CSR's key.", null, chain.Leaf);
            }
            return chain;
        }

        // ---- revocation ----

        /// <summary>
        /// Revokes <paramref name="certificate"/> (RFC 8555 §7.6), signed with the account key, or with
        /// <paramref name="certificateKey"/> (the certificate's own key, no account needed) when given.
        /// <paramref name="reason"/> is an RFC 5280 reason code (1 keyCompromise, 4 superseded, 5 cessationOfOperation ...).
        /// </summary>
        public async Task RevokeAsync(X509Certificate2 certificate, int? reason = null, PrivateKey? certificateKey = null, CancellationToken cancel = default)
        {
            if (Directory.RevokeCert == null) throw new PkiException(PkiErrorCode.AcmeUnavailable, $"The ACME directory {Directory.Url} offers no revocation.", null, Directory.Url);
            var payload = new Dictionary<string, object?> { ["certificate"] = Base64Url.Encode(certificate.RawData) };
            if (reason is int r) payload["reason"] = r;
            using CancellationTokenSource bound = Bound(Options, cancel);
            string what = $"the revocation of {certificate.Subject} (serial {certificate.SerialNumber})";
            if (certificateKey != null)
            {
                await _transport.PostAsync(Directory.NewNonce, Directory.RevokeCert, new AcmeJws(certificateKey), null, MiniJsonWriter.Write(payload), what, bound.Token).ConfigureAwait(false);
            }
            else
            {
                await Post(Directory.RevokeCert, MiniJsonWriter.Write(payload), what, bound.Token).ConfigureAwait(false);
            }
        }

        // ---- renewal information (RFC 9773) ----

        /// <summary>The RFC 9773 certificate identifier: base64url(AKI keyIdentifier) "." base64url(serial DER content octets).</summary>
        public static string RenewalCertificateId(X509Certificate2 certificate)
        {
            ParsedCertificate parsed = ParsedCertificate.Parse(certificate.RawData);
            byte[] aki = parsed.AuthorityKeyId ?? throw new PkiException(PkiErrorCode.CertificateInvalid,
                $"The certificate {certificate.Subject} has no authority key identifier, which ACME renewal information needs.", null, certificate);
            return Base64Url.Encode(aki) + "." + Base64Url.Encode(parsed.Tbs.SerialNumber.Value.ToByteArray());
        }

        /// <summary>The server's suggested renewal window for <paramref name="certificate"/>, or null when the directory has no renewalInfo.</summary>
        public async Task<AcmeRenewalInfo?> GetRenewalInfoAsync(X509Certificate2 certificate, CancellationToken cancel = default)
        {
            if (Directory.RenewalInfo == null) return null;
            var url = new Uri(Directory.RenewalInfo.AbsoluteUri.TrimEnd('/') + "/" + RenewalCertificateId(certificate));
            using CancellationTokenSource bound = Bound(Options, cancel);
            AcmeResponse response = await _transport.GetAsync(url, "the renewal information", bound.Token).ConfigureAwait(false);
            return AcmeRenewalInfo.Parse(response.Json("the renewal information", url), url, response.RetryAfter);
        }

        // ---- plumbing ----

        private Task<AcmeResponse> Post(Uri url, string? payload, string what, CancellationToken cancel, string? accept = null)
        {
            AcmeJws account = Account;
            return _transport.PostAsync(Directory.NewNonce, url, account, _kid, payload, what, cancel, accept);
        }

        private async Task Pause(DateTimeOffset? retryAfter, string what, Stopwatch clock, CancellationToken cancel)
        {
            TimeSpan wait = Options.PollInterval;
            if (retryAfter is DateTimeOffset at)
            {
                wait = at - DateTimeOffset.UtcNow;
                if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
            }
            if (clock.Elapsed + wait > Options.TotalTimeout)
            {
                throw new PkiException(PkiErrorCode.AcmeUnavailable,
                    $"The ACME server did not complete {what} within {Options.TotalTimeout.TotalSeconds:0} s" + (retryAfter == null ? "." : $" (it asks to wait {wait.TotalSeconds:0} s more)."));
            }
            try
            {
                await Task.Delay(wait, cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex)
            {
                throw new PkiException(PkiErrorCode.AcmeUnavailable, $"The ACME exchange did not finish within its time bound (while waiting for {what}).", ex);
            }
        }

        private static CancellationTokenSource Bound(AcmeClientOptions options, CancellationToken cancel)
        {
            CancellationTokenSource source = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            source.CancelAfter(options.TotalTimeout);
            return source;
        }

        public void Dispose() => _transport.Dispose();
    }
}
