using System;
using System.Collections.Generic;
using System.Security.Cryptography;

namespace PkiTools.Core.X509
{
    /// <summary>
    /// What a new certificate should say. Immutable; unset fields take the profile's defaults. All checks run in one
    /// place (<see cref="CertificateBuilder"/>) before any byte is produced.
    /// </summary>
    public sealed class CertificateTemplate
    {
        /// <summary>The longest lifetime a template may ask for, in days (100 years); the cmdlets' -ValidDays range.</summary>
        public const int MaxValidDays = 36500;

        /// <summary>The largest pathLenConstraint a CA template may ask for; the cmdlets' -PathLength range.</summary>
        public const int MaxPathLength = 32;

        /// <summary>The lifetime used when neither <see cref="ValidDays"/> nor <see cref="NotAfter"/> is set: 3650 days for a root CA, 1825 for an intermediate, 365 for a leaf.</summary>
        public static int DefaultValidDays(CertificateProfile profile) => Profiles.DefaultValidDays(profile);

        /// <summary>Distinguished name ("CN=web01, O=Corp"). Null: CN = the first DNS name (or IP address).</summary>
        public string? Subject { get; init; }

        public IReadOnlyList<string> DnsNames { get; init; } = Array.Empty<string>();

        public IReadOnlyList<string> IpAddresses { get; init; } = Array.Empty<string>();

        public CertificateProfile Profile { get; init; } = CertificateProfile.TlsServer;

        /// <summary>Lifetime in days from now. Null: the profile's default (365 for leaves, 3650 for a root).</summary>
        public int? ValidDays { get; init; }

        /// <summary>Explicit end of validity; wins over <see cref="ValidDays"/>.</summary>
        public DateTimeOffset? NotAfter { get; init; }

        /// <summary>Explicit start of validity. Null: now minus five minutes (clock skew).</summary>
        public DateTimeOffset? NotBefore { get; init; }

        /// <summary>pathLenConstraint for CA profiles. Null: none for a root, 0 for an intermediate.</summary>
        public int? PathLength { get; init; }

        /// <summary>Positive big-endian serial number, at most 20 octets. Null: 128 random bits.</summary>
        public byte[]? SerialNumber { get; init; }

        /// <summary>Signature hash. Null: SHA-256 (SHA-384 for P-384 issuers, SHA-512 for P-521).</summary>
        public HashAlgorithmName? HashAlgorithm { get; init; }

        /// <summary>
        /// How an RSA issuer key signs: PKCS#1 v1.5 or RSASSA-PSS. Null: the issuer's default (PKCS#1 v1.5 for an RSA key,
        /// RSASSA-PSS for an RSA-PSS key, a CA's policy signatureAlgorithm). A non-RSA issuer refuses either.
        /// </summary>
        public Keys.SignatureScheme? SignatureScheme { get; init; }

        /// <summary>Accept RSA subject keys of 1024 to 2047 bits (legacy devices). Off by default.</summary>
        public bool AllowWeakKey { get; init; }

        /// <summary>CA profiles only: DNS domains the CA may issue for (a critical nameConstraints extension, permitted subtrees).</summary>
        public IReadOnlyList<string> PermittedDnsDomains { get; init; } = Array.Empty<string>();

        /// <summary>CA profiles only: IP ranges in CIDR form ("10.0.0.0/8") the CA may issue for (nameConstraints).</summary>
        public IReadOnlyList<string> PermittedIpRanges { get; init; } = Array.Empty<string>();

        /// <summary>Where the issuer's CRL is published (cRLDistributionPoints, full names as URIs).</summary>
        public IReadOnlyList<string> CrlDistributionPoints { get; init; } = Array.Empty<string>();

        /// <summary>Where the issuer's certificate can be fetched (authorityInfoAccess, caIssuers URIs).</summary>
        public IReadOnlyList<string> AuthorityInfoAccess { get; init; } = Array.Empty<string>();

        /// <summary>A copy with some members replaced (the CA directory fills serial, lifetime and publication points).</summary>
        internal CertificateTemplate With(byte[]? serialNumber = null, int? validDays = null, IReadOnlyList<string>? crlDistributionPoints = null,
            IReadOnlyList<string>? authorityInfoAccess = null) => new CertificateTemplate
        {
            Subject = Subject,
            DnsNames = DnsNames,
            IpAddresses = IpAddresses,
            Profile = Profile,
            ValidDays = validDays ?? ValidDays,
            NotAfter = NotAfter,
            NotBefore = NotBefore,
            PathLength = PathLength,
            SerialNumber = serialNumber ?? SerialNumber,
            HashAlgorithm = HashAlgorithm,
            SignatureScheme = SignatureScheme,
            AllowWeakKey = AllowWeakKey,
            PermittedDnsDomains = PermittedDnsDomains,
            PermittedIpRanges = PermittedIpRanges,
            CrlDistributionPoints = crlDistributionPoints ?? CrlDistributionPoints,
            AuthorityInfoAccess = authorityInfoAccess ?? AuthorityInfoAccess,
        };
    }
}
