using System.Management.Automation;
using System.Text;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.Revocation;

namespace PkiTools.Commands
{
    /// <summary>
    /// Import-Crl: reads CRL files (PEM "X509 CRL" or DER) into the CRL objects New-Crl writes and Test-CertChain -Crl
    /// takes, so that <c>Test-CertChain $leaf -TrustedRoot $root -Crl (Import-Crl ./ca.crl)</c> works.
    /// </summary>
    [Cmdlet(VerbsData.Import, "Crl", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(CertificateRevocationList))]
    public sealed class ImportCrlCommand : PkiCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const string TextSet = "Text";

        private readonly StringBuilder _text = new StringBuilder();

        [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "FullName")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        /// <summary>PEM text from the pipeline (whole strings or the lines Get-Content sends).</summary>
        [Parameter(ParameterSetName = TextSet, Mandatory = true, ValueFromPipeline = true)]
        [AllowEmptyString]
        public string[]? Pem { get; set; }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == TextSet)
            {
                foreach (string line in Pem!) _text.Append(line).Append('\n');
                return;
            }
            bool literal = ParameterSetName == LiteralPathSet;
            ForEachInputFile(literal ? LiteralPath! : Path!, literal, (file, data) => Emit(CertificateRevocationList.Parse(data), file));
        }

        protected override void EndProcessing()
        {
            if (ParameterSetName == TextSet)
            {
                Guard(() => Emit(CertificateRevocationList.Parse(Encoding.UTF8.GetBytes(_text.ToString())), "the pipeline"));
            }
        }

        private void Emit(CertificateRevocationList crl, string source)
        {
            WriteVerbose($"Read CRL {crl.CrlNumber ?? "-"} of '{crl.Issuer}' ({crl.RevokedCount} revoked) from {source}.");
            WriteObject(crl);
        }
    }
}
