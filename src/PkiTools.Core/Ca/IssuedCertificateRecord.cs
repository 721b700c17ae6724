using System;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Revocation;
using PkiTools.Core.X509;

namespace PkiTools.Core.Ca
{
    /// <summary>
    /// One certificate a CA issued, as Get-IssuedCert lists it: the ledger line, and what its certificate file adds
    /// (read on first use, so listing a large ledger stays cheap). Pipes into Revoke-Cert by SerialNumber and CaPath.
    /// </summary>
    public sealed class IssuedCertificateRecord
    {
        private readonly CaDirectory _ca;
        private readonly LedgerEntry _entry;
        private readonly DateTimeOffset _now;
        private X509Certificate2? _certificate;
        private bool _loaded;

        internal IssuedCertificateRecord(CaDirectory ca, LedgerEntry entry, DateTimeOffset now)
        {
            _ca = ca;
            _entry = entry;
            _now = now;
        }

        /// <summary>Upper-case hex, as in the ledger.</summary>
        public string SerialNumber => _entry.SerialNumber;

        /// <summary>The subject of the certificate file ("CN=web01, O=Corp"), or the ledger's one-line form when the file is missing.</summary>
        public string Subject => Certificate?.Subject ?? _entry.Subject;

        /// <summary>"DNS:web01.corp.example", "IP:10.0.0.5", ...: empty when the file is missing.</summary>
        public string[] SubjectAltNames => Certificate == null ? Array.Empty<string>() : CertificateFacts.SubjectAltNames(Certificate);

        /// <summary>Local time, like X509Certificate2.NotBefore; null when the file is missing.</summary>
        public DateTime? NotBefore => Certificate?.NotBefore;

        /// <summary>Local time.</summary>
        public DateTime NotAfter => _entry.NotAfter.LocalDateTime;

        /// <summary>Valid, Revoked or Expired (a valid line past its NotAfter is Expired).</summary>
        public LedgerStatus Status => _entry.StatusAt(_now);

        /// <summary>Local time of the revocation; null unless revoked.</summary>
        public DateTime? RevokedAt => _entry.RevokedAt?.LocalDateTime;

        public RevocationReason? RevocationReason => _entry.Reason;

        /// <summary>The certificate file kept by serial in the CA directory.</summary>
        public string FilePath => _ca.CertificatePath(_entry.SerialNumber);

        /// <summary>The CA directory (Revoke-Cert binds -Ca from it).</summary>
        public string CaPath => _ca.Folder;

        /// <summary>The certificate itself, or null when its file is missing or unreadable.</summary>
        public X509Certificate2? Certificate
        {
            get
            {
                if (!_loaded)
                {
                    _certificate = _ca.LoadIssued(_entry.SerialNumber);
                    _loaded = true;
                }
                return _certificate;
            }
        }

        public override string ToString() => $"{SerialNumber} {Status} {Subject}";
    }
}
