using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;

namespace PkiTools.Core.Acme
{
    /// <summary>An ACME server's directory (RFC 8555 §7.1.1, plus renewalInfo of RFC 9773).</summary>
    public sealed class AcmeDirectory
    {
        internal AcmeDirectory(Uri url, Dictionary<string, object?> map)
        {
            Url = url;
            Uri Required(string key) => Link(map, key, url) ?? throw new PkiException(PkiErrorCode.AcmeUnavailable,
                $"The ACME directory {url} has no '{key}' URL: is this an ACME (RFC 8555) directory?", null, url);
            NewNonce = Required("newNonce");
            NewAccount = Required("newAccount");
            NewOrder = Required("newOrder");
            RevokeCert = Link(map, "revokeCert", url);
            KeyChange = Link(map, "keyChange", url);
            RenewalInfo = Link(map, "renewalInfo", url);
            Dictionary<string, object?>? meta = AcmeJson.Obj(map, "meta");
            if (meta != null)
            {
                TermsOfService = Link(meta, "termsOfService", url);
                Website = Link(meta, "website", url);
                ExternalAccountRequired = AcmeJson.Bool(meta, "externalAccountRequired");
                CaaIdentities = AcmeJson.Strings(meta, "caaIdentities");
            }
        }

        public Uri Url { get; }
        public Uri NewNonce { get; }
        public Uri NewAccount { get; }
        public Uri NewOrder { get; }
        public Uri? RevokeCert { get; }
        public Uri? KeyChange { get; }

        /// <summary>The ACME Renewal Information base URL (RFC 9773), or null when the server does not offer it.</summary>
        public Uri? RenewalInfo { get; }

        /// <summary>The terms a new account must accept (meta.termsOfService), when the server has any.</summary>
        public Uri? TermsOfService { get; }
        public Uri? Website { get; }

        /// <summary>Whether new accounts need an external account binding (meta.externalAccountRequired).</summary>
        public bool ExternalAccountRequired { get; }
        public IReadOnlyList<string> CaaIdentities { get; } = Array.Empty<string>();

        internal static Uri? Link(Dictionary<string, object?> map, string key, Uri baseUrl) =>
            AcmeJson.Str(map, key) is string s && Uri.TryCreate(baseUrl, s, out Uri? u) ? u : null;
    }

    /// <summary>The key id and MAC key a CA issues out of band for binding a new ACME account (RFC 8555 §7.3.4). Never printed.</summary>
    public sealed class AcmeExternalAccountBinding
    {
        private readonly byte[] _hmacKey;

        public AcmeExternalAccountBinding(string keyId, byte[] hmacKey)
        {
            if (string.IsNullOrEmpty(keyId)) throw new PkiException(PkiErrorCode.InvalidArgument, "The external account binding needs the key id the CA gave.", null, null, null, "ExternalAccountBinding");
            if (hmacKey == null || hmacKey.Length == 0) throw new PkiException(PkiErrorCode.InvalidArgument, "The external account binding needs the HMAC key the CA gave.", null, null, null, "ExternalAccountBinding");
            KeyId = keyId;
            _hmacKey = (byte[])hmacKey.Clone();
        }

        /// <summary>The binding with the MAC key as CAs print it (base64url, as pebble, step-ca, ZeroSSL and Google do).</summary>
        public static AcmeExternalAccountBinding FromBase64Url(string keyId, string hmacKeyBase64Url)
        {
            try
            {
                return new AcmeExternalAccountBinding(keyId, Base64Url.Decode(hmacKeyBase64Url));
            }
            catch (FormatException ex)
            {
                // The value is secret: the message does not repeat it.
                throw new PkiException(PkiErrorCode.InvalidArgument, "The external account binding's HMAC key is not base64url text (as the CA prints it).", ex, null, null, "ExternalAccountBinding");
            }
        }

        public string KeyId { get; }

        internal byte[] HmacKey => _hmacKey;

        public override string ToString() => $"external account {KeyId}";
    }

    /// <summary>What to ask for when creating (or finding) an account.</summary>
    public sealed class AcmeAccountRequest
    {
        /// <summary>Contact URLs ("mailto:admin@example.com"); a bare address gets mailto: added.</summary>
        public IReadOnlyList<string> Contact { get; init; } = Array.Empty<string>();

        /// <summary>Whether the caller agreed to the directory's terms of service.</summary>
        public bool TermsOfServiceAgreed { get; init; }

