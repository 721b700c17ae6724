using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Xml.Linq;

namespace PkiTools.Core.Renewal.Schedule
{
    /// <summary>The systemd service and timer of a renewal job (Type=oneshot; daily at the job's time, Persistent=true, RandomizedDelaySec=1h).</summary>
    public static class SystemdUnits
    {
        /// <summary>A word of an ExecStart= line: double-quoted, with systemd's escapes for \ and ", "%%" for a literal % and "$$" for a literal $.</summary>
        public static string Quote(string word)
        {
            var sb = new StringBuilder("\"");
            foreach (char c in word)
            {
                switch (c)
                {
                    case '\\': sb.Append("\\\\"); break;
                    case '"': sb.Append("\\\""); break;
                    case '%': sb.Append("%%"); break;
                    case '$': sb.Append("$$"); break;
                    default: sb.Append(c); break;
                }
            }
            return sb.Append('"').ToString();
        }

        // A value outside ExecStart= (a path in LoadCredential=): only the specifier character needs escaping.
        private static string Specifiers(string value) => value.Replace("%", "%%");

        public static string Service(RenewalJob job, string script)
        {
            var s = new StringBuilder();
            s.Append("# Written by Register-CertRenewal (PkiTools). Register the job again to change it; Unregister-CertRenewal removes it.\n");
            s.Append("[Unit]\n");
            s.Append("Description=PkiTools certificate renewal '").Append(Specifiers(job.Name)).Append("'\n");
            s.Append("Wants=network-online.target\nAfter=network-online.target\n\n");
            s.Append("[Service]\nType=oneshot\n");
            if (job.CaPasswordFile != null)
            {
                s.Append("LoadCredential=").Append(job.CaPasswordCredential ?? RenewalScript.DefaultCredential).Append(':').Append(Specifiers(job.CaPasswordFile)).Append('\n');
            }
            s.Append("ExecStart=").Append(string.Join(" ", new[] { job.PowerShell.Program }.Concat(job.PowerShell.ArgumentsFor(script)).Select(Quote))).Append('\n');
            return s.ToString();
        }

        public static string Timer(RenewalJob job)
        {
            var s = new StringBuilder();
            s.Append("# Written by Register-CertRenewal (PkiTools).\n");
            s.Append("[Unit]\nDescription=Daily PkiTools certificate renewal '").Append(Specifiers(job.Name)).Append("'\n\n");
            s.Append("[Timer]\n");
            s.Append("OnCalendar=*-*-* ").Append(job.TimeOfDay.ToString(@"hh\:mm", CultureInfo.InvariantCulture)).Append(":00\n");
            s.Append("Persistent=true\nRandomizedDelaySec=1h\n\n");
            s.Append("[Install]\nWantedBy=timers.target\n");
            return s.ToString();
        }
    }

    /// <summary>
    /// The job's two lines in a crontab: the marker comment "# pkitools-renew:&lt;Name&gt;" and the entry below it. The
    /// entry runs daily at the job's time after a random sleep of up to an hour (awk's rand, as /bin/sh has no
    /// $RANDOM), so many machines do not hit the CA at once.
    /// </summary>
    public static class CronTable
    {
        /// <summary>A word for /bin/sh (quoted as ProcessCall shows commands); a '%' is escaped as cron requires (unescaped it ends the command).</summary>
        public static string Quote(string word) => Trust.ProcessCall.Quote(word).Replace("%", "\\%");

        public static string Entry(RenewalJob job, string script)
        {
            string command = string.Join(" ", new[] { job.PowerShell.Program }.Concat(job.PowerShell.ArgumentsFor(script)).Select(Quote));
            return string.Format(CultureInfo.InvariantCulture, "{0} {1} * * * sleep $(awk 'BEGIN {{ srand(); print int(rand() * 3600) }}'); {2}",
                job.TimeOfDay.Minutes, job.TimeOfDay.Hours, command);
        }

        /// <summary>The crontab with the job's lines replaced (or added at the end when it has none); every other line kept as it was.</summary>
        public static string Replace(string crontab, string name, string entry)
        {
            List<string> lines = Without(crontab, name, out _);
            lines.Add(RenewalLocations.CronMarker(name));
            lines.Add(entry);
            return string.Join("\n", lines) + "\n";
        }

        /// <summary>The crontab without the job's lines; <paramref name="found"/> says whether it had them.</summary>
        public static string Remove(string crontab, string name, out bool found)
        {
            List<string> lines = Without(crontab, name, out found);
            return lines.Count == 0 ? "" : string.Join("\n", lines) + "\n";
        }

