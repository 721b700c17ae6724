using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using PkiTools.Core.Revocation;
using PkiTools.Core.Validation;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>What became of one limbo case.</summary>
    public enum LimboOutcome
    {
        /// <summary>Our answer is the expected one.</summary>
        Correct,

        /// <summary>Expected FAILURE, we said valid: a security bug, never allowed (not even in the expected-failures list).</summary>
        AcceptedBad,

        /// <summary>Expected SUCCESS, we rejected it.</summary>
        RejectedGood,

        /// <summary>Listed as <c>skip</c> in the expected-failures file: not evaluated.</summary>
        Skipped,
    }

    /// <summary>One line of limbo-expected-failures.txt: <c>wrong|skip id reason</c>.</summary>
    public sealed class LimboExpectation
    {
        public LimboExpectation(string id, bool skip, string reason, int line)
        {
            Id = id;
            Skip = skip;
            Reason = reason;
            Line = line;
        }

        public string Id { get; }

        /// <summary>True: not evaluated; false: evaluated, and expected to come out rejected-good.</summary>
        public bool Skip { get; }

        public string Reason { get; }

        public int Line { get; }

        /// <summary>Parses the file (see its header for the format); throws FormatException on a malformed or duplicate line.</summary>
        public static IReadOnlyDictionary<string, LimboExpectation> Parse(string text)
        {
            var result = new Dictionary<string, LimboExpectation>(StringComparer.Ordinal);
            string[] lines = text.Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i].Trim();
                if (line.Length == 0 || line[0] == '#') continue;
                string[] parts = line.Split(new[] { ' ', '\t' }, 3, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length < 3 || (parts[0] != "wrong" && parts[0] != "skip"))
                {
                    throw new FormatException($"line {i + 1}: expected 'wrong|skip <id> <reason>', got '{line}'");
                }
                if (result.ContainsKey(parts[1])) throw new FormatException($"line {i + 1}: {parts[1]} is listed twice");
                result.Add(parts[1], new LimboExpectation(parts[1], parts[0] == "skip", parts[2].Trim(), i + 1));
            }
            return result;
        }
    }

    /// <summary>The outcome of one case.</summary>
    public sealed class LimboCaseResult
    {
        public LimboCaseResult(string id, IReadOnlyList<string> features, bool expectedSuccess, LimboOutcome outcome, string detail)
        {
            Id = id;
            Features = features;
            ExpectedSuccess = expectedSuccess;
            Outcome = outcome;
            Detail = detail;
        }

        public string Id { get; }

        /// <summary>The id up to the first "::".</summary>
        public string Namespace => Id.Split(new[] { "::" }, StringSplitOptions.None)[0];

        public IReadOnlyList<string> Features { get; }

        public bool ExpectedSuccess { get; }

        public LimboOutcome Outcome { get; }

        /// <summary>Our problems, or "valid".</summary>
        public string Detail { get; }
    }

    /// <summary>
    /// x509-limbo (C2SP) against <see cref="ChainValidator"/>: reads ../shared/conformance/x509-limbo/limbo.json at run
    /// time (it is never copied into the repository), maps every case onto <see cref="ChainValidationOptions"/> and
    /// compares with expected_result. Shared by LimboConformanceTests and the benchmark project's `limbo` mode.
    /// </summary>
    public static class LimboSuite
    {
        public const string ExpectedFailuresFile = "limbo-expected-failures.txt";

        /// <summary>limbo.json beside the repository (../shared/conformance/x509-limbo), searched upwards from the binaries.</summary>
        public static string FindLimbo()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared", "conformance", "x509-limbo", "limbo.json");
                if (File.Exists(candidate)) return candidate;
                candidate = Path.Combine(dir.FullName, "..", "shared", "conformance", "x509-limbo", "limbo.json");
                if (File.Exists(candidate)) return Path.GetFullPath(candidate);
            }
            return Path.Combine("..", "shared", "conformance", "x509-limbo", "limbo.json");
        }

        /// <summary>The committed expected-failures list, copied next to the binaries by the project files.</summary>
        public static IReadOnlyDictionary<string, LimboExpectation> ReadExpectedFailures()
        {
            string path = Path.Combine(AppContext.BaseDirectory, ExpectedFailuresFile);
            return LimboExpectation.Parse(File.ReadAllText(path));
        }

        /// <summary>Runs every case not listed as skip; <paramref name="parallel"/> spreads cases over the CPUs.</summary>
        public static IReadOnlyList<LimboCaseResult> Run(string limboPath, IReadOnlyDictionary<string, LimboExpectation> expectations, bool parallel)
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(limboPath));
            JsonElement[] cases = doc.RootElement.GetProperty("testcases").EnumerateArray().ToArray();
            var results = new LimboCaseResult[cases.Length];
            void One(int i)
            {
                JsonElement t = cases[i];
                string id = t.GetProperty("id").GetString()!;
                string[] features = t.TryGetProperty("features", out JsonElement f) && f.ValueKind == JsonValueKind.Array
                    ? f.EnumerateArray().Select(e => e.GetString()!).ToArray()
                    : Array.Empty<string>();
                bool expected = t.GetProperty("expected_result").GetString() == "SUCCESS";
                if (expectations.TryGetValue(id, out LimboExpectation? e) && e.Skip)
                {
                    results[i] = new LimboCaseResult(id, features, expected, LimboOutcome.Skipped, "skipped: " + e.Reason);
                    return;
                }
                ChainValidationResult result;
                try
                {
                    result = ChainValidator.Validate(Certificate(t.GetProperty("peer_certificate").GetString()!), Options(t));
                }
                catch (Exception ex)
                {
                    // The suite treats an exception as a rejection (the validator must not throw, and the tests check that separately).
                    results[i] = new LimboCaseResult(id, features, expected, expected ? LimboOutcome.RejectedGood : LimboOutcome.Correct, "exception: " + ex.GetType().Name + ": " + ex.Message);
                    return;
                }
                LimboOutcome outcome = result.IsValid == expected ? LimboOutcome.Correct
                    : result.IsValid ? LimboOutcome.AcceptedBad
                    : LimboOutcome.RejectedGood;
                results[i] = new LimboCaseResult(id, features, expected, outcome, result.IsValid ? "valid" : string.Join("; ", result.Problems));
            }
            if (parallel) Parallel.For(0, cases.Length, One);
            else for (int i = 0; i < cases.Length; i++) One(i);
            return results;
        }

        /// <summary>
        /// The case as a TLS client (SERVER cases) or server (CLIENT cases) would validate it: the peer name and
        /// serverAuth, or clientAuth; the case's extended_key_usage (serverAuth/clientAuth) and key_usage; validation
        /// time; max_chain_depth; CRLs with offline revocation checking.
        /// </summary>
        public static ChainValidationOptions Options(JsonElement t)
        {
            string? dns = null, ip = null;
            JsonElement peer = t.GetProperty("expected_peer_name");
            if (peer.ValueKind == JsonValueKind.Object)
            {
                string kind = peer.GetProperty("kind").GetString()!;
                string value = peer.GetProperty("value").GetString()!;
                if (kind == "DNS") dns = value;
                else if (kind == "IP") ip = value;
            }
            bool server = t.GetProperty("validation_kind").GetString() == "SERVER";
            CertificatePurpose purpose = server ? CertificatePurpose.ServerAuth : CertificatePurpose.ClientAuth;
            foreach (JsonElement eku in t.GetProperty("extended_key_usage").EnumerateArray())
            {
                purpose = eku.GetString() switch
                {
                    "serverAuth" => CertificatePurpose.ServerAuth,
                    "clientAuth" => CertificatePurpose.ClientAuth,
                    string other => throw new NotSupportedException("extended_key_usage " + other),
                    _ => purpose,
                };
            }
            X509KeyUsageFlags keyUsage = X509KeyUsageFlags.None;
            foreach (JsonElement ku in t.GetProperty("key_usage").EnumerateArray())
            {
                keyUsage |= ku.GetString() switch
                {
                    "digitalSignature" => X509KeyUsageFlags.DigitalSignature,
                    "contentCommitment" => X509KeyUsageFlags.NonRepudiation,
                    "keyEncipherment" => X509KeyUsageFlags.KeyEncipherment,
                    "dataEncipherment" => X509KeyUsageFlags.DataEncipherment,
                    "keyAgreement" => X509KeyUsageFlags.KeyAgreement,
                    "keyCertSign" => X509KeyUsageFlags.KeyCertSign,
                    "cRLSign" => X509KeyUsageFlags.CrlSign,
                    "encipherOnly" => X509KeyUsageFlags.EncipherOnly,
                    "decipherOnly" => X509KeyUsageFlags.DecipherOnly,
                    string other => throw new NotSupportedException("key_usage " + other),
                    _ => X509KeyUsageFlags.None,
                };
            }
            JsonElement time = t.GetProperty("validation_time");
            JsonElement depth = t.GetProperty("max_chain_depth");
            CertificateRevocationList[] crls = t.GetProperty("crls").EnumerateArray()
                .Select(e => CertificateRevocationList.Parse(System.Text.Encoding.ASCII.GetBytes(e.GetString()!))).ToArray();
            return new ChainValidationOptions
            {
                TrustedRoots = t.GetProperty("trusted_certs").EnumerateArray().Select(e => Certificate(e.GetString()!)).ToArray(),
                Intermediates = t.GetProperty("untrusted_intermediates").EnumerateArray().Select(e => Certificate(e.GetString()!)).ToArray(),
                DnsName = dns,
                IpAddress = ip,
                Purpose = purpose,
                RequiredKeyUsage = keyUsage,
                At = time.ValueKind == JsonValueKind.String ? DateTimeOffset.Parse(time.GetString()!, CultureInfo.InvariantCulture) : (DateTimeOffset?)null,
                MaxDepth = depth.ValueKind == JsonValueKind.Number ? depth.GetInt32() : (int?)null,
                Crls = crls,
                RevocationMode = crls.Length > 0 ? RevocationMode.Offline : RevocationMode.NoCheck,
            };
        }

        private static X509Certificate2 Certificate(string pem) => X509Certificate2.CreateFromPem(pem);

        /// <summary>Correct / wrong (accepted-bad + rejected-good) / skipped by namespace and by feature tag, and totals.</summary>
        public static string Table(IReadOnlyList<LimboCaseResult> results)
        {
            var sb = new StringBuilder();
            void Rows(string title, IEnumerable<IGrouping<string, LimboCaseResult>> groups)
            {
                sb.AppendLine(string.Format(CultureInfo.InvariantCulture, "{0,-32} {1,6} {2,8} {3,6} {4,8} {5,13} {6,14}", title, "cases", "correct", "wrong", "skipped", "accepted-bad", "rejected-good"));
                foreach (IGrouping<string, LimboCaseResult> g in groups.OrderBy(g => g.Key, StringComparer.Ordinal)) sb.AppendLine(Row(g.Key, g.ToList()));
            }
            Rows("namespace", results.GroupBy(r => r.Namespace));
            sb.AppendLine(Row("total", results));
            sb.AppendLine();
            Rows("feature", results.SelectMany(r => (r.Features.Count == 0 ? new[] { "(none)" } : r.Features.ToArray()).Select(f => (f, r))).GroupBy(x => x.f, x => x.r));
            return sb.ToString();
        }

        private static string Row(string name, IReadOnlyCollection<LimboCaseResult> rows)
        {
            int Count(LimboOutcome o) => rows.Count(r => r.Outcome == o);
            int acceptedBad = Count(LimboOutcome.AcceptedBad), rejectedGood = Count(LimboOutcome.RejectedGood);
            return string.Format(CultureInfo.InvariantCulture, "{0,-32} {1,6} {2,8} {3,6} {4,8} {5,13} {6,14}",
                name, rows.Count, Count(LimboOutcome.Correct), acceptedBad + rejectedGood, Count(LimboOutcome.Skipped), acceptedBad, rejectedGood);
        }

        /// <summary>Everything that disagrees with the expected-failures list, one sentence per line (empty: all as listed).</summary>
        public static List<string> Disagreements(IReadOnlyList<LimboCaseResult> results, IReadOnlyDictionary<string, LimboExpectation> expectations)
        {
            var errors = new List<string>();
            var ids = new HashSet<string>(results.Select(r => r.Id), StringComparer.Ordinal);
            foreach (LimboExpectation e in expectations.Values.OrderBy(e => e.Line))
            {
                if (!ids.Contains(e.Id)) errors.Add($"{ExpectedFailuresFile}:{e.Line}: {e.Id} is not a limbo case any more; remove the line.");
            }
            foreach (LimboCaseResult r in results)
            {
                expectations.TryGetValue(r.Id, out LimboExpectation? e);
                string expected = r.ExpectedSuccess ? "SUCCESS" : "FAILURE";
                switch (r.Outcome)
                {
                    case LimboOutcome.AcceptedBad:
                        errors.Add($"ACCEPTED-BAD {r.Id}: expected FAILURE, the validator said valid" + (e != null ? $" (listing it at line {e.Line} does not excuse accepting a bad chain)" : string.Empty));
                        break;
                    case LimboOutcome.RejectedGood when e == null:
                        errors.Add($"WRONG {r.Id}: expected SUCCESS, got {r.Detail}");
                        break;
                    case LimboOutcome.Correct when e != null && !e.Skip:
                        errors.Add($"NOW CORRECT {r.Id}: the validator now gets the expected {expected}; remove line {e.Line} of {ExpectedFailuresFile} ({e.Reason}).");
                        break;
                }
            }
            return errors;
        }
    }
}
