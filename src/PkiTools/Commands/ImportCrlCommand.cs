using System.Management.Automation;
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
    public sealed class ImportCrlCommand : ImportFileCommand<CertificateRevocationList>
    {
        protected override CertificateRevocationList Parse(byte[] data, string source) => CertificateRevocationList.Parse(data);

        protected override void Emit(CertificateRevocationList crl, string source)
        {
            WriteVerbose($"Read CRL {crl.CrlNumber ?? "-"} of '{crl.Issuer}' ({crl.RevokedCount} revoked) from {source}.");
            WriteObject(crl);
        }
    }
}
