using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace PkiTools.Core.Renewal.Schedule
{
    /// <summary>
    /// The PowerShell script a scheduler runs for one renewal job: imports the module by path, runs Invoke-CertRenewal
    /// then Update-Crl, appends one JSON line per result to the job's log, prints a summary, records the run in the
    /// state file Get-CertRenewal reads, and exits 1 when anything failed. Every value is a single-quoted literal; the
    /// CA key password is never in it (a password file, or the systemd credential in $CREDENTIALS_DIRECTORY).
    /// </summary>
    public static class RenewalScript
    {
        /// <summary>The credential name PkiTools reads from $CREDENTIALS_DIRECTORY when none is named.</summary>
        public const string DefaultCredential = "pkitools-ca-password";

        /// <summary>
        /// <paramref name="text"/> as a PowerShell single-quoted literal. PowerShell takes the typographic single quotes
        /// (U+2018..U+201B) as quotes too, so each quote character is doubled, which keeps it as itself.
        /// </summary>
        public static string Literal(string text)
        {
            var sb = new StringBuilder("'");
            foreach (char c in text)
            {
                if (c == '\'' || c == '\u2018' || c == '\u2019' || c == '\u201A' || c == '\u201B') sb.Append(c);
                sb.Append(c);
            }
            return sb.Append('\'').ToString();
        }

        private static string Array(IEnumerable<string> items) => "@(" + string.Join(", ", items.Select(Literal)) + ")";

        public static string Generate(RenewalJob job, RenewalLocations locations)
        {
            var s = new StringBuilder();
            void Set(string variable, string value) => s.Append('$').Append(variable).Append(" = ").Append(value).Append('\n');
            string OrNull(string? value) => value == null ? "$null" : Literal(value);
            Set("JobName", Literal(job.Name));
            Set("ModuleManifest", Literal(job.ModuleManifest));
            Set("Paths", Array(job.Paths));
            Set("Ca", Literal(job.Ca));
            Set("RenewBeforeDays", job.RenewBeforeDays.HasValue ? job.RenewBeforeDays.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : "$null");
            Set("DeployHook", OrNull(job.DeployHook));
            Set("PostHook", OrNull(job.PostHook));
            Set("PasswordFile", OrNull(job.CaPasswordFile));
            Set("Credential", Literal(job.CaPasswordCredential ?? DefaultCredential));
            Set("CredentialNamed", job.CaPasswordCredential != null ? "$true" : "$false");
            Set("LogFile", Literal(locations.Log(job.Name)));
            Set("StateFile", Literal(locations.State(job.Name)));
            return s.Append(Template.Value).ToString();
        }

        // The part that does not depend on the job (run, log, summarise, record, exit): RenewalScript.ps1, embedded.
        private static readonly System.Lazy<string> Template = new System.Lazy<string>(() =>
        {
            using var stream = typeof(RenewalScript).Assembly.GetManifestResourceStream("PkiTools.Core.Renewal.Schedule.RenewalScript.ps1")!;
            using var reader = new System.IO.StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd().Replace("\r\n", "\n");
        });
    }
}
