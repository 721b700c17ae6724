using System;
using System.Management.Automation;
using PkiTools.Core;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>Turns the certificate parameters the cmdlets share into a core template.</summary>
    internal static class Templates
    {
        public static CertificateTemplate Build(PSCmdlet cmdlet, string? subject, string[] dnsNames, string[] ipAddresses,
            CertificateProfile profile, LifetimeParameters lifetime, int pathLength, bool allowWeakKey = false, SignatureScheme? scheme = null)
        {
            var bound = cmdlet.MyInvocation.BoundParameters;
            return new CertificateTemplate
            {
                Subject = subject,
                DnsNames = dnsNames,
                IpAddresses = ipAddresses,
                Profile = profile,
                ValidDays = lifetime.Days,
                NotAfter = lifetime.Until,
                PathLength = bound.ContainsKey("PathLength") ? pathLength : (int?)null,
                AllowWeakKey = allowWeakKey,
                SignatureScheme = scheme,
            };
        }

        /// <summary>-SignatureAlgorithm when given, else null (the key's or the CA's default).</summary>
        public static SignatureScheme? Scheme(PSCmdlet cmdlet, SignatureScheme value) =>
            cmdlet.MyInvocation.BoundParameters.ContainsKey("SignatureAlgorithm") ? value : (SignatureScheme?)null;

        /// <summary>A DateTime typed by the user is local unless it says otherwise.</summary>
        public static DateTimeOffset ToUtc(DateTime value) =>
            value.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Local)) : new DateTimeOffset(value);
    }
}
