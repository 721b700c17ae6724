using System;
using System.IO;
using PkiTools.Core.Renewal.Schedule;
using PkiTools.Core.Tests.Trust;
using PkiTools.Core.Trust;

namespace PkiTools.Core.Tests.Renewal.Schedule
{
    /// <summary>
    /// A throw-away machine for the schedule tests: a temporary file-system root (with /run/systemd/system when systemd
    /// "runs"), a recording runner that keeps a crontab like the real crontab -l / crontab - do, and a job whose paths
    /// hold spaces and quotes.
    /// </summary>
    public sealed class ScheduleFixture : IDisposable
    {
        private readonly PkiTools.Tests.TempDir _folder = new PkiTools.Tests.TempDir();

        public ScheduleFixture(bool systemd = false, bool root = true, TrustPlatform platform = TrustPlatform.Linux)
        {
            Root = _folder.Path;
            Directory.CreateDirectory(Path.Combine(Root, "home"));
            if (systemd) Directory.CreateDirectory(Path.Combine(Root, "run", "systemd", "system"));
            Runner = new RecordingProcessRunner("crontab", "systemctl", "schtasks");
            Runner.On(c => c.Program == "crontab" && c.Arguments[0] == "-l",
                _ => Crontab == null ? new ProcessResult(1, "", "no crontab for root\n") : new ProcessResult(0, Crontab, ""));
            Runner.On(c => c.Program == "crontab" && c.Arguments[0] == "-", c =>
            {
                Crontab = c.StandardInput;
                return new ProcessResult(0, "", "");
            });
            Environment = new TrustEnvironment(Runner, platform, Path.Combine(Root, "home"),
                name => name == "ProgramData" ? Path.Combine(Root, "ProgramData") : name == "USERNAME" ? "alice" : null, root, Root);
            Registrar = new RenewalRegistrar(Environment, () => new DateTime(2026, 12, 6, 10, 0, 0));
        }

        public string Root { get; }

        public RecordingProcessRunner Runner { get; }

        public TrustEnvironment Environment { get; }

        public RenewalRegistrar Registrar { get; }

        /// <summary>The user's crontab as the fake crontab keeps it; null when there is none.</summary>
        public string? Crontab { get; set; }

        /// <summary>Paths with a space, an apostrophe, a typographic quote, a dollar and a percent sign.</summary>
        public static readonly string OddFolder = "/srv/it's a ‘pki’ $HOME 100%";

        public static RenewalJob Job(string name = "web", string pwsh = "/usr/bin/pwsh", TimeSpan? at = null) =>
            new RenewalJob(name, new[] { OddFolder + "/tls", "/etc/nginx/web.crt" }, OddFolder + "/issuing", "/opt/pki tools/PkiTools.psd1", new PowerShellCommand(pwsh))
            {
                At = at ?? new TimeSpan(3, 30, 0),
                RenewBeforeDays = 30,
                PostHook = "systemctl reload nginx; echo 'done'",
                CaPasswordFile = OddFolder + "/ca.pw",
            };

        public void Dispose() => _folder.Dispose();
    }
}
