using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.Ca;
using PkiTools.Core.Revocation;

namespace PkiTools.Commands
{
    /// <summary>
    /// Revoke-Cert: marks certificates revoked in the CA's ledger (New-Crl then publishes it). Takes serial numbers,
    /// certificates, or Get-IssuedCert's records from the pipeline. Asks first (ConfirmImpact High): revocation
    /// cannot be undone, except for CertificateHold.
    /// </summary>
    // The Certificate set is the default so that a piped X509Certificate2 binds to -Certificate (and its issuer is
    // checked): with SerialNumber as the default, PowerShell bound the certificate's SerialNumber property by name and
    // revoked whatever this CA had under that serial, even for a certificate from another CA.
    [Cmdlet(VerbsSecurity.Revoke, "Cert", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = CertificateSet)]
    [OutputType(typeof(IssuedCertificateRecord))]
    public sealed class RevokeCertCommand : CaCmdlet
    {
        private const string SerialSet = "SerialNumber";
        private const string CertificateSet = "Certificate";

        /// <summary>The CA: an object from New-Ca or Get-Ca, or its directory (bound from Get-IssuedCert's CaPath).</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("CaPath")]
        [ValidateNotNull]
        [CaArgumentTransformation]
        public CaArgument? Ca { get; set; }

        /// <summary>Serial numbers in hex, any spelling (0A:1B, 0a1b).</summary>
        [Parameter(ParameterSetName = SerialSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? SerialNumber { get; set; }

        /// <summary>Certificates this CA issued.</summary>
        [Parameter(ParameterSetName = CertificateSet, Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public X509Certificate2[]? Certificate { get; set; }

        [Parameter]
        public RevocationReason Reason { get; set; } = RevocationReason.Unspecified;

        /// <summary>Writes the ledger record of each revoked certificate.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            Guard(() =>
            {
                CaDirectory ca = OpenCa(Ca);
                if (ParameterSetName == CertificateSet)
                {
                    foreach (X509Certificate2 certificate in Certificate!)
                    {
                        Guard(() => Revoke(ca, certificate.SerialNumber, certificate.Subject, () => ca.Revoke(certificate, Reason)));
                    }
                    return;
                }
                foreach (string serial in SerialNumber!)
                {
                    Guard(() => Revoke(ca, serial, ca.Ledger.Find(serial)?.Subject, () => ca.Revoke(serial, Reason)));
                }
            });
        }

        private void Revoke(CaDirectory ca, string serial, string? subject, System.Func<LedgerEntry> revoke)
        {
            string target = subject == null ? $"serial {serial}" : $"serial {serial} ({subject})";
            bool release = Reason == RevocationReason.RemoveFromCrl;
            if (!ShouldProcess(target, release ? $"Release the hold in the CA '{ca.Subject}'" : $"Revoke ({Reason}) in the CA '{ca.Subject}'")) return;
            LedgerEntry entry = revoke();
            WriteVerbose(release
                ? $"Released the hold on {entry.SerialNumber} ({entry.Subject}): it is valid again. Run New-Crl to publish that."
                : $"Revoked {entry.SerialNumber} ({entry.Subject}) for {Reason}. Run New-Crl to publish the revocation.");
            if (PassThru) WriteObject(ca.Records(new LedgerQuery { SerialNumber = entry.SerialNumber })[0]);
        }
    }
}
