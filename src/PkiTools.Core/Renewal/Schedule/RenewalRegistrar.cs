using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using PkiTools.Core.IO;
using PkiTools.Core.Trust;

namespace PkiTools.Core.Renewal.Schedule
{
    /// <summary>
    /// What registering or unregistering a job will do, before it is done (what -WhatIf prints): the folders made,
    /// the files written or deleted, and the commands run (systemctl, crontab, schtasks), in order.
    /// </summary>
    public sealed class RenewalPlan
    {
        internal RenewalPlan(string name, RenewalScheduler scheduler, CertRenewal? job)
        {
            Name = name;
            Scheduler = scheduler;
            Job = job;
        }

        public string Name { get; }

        public RenewalScheduler Scheduler { get; }

        /// <summary>The job as it will be registered; null for an unregistration.</summary>
        public CertRenewal? Job { get; }

        public List<string> Folders { get; } = new List<string>();

        public List<OutputFile> Files { get; } = new List<OutputFile>();

        public List<string> Deletions { get; } = new List<string>();

        /// <summary>Commands run before the files are deleted (disable a timer, delete a task).</summary>
        public List<ProcessCall> CommandsBefore { get; } = new List<ProcessCall>();

        /// <summary>Commands run after the files are written or deleted.</summary>
        public List<ProcessCall> Commands { get; } = new List<ProcessCall>();

        /// <summary>The plan as lines a person reads: "write FILE", "delete FILE", "run COMMAND".</summary>
        public IEnumerable<string> Describe() =>
            Folders.Select(f => "create folder " + f)
                .Concat(CommandsBefore.Select(Run))
                .Concat(Files.Select(f => "write " + f.FilePath))
                .Concat(Deletions.Select(d => "delete " + d))
                .Concat(Commands.Select(Run));

        private static string Run(ProcessCall c) => "run " + c + (c.StandardInput != null ? " (the new crontab on standard input)" : "");
    }

    /// <summary>
    /// Registers, unregisters and lists scheduled renewal jobs: writes the job's script and registration record, then
    /// the scheduler's part (systemd units + systemctl, a crontab line through crontab, a task through schtasks).
    /// Every external program runs through the environment's <see cref="IProcessRunner"/>.
    /// </summary>
    public sealed class RenewalRegistrar
    {
        private readonly TrustEnvironment _environment;
        private readonly Func<DateTime> _now;

        public RenewalRegistrar(TrustEnvironment environment, Func<DateTime>? now = null)
        {
            _environment = environment;
            _now = now ?? (() => DateTime.Now);
            Locations = new RenewalLocations(environment);
        }

        public RenewalLocations Locations { get; }

        private bool UserManager => !_environment.IsElevated;

        /// <summary>The scheduler <paramref name="requested"/> means here; throws <see cref="PkiErrorCode.SchedulerUnavailable"/> when it cannot be used.</summary>
        public RenewalScheduler Resolve(RenewalScheduler requested)
        {
            RenewalScheduler scheduler = requested;
            if (scheduler == RenewalScheduler.Auto)
            {
                scheduler = _environment.Platform == TrustPlatform.Windows ? RenewalScheduler.TaskScheduler
                    : Locations.SystemdBooted ? RenewalScheduler.Systemd : RenewalScheduler.Cron;
            }
            switch (scheduler)
            {
                case RenewalScheduler.Systemd:
                    if (_environment.Platform != TrustPlatform.Linux || !Locations.SystemdBooted)
                    {
                        throw Unavailable("systemd is not the running service manager here (/run/systemd/system does not exist; a container usually has none).",
                            new PkiHint("Use {0} (or {1} on Windows) instead.", "Scheduler=Cron", "Scheduler=TaskScheduler"));
                    }
                    RequireProgram("systemctl", "systemd's systemctl");
                    break;
                case RenewalScheduler.Cron:
                    if (_environment.Platform == TrustPlatform.Windows)
                    {
                        throw Unavailable("cron does not exist on Windows.", new PkiHint("Use {0}.", "Scheduler=TaskScheduler"));
                    }
                    RequireProgram("crontab", "crontab (install the cron package: apt-get install cron, dnf install cronie)");
                    break;
                case RenewalScheduler.TaskScheduler:
                    if (_environment.Platform != TrustPlatform.Windows)
                    {
                        throw Unavailable("Task Scheduler exists on Windows only.", new PkiHint("Use {0} or {1}.", "Scheduler=Systemd", "Scheduler=Cron"));
                    }
                    RequireProgram("schtasks", "schtasks.exe");
                    break;
            }
            return scheduler;
        }