        /// <summary>The job names marked in a crontab, with the entry below each marker.</summary>
        public static IReadOnlyDictionary<string, string> Jobs(string crontab)
        {
            var jobs = new Dictionary<string, string>(StringComparer.Ordinal);
            string[] lines = Lines(crontab);
            for (int i = 0; i < lines.Length; i++)
            {
                string? name = MarkedName(lines[i]);
                if (name != null) jobs[name] = i + 1 < lines.Length ? lines[i + 1] : "";
            }
            return jobs;
        }

        private static string[] Lines(string crontab) =>
            crontab.Trim().Length == 0 ? new string[0] : crontab.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');

        private static string? MarkedName(string line)
        {
            const string prefix = "# pkitools-renew:";
            return line.StartsWith(prefix, StringComparison.Ordinal) ? line.Substring(prefix.Length).Trim() : null;
        }

        private static List<string> Without(string crontab, string name, out bool found)
        {
            found = false;
            var kept = new List<string>();
            string[] lines = Lines(crontab);
            for (int i = 0; i < lines.Length; i++)
            {
                if (MarkedName(lines[i]) == name)
                {
                    found = true;
                    // The entry below the marker goes with it (unless it is another marker or a comment).
                    if (i + 1 < lines.Length && !lines[i + 1].TrimStart().StartsWith("#", StringComparison.Ordinal)) i++;
                    continue;
                }
                kept.Add(lines[i]);
            }
            return kept;
        }
    }

    /// <summary>
    /// The Task Scheduler definition (task schema 1.2): a daily calendar trigger at the job's time with a random delay
    /// of up to an hour, StartWhenAvailable (a missed run happens at the next start, as systemd's Persistent=true), as
    /// SYSTEM when elevated or the current user otherwise, running pwsh.exe -File on the script.
    /// </summary>
    public static class TaskSchedulerXml
    {
        public static readonly XNamespace Task = "http://schemas.microsoft.com/windows/2004/02/mit/task";

        /// <summary>The task for <paramref name="job"/>, running <paramref name="script"/> as <paramref name="userId"/> ("S-1-5-18" for SYSTEM when <paramref name="system"/>, or DOMAIN\user), its trigger starting on <paramref name="today"/>.</summary>
        public static XDocument Build(RenewalJob job, string script, string userId, bool system, DateTime today)
        {
            XElement E(string name, params object[] content) => new XElement(Task + name, content);
            string start = today.Date.Add(job.TimeOfDay).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
            string arguments = string.Join(" ", job.PowerShell.ArgumentsFor(script).Select(Trust.SystemProcessRunner.WindowsQuote));
            return new XDocument(
                new XDeclaration("1.0", "UTF-16", null),
                E("Task", new XAttribute("version", "1.2"),
                    E("RegistrationInfo",
                        E("Author", "PkiTools"),
                        E("Description", $"PkiTools certificate renewal '{job.Name}' (Register-CertRenewal)."),
                        E("URI", @"\" + RenewalLocations.TaskName(job.Name))),
                    E("Triggers",
                        E("CalendarTrigger",
                            E("StartBoundary", start),
                            E("Enabled", "true"),
                            E("RandomDelay", "PT1H"),
                            E("ScheduleByDay", E("DaysInterval", "1")))),
                    E("Principals",
                        E("Principal", new XAttribute("id", "Author"),
                            E("UserId", userId),
                            E("LogonType", system ? "ServiceAccount" : "InteractiveToken"),
                            E("RunLevel", system ? "HighestAvailable" : "LeastPrivilege"))),
                    E("Settings",
                        E("MultipleInstancesPolicy", "IgnoreNew"),
                        E("DisallowStartIfOnBatteries", "false"),
                        E("StopIfGoingOnBatteries", "false"),
                        E("StartWhenAvailable", "true"),
                        E("RunOnlyIfNetworkAvailable", "false"),
                        E("ExecutionTimeLimit", "PT2H"),
                        E("Enabled", "true")),
                    E("Actions", new XAttribute("Context", "Author"),
                        E("Exec",
                            E("Command", job.PowerShell.Program),
                            E("Arguments", arguments)))));
        }

        /// <summary>The XML as schtasks /XML reads it: UTF-16 with a byte order mark.</summary>
        public static byte[] Bytes(XDocument document)
        {
            var encoding = new UnicodeEncoding(false, true);
            string text = document.Declaration + "\r\n" + document.Root!.ToString();
            return encoding.GetPreamble().Concat(encoding.GetBytes(text)).ToArray();
        }
    }
}
