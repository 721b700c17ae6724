using System.Management.Automation;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.Renewal.Schedule;

namespace PkiTools.Commands
{
    /// <summary>
    /// Get-CertRenewal: the renewal jobs registered for this user (root: the machine's), from their records beside the
    /// scripts, with the last run's outcome from the state file each script writes and whether the scheduler has them.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "CertRenewal")]
    [OutputType(typeof(CertRenewal))]
    public sealed class GetCertRenewalCommand : PkiCmdlet
    {
        /// <summary>Job names; wildcards allowed. Default: every job.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[]? Name { get; set; }

        protected override void ProcessRecord()
        {
            Guard(() =>
            {
                var patterns = Name == null ? null : System.Array.ConvertAll(Name, n => new WildcardPattern(n, WildcardOptions.IgnoreCase));
                var registrar = new RenewalRegistrar(RenewalSchedule.Environment());
                foreach (CertRenewal job in registrar.List(patterns == null ? null : n => System.Array.Exists(patterns, p => p.IsMatch(n))))
                {
                    WriteObject(job);
                }
            });
        }
    }
}
