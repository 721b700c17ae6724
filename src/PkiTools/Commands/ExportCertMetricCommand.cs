using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Text;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core;
using PkiTools.Core.IO;
using PkiTools.Core.Renewal;

namespace PkiTools.Commands
{
    /// <summary>
    /// Export-CertMetric: writes the inventory piped in (Find-ExpiringCert) as a Prometheus text exposition file for
    /// node_exporter's textfile collector, atomically (a scrape never sees half a file) and mode 0644. The file is
    /// replaced on every run, so certificates that are gone drop out of the metrics; no input writes the HELP and TYPE
    /// lines only.
    /// </summary>
    [Cmdlet(VerbsData.Export, "CertMetric", SupportsShouldProcess = true)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportCertMetricCommand : PkiCmdlet
    {
        /// <summary>The .prom file to write (replaced when it exists).</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>Inventory items from Find-ExpiringCert.</summary>
        [Parameter(ValueFromPipeline = true)]
        [AllowNull]
        public ExpiringCertificate[]? InputObject { get; set; }

        /// <summary>The metric name prefix: {prefix}_certificate_expiry_seconds and {prefix}_certificate_days_left.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string MetricPrefix { get; set; } = PrometheusMetrics.DefaultPrefix;

        /// <summary>Writes the file's FileInfo.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private readonly List<ExpiringCertificate> _items = new List<ExpiringCertificate>();

        protected override void BeginProcessing()
        {
            if (!PrometheusMetrics.IsValidPrefix(MetricPrefix))
            {
                // Render says why; checked here so nothing is collected for nothing.
                try
                {
                    PrometheusMetrics.Render(_items, MetricPrefix);
                }
                catch (PkiException ex)
                {
                    ThrowTerminatingError(ErrorFactory.Create(ex, this));
                }
            }
        }

        protected override void ProcessRecord()
        {
            foreach (ExpiringCertificate? item in InputObject ?? new ExpiringCertificate[0])
            {
                if (item != null) _items.Add(item);
            }
        }

        protected override void EndProcessing()
        {
            Guard(() =>
            {
                string path = ResolveOutputPath(Path!);
                byte[] content = new UTF8Encoding(false).GetBytes(PrometheusMetrics.Render(_items, MetricPrefix));
                if (!ShouldProcess(path, $"Write {_items.Count} certificate(s) as Prometheus metrics")) return;
                WriteFilesConfirmed(OutputPlan.Single(path, content, secret: false), force: true);
                if (PassThru) WriteObject(new FileInfo(path));
            });
        }
    }
}