        /// <summary>Only find the account of this key; never create one (accountDoesNotExist when there is none).</summary>
        public bool OnlyReturnExisting { get; init; }

        public AcmeExternalAccountBinding? ExternalAccountBinding { get; init; }
    }

    /// <summary>An ACME account as the server describes it.</summary>
    public sealed class AcmeAccount
    {
        internal AcmeAccount(Uri url, Dictionary<string, object?> map, bool created)
        {
            Url = url;
            Created = created;
            Status = AcmeJson.Str(map, "status") ?? "valid";
            Contact = AcmeJson.Strings(map, "contact");
            Orders = AcmeDirectory.Link(map, "orders", url);
        }

        /// <summary>The account URL: the "kid" of every later request.</summary>
        public Uri Url { get; }

        /// <summary>valid, deactivated or revoked.</summary>
        public string Status { get; }
        public IReadOnlyList<string> Contact { get; }
        public Uri? Orders { get; }

        /// <summary>True when this call created the account, false when the server already had it for this key.</summary>
        public bool Created { get; }
    }

    /// <summary>An ACME order (RFC 8555 §7.1.3).</summary>
    public sealed class AcmeOrder
    {
        internal AcmeOrder(Uri url, Dictionary<string, object?> map, DateTimeOffset? retryAfter)
        {
            Url = url;
            Status = AcmeJson.Str(map, "status") ?? "";
            Expires = AcmeJson.Time(map, "expires");
            Identifiers = AcmeJson.List(map, "identifiers").OfType<Dictionary<string, object?>>().Select(i => AcmeJson.Str(i, "value") ?? "").ToList();
            Authorizations = AcmeJson.Strings(map, "authorizations").Select(a => new Uri(url, a)).ToList();
            Finalize = AcmeDirectory.Link(map, "finalize", url);
            Certificate = AcmeDirectory.Link(map, "certificate", url);
            Error = AcmeJson.Obj(map, "error") is Dictionary<string, object?> e ? AcmeProblemDetails.FromJson(e) : null;
            RetryAfter = retryAfter;
        }

        public Uri Url { get; }

        /// <summary>pending, ready, processing, valid or invalid.</summary>
        public string Status { get; }
        public DateTimeOffset? Expires { get; }
        public IReadOnlyList<string> Identifiers { get; }
        public IReadOnlyList<Uri> Authorizations { get; }
        public Uri? Finalize { get; }

        /// <summary>Where the chain is downloaded, once the order is valid.</summary>
        public Uri? Certificate { get; }
        public AcmeProblemDetails? Error { get; }
        internal DateTimeOffset? RetryAfter { get; }
    }

    /// <summary>An authorization for one identifier (RFC 8555 §7.1.4).</summary>
    public sealed class AcmeAuthorization
    {
        internal AcmeAuthorization(Uri url, Dictionary<string, object?> map, DateTimeOffset? retryAfter)
        {
            Url = url;
            Status = AcmeJson.Str(map, "status") ?? "";
            Identifier = AcmeJson.Obj(map, "identifier") is Dictionary<string, object?> id ? AcmeJson.Str(id, "value") ?? "" : "";
            Wildcard = AcmeJson.Bool(map, "wildcard");
            Expires = AcmeJson.Time(map, "expires");
            Challenges = AcmeJson.List(map, "challenges").OfType<Dictionary<string, object?>>().Select(c => new AcmeChallenge(url, c)).ToList();
            RetryAfter = retryAfter;
        }

        public Uri Url { get; }

        /// <summary>pending, valid, invalid, deactivated, expired or revoked.</summary>
        public string Status { get; }

        /// <summary>The DNS name (without "*." for a wildcard: see <see cref="Wildcard"/>).</summary>
        public string Identifier { get; }
        public bool Wildcard { get; }
        public DateTimeOffset? Expires { get; }
        public IReadOnlyList<AcmeChallenge> Challenges { get; }
        internal DateTimeOffset? RetryAfter { get; }
    }

    /// <summary>One way to prove control of an identifier (RFC 8555 §8).</summary>
    public sealed class AcmeChallenge
    {
        public const string Http01 = "http-01";
        public const string Dns01 = "dns-01";
        public const string TlsAlpn01 = "tls-alpn-01";

