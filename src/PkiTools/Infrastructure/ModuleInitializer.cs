using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// Runs when Import-Module loads PkiTools.dll. PowerShell's built-in X509Certificate2 table view (Thumbprint, Subject,
    /// EnhancedKeyUsageList) is loaded before any module's FormatsToProcess, and the first view loaded for a type is its
    /// default, so module/PkiTools.Certificate.Format.ps1xml is prepended here instead (Update-FormatData -PrependPath),
    /// once per session: then our table is the default for every certificate in the session.
    /// Import time matters (issue 14): no script is parsed and the Microsoft.PowerShell.Utility module is not
    /// auto-loaded for this: Update-FormatData is invoked through its CmdletInfo, and "already prepended" is read from the
    /// session's format entries, not from Get-FormatData.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer
    {
        public const string CertificateViewName = "PkiTools.X509Certificate2";
        private const string CertificateViewFile = "PkiTools.Certificate.Format.ps1xml";

        public void OnImport()
        {
            string? view = ModuleFile(Path.Combine("module", CertificateViewFile));
            if (view == null) return;
            try
            {
                InitialSessionState? session = Runspace.DefaultRunspace?.InitialSessionState;
                if (session != null && session.Formats.Any(f => f.FileName != null && string.Equals(Path.GetFileName(f.FileName), CertificateViewFile, StringComparison.OrdinalIgnoreCase)))
                {
                    return;
                }
                using PowerShell ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
                CommandInfo? update = UpdateFormatData();
                (update != null ? ps.AddCommand(update) : ps.AddCommand(@"Microsoft.PowerShell.Utility\Update-FormatData")).AddParameter("PrependPath", view);
                ps.Invoke();
            }
            catch (Exception)
            {
                // No current runspace (a host importing on another thread) or format data it refuses: the view is a
                // convenience, the module works without it, and PowerShell's own certificate view stays the default.
            }
        }

        /// <summary>
        /// A file of the module folder (the folder of PkiTools.psd1): the assembly is in bin/ (netstandard2.0) or in a
        /// folder under it (bin/net10.0, the ReadyToRun build PowerShell 7 loads), so the nearest ancestor that has it.
        /// </summary>
        internal static string? ModuleFile(string relative)
        {
            string? dir = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location);
            for (int up = 0; dir != null && up < 3; up++, dir = Path.GetDirectoryName(dir))
            {
                string candidate = Path.Combine(dir, relative);
                if (File.Exists(candidate)) return candidate;
            }
            return null;
        }

        /// <summary>Update-FormatData's cmdlet type, from the engine's own Microsoft.PowerShell.Commands.Utility (same version
        /// and key as System.Management.Automation in Windows PowerShell 5.1 and PowerShell 7); null if it is not there.</summary>
        private static CommandInfo? UpdateFormatData()
        {
            string engine = typeof(PSObject).Assembly.FullName ?? string.Empty;
            int comma = engine.IndexOf(',');
            if (comma < 0) return null;
            Type? type = Type.GetType("Microsoft.PowerShell.Commands.UpdateFormatDataCommand, Microsoft.PowerShell.Commands.Utility" + engine.Substring(comma), throwOnError: false);
            return type == null ? null : new CmdletInfo("Update-FormatData", type);
        }
    }
}
