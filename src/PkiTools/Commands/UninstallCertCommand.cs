using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.Trust;

namespace PkiTools.Commands
{
    /// <summary>
    /// Uninstall-Cert: removes certificates (by certificate or thumbprint) from the same stores Install-Cert writes, and
    /// reads each store back. A certificate that is not there is reported as NotFound, not as an error.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Uninstall, "Cert", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = CertificateSet)]
    [OutputType(typeof(TrustStoreResult))]
    public sealed class UninstallCertCommand : TrustStoreCmdlet
    {
        private const string CertificateSet = "Certificate";
        private const string ThumbprintSet = "Thumbprint";

        [Parameter(ParameterSetName = CertificateSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public X509Certificate2[]? Certificate { get; set; }

        /// <summary>SHA-1 thumbprints (hex; spaces and colons are ignored).</summary>
        [Parameter(ParameterSetName = ThumbprintSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Thumbprint { get; set; }

        protected override void ProcessRecord()
        {
            IEnumerable<string> thumbprints = ParameterSetName == CertificateSet ? Certificate!.Select(c => c.Thumbprint) : Thumbprint!;
            foreach (string given in thumbprints)
            {
                Guard(() =>
                {
                    string thumbprint = TrustThumbprints.Normalize(given);
                    ForEachStore(store =>
                    {
                        foreach (string location in store.Locations())
                        {
                            Guard(() =>
                            {
                                if (!ShouldChange(store, location, $"Remove the certificate {thumbprint}", store.PlanUninstall(thumbprint, location))) return;
                                WriteResult(store.Uninstall(thumbprint, location));
                            });
                        }
                    });
                });
            }
        }
    }
}
