using System.Management.Automation;
using System.Text;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.X509;

namespace PkiTools.Commands
{
    /// <summary>
    /// Import-Csr: reads PKCS#10 request files (PEM "CERTIFICATE REQUEST" or DER) into the CSR objects New-Csr makes,
    /// so that <c>Import-Csr ./web.csr | Invoke-CaSign -Issuer $root</c> works. The signature is verified on reading
    /// (SignatureValid); Invoke-CaSign refuses a request whose signature does not verify.
    /// </summary>
    [Cmdlet(VerbsData.Import, "Csr", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(CertificateSigningRequest))]
    public sealed class ImportCsrCommand : PkiCmdlet
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
            ForEachInputFile(literal ? LiteralPath! : Path!, literal, (file, data) => Emit(CertificateSigningRequest.Parse(data), file));
        }

        protected override void EndProcessing()
        {
            if (ParameterSetName == TextSet)
            {
                Guard(() => Emit(CertificateSigningRequest.Parse(Encoding.UTF8.GetBytes(_text.ToString())), "the pipeline"));
            }
        }

        private void Emit(CertificateSigningRequest csr, string source)
        {
            WriteVerbose($"Read the request for '{csr.Subject}' from {source}; its signature {(csr.SignatureValid ? "verifies" : "does NOT verify")}.");
            if (!csr.SignatureValid) WriteWarning($"The signature of the request in {source} does not verify: Invoke-CaSign will refuse it.");
            WriteObject(csr);
        }
    }
}
