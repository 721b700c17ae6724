using System.Management.Automation;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.Ca;

namespace PkiTools.Commands
{
    /// <summary>Get-IssuedCert: the CA's ledger as objects, filtered by status, expiry, DNS name or serial.</summary>
    [Cmdlet(VerbsCommon.Get, "IssuedCert")]
    [OutputType(typeof(IssuedCertificateRecord))]
    public sealed class GetIssuedCertCommand : CaCmdlet
    {
        /// <summary>The CA: an object from New-Ca or Get-Ca, or its directory.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        [CaArgumentTransformation]
        public CaArgument? Ca { get; set; }

        /// <summary>Valid, Revoked or Expired (a certificate past its NotAfter is Expired even when the ledger still says V).</summary>
        [Parameter]
        public LedgerStatus Status { get; set; }

        /// <summary>Valid certificates that expire within this many days (the renewal list).</summary>
        [Parameter]
        [ValidateRange(0, 36500)]
        public int ExpiringWithinDays { get; set; }

        /// <summary>A wildcard (*.corp.example, web??) matched against the subject CN and the DNS names.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DnsName { get; set; }

        /// <summary>Hex, in any spelling (0A:1B, 0a1b).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? SerialNumber { get; set; }

        protected override void ProcessRecord()
        {
            Guard(() =>
            {
                var bound = MyInvocation.BoundParameters;
                CaDirectory ca = OpenCa(Ca);
                var query = new LedgerQuery
                {
                    Status = bound.ContainsKey(nameof(Status)) ? Status : (LedgerStatus?)null,
                    ExpiringWithinDays = bound.ContainsKey(nameof(ExpiringWithinDays)) ? ExpiringWithinDays : (int?)null,
                    DnsName = DnsName,
                    SerialNumber = SerialNumber,
                };
                foreach (IssuedCertificateRecord record in ca.Records(query)) WriteObject(record);
            });
        }
    }
}
