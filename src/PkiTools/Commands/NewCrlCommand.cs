using System.Management.Automation;
using System.Security;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.Ca;
using PkiTools.Core.Keys;
using PkiTools.Core.Revocation;

namespace PkiTools.Commands
{
    /// <summary>
    /// New-Crl: signs a CRL of every revocation in the CA's ledger with the next CRL number, and writes it (PEM, with
    /// a DER copy beside it) into the CA directory and, with -Path, to a publication path as well.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "Crl", SupportsShouldProcess = true)]
    [OutputType(typeof(CertificateRevocationList))]
    public sealed class NewCrlCommand : CrlCmdlet
    {
        protected override void ProcessRecord()
        {
            Guard(() =>
            {
                CaDirectory ca = OpenCa(Ca);
                Issue(ca, "Sign a new CRL");
            });
        }
    }

    /// <summary>
    /// Update-Crl: re-issues the CRL only when it is due (none yet, nextUpdate within -RenewBeforeDays, or a
    /// revocation it lacks): safe to run from cron or a systemd timer every hour. Writes the new CRL, nothing when the
    /// current one is still good.
    /// </summary>
    [Cmdlet(VerbsData.Update, "Crl", SupportsShouldProcess = true)]
    [OutputType(typeof(CertificateRevocationList))]
    public sealed class UpdateCrlCommand : CrlCmdlet
    {
        /// <summary>Re-issue when the current CRL's nextUpdate is this many days away or less.</summary>
        [Parameter(Mandatory = true)]
        [ValidateRange(0, 3650)]
        public int RenewBeforeDays { get; set; }

        protected override void ProcessRecord()
        {
            Guard(() =>
            {
                CaDirectory ca = OpenCa(Ca);
                string? due = ca.CrlDueReason(RenewBeforeDays);
                if (due == null)
                {
                    WriteVerbose($"The CRL of '{ca.Subject}' ({ca.CrlPath}) is current: nextUpdate is more than {RenewBeforeDays} days away and it lists every revocation. Nothing to do.");
                    return;
                }
                WriteVerbose($"Re-issuing the CRL of '{ca.Subject}': {due}.");
                Issue(ca, "Re-issue the CRL (" + due + ")");
            });
        }
    }

    /// <summary>What New-Crl and Update-Crl share: the CA, the lifetime, the publication path, the CA key password.</summary>
    public abstract class CrlCmdlet : CaKeyCmdlet
    {
        /// <summary>The CA: an object from New-Ca or Get-Ca, or its directory.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        [CaArgumentTransformation]
        public CaArgument? Ca { get; set; }

        /// <summary>Days until nextUpdate. Default: policy.json's defaultCrlDays (30).</summary>
        [Parameter]
        [ValidateRange(1, 3650)]
        public int NextUpdateDays { get; set; }

        /// <summary>Also writes the CRL here (PEM; the DER copy beside it with the extension .der), such as a web server's folder.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>Replace a file at -Path that is not a CRL of this CA.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>
        /// How an RSA key signs: RsaPkcs1 (PKCS#1 v1.5) or RsaPss (RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt).
        /// Default: RsaPkcs1 for an RSA key, RsaPss for an RSA-PSS key (the CA policy's signatureAlgorithm first). Other keys refuse it (SignatureAlgorithmMismatch).
        /// </summary>
        [Parameter]
        public SignatureScheme SignatureAlgorithm { get; set; }

        protected void Issue(CaDirectory ca, string action)
        {
            string? publish = Path == null ? null : ResolveOutputPath(Path);
            string targets = ca.CrlPath + (publish == null ? "" : ", " + publish);
            if (!ShouldProcess(targets, action)) return;
            int? days = MyInvocation.BoundParameters.ContainsKey(nameof(NextUpdateDays)) ? NextUpdateDays : (int?)null;
            CertificateRevocationList crl = WithCaPassword(ca, pw => ca.NewCrl(days, pw, publish, Force, Templates.Scheme(this, SignatureAlgorithm)));
            WriteVerbose($"Wrote CRL number {crl.CrlNumber} of '{ca.Subject}' with {crl.RevokedCount} revoked certificate(s), next update {PkiTools.Core.Words.Date(crl.NextUpdate)}, to {targets} (and the .der copies).");
            WriteObject(crl);
        }
    }
}
