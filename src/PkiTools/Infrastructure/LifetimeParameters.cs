using System;
using System.Management.Automation;
using PkiTools.Core;
using PkiTools.Core.X509;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// -ValidDays and -NotAfter, declared once for every cmdlet that signs a certificate. A cmdlet shares them by
    /// returning an instance from IDynamicParameters.GetDynamicParameters; PowerShell then binds, validates,
    /// completes and documents them like the cmdlet's own parameters (C# has one base class, and the signing
    /// cmdlets already derive from different ones).
    /// </summary>
    public sealed class LifetimeParameters
    {
        private int? _validDays;
        private DateTime? _notAfter;

        /// <summary>Lifetime in days; without it (and without -NotAfter) the profile's default applies.</summary>
        [Parameter]
        [ValidateRange(1, CertificateTemplate.MaxValidDays)]
        public int ValidDays
        {
            get => _validDays ?? 0;
            set => _validDays = value;
        }

        /// <summary>The last moment of validity; a date without a time zone is local time.</summary>
        [Parameter]
        public DateTime NotAfter
        {
            get => _notAfter ?? default;
            set => _notAfter = value;
        }

        /// <summary>The days asked for, or null; refuses both parameters at once.</summary>
        internal int? Days
        {
            get
            {
                if (_validDays.HasValue && _notAfter.HasValue)
                {
                    throw new PkiException(PkiErrorCode.InvalidArgument, "Give -ValidDays or -NotAfter, not both.");
                }
                return _validDays;
            }
        }

        /// <summary>The end of validity asked for (in UTC), or null.</summary>
        internal DateTimeOffset? Until => _notAfter.HasValue ? Templates.ToUtc(_notAfter.Value) : (DateTimeOffset?)null;
    }
}