        /// <summary>Everything registering <paramref name="job"/> does (read-only: asks crontab -l for the current table).</summary>
        public RenewalPlan PlanRegister(RenewalJob job, RenewalScheduler requested)
        {
            RenewalScheduler scheduler = Resolve(requested);
            string name = job.Name;
            string script = Locations.Script(name);
            var schedulerFiles = new List<string>();
            if (scheduler == RenewalScheduler.Systemd) schedulerFiles.AddRange(new[] { Locations.Service(name), Locations.Timer(name) });
            if (scheduler == RenewalScheduler.TaskScheduler) schedulerFiles.Add(Locations.TaskXml(name));
            var registration = new CertRenewal(name, scheduler, job.TimeOfDay, job.Paths, job.Ca, script, Locations.Log(name), Locations.State(name), schedulerFiles);
            var plan = new RenewalPlan(name, scheduler, registration);

            // Registered before under another scheduler: take it out of that one, so the job never runs twice.
            CertRenewal? previous = Find(name);
            if (previous != null && previous.Scheduler != scheduler)
            {
                AddUnschedule(plan, previous);
            }

            foreach (string folder in new[] { Locations.ScriptFolder, Locations.LogFolder, Locations.StateFolder }
                .Concat(scheduler == RenewalScheduler.Systemd ? new[] { Locations.UnitFolder } : new string[0]).Distinct())
            {
                if (!Directory.Exists(folder)) plan.Folders.Add(folder);
            }
            plan.Files.Add(Text(script, RenewalScript.Generate(job, Locations)));
            plan.Files.Add(Text(Locations.Record(name), registration.ToRecordJson()));
            switch (scheduler)
            {
                case RenewalScheduler.Systemd:
                    plan.Files.Add(Text(Locations.Service(name), SystemdUnits.Service(job, script)));
                    plan.Files.Add(Text(Locations.Timer(name), SystemdUnits.Timer(job)));
                    plan.Commands.Add(Systemctl("daemon-reload"));
                    plan.Commands.Add(Systemctl("enable", "--now", RenewalLocations.TimerName(name)));
                    break;
                case RenewalScheduler.Cron:
                    string table = CronTable.Replace(ReadCrontab(), name, CronTable.Entry(job, script));
                    plan.Commands.Add(new ProcessCall("crontab", new[] { "-" }, standardInput: table));
                    break;
                case RenewalScheduler.TaskScheduler:
                    string user = _environment.IsElevated ? "S-1-5-18"
                        : (_environment.Variable("USERDOMAIN") is string domain ? domain + "\\" : "") + (_environment.Variable("USERNAME") ?? "");
                    var xml = TaskSchedulerXml.Build(job, script, user, _environment.IsElevated, _now());
                    plan.Files.Add(new OutputFile(Locations.TaskXml(name), TaskSchedulerXml.Bytes(xml), secret: false));
                    plan.Commands.Add(new ProcessCall("schtasks", new[] { "/Create", "/XML", Locations.TaskXml(name), "/TN", RenewalLocations.TaskName(name), "/F" }));
                    break;
            }
            return plan;
        }

        /// <summary>Carries out a registration plan: folders, files (replacing the job's own files), then the scheduler's commands.</summary>
        public CertRenewal Register(RenewalPlan plan)
        {
            RunAll(plan.CommandsBefore, plan.Scheduler, tolerateFailure: true);
            foreach (string d in plan.Deletions) Delete(d);
            foreach (string folder in plan.Folders) Directory.CreateDirectory(folder);
            AtomicFileWriter.WriteAll(plan.Files, overwrite: true);
            RunAll(plan.Commands, plan.Scheduler, tolerateFailure: false);
            return Decorate(plan.Job!);
        }

        /// <summary>Everything unregistering the job named <paramref name="name"/> does; null when no such job is registered.</summary>
        public RenewalPlan? PlanUnregister(string name)
        {
            RenewalJob.CheckName(name);
            CertRenewal? job = Find(name);
            if (job == null) return null;
            var plan = new RenewalPlan(name, job.Scheduler, null);
            AddUnschedule(plan, job);
            plan.Deletions.AddRange(new[] { job.ScriptPath, Locations.Record(name), job.StatePath }.Where(File.Exists));
            return plan;
        }

        /// <summary>Carries out an unregistration plan. The log stays (it is the job's history).</summary>
        public void Unregister(RenewalPlan plan)
        {
            RunAll(plan.CommandsBefore, plan.Scheduler, tolerateFailure: true);
            foreach (string d in plan.Deletions) Delete(d);
            RunAll(plan.Commands, plan.Scheduler, tolerateFailure: false);
        }

