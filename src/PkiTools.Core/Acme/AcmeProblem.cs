using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace PkiTools.Core.Acme
{
    /// <summary>
    /// An ACME problem document (RFC 8555 §6.7, RFC 7807): what the server said went wrong. It is the
    /// <see cref="PkiException.Target"/> of the <see cref="PkiErrorCode.AcmeProblem"/>, <see cref="PkiErrorCode.AcmeRateLimited"/>
    /// and <see cref="PkiErrorCode.AcmeChallengeFailed"/> errors.
    /// </summary>
    public sealed class AcmeProblemDetails
    {
        /// <summary>The ACME error namespace; <see cref="ShortType"/> is the part after it.</summary>
        public const string ErrorNamespace = "urn:ietf:params:acme:error:";

        public AcmeProblemDetails(string type, string? detail, int? status = null, string? identifier = null,
            IReadOnlyList<AcmeProblemDetails>? subproblems = null, DateTimeOffset? retryAfter = null)
        {
            Type = string.IsNullOrEmpty(type) ? "about:blank" : type;
            Detail = detail;
            Status = status;
            Identifier = identifier;
            Subproblems = subproblems ?? Array.Empty<AcmeProblemDetails>();
            RetryAfter = retryAfter;
        }

        /// <summary>The full type URI, such as urn:ietf:params:acme:error:rateLimited.</summary>
        public string Type { get; }

        /// <summary>"rateLimited", "badNonce" ... for an ACME type; the full type otherwise.</summary>
        public string ShortType => Type.StartsWith(ErrorNamespace, StringComparison.Ordinal) ? Type.Substring(ErrorNamespace.Length) : Type;

        /// <summary>The server's explanation (control characters removed, at most 1,000 characters).</summary>
        public string? Detail { get; }

        /// <summary>The HTTP status the server gave, when the problem came as a response.</summary>
        public int? Status { get; }

        /// <summary>The identifier (a DNS name) a subproblem is about.</summary>
        public string? Identifier { get; }

        public IReadOnlyList<AcmeProblemDetails> Subproblems { get; }

        /// <summary>When the server says to try again (Retry-After), for rate limits and unavailable servers.</summary>
        public DateTimeOffset? RetryAfter { get; }

        /// <summary>Whether the type is urn:ietf:params:acme:error:<paramref name="shortType"/>.</summary>
        public bool Is(string shortType) => string.Equals(Type, ErrorNamespace + shortType, StringComparison.Ordinal);

        /// <summary>"detail (type)" with the subproblems, as a sentence fragment.</summary>
        public string Describe()
        {
            var b = new StringBuilder();
            b.Append(string.IsNullOrEmpty(Detail) ? "no detail given" : Detail!.TrimEnd('.'));
            b.Append(" (").Append(ShortType).Append(')');
            foreach (AcmeProblemDetails sub in Subproblems.Take(20))
            {
                b.Append("; ");
                if (sub.Identifier != null) b.Append(sub.Identifier).Append(": ");
                b.Append(string.IsNullOrEmpty(sub.Detail) ? "no detail given" : sub.Detail!.TrimEnd('.'));
                b.Append(" (").Append(sub.ShortType).Append(')');
            }
            return b.ToString();
        }

        public override string ToString() => Describe();

        /// <summary>Reads a problem document (application/problem+json), or returns null when <paramref name="json"/> is not one.</summary>
        public static AcmeProblemDetails? Parse(string json, int? status = null, DateTimeOffset? retryAfter = null)
        {
            Dictionary<string, object?>? map;
            try
            {
                map = new Internal.MiniJson(json).ParseDocument() as Dictionary<string, object?>;
            }
            catch (FormatException)
            {
                return null;
            }
            return map == null ? null : FromJson(map, status, retryAfter);
        }

        internal static AcmeProblemDetails? FromJson(Dictionary<string, object?> map, int? status = null, DateTimeOffset? retryAfter = null, int depth = 0)
        {
            if (!(map.TryGetValue("type", out object? t) && t is string type)) return null;
            string? detail = AcmeJson.Str(map, "detail");
            int? docStatus = map.TryGetValue("status", out object? s) && s is double d && d >= 100 && d < 600 ? (int)d : status;
            string? identifier = null;
            if (AcmeJson.Obj(map, "identifier") is Dictionary<string, object?> id) identifier = AcmeJson.Str(id, "value");
            var subs = new List<AcmeProblemDetails>();
            if (depth == 0 && map.TryGetValue("subproblems", out object? list) && list is List<object?> items)
            {
                foreach (object? item in items)
                {
                    if (item is Dictionary<string, object?> sub && FromJson(sub, null, null, 1) is AcmeProblemDetails p) subs.Add(p);
                }
            }
            return new AcmeProblemDetails(Clean(type, 200), detail == null ? null : Clean(detail, 1000), docStatus, identifier == null ? null : Clean(identifier, 255), subs, retryAfter);
        }

        /// <summary>Server text as it may appear in a message: no control characters (no forged lines), bounded length.</summary>
        internal static string Clean(string text, int max)
        {
            var b = new StringBuilder(Math.Min(text.Length, max));
            foreach (char c in text)
            {
                if (b.Length >= max)
                {
                    b.Append("...");
                    break;
                }
                b.Append(char.IsControl(c) ? ' ' : c);
            }
            return b.ToString().Trim();
        }

        /// <summary>
        /// The exception for this problem: <see cref="PkiErrorCode.AcmeRateLimited"/> for rateLimited (with the time to
        /// retry), <see cref="PkiErrorCode.AcmeProblem"/> otherwise. <paramref name="what"/> names the request
        /// ("the new account", "the order for web01.example").
        /// </summary>
        public PkiException ToException(string what)
        {
            if (Is("rateLimited"))
            {
                string when = RetryAfter is DateTimeOffset at
                    ? "Try again after " + at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC."
                    : "The server gave no time to retry; wait before trying again.";
                return new PkiException(PkiErrorCode.AcmeRateLimited, $"The ACME server refused {what} for a rate limit: {Describe()}. {when}", null, this);
            }
            PkiHint? hint = null;
            if (Is("externalAccountRequired"))
            {
                hint = new PkiHint("This CA only opens accounts bound to an account it issued elsewhere: give its key id and HMAC key with {0}.", "ExternalAccountBinding");
            }
            else if (Is("userActionRequired") || Is("agreementRequired"))
            {
                hint = new PkiHint("Read the CA's terms of service and accept them with {0}.", "AcceptTermsOfService");
            }
            else if (Is("accountDoesNotExist"))
            {
                hint = new PkiHint("Create the account first (with {0}).", "AcceptTermsOfService");
            }
            return new PkiException(PkiErrorCode.AcmeProblem, $"The ACME server refused {what}: {Describe()}.", null, this, hint);
        }
    }
}
