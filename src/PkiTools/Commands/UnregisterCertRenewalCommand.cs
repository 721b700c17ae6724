using System;
using System.Linq;
using System.Management.Automation;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.Renewal.Schedule;

namespace PkiTools.Commands
{
    /// <summary>
    /// Unregister-CertRenewal: takes a job out of its scheduler (timer disabled and its units deleted, crontab lines
    /// removed, task deleted) and deletes its script, record and state; the log stays. A name that is not registered is
    /// a warning: removing what is not there changes nothing.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Unregister, "CertRenewal", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class UnregisterCertRenewalCommand : PkiCmdlet
    {
        /// <summary>The jobs' names (Get-CertRenewal output binds by property name).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        protected override void ProcessRecord()
        {
            var registrar = new RenewalRegistrar(RenewalSchedule.Environment());
            foreach (string name in Name!)
            {
                Guard(() =>
                {
                    RenewalPlan? plan = registrar.PlanUnregister(name);
                    if (plan == null)
                    {
                        WriteWarning($"No renewal job named '{name}' is registered for this user ({registrar.Locations.ScriptFolder}); nothing was removed.");
                        return;
                    }
                    string steps = string.Join(Environment.NewLine, plan.Describe().Select(l => "  " + l));
                    if (!ShouldProcess($"Unregister the renewal job '{name}' ({plan.Scheduler}):{Environment.NewLine}{steps}",
                        $"Unregister the renewal job '{name}' ({plan.Scheduler})?", "Unregister-CertRenewal"))
                    {
                        return;
                    }
                    foreach (string line in plan.Describe()) WriteVerbose(line);
                    registrar.Unregister(plan);
                });
            }
        }
    }
}
