using System;
using System.Collections.Generic;
using System.Linq;

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

        /// <summary>
        /// This entry after a revocation: R with the date and reason; a hold (CertificateHold) made final by another
        /// reason, or lifted by RemoveFromCrl (V again, as if never revoked). InvalidArgument when the transition is
        /// not allowed (already revoked, already on hold, RemoveFromCrl without a hold, an undefined reason).
        /// </summary>
        public LedgerEntry Revoked(RevocationReason reason, DateTimeOffset revokedAt)
        {
            if (!Enum.IsDefined(typeof(RevocationReason), reason))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"{(int)reason} is not a revocation reason.");
            }
            string serial = OpenSslIndexLedger.NormalizeSerial(SerialNumber);
            bool onHold = Status == LedgerStatus.Revoked && Reason == RevocationReason.CertificateHold;
            if (reason == RevocationReason.RemoveFromCrl && !onHold)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument,
                    $"RemoveFromCrl releases a certificate on hold (CertificateHold), and {serial} is not on hold: give the reason for revoking it.", null, serial);
            }
            if (Status == LedgerStatus.Revoked && !onHold)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"The certificate {serial} is already revoked (on {Words.Date(RevokedAt)}).", null, serial);
            }
            if (onHold && reason == RevocationReason.CertificateHold)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"The certificate {serial} is already on hold (since {Words.Date(RevokedAt)}).", null, serial);
            }
            return reason == RevocationReason.RemoveFromCrl
                ? new LedgerEntry(LedgerStatus.Valid, NotAfter, null, null, SerialNumber, FileName, Subject)
                : new LedgerEntry(LedgerStatus.Revoked, NotAfter, revokedAt, reason, SerialNumber, FileName, Subject);
        }
    }

    /// <summary>One revocation of a batch (<see cref="ICaLedger.Revoke"/>).</summary>
    public sealed class LedgerRevocation
    {
        public LedgerRevocation(string serialNumber, RevocationReason reason, DateTimeOffset revokedAt)
        {
            SerialNumber = serialNumber;
            Reason = reason;
            RevokedAt = revokedAt;
        }

        public string SerialNumber { get; }

        public RevocationReason Reason { get; }

        public DateTimeOffset RevokedAt { get; }
    }

    /// <summary>What became of one item of a batch: the new entry, or why it was refused.</summary>
    public sealed class LedgerOutcome
    {
        public LedgerOutcome(LedgerEntry? entry, PkiException? error)
        {
            Entry = entry;
            Error = error;
        }

        public LedgerEntry? Entry { get; }

        public PkiException? Error { get; }
    }

    /// <summary>The one-item forms of the batch methods of <see cref="ICaLedger"/>.</summary>
    public static class CaLedgerExtensions
    {
        /// <summary>Records one issued certificate (SerialConflict when its serial is already there).</summary>
        public static void Append(this ICaLedger ledger, LedgerEntry entry) => ledger.Append(new[] { entry });

        /// <summary>
        /// The entries recorded Valid whose notAfter is in [<paramref name="from"/>, <paramref name="to"/>), in ledger
        /// order: the ledger's own query when it has one (<see cref="ILedgerExpiryQuery"/>, a database index), else every
        /// entry read and filtered.
        /// </summary>
        public static IReadOnlyList<LedgerEntry> ExpiringBetween(this ICaLedger ledger, DateTimeOffset from, DateTimeOffset to) =>
            ledger is ILedgerExpiryQuery query
                ? query.ExpiringBetween(from, to)
                : ledger.Entries().Where(e => e.Status == LedgerStatus.Valid && e.NotAfter >= from && e.NotAfter < to).ToList();

        /// <summary>Marks one certificate revoked; throws what the batch form reports for it.</summary>
        public static LedgerEntry Revoke(this ICaLedger ledger, string serialNumber, RevocationReason reason, DateTimeOffset revokedAt)
        {
            LedgerOutcome outcome = ledger.Revoke(new[] { new LedgerRevocation(serialNumber, reason, revokedAt) })[0];
            return outcome.Entry ?? throw outcome.Error!;
        }
    }

    /// <summary>
    /// A ledger that answers "recorded Valid, notAfter in a window" itself (a database's index on notAfter) instead of
    /// every entry being read and filtered: what an expiry report over a large ledger asks.
    /// </summary>
    public interface ILedgerExpiryQuery
    {
        /// <summary>The entries recorded Valid whose notAfter is in [<paramref name="from"/>, <paramref name="to"/>), in ledger order.</summary>
        IReadOnlyList<LedgerEntry> ExpiringBetween(DateTimeOffset from, DateTimeOffset to);
    }

    /// <summary>
    /// A ledger that says in one call which of many serials are recorded (a database: one query instead of one round
    /// trip per serial). A batch issuance asks it once for the serials it drew and once more before recording them.
    /// </summary>
    public interface ILedgerSerialLookup
    {
        /// <summary>Those of <paramref name="serialNumbers"/> (normalized upper-case hex) that are recorded, normalized.</summary>
        IReadOnlyCollection<string> ExistingSerials(IReadOnlyList<string> serialNumbers);
    }

    /// <summary>
    /// The issuance ledger of a CA. Every method is safe across threads and processes sharing one ledger. The default
    /// implementation is <see cref="OpenSslIndexLedger"/>; a database-backed one can replace it.
    /// </summary>
    public interface ICaLedger
    {
        /// <summary>
        /// Records issued certificates, all or nothing, durably on return (one write and one flush for the batch).
        /// Throws <see cref="PkiErrorCode.SerialConflict"/> when a serial is already there. One entry: <see cref="CaLedgerExtensions.Append"/>.
        /// </summary>
        void Append(IReadOnlyList<LedgerEntry> entries);

        /// <summary>
        /// Marks certificates revoked, in order, in one change of the ledger. Per item: the new entry, or the error that
        /// refused it (<see cref="PkiErrorCode.SerialNotFound"/>, or InvalidArgument when it already is revoked) while
        /// the others go on. One item: <see cref="CaLedgerExtensions.Revoke"/>.
        /// </summary>
        IReadOnlyList<LedgerOutcome> Revoke(IReadOnlyList<LedgerRevocation> revocations);

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
