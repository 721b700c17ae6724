using System;
using System.Management.Automation;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Commands
{
    /// <summary>
    /// New-Csr: a PKCS#10 certificate signing request for a key from the pipeline (or a new one), the equivalent of
    /// openssl genrsa + openssl req -new. The key rides along on the CSR object to Invoke-CaSign.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "Csr", SupportsShouldProcess = true, DefaultParameterSetName = GenerateKeySet)]
    [OutputType(typeof(CertificateSigningRequest))]
    public sealed class NewCsrCommand : PkiCmdlet
    {
        private const string GenerateKeySet = "GenerateKey";
        private const string ExistingKeySet = "ExistingKey";

        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("DnsNameList")]
        public string[] DnsName { get; set; } = Array.Empty<string>();

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("IPAddresses")]
        public string[] IpAddress { get; set; } = Array.Empty<string>();

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? Subject { get; set; }

        [Parameter(ParameterSetName = ExistingKeySet, Mandatory = true, ValueFromPipeline = true)]
        public PrivateKey? Key { get; set; }

        [Parameter(ParameterSetName = GenerateKeySet)]
        public KeyAlgorithm KeyAlgorithm { get; set; } = KeyAlgorithm.EcdsaP256;

        /// <summary>File stem: writes &lt;Path&gt;.csr, and &lt;Path&gt;.key when the key was generated here.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            Guard(() =>
            {
                PrivateKey key = Key ?? PrivateKey.Generate(KeyAlgorithm);
                if (Key == null) WriteVerbose($"Generated a {key.Algorithm} key, key id {key.KeyId}.");
                CertificateSigningRequest csr = CertificateSigningRequest.Create(key, Subject, DnsName, IpAddress);
                WriteVerbose($"Created a CSR for '{csr.Subject}' with {csr.DnsNames.Length} DNS name(s) and {csr.IpAddresses.Length} IP address(es).");
                if (Path != null && !WriteFiles(OutputPlan.CsrAndKey(ResolveOutputPath(Path), csr, includeKey: Key == null), Force, "Write certificate signing request"))
                {
                    return;
                }
                WriteObject(csr);
            });
        }
    }
}
