using System;
using System.IO;
using System.Linq;
using PkiTools.Core.Renewal.Schedule;
using PkiTools.Core.Trust;
using Xunit;

namespace PkiTools.Core.Tests.Renewal.Schedule
{
    public class RenewalRegistrarTests
    {
        [Fact]
        public void Cron_registration_twice_updates_the_one_entry()
        {
            using var f = new ScheduleFixture();
            f.Crontab = "5 4 * * * /usr/local/bin/backup\n";
            CertRenewal first = f.Registrar.Register(f.Registrar.PlanRegister(ScheduleFixture.Job(), RenewalScheduler.Auto));
            Assert.Equal(RenewalScheduler.Cron, first.Scheduler); // no /run/systemd/system
            f.Registrar.Register(f.Registrar.PlanRegister(ScheduleFixture.Job(at: new TimeSpan(5, 15, 0)), RenewalScheduler.Cron));

            Assert.StartsWith("5 4 * * * /usr/local/bin/backup\n# pkitools-renew:web\n15 5 * * * ", f.Crontab);
            Assert.Single(CronTable.Jobs(f.Crontab!));
            Assert.Equal(2, f.Crontab!.Split('\n').Count(l => l.Contains("pkitools-renew:web") || l.Contains("web.ps1")));
            Assert.True(File.Exists(Path.Combine(f.Root, "etc/pkitools/renewal/web.ps1")));
            Assert.EndsWith(" -file " + Path.Combine(f.Root, "etc/pkitools/renewal/web.ps1"), CronTable.Jobs(f.Crontab!)["web"]);

            CertRenewal listed = f.Registrar.List().Single();
            Assert.Equal(("web", RenewalScheduler.Cron, "daily 05:15, random delay up to 1h", true), (listed.Name, listed.Scheduler, listed.Schedule, listed.Scheduled));
            Assert.Equal(ScheduleFixture.OddFolder + "/issuing", listed.Ca);
            Assert.Equal(new DateTime(2026, 12, 7, 5, 15, 0), listed.NextRun);
            Assert.Null(listed.LastRun);
        }

        [Fact]
        public void Systemd_registration_writes_units_and_enables_the_timer_and_again_replaces_them()
        {
            using var f = new ScheduleFixture(systemd: true);
            RenewalPlan plan = f.Registrar.PlanRegister(ScheduleFixture.Job(), RenewalScheduler.Auto);
            Assert.Equal(RenewalScheduler.Systemd, plan.Scheduler);
            Assert.Empty(f.Runner.Calls); // planning (what -WhatIf shows) runs nothing and writes nothing
            Assert.False(Directory.Exists(Path.Combine(f.Root, "etc")));
            Assert.Contains("run systemctl enable --now pkitools-renew-web.timer", plan.Describe());

            f.Registrar.Register(plan);
            f.Registrar.Register(f.Registrar.PlanRegister(ScheduleFixture.Job(at: new TimeSpan(1, 0, 0)), RenewalScheduler.Systemd));

            string units = Path.Combine(f.Root, "etc/systemd/system");
            Assert.Equal(new[] { "pkitools-renew-web.service", "pkitools-renew-web.timer" }, Directory.GetFiles(units).Select(Path.GetFileName).OrderBy(n => n).ToArray());
            Assert.Contains("OnCalendar=*-*-* 01:00:00", File.ReadAllText(Path.Combine(units, "pkitools-renew-web.timer")));
            Assert.Equal(new[] { "systemctl daemon-reload", "systemctl enable --now pkitools-renew-web.timer", "systemctl daemon-reload", "systemctl enable --now pkitools-renew-web.timer" }, f.Runner.Lines);
            Assert.True(f.Registrar.List().Single().Scheduled);
        }

