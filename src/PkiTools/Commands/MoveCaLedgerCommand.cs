using System.Management.Automation;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core;
using PkiTools.Core.Ca;

namespace PkiTools.Commands
{
    /// <summary>
    /// Move-CaLedger: moves a CA's ledger from index.txt into PostgreSQL (every entry copied, revocation reasons
    /// included, the counts and entries checked, then ledger.json written and index.txt renamed index.txt.moved), or
    /// back (-To IndexTxt: index.txt and crlnumber written from the database, ledger.json removed). Returns the CA.
    /// </summary>
    [Cmdlet(VerbsCommon.Move, "CaLedger", SupportsShouldProcess = true)]
    [OutputType(typeof(CaDirectory))]
    public sealed class MoveCaLedgerCommand : CaCmdlet, IDynamicParameters
    {
        private readonly LedgerParameters _ledger = new LedgerParameters();

        /// <summary>-LedgerConnection and -LedgerCredential, shared with New-Ca.</summary>
        public object GetDynamicParameters() => _ledger;

        /// <summary>The CA: an object from New-Ca or Get-Ca, or its directory.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        [CaArgumentTransformation]
        public CaArgument? Ca { get; set; }

        /// <summary>Where the ledger goes: PostgreSql (with -LedgerConnection) or IndexTxt.</summary>
        [Parameter(Mandatory = true)]
        public CaLedgerType To { get; set; }



        protected override void ProcessRecord()
        {
            Guard(() =>
            {
                string? password = _ledger.Password();
                CaEnvironment? environment = password == null ? null : new CaEnvironment { LedgerPassword = password };
                if (To == CaLedgerType.PostgreSql)
                {
                    string connection = _ledger.Connection(To)!;
                    CaDirectory ca = OpenCa(Ca);
                    if (!ShouldProcess(ca.Folder, $"Move the ledger of '{ca.Subject}' from index.txt into PostgreSQL ({connection}); index.txt becomes index.txt.moved")) return;
                    int count = CaLedgerMove.ToPostgreSql(ca, connection, password);
                    WriteVerbose($"Copied {count} ledger entries of '{ca.Subject}' into PostgreSQL and checked them; wrote {System.IO.Path.Combine(ca.Folder, CaLedgerLocation.FileName)}, renamed index.txt to index.txt{CaDirectory.MovedSuffix}.");
                    WriteObject(CaDirectory.Open(ca.Folder, environment));
                }
                else
                {
                    if (_ledger.LedgerConnection != null) WriteWarning("-LedgerConnection has no effect with -To IndexTxt: the CA folder's ledger.json says where the ledger is.");
                    CaDirectory ca = OpenCa(Ca, environment);
                    if (!ShouldProcess(ca.Folder, $"Move the ledger of '{ca.Subject}' from {ca.Ledger} back to index.txt; ledger.json is removed")) return;
                    int count = CaLedgerMove.ToIndexTxt(ca);
                    WriteVerbose($"Wrote {count} ledger entries of '{ca.Subject}' to index.txt and removed ledger.json; the rows stay in the database.");
                    WriteObject(CaDirectory.Open(ca.Folder));
                }
            });
        }
    }

    /// <summary>Export-CaLedger: writes the CA's ledger (index.txt or PostgreSQL) as an openssl ca-readable index.txt snapshot.</summary>
    [Cmdlet(VerbsData.Export, "CaLedger", SupportsShouldProcess = true)]
    [OutputType(typeof(System.IO.FileInfo))]
    public sealed class ExportCaLedgerCommand : CaCmdlet
    {
        /// <summary>The CA: an object from New-Ca or Get-Ca, or its directory.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        [CaArgumentTransformation]
        public CaArgument? Ca { get; set; }

        /// <summary>The format: IndexTxt (openssl ca's database).</summary>
        [Parameter]
        public CaLedgerExportFormat Format { get; set; } = CaLedgerExportFormat.IndexTxt;

        /// <summary>The file to write.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>Replace an existing file.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            Guard(() =>
            {
                CaDirectory ca = OpenCa(Ca);
                string path = ResolveOutputPath(Path!);
                if (!ShouldProcess(path, $"Export the ledger of '{ca.Subject}' as index.txt")) return;
                int count = CaLedgerMove.Export(ca, path, Force);
                WriteVerbose($"Wrote {count} ledger entries of '{ca.Subject}' ({ca.Ledger}) to {path}.");
                WriteObject(new System.IO.FileInfo(path));
            });
        }
    }

    /// <summary>Export-CaLedger -Format.</summary>
    public enum CaLedgerExportFormat
    {
        /// <summary>OpenSSL's index.txt.</summary>
        IndexTxt,
    }
}
