using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using PkiTools.Core.Validation;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>
    /// x509-limbo (../shared/conformance): every case outside the CRL and network families, plus every 20th BetterTLS
    /// case, must get the expected SUCCESS/FAILURE, except the documented disagreements below.
    /// </summary>
    public class LimboConformanceTests
    {
        private static readonly string LimboPath = FindLimbo();

        /// <summary>Cases PkiTools knowingly decides differently, by reason.</summary>
        private static readonly Dictionary<string, string> KnownDisagreements = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // Profile (CA/B Forum, RFC 5280 "conforming CA MUST") rules that path validation here does not enforce.
            ["rfc5280::aki::critical-aki"] = "issuance profile",
            ["rfc5280::aki::leaf-missing-aki"] = "issuance profile",
            ["rfc5280::aki::intermediate-missing-aki"] = "issuance profile",
            ["rfc5280::aki::cross-signed-root-missing-aki"] = "issuance profile",
            ["rfc5280::ski::critical-ski"] = "issuance profile",
            ["rfc5280::ski::root-missing-ski"] = "issuance profile",
            ["rfc5280::ski::intermediate-missing-ski"] = "issuance profile",
            ["rfc5280::serial::too-long"] = "issuance profile",
            ["rfc5280::serial::zero"] = "issuance profile",
            ["rfc5280::san::noncritical-with-empty-subject"] = "issuance profile",
            ["rfc5280::san::underscore-dns"] = "issuance profile",
            ["rfc5280::pc::ica-noncritical-pc"] = "issuance profile",
            ["rfc5280::root-missing-basic-constraints"] = "v1-style roots accepted as trust anchors, as OpenSSL does",
            ["rfc5280::root-non-critical-basic-constraints"] = "issuance profile",
            ["rfc5280::leaf-ku-keycertsign"] = "issuance profile",
            ["rfc5280::nc::permitted-dns-match-noncritical"] = "issuance profile (nameConstraints must be critical)",
            ["rfc5280::nc::invalid-dnsname-leading-period"] = "leading-period DNS constraints accepted, as OpenSSL and Go do",
            ["rfc5280::nc::nc-permits-invalid-dns-san"] = "SAN syntax not validated",
            ["rfc5280::nc::nc-permits-invalid-email-san"] = "SAN syntax not validated",
            ["webpki::aki::root-with-aki-missing-keyidentifier"] = "CA/B profile",
            ["webpki::aki::root-with-aki-all-fields"] = "CA/B profile",
            ["webpki::aki::root-with-aki-ski-mismatch"] = "CA/B profile",
            ["webpki::cn::ipv4-hex-mismatch"] = "CA/B profile (CN must repeat a SAN); the CN is never used for matching",
            ["webpki::cn::ipv4-leading-zeros-mismatch"] = "CA/B profile",
            ["webpki::cn::ipv6-uppercase-mismatch"] = "CA/B profile",
            ["webpki::cn::ipv6-uncompressed-mismatch"] = "CA/B profile",
            ["webpki::cn::ipv6-non-rfc5952-mismatch"] = "CA/B profile",
            ["webpki::cn::punycode-not-in-san"] = "CA/B profile",
            ["webpki::cn::utf8-vs-punycode-mismatch"] = "CA/B profile",
            ["webpki::cn::not-in-san"] = "CA/B profile",
            ["webpki::cn::case-mismatch"] = "CA/B profile",
            ["webpki::eku::ee-anyeku"] = "anyExtendedKeyUsage accepted by design",
            ["webpki::eku::ee-critical-eku"] = "CA/B profile",
            ["webpki::eku::ee-without-eku"] = "a leaf without EKU is accepted by design",
            ["webpki::eku::root-has-eku"] = "CA/B profile",
            ["webpki::san::public-suffix-multi-label-wildcard-san"] = "no public suffix list",
            ["webpki::san::public-suffix-private-namespace-wildcard-san"] = "no public suffix list",
            ["webpki::san::san-critical-with-nonempty-subject"] = "CA/B profile",
            ["webpki::malformed-aia"] = "AIA not read",
            ["webpki::forbidden-p192-leaf"] = "leaf key algorithm not policed",
            ["webpki::forbidden-dsa-leaf"] = "leaf key algorithm not policed",
            ["webpki::forbidden-weak-rsa-key-in-root"] = "key sizes not policed",
            ["webpki::forbidden-weak-rsa-in-leaf"] = "key sizes not policed",
            ["webpki::forbidden-rsa-not-divisible-by-8-in-root"] = "key sizes not policed",
            ["webpki::forbidden-rsa-key-not-divisible-by-8-in-leaf"] = "key sizes not policed",
            ["webpki::ee-basicconstraints-ca"] = "CA/B profile",
            ["webpki::ca-as-leaf"] = "CA/B profile",
        };

        private readonly ITestOutputHelper _output;

        public LimboConformanceTests(ITestOutputHelper output) => _output = output;

        private static string FindLimbo()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared", "conformance", "x509-limbo", "limbo.json");
                if (File.Exists(candidate)) return candidate;
                candidate = Path.Combine(dir.FullName, "..", "shared", "conformance", "x509-limbo", "limbo.json");
                if (File.Exists(candidate)) return candidate;
            }
            return Path.Combine("..", "shared", "conformance", "x509-limbo", "limbo.json");
        }

        [Fact]
        public void Limbo_cases_get_the_expected_result()
        {
            Assert.True(File.Exists(LimboPath), "x509-limbo not found: the suite is read from ../shared/conformance/x509-limbo/limbo.json beside the repository.");
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(LimboPath));
            var wrong = new List<string>();
            int run = 0, bettertls = 0;
            foreach (JsonElement t in doc.RootElement.GetProperty("testcases").EnumerateArray())
            {
                string id = t.GetProperty("id").GetString()!;
                string family = id.Split("::")[0];
                if (family == "crl" || family == "online") continue;
                if (t.GetProperty("max_chain_depth").ValueKind != JsonValueKind.Null) continue; // no such option
                if (family == "bettertls" && bettertls++ % 20 != 0) continue;
                run++;
                bool expected = t.GetProperty("expected_result").GetString() == "SUCCESS";
                ChainValidationResult result = ChainValidator.Validate(Pem(t.GetProperty("peer_certificate").GetString()!), Options(t));
                if (result.IsValid != expected && !KnownDisagreements.ContainsKey(id))
                {
                    wrong.Add($"{id}: expected {(expected ? "SUCCESS" : "FAILURE")}, got {(result.IsValid ? "valid" : string.Join("; ", result.Problems))}");
                }
            }
            _output.WriteLine($"{run} limbo cases run, {KnownDisagreements.Count} known disagreements.");
            Assert.True(wrong.Count == 0, string.Join("\n", wrong));
            Assert.True(run > 400);
        }

        private static ChainValidationOptions Options(JsonElement t)
        {
            List<string> ekus = t.GetProperty("extended_key_usage").EnumerateArray().Select(e => e.GetString()!).ToList();
            string? dns = null, ip = null;
            JsonElement peer = t.GetProperty("expected_peer_name");
            if (peer.ValueKind == JsonValueKind.Object)
            {
                string kind = peer.GetProperty("kind").GetString()!;
                string value = peer.GetProperty("value").GetString()!;
                if (kind == "DNS") dns = value;
                else if (kind == "IP") ip = value;
            }
            CertificatePurpose purpose = ekus.Contains("serverAuth") ? CertificatePurpose.ServerAuth
                : ekus.Contains("clientAuth") ? CertificatePurpose.ClientAuth
                : ekus.Count > 0 ? CertificatePurpose.Any
                : t.GetProperty("validation_kind").GetString() == "SERVER" ? CertificatePurpose.ServerAuth : CertificatePurpose.ClientAuth;
            JsonElement time = t.GetProperty("validation_time");
            return new ChainValidationOptions
            {
                TrustedRoots = t.GetProperty("trusted_certs").EnumerateArray().Select(e => Pem(e.GetString()!)).ToArray(),
                Intermediates = t.GetProperty("untrusted_intermediates").EnumerateArray().Select(e => Pem(e.GetString()!)).ToArray(),
                DnsName = dns,
                IpAddress = ip,
                Purpose = purpose,
                At = time.ValueKind == JsonValueKind.String ? DateTimeOffset.Parse(time.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : (DateTimeOffset?)null,
            };
        }

        private static X509Certificate2 Pem(string pem) => X509Certificate2.CreateFromPem(pem);
    }
}
