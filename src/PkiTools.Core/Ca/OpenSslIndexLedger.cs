using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using PkiTools.Core.IO;

using PkiTools.Core.Revocation;

namespace PkiTools.Core.Ca
{
    /// <summary>
    /// The ledger as OpenSSL's <c>index.txt</c> (the database of <c>openssl ca</c> and easy-rsa), byte for byte as openssl
    /// writes it: <c>V|R|E \t expiry \t revocation[,reason] \t SERIAL \t unknown \t /CN=subject</c>.
    /// <para>
    /// Cross-process safety: every read-modify-write holds an exclusive lock on <c>index.txt.lock</c> (opened with
    /// FileShare.None, which is flock(2) on Unix and a share lock on Windows; the kernel releases it when a process dies).
    /// An append is one write of one complete line, after checking the file ends with a newline; a torn last line (a
    /// crash or power loss in the middle of a write) is discarded on the next append and reported in
    /// <see cref="Warnings"/>. A revocation rewrites the file through a temporary file and a rename, so readers see the
    /// old or the new ledger and never a mix.
    /// </para>
    /// <para>
    /// Scale: the entries and a serial→line index are built once per instance; afterwards only the bytes appended since
    /// the last read are parsed (the length is tracked, and the last line read is compared so a rewrite by
    /// <c>openssl ca -revoke</c> or another process triggers a full re-read).
    /// </para>
    /// </summary>
    public sealed class OpenSslIndexLedger : ICaLedger
    {
        private static readonly System.Text.Encoding Latin1 = System.Text.Encoding.GetEncoding("iso-8859-1");

        private static readonly string[] ReasonNames =
        {
            "unspecified", "keyCompromise", "CACompromise", "affiliationChanged", "superseded", "cessationOfOperation", "certificateHold", "", "removeFromCRL",
        };

        private readonly object _gate = new object();
        private readonly List<LedgerEntry> _entries = new List<LedgerEntry>();
        private readonly List<string> _lines = new List<string>();
        private readonly Dictionary<string, int> _bySerial = new Dictionary<string, int>(StringComparer.Ordinal);
        private readonly List<string> _warnings = new List<string>();
        private readonly Dictionary<string, RevocationReason> _reasonOverrides = new Dictionary<string, RevocationReason>(StringComparer.Ordinal);
        private DateTime _reasonsStamp = DateTime.MinValue;
        private long _length = -1;
        private DateTime _stamp;
        private byte[] _lastLine = Array.Empty<byte>();
        private bool _tornTail;
        private bool _tailNeedsNewline;
        private bool _seenFile;
        private int _lockDepth;
        private bool _freshInHold;
        private FileStream? _lockStream;

        /// <summary>
        /// Opens the ledger at <paramref name="indexPath"/>, read-only: nothing is created or locked until a change. A
        /// missing file reads as an empty ledger that does not exist yet (<see cref="Exists"/> false); the first append
        /// creates it (whoever opens the CA decides whether a missing ledger is acceptable: see CaLayoutDetector).
        /// </summary>
        public OpenSslIndexLedger(string indexPath)
        {
            IndexPath = Path.GetFullPath(indexPath);
            LockPath = IndexPath + ".lock";
            using (ReadLock())
            {
                Refresh();
            }
        }

        /// <summary>Whether index.txt exists (false for a CA that has not recorded anything yet).</summary>
        public bool Exists => File.Exists(IndexPath);

        public string IndexPath { get; }

        public string LockPath { get; }

        /// <summary>How long to wait for another process's lock before <see cref="PkiErrorCode.LockTimeout"/>.</summary>
        public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

        public IReadOnlyList<string> Warnings
        {
            get
            {
                lock (_gate) return _warnings.ToArray();
            }
        }