        [Fact]
        public void A_user_gets_the_user_manager_and_XDG_folders()
        {
            using var f = new ScheduleFixture(systemd: true, root: false);
            CertRenewal job = f.Registrar.Register(f.Registrar.PlanRegister(ScheduleFixture.Job(), RenewalScheduler.Systemd));
            Assert.Equal(Path.Combine(f.Root, "home/.config/pkitools/renewal/web.ps1"), job.ScriptPath);
            Assert.Equal(Path.Combine(f.Root, "home/.local/state/pkitools/web.jsonl"), job.LogPath);
            Assert.True(File.Exists(Path.Combine(f.Root, "home/.config/systemd/user/pkitools-renew-web.timer")));
            Assert.Equal(new[] { "systemctl --user daemon-reload", "systemctl --user enable --now pkitools-renew-web.timer" }, f.Runner.Lines);
        }

        [Fact]
        public void Unregister_disables_the_timer_deletes_the_files_and_reloads()
        {
            using var f = new ScheduleFixture(systemd: true);
            CertRenewal job = f.Registrar.Register(f.Registrar.PlanRegister(ScheduleFixture.Job(), RenewalScheduler.Systemd));
            File.WriteAllText(job.LogPath, "{}\n");
            f.Runner.Calls.Clear();
            f.Registrar.Unregister(f.Registrar.PlanUnregister("web")!);

            Assert.Equal(new[] { "systemctl disable --now pkitools-renew-web.timer", "systemctl daemon-reload" }, f.Runner.Lines);
            Assert.Empty(Directory.GetFiles(Path.Combine(f.Root, "etc/systemd/system")));
            Assert.Empty(Directory.GetFiles(Path.Combine(f.Root, "etc/pkitools/renewal")));
            Assert.True(File.Exists(job.LogPath)); // the history stays
            Assert.Null(f.Registrar.PlanUnregister("web"));
            Assert.Empty(f.Registrar.List());
        }

        [Fact]
        public void Unregister_from_cron_leaves_the_other_lines()
        {
            using var f = new ScheduleFixture();
            f.Crontab = "MAILTO=ops\n";
            f.Registrar.Register(f.Registrar.PlanRegister(ScheduleFixture.Job("a"), RenewalScheduler.Cron));
            f.Registrar.Register(f.Registrar.PlanRegister(ScheduleFixture.Job("b"), RenewalScheduler.Cron));
            f.Registrar.Unregister(f.Registrar.PlanUnregister("a")!);
            Assert.Equal(new[] { "b" }, CronTable.Jobs(f.Crontab!).Keys.ToArray());
            Assert.StartsWith("MAILTO=ops\n# pkitools-renew:b\n", f.Crontab);
            Assert.Equal(new[] { "b" }, f.Registrar.List().Select(j => j.Name).ToArray());
        }

        [Fact]
        public void Moving_a_job_to_another_scheduler_takes_it_out_of_the_first()
        {
            using var f = new ScheduleFixture(systemd: true);
            f.Registrar.Register(f.Registrar.PlanRegister(ScheduleFixture.Job(), RenewalScheduler.Cron));
            Assert.Single(CronTable.Jobs(f.Crontab!));
            f.Registrar.Register(f.Registrar.PlanRegister(ScheduleFixture.Job(), RenewalScheduler.Systemd));
            Assert.Empty(CronTable.Jobs(f.Crontab!));
            Assert.Equal(RenewalScheduler.Systemd, f.Registrar.List().Single().Scheduler);
        }

        [Fact]
        public void Windows_registers_the_task_xml_with_schtasks()
        {
            using var f = new ScheduleFixture(platform: TrustPlatform.Windows);
            CertRenewal job = f.Registrar.Register(f.Registrar.PlanRegister(ScheduleFixture.Job(pwsh: "pwsh.exe"), RenewalScheduler.Auto));
            string xml = Path.Combine(f.Root, "ProgramData", "PkiTools", "renewal", "web.task.xml");
            Assert.Equal(RenewalScheduler.TaskScheduler, job.Scheduler);
            Assert.True(File.Exists(xml));
            Assert.Equal(new[] { $"schtasks /Create /XML {xml} /TN 'PkiTools\\Renew-web' /F" }, f.Runner.Lines);
            f.Runner.Calls.Clear();
            f.Registrar.Unregister(f.Registrar.PlanUnregister("web")!);
            Assert.Equal(new[] { "schtasks /Delete /TN 'PkiTools\\Renew-web' /F" }, f.Runner.Lines);
            Assert.False(File.Exists(xml));
        }

