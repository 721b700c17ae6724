using System;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.X509;
using PkiTools.Core.Trust;

namespace PkiTools.Commands
{
    /// <summary>
    /// Get-InstalledCert: lists what a store holds as X509Certificate2 objects (for System on Linux: the OS bundle's
    /// certificates), each with a Store and a StoreLocation note property, optionally filtered.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "InstalledCert")]
    [OutputType(typeof(X509Certificate2))]
    public sealed class GetInstalledCertCommand : TrustStoreCmdlet
    {
        /// <summary>Only certificates with these SHA-1 thumbprints.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Thumbprint { get; set; }

        /// <summary>Only certificates whose DNS names (SANs, or the CN without SANs) match one of these wildcard patterns.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? DnsName { get; set; }

        /// <summary>Only certificates that expire within this many days (already expired ones included).</summary>
        [Parameter]
        [ValidateRange(0, 36500)]
        public int? ExpiringWithinDays { get; set; }

        protected override void ProcessRecord() => Guard(List);

        private void List()
        {
            string[] thumbprints = (Thumbprint ?? Array.Empty<string>()).Select(TrustThumbprints.Normalize).ToArray();
            WildcardPattern[] patterns = (DnsName ?? Array.Empty<string>()).Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToArray();
            DateTime? before = ExpiringWithinDays.HasValue ? DateTime.UtcNow.AddDays(ExpiringWithinDays.Value) : (DateTime?)null;
            ForEachStore(store =>
            {
                foreach (string location in store.Locations())
                {
                    Guard(() =>
                    {
                        foreach (X509Certificate2 certificate in store.List(location))
                        {
                            if (thumbprints.Length > 0 && !thumbprints.Contains(certificate.Thumbprint, StringComparer.OrdinalIgnoreCase)) continue;
                            if (patterns.Length > 0 && !NamesOf(certificate).Any(n => patterns.Any(p => p.IsMatch(n)))) continue;
                            if (before.HasValue && certificate.NotAfter.ToUniversalTime() > before.Value) continue;
                            var item = new PSObject(certificate);
                            item.Properties.Add(new PSNoteProperty("Store", store.Name));
                            item.Properties.Add(new PSNoteProperty("StoreLocation", location));
                            WriteObject(item);
                        }
                    });
                }
            });
        }

        private static string[] NamesOf(X509Certificate2 certificate)
        {
            string[] dns = CertificateFacts.DnsNames(certificate);
            return dns.Length > 0 ? dns : new[] { certificate.GetNameInfo(X509NameType.SimpleName, false) ?? "" };
        }
    }
}
