using System.Management.Automation;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core;
using PkiTools.Core.Ca;

namespace PkiTools.Commands
{
    /// <summary>
    /// Get-Ca: opens a CA directory: one New-Ca made, an easy-rsa 3 pki, an openssl ca demoCA, or the openssl.cnf of
    /// an openssl ca setup. Tells about anything odd it finds (a torn ledger line, a moved directory) as warnings.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "Ca")]
    [OutputType(typeof(CaDirectory))]
    public sealed class GetCaCommand : CaCmdlet
    {
        /// <summary>CA directories (wildcards allowed), or an openssl ca config file.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        protected override void ProcessRecord()
        {
            foreach (string pattern in Path!)
            {
                Guard(() =>
                {
                    System.Collections.Generic.IReadOnlyList<string> paths;
                    try
                    {
                        paths = ResolveInputPaths(pattern, literal: false);
                    }
                    catch (PkiException ex) when (ex.Code == PkiErrorCode.FileNotFound)
                    {
                        throw new PkiException(PkiErrorCode.CaNotFound, $"'{pattern}' does not exist: give the folder of a CA (New-Ca, easy-rsa pki, openssl demoCA).", ex, pattern);
                    }
                    foreach (string path in paths) Guard(() => WriteObject(OpenCa(CaArgument.From(path))));
                });
            }
        }
    }
}