        [Theory]
        [InlineData(RenewalScheduler.Systemd, "systemd is not the running service manager")]
        [InlineData(RenewalScheduler.TaskScheduler, "Task Scheduler exists on Windows only")]
        public void A_scheduler_that_is_not_here_is_SchedulerUnavailable(RenewalScheduler scheduler, string reason)
        {
            using var f = new ScheduleFixture();
            var ex = Assert.Throws<PkiException>(() => f.Registrar.PlanRegister(ScheduleFixture.Job(), scheduler));
            Assert.Equal(PkiErrorCode.SchedulerUnavailable, ex.Code);
            Assert.Contains(reason, ex.Message);
        }

        [Fact]
        public void No_crontab_program_is_SchedulerUnavailable_naming_the_package()
        {
            using var f = new ScheduleFixture();
            f.Runner.Installed.Clear();
            var ex = Assert.Throws<PkiException>(() => f.Registrar.PlanRegister(ScheduleFixture.Job(), RenewalScheduler.Auto));
            Assert.Equal(PkiErrorCode.SchedulerUnavailable, ex.Code);
            Assert.Contains("apt-get install cron", ex.Message);
        }

        [Fact]
        public void A_refusing_systemctl_is_SchedulerUnavailable_with_its_words()
        {
            using var f = new ScheduleFixture(systemd: true);
            f.Runner.On(new[] { "enable" }, 1, "", "Failed to connect to bus: No medium found\n");
            var ex = Assert.Throws<PkiException>(() => f.Registrar.Register(f.Registrar.PlanRegister(ScheduleFixture.Job(), RenewalScheduler.Systemd)));
            Assert.Equal(PkiErrorCode.SchedulerUnavailable, ex.Code);
            Assert.Contains("Failed to connect to bus", ex.Message);
            Assert.Contains("systemctl enable --now pkitools-renew-web.timer", ex.Message);
        }

        [Fact]
        public void The_last_run_comes_from_the_state_file_the_script_writes()
        {
            using var f = new ScheduleFixture();
            CertRenewal job = f.Registrar.Register(f.Registrar.PlanRegister(ScheduleFixture.Job(), RenewalScheduler.Cron));
            File.WriteAllText(job.StatePath, "{\n  \"Job\": \"web\",\n  \"LastRun\": \"2026-12-06T03:41:07.1234567Z\",\n  \"LastOutcome\": \"Failed\",\n  \"Renewed\": 1,\n  \"Summary\": \"1 renewed \\u0027x\\u0027\"\n}");
            CertRenewal listed = f.Registrar.List(n => n == "web").Single();
            Assert.Equal(new DateTime(2026, 12, 6, 3, 41, 7, DateTimeKind.Utc).AddTicks(1234567), listed.LastRun);
            Assert.Equal(DateTimeKind.Utc, listed.LastRun!.Value.Kind);
            Assert.Equal("Failed", listed.LastOutcome);
            Assert.Equal("1 renewed 'x'", listed.LastSummary);
            Assert.Empty(f.Registrar.List(n => n == "other"));
        }

        [Theory]
        [InlineData("")]
        [InlineData("-web")]
        [InlineData("web/../x")]
        [InlineData("a b")]
        [InlineData("web;rm")]
        public void Bad_job_names_are_refused(string name)
        {
            var ex = Assert.Throws<PkiException>(() => RenewalJob.CheckName(name));
            Assert.Equal(PkiErrorCode.InvalidArgument, ex.Code);
        }

        [Theory]
        [InlineData("03:30", 3, 30)]
        [InlineData("3:05", 3, 5)]
        [InlineData("23:59", 23, 59)]
        public void Times_of_day_parse(string text, int h, int m) => Assert.Equal(new TimeSpan(h, m, 0), RenewalJob.ParseTimeOfDay(text));

        [Theory]
        [InlineData("24:00")]
        [InlineData("3:60")]
        [InlineData("0330")]
        [InlineData("3pm")]
        public void Bad_times_of_day_are_refused(string text) =>
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => RenewalJob.ParseTimeOfDay(text)).Code);
    }
}
