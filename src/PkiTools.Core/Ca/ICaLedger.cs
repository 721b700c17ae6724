using System;
using System.Collections.Generic;

using PkiTools.Core.Revocation;

namespace PkiTools.Core.Ca
{
    /// <summary>The status letter of a ledger line (V, R, E in OpenSSL's index.txt). The names are a cmdlet contract (-Status).</summary>
    public enum LedgerStatus
    {
        Valid,
        Revoked,
        Expired,
    }

    /// <summary>One line of the ledger.</summary>
    public sealed class LedgerEntry
    {
        public LedgerEntry(LedgerStatus status, DateTimeOffset notAfter, DateTimeOffset? revokedAt, RevocationReason? reason, string serialNumber, string fileName, string subject)
        {
            Status = status;
            NotAfter = notAfter;
            RevokedAt = revokedAt;
            Reason = reason;
            SerialNumber = serialNumber;
            FileName = fileName;
            Subject = subject;
        }

        /// <summary>The status as written in the ledger (a V line past its expiry still says Valid here: see <see cref="StatusAt"/>).</summary>
        public LedgerStatus Status { get; }

        public DateTimeOffset NotAfter { get; }

        public DateTimeOffset? RevokedAt { get; }

        /// <summary>The reason recorded with a revocation (null when the line names none).</summary>
        public RevocationReason? Reason { get; }

        /// <summary>Upper-case hex, an even number of digits, as OpenSSL writes it.</summary>
        public string SerialNumber { get; }

        /// <summary>OpenSSL's filename column; "unknown" in practice.</summary>
        public string FileName { get; }

        /// <summary>The subject in OpenSSL's one-line form ("/C=DE/O=Corp/CN=web01").</summary>
        public string Subject { get; }

        /// <summary>The effective status at <paramref name="now"/>: a V line past its notAfter is Expired.</summary>
        public LedgerStatus StatusAt(DateTimeOffset now) =>
            Status == LedgerStatus.Valid && NotAfter <= now ? LedgerStatus.Expired : Status;

        public override string ToString() => $"{SerialNumber} {Status} {Subject}";
    }

    /// <summary>
    /// The issuance ledger of a CA. Every method is safe across threads and processes sharing one ledger. The default
    /// implementation is <see cref="OpenSslIndexLedger"/>; a database-backed one can replace it.
    /// </summary>
    public interface ICaLedger
    {
        /// <summary>Records an issued certificate. Throws <see cref="PkiErrorCode.SerialConflict"/> when its serial is already there.</summary>
        void Append(LedgerEntry entry);

        /// <summary>Marks a certificate revoked. Throws <see cref="PkiErrorCode.SerialNotFound"/>, or InvalidArgument when it already is.</summary>
        LedgerEntry Revoke(string serialNumber, RevocationReason reason, DateTimeOffset revokedAt);

        /// <summary>Every entry, in ledger order, including lines other processes appended since the last call.</summary>
        IReadOnlyList<LedgerEntry> Entries();

        /// <summary>The entry with this serial (any hex spelling), or null.</summary>
        LedgerEntry? Find(string serialNumber);

        /// <summary>Whether the serial is already recorded.</summary>
        bool SerialExists(string serialNumber);

        /// <summary>
        /// Runs <paramref name="work"/> with the current entries while holding the ledger's cross-process lock, so no
        /// issuance or revocation lands meanwhile (a CRL and its number are made under it; the CA copy and the ledger
        /// line of an issuance too). The lock is re-entrant: <paramref name="work"/> may call Append and Revoke.
        /// </summary>
        T WithLock<T>(Func<IReadOnlyList<LedgerEntry>, T> work);

        /// <summary>
        /// Whether the ledger exists: false for one that was never created (a CA that has recorded nothing yet). The CA
        /// signs no CRL from a ledger that does not exist.
        /// </summary>
        bool Exists { get; }

        /// <summary>Things repaired or tolerated while reading (a torn last line left by a killed process, ...).</summary>
        IReadOnlyList<string> Warnings { get; }
    }
}
