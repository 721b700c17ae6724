using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using PkiTools.Core.Renewal;
using Xunit;

namespace PkiTools.Core.Tests.Renewal
{
    public class PrometheusMetricsTests : IClassFixture<InventoryTestPki>
    {
        private readonly InventoryTestPki _pki;

        public PrometheusMetricsTests(InventoryTestPki pki) => _pki = pki;

        [Fact]
        public void Output_parses_as_exposition_format_with_both_gauges_per_certificate()
        {
            var now = DateTime.UtcNow;
            var a = CertificateInventory.FromEndpoint("a.example:443", _pki.Leaf("a.example", 10.5).Certificate, now);
            var b = CertificateInventory.FromStore("Store:System", _pki.Root.Certificate, now);

            var parsed = ExpositionParser.Parse(PrometheusMetrics.Render(new[] { a, b }));

            Assert.Equal(new[] { "pkitools_certificate_expiry_seconds", "pkitools_certificate_days_left" }, parsed.Families.Keys);
            Assert.All(parsed.Families.Values, f => Assert.Equal("gauge", f));
            var expiry = parsed.Samples.Where(s => s.Name == "pkitools_certificate_expiry_seconds").ToList();
            Assert.Equal(2, expiry.Count);
            Assert.Equal(new DateTimeOffset(a.NotAfter.ToUniversalTime()).ToUnixTimeSeconds(), (long)expiry[0].Value);
            Assert.Equal("a.example:443", expiry[0].Labels["source"]);
            Assert.Equal("Endpoint", expiry[0].Labels["kind"]);
            Assert.Equal("a.example", expiry[0].Labels["dns"]);
            Assert.Equal(a.SerialNumber, expiry[0].Labels["serial"]);
            Assert.Equal("CN=Inventory Test Root", expiry[0].Labels["issuer"]);
            Assert.Equal(10, parsed.Samples.Single(s => s.Name == "pkitools_certificate_days_left" && s.Labels["source"] == "a.example:443").Value);
        }

        [Fact]
        public void Label_values_escape_backslash_quote_and_newline()
        {
            var item = CertificateInventory.FromEndpoint("odd\\path \"quoted\"\nline", _pki.Leaf("odd.example", 1.5).Certificate, DateTime.UtcNow);
            string text = PrometheusMetrics.Render(new[] { item }, "my:prefix_1");
            Assert.Contains("source=\"odd\\\\path \\\"quoted\\\"\\nline\"", text);
            var parsed = ExpositionParser.Parse(text);
            Assert.Equal("odd\\path \"quoted\"\nline", parsed.Samples[0].Labels["source"]);
            Assert.StartsWith("my:prefix_1_certificate", parsed.Samples[0].Name);
        }

        [Fact]
        public void The_same_certificate_from_the_same_source_twice_is_one_series()
        {
            var now = DateTime.UtcNow;
            var leaf = _pki.Leaf("twice.example", 3.5).Certificate;
            var once = CertificateInventory.FromLedger("Ledger:/srv/ca", leaf, now);
            var again = CertificateInventory.FromLedger("Ledger:/srv/ca", leaf, now);
            var elsewhere = CertificateInventory.FromEndpoint("twice.example:443", leaf, now);
            var parsed = ExpositionParser.Parse(PrometheusMetrics.Render(new[] { once, again, elsewhere }));
            Assert.Equal(2, parsed.Samples.Count(s => s.Name == "pkitools_certificate_days_left"));
        }

        [Fact]
        public void No_items_gives_help_and_type_only_and_a_bad_prefix_is_refused()
        {
            var parsed = ExpositionParser.Parse(PrometheusMetrics.Render(Array.Empty<ExpiringCertificate>()));
            Assert.Equal(2, parsed.Families.Count);
            Assert.Empty(parsed.Samples);
            var ex = Assert.Throws<PkiException>(() => PrometheusMetrics.Render(Array.Empty<ExpiringCertificate>(), "9bad-prefix"));
            Assert.Equal(PkiErrorCode.InvalidArgument, ex.Code);
        }

        /// <summary>
        /// A strict reader of the text format (0.0.4): HELP/TYPE comments, then samples name{label="value",...} value, LF
        /// line ends and a final newline, label values with only \\, \" and \n escapes; anything else fails the test.
        /// </summary>
        public sealed class ExpositionParser
        {
            private static readonly Regex Name = new Regex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*");
            private static readonly Regex LabelName = new Regex(@"^[a-zA-Z_][a-zA-Z0-9_]*");

            public Dictionary<string, string> Families { get; } = new Dictionary<string, string>();

            public List<(string Name, Dictionary<string, string> Labels, double Value)> Samples { get; } = new List<(string, Dictionary<string, string>, double)>();

            public static ExpositionParser Parse(string text)
            {
                Assert.EndsWith("\n", text);
                Assert.DoesNotContain("\r", text);
                var result = new ExpositionParser();
                var seen = new HashSet<string>();
                foreach (string line in text.Substring(0, text.Length - 1).Split('\n'))
                {
                    if (line.StartsWith("# HELP ", StringComparison.Ordinal)) continue;
                    if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
                    {
                        string[] parts = line.Substring(7).Split(' ');
                        Assert.Equal(2, parts.Length);
                        Assert.Matches("^" + Name + "$", parts[0]);
                        Assert.Contains(parts[1], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                        Assert.False(result.Families.ContainsKey(parts[0]), "TYPE given twice for " + parts[0]);
                        result.Families.Add(parts[0], parts[1]);
                        continue;
                    }
                    Assert.False(line.StartsWith("#", StringComparison.Ordinal), "unexpected comment: " + line);
                    result.Samples.Add(Sample(line, result.Families));
                    var s = result.Samples[result.Samples.Count - 1];
                    Assert.True(seen.Add(s.Name + string.Join(",", s.Labels.OrderBy(l => l.Key).Select(l => l.Key + "=" + l.Value))), "duplicate series: " + line);
                }
                return result;
            }

            private static (string, Dictionary<string, string>, double) Sample(string line, Dictionary<string, string> families)
            {
                string name = Name.Match(line).Value;
                Assert.True(name.Length > 0, "no metric name: " + line);
                Assert.True(families.ContainsKey(name), "sample before its TYPE: " + line);
                int i = name.Length;
                var labels = new Dictionary<string, string>();
                if (line[i] == '{')
                {
                    i++;
                    while (line[i] != '}')
                    {
                        string label = LabelName.Match(line.Substring(i)).Value;
                        Assert.True(label.Length > 0, "bad label name at " + i + ": " + line);
                        i += label.Length;
                        Assert.Equal("=\"", line.Substring(i, 2));
                        i += 2;
                        var value = new StringBuilder();
                        while (line[i] != '"')
                        {
                            if (line[i] == '\\')
                            {
                                char next = line[i + 1];
                                value.Append(next == 'n' ? '\n' : next == '\\' ? '\\' : next == '"' ? '"' : throw new Xunit.Sdk.XunitException("bad escape \\" + next));
                                i += 2;
                            }
                            else
                            {
                                value.Append(line[i++]);
                            }
                        }
                        i++;
                        labels.Add(label, value.ToString());
                        if (line[i] == ',') i++;
                    }
                    i++;
                }
                Assert.Equal(' ', line[i]);
                double v = double.Parse(line.Substring(i + 1), NumberStyles.Float, CultureInfo.InvariantCulture);
                return (name, labels, v);
            }
        }
    }
}
