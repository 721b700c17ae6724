using System.Management.Automation;
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
    public sealed class ImportCsrCommand : ImportFileCommand<CertificateSigningRequest>
    {
        protected override CertificateSigningRequest Parse(byte[] data, string source) => CertificateSigningRequest.Parse(data);

        protected override void Emit(CertificateSigningRequest csr, string source)
        {
            WriteVerbose($"Read the request for '{csr.Subject}' from {source}; its signature {(csr.SignatureValid ? "verifies" : "does NOT verify")}.");
            if (!csr.SignatureValid) WriteWarning($"The signature of the request in {source} does not verify: Invoke-CaSign will refuse it.");
            WriteObject(csr);
        }
    }
}
