using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core;
using PkiTools.Core.Renewal.Schedule;

namespace PkiTools.Commands
{
    /// <summary>
    /// Register-CertRenewal: writes a renewal script (Invoke-CertRenewal, then Update-Crl, a JSON-lines log, a state
    /// file) and has systemd, cron or Task Scheduler run it daily. Registering the same name again replaces the job.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Register, "CertRenewal", SupportsShouldProcess = true)]
    [OutputType(typeof(CertRenewal))]
    public sealed class RegisterCertRenewalCommand : CaCmdlet
    {
        /// <summary>The job's name: letters, digits, '.', '_', '-'.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>Certificate files or folders the job renews (Invoke-CertRenewal -Path).</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        /// <summary>The CA that re-issues them, and whose CRL the job keeps current.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNull]
        [CaArgumentTransformation]
        public CaArgument? Ca { get; set; }

        [Parameter]
        [ValidateRange(1, 3650)]
        public int RenewBeforeDays { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DeployHook { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? PostHook { get; set; }

        /// <summary>Time of day (24-hour, local), such as 03:30. Default: 00:00.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? At { get; set; }

        [Parameter]
        public RenewalScheduler Scheduler { get; set; } = RenewalScheduler.Auto;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CaPasswordFile { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CaPasswordCredential { get; set; }

        protected override void EndProcessing()
        {
            try
            {
                Register();
            }
            catch (PkiException ex)
            {
                ThrowTerminatingError(ErrorFactory.Create(ex, this));
            }
        }

        private void Register()
        {
            RenewalJob.CheckName(Name!);
            // A path that is not a CA is CaNotFound now, not at 3 a.m.
            string opened = OpenCa(Ca).Folder;
            string ca = Ca?.Path != null ? ResolveOutputPath(Ca.Path) : opened;
            var paths = Path!.Select(ResolveOutputPath).ToArray();
            foreach (string p in paths)
            {
                if (!File.Exists(p) && !Directory.Exists(p)) throw new PkiException(PkiErrorCode.FileNotFound, $"The certificate file or folder '{p}' does not exist.", null, p);
            }
            string? passwordFile = CaPasswordFile == null ? null : ResolveOutputPath(CaPasswordFile);
            if (passwordFile != null && !File.Exists(passwordFile)) throw new PkiException(PkiErrorCode.FileNotFound, $"The password file '{passwordFile}' does not exist.", null, passwordFile);

            PowerShellCommand? powerShell = RenewalSchedule.PowerShell();
            if (powerShell == null)
            {
                powerShell = new PowerShellCommand(System.IO.Path.DirectorySeparatorChar == '\\' ? "pwsh.exe" : "pwsh");
                WriteWarning("No pwsh executable was found (this PowerShell is hosted in another program): the job starts 'pwsh' from the scheduler's PATH.");
            }
            string manifest = System.IO.Path.Combine(MyInvocation.MyCommand.Module?.ModuleBase ?? "", "PkiTools.psd1");
            var job = new RenewalJob(Name!, paths, ca, manifest, powerShell)
            {
                RenewBeforeDays = MyInvocation.BoundParameters.ContainsKey(nameof(RenewBeforeDays)) ? RenewBeforeDays : (int?)null,
                DeployHook = DeployHook,
                PostHook = PostHook,
                At = At == null ? (TimeSpan?)null : RenewalJob.ParseTimeOfDay(At),
                CaPasswordFile = passwordFile,
                CaPasswordCredential = CaPasswordCredential,
            };
            var registrar = new RenewalRegistrar(RenewalSchedule.Environment());
            RenewalPlan plan = registrar.PlanRegister(job, Scheduler);
            string steps = string.Join(Environment.NewLine, plan.Describe().Select(l => "  " + l));
            if (!ShouldProcess($"Register the renewal job '{job.Name}' with {plan.Scheduler} ({job.ScheduleText}):{Environment.NewLine}{steps}",
                $"Register the renewal job '{job.Name}' with {plan.Scheduler}?", "Register-CertRenewal"))
            {
                return;
            }
            foreach (string line in plan.Describe()) WriteVerbose(line);
            WriteObject(registrar.Register(plan));
        }
    }
}
