using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace PkiTools.Core.Renewal.Schedule
{
    /// <summary>Which scheduler runs a renewal job. <see cref="Auto"/>: systemd when it is running, cron on other Unix systems, Task Scheduler on Windows.</summary>
    public enum RenewalScheduler
    {
        Auto,
        Systemd,
        Cron,
        TaskScheduler,
    }

    /// <summary>How the scheduler starts PowerShell: a program (pwsh, or dotnet) and the arguments that come before ours (pwsh.dll for dotnet).</summary>
    public sealed class PowerShellCommand
    {
        public PowerShellCommand(string program, params string[] leadingArguments)
        {
            Program = program;
            LeadingArguments = leadingArguments;
        }

        public string Program { get; }

        public IReadOnlyList<string> LeadingArguments { get; }

        /// <summary>The full argument list that runs <paramref name="script"/> without a profile or a prompt (pwsh takes its switches in any case).</summary>
        public IReadOnlyList<string> ArgumentsFor(string script) =>
            LeadingArguments.Concat(new[] { "-noprofile", "-noninteractive", "-file", script }).ToArray();
    }

    /// <summary>
    /// One scheduled renewal, as Register-CertRenewal is asked for it: the certificates and the CA, the renewal options
    /// Invoke-CertRenewal takes, when to run, and where the CA key password comes from (never the password itself).
    /// </summary>
    public sealed class RenewalJob
    {
        private static readonly Regex NamePattern = new Regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", RegexOptions.CultureInvariant);

        public RenewalJob(string name, IReadOnlyList<string> paths, string ca, string moduleManifest, PowerShellCommand powerShell)
        {
            CheckName(name);
            if (paths.Count == 0) throw new PkiException(PkiErrorCode.InvalidArgument, "A renewal job needs at least one certificate file or folder.", null, name, null, "Path");
            foreach (string value in paths.Concat(new[] { ca, moduleManifest, powerShell.Program }))
            {
                CheckPathText(value);
            }
            Name = name;
            Paths = paths.ToArray();
            Ca = ca;
            ModuleManifest = moduleManifest;
            PowerShell = powerShell;
        }

        /// <summary>The job's name: letters, digits, '.', '_' and '-' (it becomes part of unit, task and file names).</summary>
        public string Name { get; }

        public IReadOnlyList<string> Paths { get; }

        public string Ca { get; }

        /// <summary>The PkiTools.psd1 the script imports (the one loaded when the job was registered).</summary>
        public string ModuleManifest { get; }

        public PowerShellCommand PowerShell { get; }

        public int? RenewBeforeDays { get; set; }

        public string? DeployHook { get; set; }

        public string? PostHook { get; set; }

        /// <summary>The time of day (local) the job starts, before the random delay; null: midnight ("daily").</summary>
        public TimeSpan? At { get; set; }

        public string? CaPasswordFile { get; set; }

        /// <summary>The systemd credential that holds the CA key password; null: PkiTools' default name.</summary>
        public string? CaPasswordCredential { get; set; }

        /// <summary>The time of day the job starts: <see cref="At"/>, or 00:00.</summary>
        public TimeSpan TimeOfDay => At ?? TimeSpan.Zero;

        /// <summary>What Get-CertRenewal shows: "daily 03:30, random delay up to 1h".</summary>
        public string ScheduleText => Describe(TimeOfDay);

        internal static string Describe(TimeSpan timeOfDay) =>
            "daily " + timeOfDay.ToString(@"hh\:mm", CultureInfo.InvariantCulture) + ", random delay up to 1h";

        /// <summary>Refuses a job name that could not be part of a unit, task or file name.</summary>
        public static void CheckName(string name)
        {
            if (name == null || !NamePattern.IsMatch(name))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"'{name}' is not a usable job name: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.", null, name, null, "Name");
            }
        }

        /// <summary>Parses a time of day such as "03:30" or "3:30" (24-hour clock).</summary>
        public static TimeSpan ParseTimeOfDay(string text)
        {
            Match m = Regex.Match(text?.Trim() ?? "", @"^([01]?\d|2[0-3]):([0-5]\d)$", RegexOptions.CultureInvariant);
            if (!m.Success)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"'{text}' is not a time of day: give hours and minutes on the 24-hour clock, such as 03:30.", null, text, null, "At");
            }
            return new TimeSpan(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), 0);
        }

        // A line break or NUL cannot be carried through a unit file, a crontab line or a task's arguments.
        private static void CheckPathText(string value)
        {
            if (value.IndexOfAny(new[] { '\n', '\r', '\0' }) >= 0)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"The path '{value.Replace("\n", "\\n").Replace("\r", "\\r").Replace("\0", "\\0")}' contains a line break or NUL, which a scheduler cannot carry.", null, value);
            }
        }
    }
}
