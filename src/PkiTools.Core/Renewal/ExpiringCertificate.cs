using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;

namespace PkiTools.Core.Renewal
{
    /// <summary>Where an inventoried certificate was found.</summary>
    public enum CertificateSourceKind
    {
        File,
        Store,
        Ledger,
        Endpoint,
    }

    /// <summary>
    /// One certificate of an inventory (Find-ExpiringCert): where it is, what it names, when it expires, the key file
    /// beside it, and whether Invoke-CertRenewal can renew it in place (and why not). <see cref="Path"/> is the file for
    /// file sources (null otherwise), so the object pipes into Invoke-CertRenewal -Path.
    /// </summary>
    public sealed class ExpiringCertificate
    {
        public ExpiringCertificate(CertificateSourceKind sourceKind, string source, string? path, X509Certificate2 certificate,
            IReadOnlyList<string> dnsNames, int daysLeft, string? keyPath, bool renewable, string? notRenewableReason)
        {
            SourceKind = sourceKind;
            Source = source;
            Path = path;
            Certificate = certificate;
            DnsNames = dnsNames;
            DaysLeft = daysLeft;
            KeyPath = keyPath;
            Renewable = renewable;
            NotRenewableReason = notRenewableReason;
        }

        public CertificateSourceKind SourceKind { get; }

        /// <summary>The file path, "Store:CurrentUser\My", "Ledger:/srv/pki/issuing" or "host:port".</summary>
        public string Source { get; }

        /// <summary>The certificate file, for file sources; null for stores, ledgers and endpoints.</summary>
        public string? Path { get; }

        public X509Certificate2 Certificate { get; }

        public string Subject => Certificate.Subject;

        public string Issuer => Certificate.Issuer;

        public IReadOnlyList<string> DnsNames { get; }

        public DateTime NotAfter => Certificate.NotAfter;

        /// <summary>Whole days until NotAfter at the time of the scan (negative once expired).</summary>
        public int DaysLeft { get; }

        /// <summary>The private key file found beside the certificate file (x.key for x.crt / x.pem), if any.</summary>
        public string? KeyPath { get; }

        /// <summary>True when the certificate is a file with its key file beside it and is not a CA certificate.</summary>
        public bool Renewable { get; }

        /// <summary>Why <see cref="Renewable"/> is false ("no key file beside it", "a store entry"...); null when renewable.</summary>
        public string? NotRenewableReason { get; }

        /// <summary>Upper-case hex, as X509Certificate2 spells it.</summary>
        public string SerialNumber => Certificate.SerialNumber;

        /// <summary>The SHA-1 thumbprint (upper-case hex).</summary>
        public string Thumbprint => Certificate.Thumbprint;
    }
}
