using System;
using System.Management.Automation;
using PkiTools.Core;
using PkiTools.Core.X509;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>Turns the certificate parameters the cmdlets share into a core template.</summary>
    internal static class Templates
    {
        public static CertificateTemplate Build(PSCmdlet cmdlet, string? subject, string[] dnsNames, string[] ipAddresses,
            CertificateProfile profile, int validDays, DateTime notAfter, int pathLength, bool allowWeakKey = false)
        {
            var bound = cmdlet.MyInvocation.BoundParameters;
            if (bound.ContainsKey("ValidDays") && bound.ContainsKey("NotAfter"))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "Give -ValidDays or -NotAfter, not both.");
            }
            return new CertificateTemplate
            {
                Subject = subject,
                DnsNames = dnsNames,
                IpAddresses = ipAddresses,
                Profile = profile,
                ValidDays = bound.ContainsKey("ValidDays") ? validDays : (int?)null,
                NotAfter = bound.ContainsKey("NotAfter") ? ToUtc(notAfter) : (DateTimeOffset?)null,
                PathLength = bound.ContainsKey("PathLength") ? pathLength : (int?)null,
                AllowWeakKey = allowWeakKey,
            };
        }

        /// <summary>A DateTime typed by the user is local unless it says otherwise.</summary>
        public static DateTimeOffset ToUtc(DateTime value) =>
            value.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Local)) : new DateTimeOffset(value);
    }
}