        /// <summary>
        /// Records issued certificates: one write of all their lines and one flush, under one lock hold. All or nothing:
        /// a serial already in the ledger (or twice in <paramref name="entries"/>) is SerialConflict and nothing is written.
        /// </summary>
        public void Append(IReadOnlyList<LedgerEntry> entries)
        {
            if (entries.Count == 0) return;
            var lines = new string[entries.Count];
            var serials = new string[entries.Count];
            var batch = new HashSet<string>(StringComparer.Ordinal);
            var text = new System.Text.StringBuilder();
            for (int i = 0; i < entries.Count; i++)
            {
                lines[i] = FormatLine(entries[i]);
                serials[i] = NormalizeSerial(entries[i].SerialNumber);
                if (!batch.Add(serials[i]))
                {
                    throw new PkiException(PkiErrorCode.SerialConflict, $"The serial number {serials[i]} is twice in one batch for the ledger '{IndexPath}'.", null, serials[i]);
                }
                text.Append(lines[i]).Append('\n');
            }
            lock (_gate)
            {
                using (AcquireLock())
                {
                    RefreshIfStale();
                    foreach (string serial in serials)
                    {
                        if (_bySerial.ContainsKey(serial))
                        {
                            throw new PkiException(PkiErrorCode.SerialConflict, $"The serial number {serial} is already in the ledger '{IndexPath}'.", null, serial);
                        }
                    }
                    if (!File.Exists(IndexPath))
                    {
                        if (_seenFile)
                        {
                            throw new PkiException(PkiErrorCode.LedgerCorrupt, $"The ledger '{IndexPath}' disappeared while the CA was open; nothing was recorded. Restore it from a backup.", null, IndexPath);
                        }
                        AtomicFileWriter.Write(IndexPath, Array.Empty<byte>(), secret: false, overwrite: false, caOwned: true);
                        _seenFile = true;
                    }
                    byte[] bytes = Latin1.GetBytes((_tailNeedsNewline ? "\n" : "") + text);
                    _freshInHold = false; // until the lines are in memory too
                    try
                    {
                        using (var stream = new FileStream(IndexPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
                        {
                            if (_tornTail && stream.Length > _length)
                            {
                                stream.SetLength(_length); // the torn remains of a killed writer
                            }
                            stream.Seek(0, SeekOrigin.End);
                            stream.Write(bytes, 0, bytes.Length); // one write of complete lines
                            stream.Flush(true);
                            _length = stream.Length;
                        }
                        _stamp = File.GetLastWriteTimeUtc(IndexPath);
                    }
                    catch (IOException ex)
                    {
                        throw new PkiException(PkiErrorCode.FileWriteFailed, $"Could not append to the ledger '{IndexPath}': {ex.Message}", ex, IndexPath);
                    }
                    _tornTail = false;
                    _tailNeedsNewline = false;
                    _lastLine = Latin1.GetBytes(lines[lines.Length - 1] + "\n");
                    for (int i = 0; i < lines.Length; i++) Add(lines[i], ParseLine(lines[i], _lines.Count + 1));
                    _freshInHold = _lockDepth > 0;
                }
            }
        }

        /// <summary>
        /// Reasons OpenSSL's index.txt cannot name (privilegeWithdrawn, aACompromise): the ledger line says
        /// "unspecified" so that openssl ca keeps reading it, and this file keeps the true reason for our CRLs.
        /// </summary>
        public string ReasonsPath => IndexPath + ".reasons";

        /// <summary>
        /// Applies revocations in order under one lock hold with one rewrite of index.txt (through a temporary file and
        /// a rename) and at most one of index.txt.reasons. Each one is judged against the ledger as the earlier ones of
        /// the batch left it; a refused one (unknown serial, already revoked...) gets its error and the others go on.
        /// </summary>
        public IReadOnlyList<LedgerOutcome> Revoke(IReadOnlyList<LedgerRevocation> revocations)
        {
            var outcomes = new LedgerOutcome[revocations.Count];
            var serials = new string?[revocations.Count];
            for (int i = 0; i < revocations.Count; i++)
            {
                try
                {
                    serials[i] = NormalizeSerial(revocations[i].SerialNumber);
                }
                catch (PkiException ex)
                {
                    outcomes[i] = new LedgerOutcome(null, ex);
                }
            }
            lock (_gate)
            {
                using (AcquireLock())
                {
                    RefreshIfStale();
                    var changed = new Dictionary<int, LedgerEntry>();
                    var reasonNotes = new System.Text.StringBuilder();
                    var newOverrides = new List<(string Serial, RevocationReason Reason)>();
                    for (int i = 0; i < revocations.Count; i++)
                    {
                        if (serials[i] is not string serial) continue;
                        LedgerRevocation request = revocations[i];
                        try
                        {
                            if (!_bySerial.TryGetValue(serial, out int index))
                            {
                                throw new PkiException(PkiErrorCode.SerialNotFound, $"No certificate with serial number {serial} is in the ledger '{IndexPath}'.", null, serial);
                            }
                            LedgerEntry old = changed.TryGetValue(index, out LedgerEntry? pending) ? pending : _entries[index];
                            LedgerEntry revoked = old.Revoked(request.Reason, request.RevokedAt);
                            changed[index] = revoked;
                            if (revoked.Reason is RevocationReason reason && !OpenSslCanName(reason))
                            {
                                reasonNotes.Append(serial).Append(' ').Append(reason).Append('\n');
                                newOverrides.Add((serial, reason));
                            }
                            outcomes[i] = new LedgerOutcome(revoked, null);
                        }
                        catch (PkiException ex)
                        {
                            outcomes[i] = new LedgerOutcome(null, ex);
                        }
                    }
                    if (changed.Count == 0) return outcomes;
                    _freshInHold = false; // until the new lines are in memory too
                    if (reasonNotes.Length > 0)
                    {
                        // First the true reasons, then the ledger lines: a crash in between leaves unused notes.
                        string existing = File.Exists(ReasonsPath) ? File.ReadAllText(ReasonsPath, Latin1)
                            : "# Revocation reasons OpenSSL's index.txt cannot name; index.txt says 'unspecified' for these serials.\n";
                        AtomicFileWriter.Write(ReasonsPath, Latin1.GetBytes(existing + reasonNotes), secret: false, overwrite: true, caOwned: true);
                        foreach ((string serial, RevocationReason reason) in newOverrides) _reasonOverrides[serial] = reason;
                        _reasonsStamp = File.GetLastWriteTimeUtc(ReasonsPath);
                    }
                    var newLines = new Dictionary<int, string>(changed.Count);
                    foreach (KeyValuePair<int, LedgerEntry> kv in changed) newLines[kv.Key] = FormatLine(kv.Value);
                    var text = new System.Text.StringBuilder(checked((int)Math.Min(int.MaxValue / 2, _length + 64)));
                    for (int i = 0; i < _lines.Count; i++)
                    {
                        text.Append(newLines.TryGetValue(i, out string? line) ? line : _lines[i]).Append('\n');
                    }
                    byte[] bytes = Latin1.GetBytes(text.ToString());
                    AtomicFileWriter.Write(IndexPath, bytes, secret: false, overwrite: true, caOwned: true);
                    foreach (KeyValuePair<int, string> kv in newLines)
                    {
                        _lines[kv.Key] = kv.Value;
                        _entries[kv.Key] = changed[kv.Key];
                    }
                    _length = bytes.Length;
                    _stamp = File.GetLastWriteTimeUtc(IndexPath);
                    _lastLine = Latin1.GetBytes(_lines[_lines.Count - 1] + "\n");
                    _tornTail = false;
                    _tailNeedsNewline = false;
                    _freshInHold = _lockDepth > 0;
                    return outcomes;
                }
            }
        }

        public T WithLock<T>(Func<IReadOnlyList<LedgerEntry>, T> work)
        {
            lock (_gate)
            {
                using (AcquireLock())
                {
                    RefreshIfStale();
                    return work(_entries.ToArray());
                }
            }
        }

        public IReadOnlyList<LedgerEntry> Entries()
        {
            lock (_gate)
            {
                using (ReadLock())
                {
                    RefreshIfStale();
                }
                return _entries.ToArray();
            }
        }

        public LedgerEntry? Find(string serialNumber)
        {
            string serial = NormalizeSerial(serialNumber);
            lock (_gate)
            {
                using (ReadLock())
                {
                    RefreshIfStale();
                }
                return _bySerial.TryGetValue(serial, out int index) ? _entries[index] : null;
            }
        }

        public bool SerialExists(string serialNumber) => Find(serialNumber) != null;

        /// <summary>
        /// Holds the cross-process lock of this ledger (the CA uses it around its own multi-file steps). Re-entrant on
        /// the thread holding it, so a CA step under the lock can append or revoke.
        /// </summary>
        public IDisposable AcquireLock()
        {
            Monitor.Enter(_gate);
            try
            {
                if (_lockDepth == 0)
                {
                    _lockStream = OpenLockFile();
                    LockAcquiredUtc = DateTime.UtcNow;
                }
                _lockDepth++;
                return new Release(this, fileLock: true);
            }
            catch
            {
                Monitor.Exit(_gate);
                throw;
            }
        }

        /// <summary>When the lock now held was taken (files of our temporary naming older than this belong to killed writers).</summary>
        public DateTime LockAcquiredUtc { get; private set; }

        /// <summary>
        /// For reads: the file lock when a lock file exists (a writer may be mid-append), else only this instance's
        /// gate, so that opening and listing a CA never creates a file.
        /// </summary>
        private IDisposable ReadLock()
        {
            if (_lockDepth > 0 || File.Exists(LockPath)) return AcquireLock();
            Monitor.Enter(_gate);
            return new Release(this, fileLock: false);
        }

        private sealed class Release : IDisposable
        {
            private readonly OpenSslIndexLedger _owner;
            private readonly bool _fileLock;
            private bool _done;

            public Release(OpenSslIndexLedger owner, bool fileLock)
            {
                _owner = owner;
                _fileLock = fileLock;
            }

            public void Dispose()
            {
                if (_done) return;
                _done = true;
                if (_fileLock && --_owner._lockDepth == 0)
                {
                    _owner._freshInHold = false;
                    _owner._lockStream?.Dispose();
                    _owner._lockStream = null;
                }
                Monitor.Exit(_owner._gate);
            }
        }

        private FileStream OpenLockFile()
        {
            var clock = Stopwatch.StartNew();
            int delay = 1;
            while (true)
            {
                try
                {
                    bool created = !File.Exists(LockPath);
                    var stream = new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
                    if (created) CaFiles.SetMode(LockPath, 0x1A4); // 0644 whatever the umask: no one else may hold our lock
                    return stream;
                }
                catch (IOException) when (clock.Elapsed < LockTimeout)
                {
                    Thread.Sleep(delay);
                    delay = Math.Min(delay * 2, 25);
                }
                catch (IOException ex)
                {
                    throw new PkiException(PkiErrorCode.LockTimeout,
                        $"The CA ledger is locked by another process ('{LockPath}') and did not become free within {LockTimeout.TotalSeconds:0.#} s. Try again; if no PkiTools job is running, the lock is stale only on a network share.", ex, LockPath);
                }
                catch (UnauthorizedAccessException ex)
                {
                    throw new PkiException(PkiErrorCode.FileWriteFailed, $"Cannot open the lock file '{LockPath}': {ex.Message}", ex, LockPath);
                }
            }
        }

        /// <summary>
        /// <see cref="Refresh"/>, once per hold of the file lock: while this instance holds it no other writer can change
        /// the ledger, and this instance's own changes keep the in-memory copy current, so the many lookups of a batch
        /// (a serial per certificate) read nothing from disk.
        /// </summary>
        private void RefreshIfStale()
        {
            if (_lockDepth > 0 && _freshInHold) return;
            Refresh();
            _freshInHold = _lockDepth > 0;
        }

        /// <summary>Reads what changed since the last read (everything the first time, or after a rewrite). Caller holds the lock.</summary>
        [System.Runtime.CompilerServices.MethodImpl((System.Runtime.CompilerServices.MethodImplOptions)512)] // AggressiveOptimization: a hot loop, optimised at first call
        private void Refresh()
        {
            if (LoadReasonOverrides() && _reasonOverrides.Count > 0)
            {
                foreach (KeyValuePair<string, int> kv in _bySerial) _entries[kv.Value] = WithOverride(kv.Key, _entries[kv.Value]);
            }
            byte[] tail;
            bool full;
            if (!File.Exists(IndexPath))
            {
                if (_seenFile)
                {
                    throw new PkiException(PkiErrorCode.LedgerCorrupt, $"The ledger '{IndexPath}' disappeared while the CA was open. Restore it from a backup.", null, IndexPath);
                }
                return; // not created yet: an empty ledger
            }
            _seenFile = true;
            try
            {
                DateTime stamp = File.GetLastWriteTimeUtc(IndexPath);
                using var stream = new FileStream(IndexPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                long length = stream.Length;
                full = _length < 0 || length < _length || !SameTail(stream);
                if (!full && length == _length && !_tornTail)
                {
                    // Same length: unchanged, unless rewritten in place (openssl ca -updatedb turns V into E).
                    if (stamp == _stamp) return;
                    full = true;
                }
                _stamp = stamp;
                long start = full ? 0 : _length;
                tail = new byte[length - start];
                stream.Seek(start, SeekOrigin.Begin);
                int read = 0;
                while (read < tail.Length)
                {
                    int n = stream.Read(tail, read, tail.Length - read);
                    if (n <= 0) break;
                    read += n;
                }
                if (read < tail.Length) Array.Resize(ref tail, read);
            }
            catch (FileNotFoundException ex)
            {
                throw new PkiException(PkiErrorCode.CaNotFound, $"The ledger '{IndexPath}' does not exist.", ex, IndexPath);
            }
            catch (IOException ex)
            {
                throw new PkiException(PkiErrorCode.FileReadFailed, $"Could not read the ledger '{IndexPath}': {ex.Message}", ex, IndexPath);
            }

            if (full)
            {
                _entries.Clear();
                _lines.Clear();
                _bySerial.Clear();
                _length = 0;
                _lastLine = Array.Empty<byte>();
            }
            _tornTail = false;
            _tailNeedsNewline = false;
            int lineStart = 0, lastStart = -1;
            for (int i = Array.IndexOf(tail, (byte)'\n'); i >= 0; i = Array.IndexOf(tail, (byte)'\n', lineStart))
            {
                int end = i > lineStart && tail[i - 1] == (byte)'\r' ? i - 1 : i;
                if (end > lineStart)
                {
                    string line = Latin1.GetString(tail, lineStart, end - lineStart);
                    Add(line, ParseLine(line, _lines.Count + 1));
                }
                lastStart = lineStart;
                lineStart = i + 1;
            }
            if (lastStart >= 0)
            {
                _lastLine = new byte[lineStart - lastStart];
                Array.Copy(tail, lastStart, _lastLine, 0, _lastLine.Length);
            }
            _length += lineStart;
            if (lineStart < tail.Length)
            {
                string partial = Latin1.GetString(tail, lineStart, tail.Length - lineStart);
                LedgerEntry? entry = TryParseLine(partial);
                if (entry != null && !_bySerial.ContainsKey(NormalizeSerial(entry.SerialNumber)))
                {
                    // A complete line without its newline (an edit by hand): kept, and the newline added before the next append.
                    Add(partial, entry);
                    _length += tail.Length - lineStart;
                    _lastLine = Latin1.GetBytes(partial);
                    _tailNeedsNewline = true;
                }
                else
                {
                    _tornTail = true;
                    string warning = $"The last line of '{IndexPath}' was incomplete (a process was killed while writing it) and is ignored; it is removed at the next issuance: '{partial}'.";
                    if (!_warnings.Contains(warning)) _warnings.Add(warning);
                }
            }
        }

        private bool SameTail(FileStream stream)
        {
            if (_lastLine.Length == 0) return _length == 0;
            if (stream.Length < _length) return false;
            var buffer = new byte[_lastLine.Length];
            stream.Seek(_length - _lastLine.Length, SeekOrigin.Begin);
            int read = 0;
            while (read < buffer.Length)
            {
                int n = stream.Read(buffer, read, buffer.Length - read);
                if (n <= 0) return false;
                read += n;
            }
            for (int i = 0; i < buffer.Length; i++)
            {
                if (buffer[i] != _lastLine[i]) return false;
            }
            return true;
        }

        internal static bool OpenSslCanName(RevocationReason reason) => (int)reason < ReasonNames.Length && ReasonNames[(int)reason].Length > 0;

        /// <summary>Reads index.txt.reasons when it changed. Caller holds the lock; true when the overrides changed.</summary>
        private bool LoadReasonOverrides()
        {
            DateTime stamp = File.Exists(ReasonsPath) ? File.GetLastWriteTimeUtc(ReasonsPath) : DateTime.MinValue;
            if (stamp == _reasonsStamp) return false;
            _reasonsStamp = stamp;
            _reasonOverrides.Clear();
            if (stamp == DateTime.MinValue) return true;
            string[] lines;
            try
            {
                lines = File.ReadAllLines(ReasonsPath, Latin1);
            }
            catch (IOException ex)
            {
                throw new PkiException(PkiErrorCode.FileReadFailed, $"Could not read '{ReasonsPath}': {ex.Message}", ex, ReasonsPath);
            }
            foreach (string raw in lines)
            {
                string text = raw.Trim();
                if (text.Length == 0 || text[0] == '#') continue;
                string[] parts = text.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length != 2 || !IsHex(parts[0]) || !Enum.TryParse(parts[1], ignoreCase: true, out RevocationReason reason) || !Enum.IsDefined(typeof(RevocationReason), reason))
                {
                    throw new PkiException(PkiErrorCode.LedgerCorrupt, $"'{ReasonsPath}' has a line that is not '<serial> <reason>': '{raw}'.", null, ReasonsPath);
                }
                _reasonOverrides[NormalizeSerial(parts[0])] = reason;
            }
            return true;
        }

        private LedgerEntry WithOverride(string serial, LedgerEntry entry) =>
            entry.Status == LedgerStatus.Revoked && (entry.Reason ?? RevocationReason.Unspecified) == RevocationReason.Unspecified &&
            _reasonOverrides.TryGetValue(serial, out RevocationReason reason)
                ? new LedgerEntry(entry.Status, entry.NotAfter, entry.RevokedAt, reason, entry.SerialNumber, entry.FileName, entry.Subject)
                : entry;

        [System.Runtime.CompilerServices.MethodImpl((System.Runtime.CompilerServices.MethodImplOptions)512)] // AggressiveOptimization
        private void Add(string line, LedgerEntry entry)
        {
            string serial = NormalizeSerial(entry.SerialNumber);
            entry = WithOverride(serial, entry);
            _lines.Add(line);
            _entries.Add(entry);
            _bySerial[serial] = _entries.Count - 1; // openssl tolerates duplicates in old files; the last one wins here
        }

        private LedgerEntry ParseLine(string line, int number) =>
            TryParseLine(line) ?? throw new PkiException(PkiErrorCode.LedgerCorrupt,
                $"Line {number} of the ledger '{IndexPath}' is not in OpenSSL's index.txt format: '{line}'.", null, IndexPath);

        /// <summary>Parses one index.txt line, or null.</summary>
        [System.Runtime.CompilerServices.MethodImpl((System.Runtime.CompilerServices.MethodImplOptions)512)] // AggressiveOptimization: a hot loop, optimised at first call
        public static LedgerEntry? TryParseLine(string line)
        {
            // Six tab-separated fields, scanned in place (a 100,000-line ledger is read at every open).
            int tab0 = line.IndexOf('\t');
            if (tab0 != 1) return null;
            int tab1 = line.IndexOf('\t', tab0 + 1), tab2 = tab1 < 0 ? -1 : line.IndexOf('\t', tab1 + 1);
            int tab3 = tab2 < 0 ? -1 : line.IndexOf('\t', tab2 + 1), tab4 = tab3 < 0 ? -1 : line.IndexOf('\t', tab3 + 1);
            if (tab4 < 0 || line.IndexOf('\t', tab4 + 1) >= 0) return null;
            LedgerStatus status;
            switch (line[0])
            {
                case 'V': status = LedgerStatus.Valid; break;
                case 'R': status = LedgerStatus.Revoked; break;
                case 'E': status = LedgerStatus.Expired; break;
                default: return null;
            }
            if (!TryParseTime(line, 2, tab1 - 2, out DateTimeOffset notAfter)) return null;
            DateTimeOffset? revokedAt = null;
            RevocationReason? reason = null;
            int revStart = tab1 + 1, revLength = tab2 - revStart;
            if (revLength > 0)
            {
                int comma = line.IndexOf(',', revStart, revLength);
                if (!TryParseTime(line, revStart, (comma < 0 ? tab2 : comma) - revStart, out DateTimeOffset when)) return null;
                revokedAt = when;
                if (comma >= 0)
                {
                    int end = line.IndexOf(',', comma + 1, tab2 - comma - 1);
                    int r = ReasonIndex(line, comma + 1, (end < 0 ? tab2 : end) - comma - 1);
                    if (r < 0) return null;
                    reason = (RevocationReason)r;
                }
            }
            else if (status == LedgerStatus.Revoked)
            {
                return null;
            }
            string serial = line.Substring(tab2 + 1, tab3 - tab2 - 1);
            if (serial.Length == 0 || !IsHex(serial)) return null;
            int fileLength = tab4 - tab3 - 1;
            string file = fileLength == 7 && string.CompareOrdinal(line, tab3 + 1, "unknown", 0, 7) == 0 ? "unknown" : line.Substring(tab3 + 1, fileLength);
            return new LedgerEntry(status, notAfter, revokedAt, reason, serial, file, line.Substring(tab4 + 1));
        }

        /// <summary>The index of the reason name at <paramref name="start"/> in <paramref name="line"/> (any case), or -1.</summary>
        private static int ReasonIndex(string line, int start, int length)
        {
            for (int r = 0; r < ReasonNames.Length; r++)
            {
                string n = ReasonNames[r];
                if (n.Length > 0 && n.Length == length && string.Compare(line, start, n, 0, length, StringComparison.OrdinalIgnoreCase) == 0) return r;
            }
            return -1;
        }

        /// <summary>One line as openssl writes it (without the newline).</summary>
        public static string FormatLine(LedgerEntry entry)
        {
            string status = entry.Status == LedgerStatus.Valid ? "V" : entry.Status == LedgerStatus.Revoked ? "R" : "E";
            string revocation = "";
            if (entry.RevokedAt is DateTimeOffset at)
            {
                revocation = FormatTime(at);
                if (entry.Reason is RevocationReason reason) revocation += "," + ReasonNames[OpenSslCanName(reason) ? (int)reason : 0];
            }
            string subject = entry.Subject.Replace("\t", "\\x09").Replace("\n", "\\x0A").Replace("\r", "\\x0D");
            return status + "\t" + FormatTime(entry.NotAfter) + "\t" + revocation + "\t" + NormalizeSerial(entry.SerialNumber) + "\t" +
                (string.IsNullOrEmpty(entry.FileName) ? "unknown" : entry.FileName) + "\t" + subject;
        }

        /// <summary>UTCTime (YYMMDDHHMMSSZ) before 2050, GeneralizedTime (YYYYMMDDHHMMSSZ) from 2050, as openssl does.</summary>
        public static string FormatTime(DateTimeOffset time)
        {
            DateTime utc = time.UtcDateTime;
            return utc.ToString(utc.Year >= 2050 || utc.Year < 1950 ? "yyyyMMddHHmmss'Z'" : "yyMMddHHmmss'Z'", CultureInfo.InvariantCulture);
        }

        public static bool TryParseTime(string text, out DateTimeOffset time) => TryParseTime(text, 0, text.Length, out time);

        [System.Runtime.CompilerServices.MethodImpl((System.Runtime.CompilerServices.MethodImplOptions)512)] // AggressiveOptimization
        private static bool TryParseTime(string text, int start, int length, out DateTimeOffset time)
        {
            time = default;
            int year, i;
            if (length == 13 && text[start + 12] == 'Z')
            {
                if (!Digits(text, start, 2, out int yy)) return false;
                year = yy < 50 ? 2000 + yy : 1900 + yy;
                i = start + 2;
            }
            else if (length == 15 && text[start + 14] == 'Z')
            {
                if (!Digits(text, start, 4, out year)) return false;
                i = start + 4;
            }
            else
            {
                return false;
            }
            if (!Digits(text, i, 2, out int month) || !Digits(text, i + 2, 2, out int day) || !Digits(text, i + 4, 2, out int hour) ||
                !Digits(text, i + 6, 2, out int minute) || !Digits(text, i + 8, 2, out int second)) return false;
            if (year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return false;
            time = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
            return true;
        }

        private static bool Digits(string s, int start, int count, out int value)
        {
            value = 0;
            for (int i = start; i < start + count; i++)
            {
                char c = s[i];
                if (c < '0' || c > '9') return false;
                value = value * 10 + (c - '0');
            }
            return true;
        }

        /// <summary>Upper-case hex with an even number of digits and no leading zero octet ("00" for zero), as BN_bn2hex.</summary>
        public static string NormalizeSerial(string serial)
        {
            if (IsCanonical(serial)) return serial;
            string s = serial.Trim().Replace(":", "").Replace(" ", "");
            if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) s = s.Substring(2);
            if (s.Length == 0 || !IsHex(s))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"'{serial}' is not a hexadecimal serial number.", null, serial);
            }
            s = s.ToUpperInvariant().TrimStart('0');
            if (s.Length == 0) return "00";
            return s.Length % 2 == 1 ? "0" + s : s;
        }

        private static bool IsCanonical(string s)
        {
            if (s.Length == 0 || s.Length % 2 == 1 || (s.Length > 2 && s[0] == '0' && s[1] == '0')) return false;
            foreach (char c in s)
            {
                if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
            }
            return true;
        }

        private static bool IsHex(string s)
        {
            foreach (char c in s)
            {
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
            }
            return true;
        }
    }
}
