using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.Trust;

namespace PkiTools.Commands
{
    /// <summary>
    /// Install-Cert: puts certificates where clients look: the operating system's trust, the browsers' NSS databases,
    /// Java's cacerts, or a .NET/Windows X509 store (My with its private key). Each store is read back afterwards and
    /// the result says whether it was verified. Asks first (ConfirmImpact High): trusting a root is a security decision.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Install, "Cert", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(TrustStoreResult), typeof(X509Certificate2))]
    public sealed class InstallCertCommand : TrustStoreCmdlet
    {
        /// <summary>The certificates (a root or intermediate CA for trust stores; a certificate with its key for My).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public X509Certificate2[]? Certificate { get; set; }

        /// <summary>Also writes each certificate after its store results, so the pipeline can go on.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            foreach (X509Certificate2 certificate in Certificate!)
            {
                ForEachStore(store =>
                {
                    foreach (string location in store.Locations())
                    {
                        Guard(() =>
                        {
                            if (!ShouldChange(store, location, $"Trust '{certificate.Subject}' ({certificate.Thumbprint})", store.PlanInstall(certificate, location))) return;
                            WriteResult(store.Install(certificate, location));
                        });
                    }
                });
                if (PassThru) WriteObject(certificate);
            }
        }
    }
}
