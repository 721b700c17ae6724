using System;
using System.IO;
using System.Linq;
using PkiTools.Core.Renewal.Schedule;
using Xunit;

namespace PkiTools.Core.Tests.Renewal.Schedule
{
    public class SystemdUnitsTests
    {
        private static string? Find(string program) =>
            (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

        /// <summary>systemd-analyze verify on the two units; its exit code and output.</summary>
        private static (int ExitCode, string Output) Verify(string service, string timer)
        {
            using var folder = new PkiTools.Tests.TempDir();
            string s = folder.File(RenewalLocations.ServiceName("web")), t = folder.File(RenewalLocations.TimerName("web"));
            File.WriteAllText(s, service);
            File.WriteAllText(t, timer);
            var result = PkiTools.Tests.OpenSsl.RunProgram("systemd-analyze", null, null, "verify", s, t);
            return (result.ExitCode, result.All);
        }

        [Fact]
        public void Units_pass_systemd_analyze_verify_with_odd_paths()
        {
            Assert.True(Find("systemd-analyze") != null, "systemd-analyze is not installed (apt-get install systemd)");
            // ExecStart must name an executable that exists: the dotnet host stands in for pwsh here.
            RenewalJob job = ScheduleFixture.Job(pwsh: new FileInfo(Find("dotnet")!).FullName);
            var (code, output) = Verify(SystemdUnits.Service(job, ScheduleFixture.OddFolder + "/web.ps1"), SystemdUnits.Timer(job));
            Assert.True(code == 0, output);
        }

        [Fact]
        public void Verify_catches_what_would_break_the_units()
        {
            // So that the test above can fail: a missing executable and a broken calendar are refused.
            RenewalJob job = ScheduleFixture.Job(pwsh: "/nonexistent/pwsh");
            Assert.NotEqual(0, Verify(SystemdUnits.Service(job, "/x.ps1"), SystemdUnits.Timer(job)).ExitCode);
            RenewalJob good = ScheduleFixture.Job(pwsh: new FileInfo(Find("dotnet")!).FullName);
            Assert.NotEqual(0, Verify(SystemdUnits.Service(good, "/x.ps1"), SystemdUnits.Timer(good).Replace("03:30:00", "25:99:00")).ExitCode);
        }

        [Fact]
        public void Service_and_timer_say_what_the_issue_asks()
        {
            RenewalJob job = ScheduleFixture.Job();
            string service = SystemdUnits.Service(job, "/etc/pkitools/renewal/web.ps1");
            string timer = SystemdUnits.Timer(job);
            Assert.Contains("\nType=oneshot\n", service);
            Assert.Contains("\nLoadCredential=pkitools-ca-password:/srv/it's a ‘pki’ $HOME 100%%/ca.pw\n", service);
            Assert.Contains("\nExecStart=\"/usr/bin/pwsh\" \"-noprofile\" \"-noninteractive\" \"-file\" \"/etc/pkitools/renewal/web.ps1\"\n", service);
            Assert.Contains("\nOnCalendar=*-*-* 03:30:00\n", timer);
            Assert.Contains("\nPersistent=true\n", timer);
            Assert.Contains("\nRandomizedDelaySec=1h\n", timer);
            Assert.Contains("\nWantedBy=timers.target\n", timer);
        }

        [Theory]
        [InlineData("/a b/c", "\"/a b/c\"")]
        [InlineData("it's", "\"it's\"")]
        [InlineData("say \"hi\"", "\"say \\\"hi\\\"\"")]
        [InlineData(@"C:\x", "\"C:\\\\x\"")]
        [InlineData("$HOME 100%", "\"$$HOME 100%%\"")]
        public void ExecStart_words_are_quoted_for_systemd(string word, string quoted) => Assert.Equal(quoted, SystemdUnits.Quote(word));

        [Fact]
        public void A_named_credential_is_what_LoadCredential_gives_the_file()
        {
            RenewalJob job = ScheduleFixture.Job();
            job.CaPasswordCredential = "issuing-pw";
            Assert.Contains("\nLoadCredential=issuing-pw:", SystemdUnits.Service(job, "/x.ps1"));
            job.CaPasswordFile = null;
            Assert.DoesNotContain("LoadCredential", SystemdUnits.Service(job, "/x.ps1"));
        }
    }
}
