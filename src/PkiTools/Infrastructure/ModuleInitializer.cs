using System.IO;
using System.Management.Automation;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// Runs when Import-Module loads PkiTools.dll. PowerShell's built-in X509Certificate2 table view (Thumbprint, Subject,
    /// EnhancedKeyUsageList) is loaded before any module's FormatsToProcess, and the first view loaded for a type is its
    /// default, so module/PkiTools.Certificate.Format.ps1xml is prepended here instead (Update-FormatData -PrependPath),
    /// once per session: then our table is the default for every certificate in the session.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer
    {
        public const string CertificateViewName = "PkiTools.X509Certificate2";

        public void OnImport()
        {
            string? bin = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location);
            if (bin == null) return;
            string view = Path.Combine(Path.GetDirectoryName(bin) ?? bin, "module", "PkiTools.Certificate.Format.ps1xml");
            if (!File.Exists(view)) return;
            try
            {
                using PowerShell ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
                ps.AddScript(@"param($view, $name)
                $loaded = Microsoft.PowerShell.Utility\Get-FormatData -TypeName System.Security.Cryptography.X509Certificates.X509Certificate2 -ErrorAction Ignore
                if (-not ($loaded | Where-Object { $_.FormatViewDefinition.Name -contains $name })) {
                    Microsoft.PowerShell.Utility\Update-FormatData -PrependPath $view
                }").AddArgument(view).AddArgument(CertificateViewName);
                ps.Invoke();
            }
            catch (System.Exception)
            {
                // No current runspace (a host importing on another thread) or format data it refuses: the view is a
                // convenience, the module works without it, and PowerShell's own certificate view stays the default.
            }
        }
    }
}