        internal AcmeChallenge(Uri baseUrl, Dictionary<string, object?> map)
        {
            Type = AcmeJson.Str(map, "type") ?? "";
            Url = AcmeDirectory.Link(map, "url", baseUrl) ?? baseUrl;
            Token = AcmeJson.Str(map, "token") ?? "";
            Status = AcmeJson.Str(map, "status") ?? "";
            Error = AcmeJson.Obj(map, "error") is Dictionary<string, object?> e ? AcmeProblemDetails.FromJson(e) : null;
        }

        /// <summary>http-01, dns-01, tls-alpn-01 ...</summary>
        public string Type { get; }
        public Uri Url { get; }
        public string Token { get; }

        /// <summary>pending, processing, valid or invalid.</summary>
        public string Status { get; }

        /// <summary>Why validation failed, when it did.</summary>
        public AcmeProblemDetails? Error { get; }
    }

    /// <summary>The issued certificate and the chain the server sent with it, leaf first.</summary>
    public sealed class AcmeCertificateChain
    {
        internal AcmeCertificateChain(Uri url, string pem, IReadOnlyList<X509Certificate2> certificates, IReadOnlyList<Uri> alternates)
        {
            Url = url;
            Pem = pem;
            Certificates = certificates;
            Alternates = alternates;
        }

        public Uri Url { get; }

        /// <summary>
        /// Other chains for the same certificate the server offers (Link rel="alternate", RFC 8555 §7.4.2), such as a
        /// chain to an older cross-signed root; download one with <see cref="AcmeClient.DownloadCertificateAsync"/>.
        /// </summary>
        public IReadOnlyList<Uri> Alternates { get; }

        /// <summary>The PEM chain as downloaded (leaf, then the issuers).</summary>
        public string Pem { get; }

        /// <summary>Leaf first.</summary>
        public IReadOnlyList<X509Certificate2> Certificates { get; }

        public X509Certificate2 Leaf => Certificates[0];

        /// <summary>The certificates above the leaf.</summary>
        public IReadOnlyList<X509Certificate2> Issuers => Certificates.Skip(1).ToList();
    }

    /// <summary>ACME Renewal Information for one certificate (RFC 9773 §4.2).</summary>
    public sealed class AcmeRenewalInfo
    {
        public AcmeRenewalInfo(DateTimeOffset windowStart, DateTimeOffset windowEnd, Uri? explanationUrl, DateTimeOffset? retryAfter)
        {
            WindowStart = windowStart;
            WindowEnd = windowEnd;
            ExplanationUrl = explanationUrl;
            RetryAfter = retryAfter;
        }

        /// <summary>The suggested window's start: renewing before it is early.</summary>
        public DateTimeOffset WindowStart { get; }

        /// <summary>The suggested window's end: renew before it.</summary>
        public DateTimeOffset WindowEnd { get; }

        /// <summary>A page explaining the window (for example, after a mass revocation), when the server gives one.</summary>
        public Uri? ExplanationUrl { get; }

        /// <summary>When to ask again (Retry-After), when the server says.</summary>
        public DateTimeOffset? RetryAfter { get; }

        /// <summary>Whether to renew at <paramref name="now"/>: the window has started (RFC 9773 §4.2: a window in the past means now).</summary>
        public bool IsDue(DateTimeOffset now) => now >= WindowStart;

        /// <summary>A uniformly random moment inside the window (RFC 9773 §4.2), so that clients do not all renew at once.</summary>
        public DateTimeOffset ChooseRenewalTime(Random random)
        {
            double span = (WindowEnd - WindowStart).TotalSeconds;
            return span <= 0 ? WindowStart : WindowStart.AddSeconds(random.NextDouble() * span);
        }

        internal static AcmeRenewalInfo Parse(Dictionary<string, object?> map, Uri url, DateTimeOffset? retryAfter)
        {
            Dictionary<string, object?>? window = AcmeJson.Obj(map, "suggestedWindow");
            DateTimeOffset? start = window == null ? null : AcmeJson.Time(window, "start");
            DateTimeOffset? end = window == null ? null : AcmeJson.Time(window, "end");
            if (start == null || end == null || end < start)
            {
                throw new PkiException(PkiErrorCode.AcmeUnavailable, $"The ACME server's renewal information at {url} has no valid suggestedWindow (start and end times, end not before start).", null, url);
            }
            return new AcmeRenewalInfo(start.Value, end.Value, AcmeDirectory.Link(map, "explanationURL", url), retryAfter);
        }
    }
}