        /// <summary>The registered jobs (every one, or those whose name matches <paramref name="name"/>), with their last run and whether the scheduler has them.</summary>
        public IReadOnlyList<CertRenewal> List(Func<string, bool>? name = null)
        {
            var jobs = new List<CertRenewal>();
            if (!Directory.Exists(Locations.ScriptFolder)) return jobs;
            string? crontab = null;
            bool crontabRead = false;
            foreach (string record in Directory.GetFiles(Locations.ScriptFolder, "*.json").OrderBy(f => f, StringComparer.Ordinal))
            {
                CertRenewal? job = Read(record);
                if (job == null || (name != null && !name(job.Name))) continue;
                if (job.Scheduler == RenewalScheduler.Cron && !crontabRead)
                {
                    crontabRead = true;
                    try { crontab = ReadCrontab(); } catch (PkiException) { crontab = null; }
                }
                job.Scheduled = job.Scheduler switch
                {
                    RenewalScheduler.Cron => crontab == null ? (bool?)null : CronTable.Jobs(crontab).ContainsKey(job.Name),
                    _ => job.SchedulerFiles.All(File.Exists),
                };
                jobs.Add(Decorate(job));
            }
            return jobs;
        }

        private CertRenewal Decorate(CertRenewal job)
        {
            try
            {
                if (File.Exists(job.StatePath)) job.ReadState(File.ReadAllText(job.StatePath, Encoding.UTF8));
            }
            catch (Exception ex) when (ex is IOException || ex is FormatException || ex is UnauthorizedAccessException)
            {
                // no readable state: shown as never run
            }
            DateTime now = _now();
            DateTime next = now.Date.Add(job.TimeOfDay);
            job.NextRun = next > now ? next : next.AddDays(1);
            return job;
        }

        private CertRenewal? Find(string name) => File.Exists(Locations.Record(name)) ? Read(Locations.Record(name)) : null;

        private static CertRenewal? Read(string record)
        {
            try
            {
                return CertRenewal.FromRecordJson(File.ReadAllText(record, Encoding.UTF8));
            }
            catch (Exception ex) when (ex is IOException || ex is FormatException || ex is UnauthorizedAccessException || ex is PkiException)
            {
                return null;
            }
        }

        // Takes the job out of its scheduler: disable and delete units, drop the crontab lines, delete the task.
        private void AddUnschedule(RenewalPlan plan, CertRenewal job)
        {
            switch (job.Scheduler)
            {
                case RenewalScheduler.Systemd:
                    plan.CommandsBefore.Add(Systemctl("disable", "--now", RenewalLocations.TimerName(job.Name)));
                    plan.Deletions.AddRange(job.SchedulerFiles.Where(File.Exists));
                    plan.Commands.Add(Systemctl("daemon-reload"));
                    break;
                case RenewalScheduler.Cron:
                    string table = CronTable.Remove(ReadCrontab(), job.Name, out bool found);
                    if (found) plan.Commands.Add(new ProcessCall("crontab", new[] { "-" }, standardInput: table));
                    break;
                case RenewalScheduler.TaskScheduler:
                    plan.CommandsBefore.Add(new ProcessCall("schtasks", new[] { "/Delete", "/TN", RenewalLocations.TaskName(job.Name), "/F" }));
                    plan.Deletions.AddRange(job.SchedulerFiles.Where(File.Exists));
                    break;
            }
        }

        private ProcessCall Systemctl(params string[] arguments) =>
            new ProcessCall("systemctl", (UserManager ? new[] { "--user" } : new string[0]).Concat(arguments));

        /// <summary>The user's crontab; empty when there is none yet ("no crontab for ...").</summary>
        private string ReadCrontab()
        {
            ProcessResult result = _environment.Runner.Run(new ProcessCall("crontab", new[] { "-l" }));
            if (result.ExitCode == 0) return result.StandardOutput;
            if (result.Mentions("no crontab")) return "";
            throw Unavailable($"'crontab -l' failed: {result.FirstErrorLine}", null);
        }

        private void RunAll(IEnumerable<ProcessCall> calls, RenewalScheduler scheduler, bool tolerateFailure)
        {
            foreach (ProcessCall call in calls)
            {
                ProcessResult result;
                try
                {
                    result = _environment.Runner.Run(call);
                }
                catch (PkiException ex) when (ex.Code == PkiErrorCode.StoreUnavailable)
                {
                    throw new PkiException(PkiErrorCode.SchedulerUnavailable, ex.Reason, ex, call.Program);
                }
                if (result.ExitCode != 0 && !tolerateFailure)
                {
                    throw Unavailable($"{scheduler} refused the job: '{call}' exited with {result.ExitCode}: {result.FirstErrorLine}. The job's files are in place; run the command again once the cause is fixed.", null);
                }
            }
        }

        private void RequireProgram(string program, string what)
        {
            if (!_environment.Runner.Exists(program))
            {
                throw Unavailable($"{what} was not found on PATH.", null);
            }
        }

        private static PkiException Unavailable(string reason, PkiHint? hint) =>
            new PkiException(PkiErrorCode.SchedulerUnavailable, reason, null, null, hint);

        private static OutputFile Text(string path, string content) => new OutputFile(path, new UTF8Encoding(false).GetBytes(content), secret: false);

        private static void Delete(string path)
        {
            try
            {
                if (File.Exists(path)) File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PkiException(PkiErrorCode.FileWriteFailed, $"Could not delete '{path}': {ex.Message}", ex, path);
            }
        }
    }
}
