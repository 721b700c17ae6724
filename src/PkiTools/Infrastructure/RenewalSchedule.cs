using System;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using PkiTools.Core.Trust;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// What Register-, Unregister- and Get-CertRenewal share: this machine as the core's environment, and the PowerShell
    /// a scheduler should start. PKITOOLS_SCHEDULE_ROOT, when set, puts every system path (/etc, /var, /run) and the
    /// home folder under that folder: how the tests (and a dry run) register jobs without touching the machine.
    /// </summary>
    internal static class RenewalSchedule
    {
        public static TrustEnvironment Environment()
        {
            TrustEnvironment current = TrustEnvironment.Current;
            string? root = System.Environment.GetEnvironmentVariable("PKITOOLS_SCHEDULE_ROOT");
            if (string.IsNullOrEmpty(root)) return current;
            return new TrustEnvironment(current.Runner, current.Platform, Path.Combine(root, "home"),
                name => name == "XDG_CONFIG_HOME" || name == "XDG_STATE_HOME" || name == "ProgramData" || name == "LOCALAPPDATA"
                    ? Path.Combine(root, name) : current.Variable(name),
                current.IsElevated, root);
        }

        /// <summary>
        /// The running pwsh (its executable), else pwsh on PATH, else dotnet with the pwsh.dll this engine came from (the
        /// `dotnet pwsh` tool); null when none is known.
        /// </summary>
        public static Core.Renewal.Schedule.PowerShellCommand? PowerShell()
        {
            string? process = null;
            try
            {
                process = Process.GetCurrentProcess().MainModule?.FileName;
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is System.ComponentModel.Win32Exception || ex is NotSupportedException)
            {
            }
            string? processName = process == null ? null : Path.GetFileNameWithoutExtension(process);
            if (string.Equals(processName, "pwsh", StringComparison.OrdinalIgnoreCase) || string.Equals(processName, "powershell", StringComparison.OrdinalIgnoreCase))
            {
                return new Core.Renewal.Schedule.PowerShellCommand(process!);
            }
            string? onPath = SystemProcessRunner.Find("pwsh");
            if (onPath != null) return new Core.Renewal.Schedule.PowerShellCommand(Path.GetFullPath(onPath));
            string engineFolder = Path.GetDirectoryName(typeof(PSObject).Assembly.Location) ?? "";
            string pwshDll = Path.Combine(engineFolder, "pwsh.dll");
            if (string.Equals(processName, "dotnet", StringComparison.OrdinalIgnoreCase) && File.Exists(pwshDll))
            {
                return new Core.Renewal.Schedule.PowerShellCommand(process!, pwshDll);
            }
            return null;
        }
    }
}
