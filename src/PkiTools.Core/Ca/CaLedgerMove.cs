using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using PkiTools.Core.IO;

namespace PkiTools.Core.Ca
{
    /// <summary>
    /// Moving a CA's ledger between index.txt and a database (Move-CaLedger), and writing an openssl ca-readable
    /// snapshot of any ledger (Export-CaLedger).
    /// </summary>
    public static class CaLedgerMove
    {
        /// <summary>
        /// Copies every index.txt entry (revocation reasons included) into the PostgreSQL ledger at
        /// <paramref name="connection"/> in one transaction, checks that the database holds exactly the same entries,
        /// raises the database's CRL counter to the crlnumber file's, and only then switches: ledger.json is written
        /// and index.txt renamed to index.txt.moved (so openssl ca cannot go on issuing from a stale copy). All of it
        /// under the index.txt lock. Returns how many entries were copied.
        /// </summary>
        public static int ToPostgreSql(CaDirectory ca, string connection, string? password)
        {
            CaLedgerLocation.CheckConnection(connection);
            if (!(ca.Ledger is OpenSslIndexLedger index))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"The ledger of the CA in '{ca.Folder}' is not index.txt but {ca.Ledger}: it is already in a database.", null, ca.Folder);
            }
            if (ca.CrlNumberPath.Length == 0 || !string.Equals(System.IO.Path.GetDirectoryName(index.IndexPath), ca.Folder, StringComparison.Ordinal))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"The ledger '{index.IndexPath}' is outside the CA folder '{ca.Folder}' (an openssl.cnf layout): only a CA folder's own index.txt can move to a database.", null, ca.Folder);
            }
            var location = new CaLedgerLocation(CaLedgerLocation.PostgreSql, connection, CaLedgerLocation.CaIdOf(ca.Certificate.RawData));
            ICaLedgerProvider provider = CaLedgerProviders.PostgreSqlProvider();
            return index.WithLock(entries =>
            {
                ICaLedger target = provider.Open(location.Connection, location.CaId, password, create: true);
                try
                {
                    int there = target.Entries().Count;
                    if (there > 0)
                    {
                        throw new PkiException(PkiErrorCode.InvalidArgument,
                            $"The database already holds {there} ledger entries for this CA (CA id {location.CaId}), from an earlier move: nothing was copied. Remove them there first, or keep the ledger in index.txt.",
                            null, ca.Folder);
                    }
                    target.Append(entries);
                    IReadOnlyList<LedgerEntry> copied = target.Entries();
                    string? difference = Difference(entries, copied);
                    if (difference != null)
                    {
                        throw new PkiException(PkiErrorCode.LedgerCorrupt,
                            $"The copy in the database does not match index.txt ({difference}); the CA keeps its index.txt and nothing was switched.", null, ca.Folder);
                    }
                    if (File.Exists(ca.CrlNumberPath))
                    {
                        System.Numerics.BigInteger next = CrlPublisher.ReadCrlNumber(ca.CrlNumberPath);
                        if (next > long.MaxValue) throw new PkiException(PkiErrorCode.LedgerCorrupt, $"The CRL number in '{ca.CrlNumberPath}' is too large for the database's counter.", null, ca.CrlNumberPath);
                        ((ICrlNumberSource)target).RaiseCrlNumber((long)next - 1);
                    }
                    location.Write(ca.Folder);
                    Rename(index.IndexPath, index.IndexPath + CaDirectory.MovedSuffix);
                    Rename(index.ReasonsPath, index.ReasonsPath + CaDirectory.MovedSuffix);
                    Rename(ca.CrlNumberPath, ca.CrlNumberPath + CaDirectory.MovedSuffix);
                    return entries.Count;
                }
                finally
                {
                    (target as IDisposable)?.Dispose();
                }
            });
        }

        /// <summary>
        /// Writes index.txt (and crlnumber, the next number after the database's last) from the database under its lock,
        /// checks it, and removes ledger.json: the CA is back on index.txt. The rows stay in the database (a later move
        /// there is refused until they are removed). FileExists when index.txt is there already. Returns the count.
        /// </summary>
        public static int ToIndexTxt(CaDirectory ca)
        {
            if (ca.Ledger is OpenSslIndexLedger)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"The ledger of the CA in '{ca.Folder}' is index.txt already.", null, ca.Folder);
            }
            string indexPath = System.IO.Path.Combine(ca.Folder, "index.txt");
            if (File.Exists(indexPath))
            {
                throw new PkiException(PkiErrorCode.FileExists, $"'{indexPath}' exists although the ledger is in the database: move it away (it is stale) and try again; nothing was written.", null, indexPath);
            }
            return ca.Ledger.WithLock(entries =>
            {
                // Created first: Append writes nothing for an empty ledger, and a CA with neither ledger.json nor index.txt does not open.
                AtomicFileWriter.Write(indexPath, Array.Empty<byte>(), secret: false, overwrite: false, caOwned: true);
                var index = new OpenSslIndexLedger(indexPath);
                // Reasons index.txt cannot name (privilegeWithdrawn, aACompromise) go through a revocation, which keeps
                // the truth in index.txt.reasons as for any other revocation; the lines are the same either way.
                var special = new List<LedgerRevocation>();
                var lines = new List<LedgerEntry>(entries.Count);
                foreach (LedgerEntry e in entries)
                {
                    if (e.Status == LedgerStatus.Revoked && e.Reason is Revocation.RevocationReason reason && !OpenSslIndexLedger.OpenSslCanName(reason) && e.RevokedAt is DateTimeOffset at)
                    {
                        lines.Add(new LedgerEntry(LedgerStatus.Valid, e.NotAfter, null, null, e.SerialNumber, e.FileName, e.Subject));
                        special.Add(new LedgerRevocation(e.SerialNumber, reason, at));
                    }
                    else
                    {
                        lines.Add(e);
                    }
                }
                index.Append(lines);
                if (special.Count > 0)
                {
                    foreach (LedgerOutcome outcome in index.Revoke(special))
                    {
                        if (outcome.Error != null) throw outcome.Error;
                    }
                }
                string? difference = Difference(entries, new OpenSslIndexLedger(indexPath).Entries());
                if (difference != null)
                {
                    File.Delete(indexPath);
                    throw new PkiException(PkiErrorCode.LedgerCorrupt, $"index.txt written from the database does not match it ({difference}); the CA stays on the database.", null, indexPath);
                }
                if (!File.Exists(indexPath))
                {
                    throw new PkiException(PkiErrorCode.LedgerCorrupt, $"'{indexPath}' was not written; the CA stays on the database.", null, indexPath);
                }
                if (!File.Exists(indexPath + ".attr")) AtomicFileWriter.Write(indexPath + ".attr", CaFiles.Ascii("unique_subject = no\n"), secret: false, overwrite: false, caOwned: true);
                if (ca.Ledger is ICrlNumberSource numbers)
                {
                    long last = numbers.RaiseCrlNumber(0);
                    string next = OpenSslIndexLedger.NormalizeSerial((last + 1).ToString("X", System.Globalization.CultureInfo.InvariantCulture));
                    AtomicFileWriter.Write(ca.CrlNumberPath, CaFiles.Ascii(next + "\n"), secret: false, overwrite: true, caOwned: true);
                }
                File.Delete(System.IO.Path.Combine(ca.Folder, CaLedgerLocation.FileName));
                return entries.Count;
            });
        }

        /// <summary>The ledger in index.txt's format, byte for byte what openssl ca reads (lines in ledger order).</summary>
        public static byte[] IndexTxt(IReadOnlyList<LedgerEntry> entries)
        {
            var text = new StringBuilder(entries.Count * 100);
            foreach (LedgerEntry e in entries) text.Append(OpenSslIndexLedger.FormatLine(e)).Append('\n');
            return Encoding.GetEncoding("ISO-8859-1").GetBytes(text.ToString());
        }

        /// <summary>Writes <see cref="IndexTxt"/> of the CA's ledger (read under its lock) to <paramref name="path"/>, atomically. Returns the count.</summary>
        public static int Export(CaDirectory ca, string path, bool force)
        {
            string full = System.IO.Path.GetFullPath(path);
            ca.RefuseOwnFile(full);
            if (!force && File.Exists(full))
            {
                throw new PkiException(PkiErrorCode.FileExists, $"The file '{full}' already exists; nothing was written.", null, full, new PkiHint("Use {0} to replace it.", "Force"));
            }
            return ca.Ledger.WithLock(entries =>
            {
                AtomicFileWriter.Write(full, IndexTxt(entries), secret: false, overwrite: force);
                return entries.Count;
            });
        }

        /// <summary>Null when both hold the same entries (serial, status, dates, reason, subject), else what differs first.</summary>
        private static string? Difference(IReadOnlyList<LedgerEntry> source, IReadOnlyList<LedgerEntry> copy)
        {
            if (source.Count != copy.Count) return $"{source.Count} entries, the copy {copy.Count}";
            var bySerial = new Dictionary<string, LedgerEntry>(StringComparer.Ordinal);
            foreach (LedgerEntry e in copy) bySerial[OpenSslIndexLedger.NormalizeSerial(e.SerialNumber)] = e;
            foreach (LedgerEntry e in source)
            {
                string serial = OpenSslIndexLedger.NormalizeSerial(e.SerialNumber);
                if (!bySerial.TryGetValue(serial, out LedgerEntry? c)) return $"serial {serial} is missing";
                if (c.Status != e.Status || c.NotAfter != e.NotAfter || c.RevokedAt != e.RevokedAt || c.Reason != e.Reason || c.Subject != e.Subject)
                {
                    return $"the entry of serial {serial} differs";
                }
            }
            return null;
        }

        private static void Rename(string path, string to)
        {
            if (!File.Exists(path)) return;
            if (File.Exists(to)) File.Delete(to);
            File.Move(path, to);
        }
    }
}
