using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace PkiTools.Core.Renewal
{
    /// <summary>
    /// The Prometheus text exposition format (version 0.0.4) of an inventory, for node_exporter's textfile collector:
    /// HELP and TYPE lines, then two gauges per certificate, <c>{prefix}_certificate_expiry_seconds</c> (NotAfter as Unix
    /// seconds) and <c>{prefix}_certificate_days_left</c>, labelled source, kind, subject, dns, issuer and serial.
    /// </summary>
    public static class PrometheusMetrics
    {
        public const string DefaultPrefix = "pkitools";

        private static readonly Regex MetricName = new Regex("^[a-zA-Z_:][a-zA-Z0-9_:]*$", RegexOptions.CultureInvariant);

        /// <summary>True when <paramref name="prefix"/> makes valid metric names ([a-zA-Z_:][a-zA-Z0-9_:]*).</summary>
        public static bool IsValidPrefix(string prefix) => prefix != null && MetricName.IsMatch(prefix);

        /// <summary>
        /// The exposition text (LF line ends, a final newline). An item whose labels repeat an earlier one's (the same
        /// certificate from the same source, listed twice) is written once: Prometheus refuses duplicate series.
        /// </summary>
        public static string Render(IEnumerable<ExpiringCertificate> items, string prefix = DefaultPrefix)
        {
            if (!IsValidPrefix(prefix))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument,
                    $"'{prefix}' cannot start a Prometheus metric name: use letters, digits, _ and : only, not starting with a digit.", null, prefix, null, "MetricPrefix");
            }
            var list = new List<ExpiringCertificate>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (ExpiringCertificate item in items)
            {
                if (seen.Add(Labels(item))) list.Add(item);
            }
            var text = new StringBuilder();
            Family(text, list, prefix + "_certificate_expiry_seconds", "Certificate NotAfter as Unix time in seconds.",
                item => new DateTimeOffset(item.NotAfter.ToUniversalTime(), TimeSpan.Zero).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            Family(text, list, prefix + "_certificate_days_left", "Whole days until the certificate expires (negative once expired).",
                item => item.DaysLeft.ToString(CultureInfo.InvariantCulture));
            return text.ToString();
        }

        /// <summary>A label value escaped per the format: backslash, double quote and line feed.</summary>
        public static string EscapeLabelValue(string value) =>
            value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

        private static void Family(StringBuilder text, IReadOnlyList<ExpiringCertificate> items, string name, string help, Func<ExpiringCertificate, string> value)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(" gauge\n");
            foreach (ExpiringCertificate item in items)
            {
                text.Append(name).Append('{').Append(Labels(item)).Append("} ").Append(value(item)).Append('\n');
            }
        }

        private static string Labels(ExpiringCertificate item)
        {
            var text = new StringBuilder();
            Label(text, "source", item.Source);
            Label(text, "kind", item.SourceKind.ToString());
            Label(text, "subject", item.Subject);
            Label(text, "dns", string.Join(",", item.DnsNames));
            Label(text, "issuer", item.Issuer);
            Label(text, "serial", item.SerialNumber);
            return text.ToString();
        }

        private static void Label(StringBuilder text, string name, string value)
        {
            if (text.Length > 0) text.Append(',');
            text.Append(name).Append("=\"").Append(EscapeLabelValue(value ?? "")).Append('"');
        }
    }
}
