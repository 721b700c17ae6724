using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using PkiTools.Core.Ca;

namespace PkiTools.Core.Renewal.Schedule
{
    /// <summary>
    /// A registered renewal job as Get-CertRenewal shows it: what it renews, where its script, log and state are, how it
    /// is scheduled, and what its last run did (from the state file the script writes).
    /// </summary>
    public sealed class CertRenewal
    {
        internal CertRenewal(string name, RenewalScheduler scheduler, TimeSpan timeOfDay, IReadOnlyList<string> paths, string ca,
            string scriptPath, string logPath, string statePath, IReadOnlyList<string> schedulerFiles)
        {
            Name = name;
            Scheduler = scheduler;
            TimeOfDay = timeOfDay;
            Paths = paths;
            Ca = ca;
            ScriptPath = scriptPath;
            LogPath = logPath;
            StatePath = statePath;
            SchedulerFiles = schedulerFiles;
        }

        public string Name { get; }

        public RenewalScheduler Scheduler { get; }

        /// <summary>The local time of day the job starts, before its random delay of up to an hour.</summary>
        public TimeSpan TimeOfDay { get; }

        /// <summary>"daily 03:30, random delay up to 1h".</summary>
        public string Schedule => RenewalJob.Describe(TimeOfDay);

        public IReadOnlyList<string> Paths { get; }

        public string Ca { get; }

        public string ScriptPath { get; }

        /// <summary>The JSON-lines log the script appends to (one line per certificate, CRL, error and run).</summary>
        public string LogPath { get; }

        public string StatePath { get; }

        /// <summary>The unit files or task XML written for the scheduler (none for cron).</summary>
        public IReadOnlyList<string> SchedulerFiles { get; }

        /// <summary>When the last run started (UTC); null when it never ran.</summary>
        public DateTime? LastRun { get; internal set; }

        /// <summary>Succeeded or Failed; null when it never ran.</summary>
        public string? LastOutcome { get; internal set; }

        /// <summary>The last run's one-line summary.</summary>
        public string? LastSummary { get; internal set; }

        /// <summary>The next nominal start (local time, before the random delay).</summary>
        public DateTime? NextRun { get; internal set; }

        /// <summary>Whether the scheduler holds the job (timer file, crontab line, task); null when that could not be asked.</summary>
        public bool? Scheduled { get; internal set; }

        /// <summary>The registration record kept beside the script (&lt;Name&gt;.json).</summary>
        internal string ToRecordJson()
        {
            static string Str(string s)
            {
                var sb = new StringBuilder("\"");
                foreach (char c in s)
                {
                    if (c == '"' || c == '\\') sb.Append('\\').Append(c);
                    else if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                }
                return sb.Append('"').ToString();
            }
            static string List(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(Str)) + "]";
            return "{\n"
                + "  \"name\": " + Str(Name) + ",\n"
                + "  \"scheduler\": " + Str(Scheduler.ToString()) + ",\n"
                + "  \"at\": " + Str(TimeOfDay.ToString(@"hh\:mm", CultureInfo.InvariantCulture)) + ",\n"
                + "  \"paths\": " + List(Paths) + ",\n"
                + "  \"ca\": " + Str(Ca) + ",\n"
                + "  \"script\": " + Str(ScriptPath) + ",\n"
                + "  \"log\": " + Str(LogPath) + ",\n"
                + "  \"state\": " + Str(StatePath) + ",\n"
                + "  \"schedulerFiles\": " + List(SchedulerFiles) + "\n"
                + "}\n";
        }

        /// <summary>Reads a registration record; throws <see cref="FormatException"/> when it is not one.</summary>
        internal static CertRenewal FromRecordJson(string json)
        {
            if (!(new Internal.MiniJson(json).ParseDocument() is Dictionary<string, object?> map)) throw new FormatException("not a JSON object");
            string Text(string key) => map.TryGetValue(key, out object? v) && v is string s ? s : throw new FormatException($"no \"{key}\"");
            IReadOnlyList<string> Texts(string key) => map.TryGetValue(key, out object? v) && v is List<object?> l ? l.Select(o => o as string ?? throw new FormatException($"\"{key}\" holds a non-string")).ToArray() : throw new FormatException($"no \"{key}\"");
            if (!Enum.TryParse(Text("scheduler"), out RenewalScheduler scheduler)) throw new FormatException("unknown scheduler");
            return new CertRenewal(Text("name"), scheduler, RenewalJob.ParseTimeOfDay(Text("at")), Texts("paths"), Text("ca"),
                Text("script"), Text("log"), Text("state"), Texts("schedulerFiles"));
        }

        /// <summary>Fills LastRun, LastOutcome and LastSummary from the script's state file (ignored when unreadable: the job may never have run).</summary>
        internal void ReadState(string json)
        {
            if (!(new Internal.MiniJson(json).ParseDocument() is Dictionary<string, object?> map)) return;
            if (map.TryGetValue("LastRun", out object? run) && run is string r
                && DateTime.TryParse(r, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out DateTime when))
            {
                LastRun = when.ToUniversalTime();
            }
            LastOutcome = map.TryGetValue("LastOutcome", out object? o) ? o as string : null;
            LastSummary = map.TryGetValue("Summary", out object? s) ? s as string : null;
        }
    }
}
