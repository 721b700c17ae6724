using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.Formats;

namespace PkiTools.Commands
{
    /// <summary>
    /// Import-Cert: reads certificates from PEM (one or many, with or without a key), DER, PFX/P12 (certificates, key
    /// and chain) or P7B (PEM or DER), detecting the format from the content. Keys are attached to their certificate;
    /// the other certificates of a file are remembered as the first one's chain for Export-Cert -IncludeChain.
    /// </summary>
    [Cmdlet(VerbsData.Import, "Cert", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(X509Certificate2))]
    public sealed class ImportCertCommand : PkiCmdlet
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

        /// <summary>The password of a PFX or of an encrypted key in a PEM file.</summary>
        [Parameter]
        public SecureString? Password { get; set; }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == TextSet)
            {
                foreach (string line in Pem!) _text.Append(line).Append('\n');
                return;
            }
            ForEachInputFile(ParameterSetName == LiteralPathSet ? LiteralPath! : Path!, ParameterSetName == LiteralPathSet,
                (file, data) => Emit(Passwords.With(Password, pw => CertificateFiles.Read(data, pw, file)), file));
        }

        protected override void EndProcessing()
        {
            if (ParameterSetName == TextSet)
            {
                Guard(() => Emit(Passwords.With(Password, pw => CertificateFiles.Read(Encoding.UTF8.GetBytes(_text.ToString()), pw, "the pipeline")), "the pipeline"));
            }
        }

        private void Emit(CertificateFileContents contents, string source)
        {
            IReadOnlyList<X509Certificate2> certificates = PipelineCertificates.From(contents);
            WriteVerbose($"Read {certificates.Count} certificate(s) from {source}.");
            foreach (X509Certificate2 certificate in certificates) WriteObject(certificate);
        }
    }
}
