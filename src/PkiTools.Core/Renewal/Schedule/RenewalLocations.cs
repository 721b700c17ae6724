using System.IO;
using PkiTools.Core.Trust;

namespace PkiTools.Core.Renewal.Schedule
{
    /// <summary>
    /// Where renewal jobs live on this machine, for this user. Root: scripts in /etc/pkitools/renewal, logs in
    /// /var/log/pkitools, state in /var/lib/pkitools/renewal, units in /etc/systemd/system. Another user: the XDG
    /// folders (~/.config/pkitools/renewal, ~/.local/state/pkitools, ~/.config/systemd/user). Windows:
    /// %ProgramData%\PkiTools\renewal (with logs and state below it) when elevated, %LOCALAPPDATA%\PkiTools\renewal otherwise.
    /// </summary>
    public sealed class RenewalLocations
    {
        private readonly TrustEnvironment _environment;

        public RenewalLocations(TrustEnvironment environment)
        {
            _environment = environment;
            bool windows = environment.Platform == TrustPlatform.Windows;
            if (windows)
            {
                string baseFolder = environment.IsElevated
                    ? environment.Variable("ProgramData") ?? @"C:\ProgramData"
                    : environment.Variable("LOCALAPPDATA") ?? Path.Combine(environment.Home, "AppData", "Local");
                ScriptFolder = Path.Combine(baseFolder, "PkiTools", "renewal");
                LogFolder = Path.Combine(ScriptFolder, "logs");
                StateFolder = Path.Combine(ScriptFolder, "state");
                UnitFolder = ScriptFolder;
            }
            else if (environment.IsElevated)
            {
                ScriptFolder = environment.SystemPath("/etc/pkitools/renewal");
                LogFolder = environment.SystemPath("/var/log/pkitools");
                StateFolder = environment.SystemPath("/var/lib/pkitools/renewal");
                UnitFolder = environment.SystemPath("/etc/systemd/system");
            }
            else
            {
                string config = environment.Variable("XDG_CONFIG_HOME") ?? Path.Combine(environment.Home, ".config");
                string state = environment.Variable("XDG_STATE_HOME") ?? Path.Combine(environment.Home, ".local", "state");
                ScriptFolder = Path.Combine(config, "pkitools", "renewal");
                LogFolder = Path.Combine(state, "pkitools");
                StateFolder = Path.Combine(state, "pkitools", "renewal");
                UnitFolder = Path.Combine(config, "systemd", "user");
            }
        }

        /// <summary>The generated scripts, and beside each its registration record (&lt;Name&gt;.json).</summary>
        public string ScriptFolder { get; }

        public string LogFolder { get; }

        public string StateFolder { get; }

        /// <summary>systemd units (system or user manager).</summary>
        public string UnitFolder { get; }

        /// <summary>Whether systemd is the running service manager: /run/systemd/system exists (what sd_booted checks).</summary>
        public bool SystemdBooted => Directory.Exists(_environment.SystemPath("/run/systemd/system"));

        public string Script(string name) => Path.Combine(ScriptFolder, name + ".ps1");

        public string Record(string name) => Path.Combine(ScriptFolder, name + ".json");

        public string TaskXml(string name) => Path.Combine(ScriptFolder, name + ".task.xml");

        public string Log(string name) => Path.Combine(LogFolder, name + ".jsonl");

        public string State(string name) => Path.Combine(StateFolder, name + ".state.json");

        public static string ServiceName(string name) => "pkitools-renew-" + name + ".service";

        public static string TimerName(string name) => "pkitools-renew-" + name + ".timer";

        public static string TaskName(string name) => @"PkiTools\Renew-" + name;

        public static string CronMarker(string name) => "# pkitools-renew:" + name;

        public string Service(string name) => Path.Combine(UnitFolder, ServiceName(name));

        public string Timer(string name) => Path.Combine(UnitFolder, TimerName(name));
    }
}
