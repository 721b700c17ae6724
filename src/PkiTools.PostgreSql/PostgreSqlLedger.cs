using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;

using Npgsql;
using NpgsqlTypes;

using PkiTools.Core;
using PkiTools.Core.Ca;
using PkiTools.Core.Revocation;

namespace PkiTools.PostgreSql
{
    /// <summary>
    /// The ledger of one CA in a PostgreSQL database (issue 17), so that several hosts holding a copy of the CA folder
    /// issue, revoke and publish CRLs from one ledger. Several CAs share one database: every row carries the CA id.
    /// <para>
    /// The schema lives in the PostgreSQL schema <c>pkitools</c> and is created or migrated by the first instance that
    /// uses the database (see <see cref="Migrations"/>), inside one transaction under an advisory lock. A serial is
    /// unique per CA by a database constraint. Every change (Append, Revoke, NextCrlNumber) is one transaction that
    /// holds this CA's advisory lock, the lock <see cref="WithLock{T}"/> holds for its whole duration, so nothing lands
    /// while a CRL is made. A server that cannot be reached or a connection lost mid-operation is
    /// <see cref="PkiErrorCode.LedgerUnavailable"/>, the transaction rolled back; the same call succeeds when retried
    /// once the server is back.
    /// </para>
    /// <para>
    /// The connection string uses Npgsql's keywords (Host, Port, Database, Username, SSL Mode, ...). The password comes
    /// from the connection string, <c>PGPASSWORD</c>, or <c>PGPASSFILE</c>/<c>~/.pgpass</c> (Npgsql reads them); it never
    /// appears in a message, which names host, port and database only.
    /// </para>
    /// </summary>
    public sealed class PostgreSqlLedger : ICaLedger, ICrlNumberSource, ILedgerExpiryQuery, ILedgerSerialLookup, IDisposable
    {
        /// <summary>The schema version this build creates and understands.</summary>
        public const int CurrentSchemaVersion = 1;

        /// <summary>
        /// The migrations, in order: entry <c>i</c> takes the schema from version <c>i</c> to <c>i + 1</c>. Each runs in
        /// the same transaction as the row recording its version.
        /// </summary>
        public static IReadOnlyList<string> Migrations { get; } = new[]
        {
            // 1: the ledger tables.
            @"CREATE TABLE pkitools.ledgers (
                ca text PRIMARY KEY,
                created_at timestamptz NOT NULL DEFAULT now(),
                crl_number bigint NOT NULL DEFAULT 0 CHECK (crl_number >= 0));
              CREATE TABLE pkitools.certificates (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                ca text NOT NULL REFERENCES pkitools.ledgers (ca),
                serial text NOT NULL CHECK (serial ~ '^([0-9A-F]{2})+$'),
                status char(1) NOT NULL CHECK (status IN ('V', 'R', 'E')),
                not_after timestamptz NOT NULL,
                revoked_at timestamptz,
                reason smallint,
                subject text NOT NULL,
                file_name text NOT NULL DEFAULT 'unknown',
                CONSTRAINT certificates_ca_serial_key UNIQUE (ca, serial),
                CHECK (status <> 'R' OR revoked_at IS NOT NULL));
              CREATE INDEX certificates_ca_not_after ON pkitools.certificates (ca, not_after);",
        };

        private static readonly object SchemaGate = new object();
        private static readonly HashSet<string> SchemaReady = new HashSet<string>(StringComparer.Ordinal);

        private readonly string _connectionString;
        private readonly string _where;
        private readonly string _schemaKey;
        private readonly long _lockKey;
        private readonly object _gate = new object();
        private readonly List<string> _warnings = new List<string>();
        private NpgsqlConnection? _lockConnection;
        private volatile int _lockOwner = -1;
        private int _lockDepth;
        private readonly List<LazyEntries> _snapshots = new List<LazyEntries>();

        /// <summary>
        /// Opens the ledger of the CA <paramref name="caId"/> (e.g. <see cref="CaLedgerLocation.CaIdOf"/> of the CA certificate, or a name
        /// the caller chooses) in the database <paramref name="connectionString"/> names. Nothing is contacted yet: the
        /// first call connects and creates or migrates the schema.
        /// </summary>
        public PostgreSqlLedger(string connectionString, string caId)
        {
            if (string.IsNullOrWhiteSpace(caId))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "The CA id of a PostgreSQL ledger cannot be empty.");
            }
            NpgsqlConnectionStringBuilder builder = Parse(connectionString);
            Host = string.IsNullOrEmpty(builder.Host) ? Environment.GetEnvironmentVariable("PGHOST") ?? "localhost" : builder.Host!;
            Port = builder.Port;
            Database = builder.Database ?? builder.Username ?? Environment.GetEnvironmentVariable("PGDATABASE") ?? "(default)";
            _where = $"{Host}:{Port}/{Database}";
            _schemaKey = _where;
            CaId = caId;
            _lockKey = LockKey("ca:" + caId);
            _connectionString = builder.ConnectionString;
        }

        /// <summary>The connection string's keywords; InvalidArgument (without Npgsql's text, which can quote a password) when it is not one.</summary>
        internal static NpgsqlConnectionStringBuilder Parse(string connectionString)
        {
            try
            {
                var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
                var builder = new NpgsqlConnectionStringBuilder();
                foreach (string key in given.Keys.Cast<string>())
                {
                    string value = Convert.ToString(given[key], CultureInfo.InvariantCulture) ?? "";
                    if (LibpqKeywords.TryGetValue(key, out string? npgsqlKey)) builder[npgsqlKey] = LibpqValue(npgsqlKey, value);
                    else builder[key] = LibpqValue(key, value);
                }
                // libpq's environment defaults for TLS, where the keywords say nothing.
                string? mode = Environment.GetEnvironmentVariable("PGSSLMODE");
                if (!given.Keys.Cast<string>().Any(k => IsKey(k, "SSL Mode")) && !string.IsNullOrEmpty(mode)) builder["SSL Mode"] = LibpqValue("SSL Mode", mode!);
                string? root = Environment.GetEnvironmentVariable("PGSSLROOTCERT");
                if (!given.Keys.Cast<string>().Any(k => IsKey(k, "Root Certificate")) && !string.IsNullOrEmpty(root)) builder["Root Certificate"] = root;
                return builder;
            }
            catch (ArgumentException ex)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument,
                    "The PostgreSQL connection string is not valid: use keyword=value pairs such as 'Host=db.example;Port=5432;Database=pki;Username=pki;sslmode=verify-full' (libpq's or Npgsql's spelling; sslmode is one of disable, allow, prefer, require, verify-ca, verify-full).", ex);
            }
        }

        /// <summary>libpq's connection keywords (as psql and PGSERVICE files spell them) and the Npgsql keyword for each.</summary>
        private static readonly Dictionary<string, string> LibpqKeywords = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["dbname"] = "Database",
            ["user"] = "Username",
            ["sslmode"] = "SSL Mode",
            ["sslrootcert"] = "Root Certificate",
            ["sslcert"] = "SSL Certificate",
            ["sslkey"] = "SSL Key",
            ["sslpassword"] = "SSL Password",
            ["connect_timeout"] = "Timeout",
            ["application_name"] = "Application Name",
            ["target_session_attrs"] = "Target Session Attributes",
        };

        /// <summary>libpq's sslmode values and Npgsql's names for them.</summary>
        private static readonly Dictionary<string, string> LibpqSslModes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["disable"] = "Disable",
            ["allow"] = "Allow",
            ["prefer"] = "Prefer",
            ["require"] = "Require",
            ["verify-ca"] = "VerifyCA",
            ["verify-full"] = "VerifyFull",
        };

        private static bool IsKey(string key, string npgsqlKey) =>
            string.Equals(key.Replace(" ", ""), npgsqlKey.Replace(" ", ""), StringComparison.OrdinalIgnoreCase)
            || (LibpqKeywords.TryGetValue(key, out string? mapped) && mapped == npgsqlKey);

        private static string LibpqValue(string key, string value) =>
            IsKey(key, "SSL Mode") && LibpqSslModes.TryGetValue(value.Trim(), out string? mode) ? mode : value;

        /// <summary>The CA this ledger belongs to (the <c>ca</c> column of every row).</summary>
        public string CaId { get; }

        /// <summary>The server's host name, for messages.</summary>
        public string Host { get; }

        /// <summary>The server's port, for messages.</summary>
        public int Port { get; }

        /// <summary>The database name, for messages.</summary>
        public string Database { get; }

        /// <summary>
        /// The key of this CA's advisory lock (<c>pg_advisory_lock</c>, bigint form), for an operator asking
        /// <c>pg_locks</c> which session holds the CA.
        /// </summary>
        public long AdvisoryLockKey => _lockKey;

        /// <summary>How long to wait for another host's hold of this CA's lock before <see cref="PkiErrorCode.LockTimeout"/>.</summary>
        public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);


        /// <summary>Always empty: a database ledger has no torn lines to repair (kept for the ICaLedger contract).</summary>
        public IReadOnlyList<string> Warnings
        {
            get
            {
                lock (_warnings) return _warnings.ToArray();
            }
        }

        /// <summary>
        /// Whether this CA has a ledger in the database (created by its first <see cref="Append"/> or by <see cref="Create"/>).
        /// Like every call, the first one creates or migrates the schema.
        /// </summary>
        public bool Exists => Run(false, connection =>
        {
            using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pkitools.ledgers WHERE ca = $1)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = CaId });
            return (bool)command.ExecuteScalar()!;
        });

        /// <summary>Creates this CA's (empty) ledger when it does not exist yet, so that <see cref="Exists"/> is true.</summary>
        public void Create() => Run(true, connection =>
        {
            EnsureLedgerRow(connection);
            return 0;
        });

        /// <summary>The schema version of the database (0 when PkiTools never touched it); creates or migrates it first.</summary>
        public int SchemaVersion() => Run(false, connection => ReadSchemaVersion(connection));

        /// <summary>
        /// Creates or migrates the schema to <see cref="CurrentSchemaVersion"/>: one transaction under a database-wide
        /// advisory lock, so hosts starting at once wait for each other and the second finds the work done. Every
        /// other method calls it on first use; calling it again does nothing.
        /// </summary>
        public void Migrate()
        {
            lock (SchemaGate) SchemaReady.Remove(_schemaKey);
            Run(false, _ => 0);
        }

        /// <summary>
        /// Records issued certificates in one transaction, all or nothing. A serial already recorded for this CA (the
        /// unique constraint says so, whichever host wrote it) or twice in the batch is
        /// <see cref="PkiErrorCode.SerialConflict"/> naming the serial, and nothing of the batch is recorded.
        /// </summary>
        public void Append(IReadOnlyList<LedgerEntry> entries)
        {
            if (entries.Count == 0) return;
            var serials = new string[entries.Count];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < entries.Count; i++)
            {
                serials[i] = OpenSslIndexLedger.NormalizeSerial(entries[i].SerialNumber);
                if (!seen.Add(serials[i]))
                {
                    throw new PkiException(PkiErrorCode.SerialConflict, $"The serial number {serials[i]} is twice in one batch for the ledger of CA '{CaId}' on {_where}.", null, serials[i]);
                }
            }
            try
            {
                Run(true, connection =>
                {
                    EnsureLedgerRow(connection);
                    using var command = new NpgsqlCommand(
                        @"INSERT INTO pkitools.certificates (ca, serial, status, not_after, revoked_at, reason, subject, file_name)
                          SELECT $1, s, st, na, ra, rr, sub, fn
                          FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::smallint[], $7::text[], $8::text[])
                               WITH ORDINALITY AS t(s, st, na, ra, rr, sub, fn, ord)
                          ORDER BY ord", connection);
                    command.Parameters.Add(new NpgsqlParameter { Value = CaId });
                    command.Parameters.Add(new NpgsqlParameter { Value = serials });
                    command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => StatusLetter(e.Status)).ToArray() });
                    command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.NotAfter.UtcDateTime).ToArray() });
                    command.Parameters.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = entries.Select(e => e.RevokedAt?.UtcDateTime).ToArray() });
                    command.Parameters.Add(new NpgsqlParameter<short?[]> { TypedValue = entries.Select(e => e.Reason is RevocationReason r ? (short?)(short)r : null).ToArray() });
                    command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.Subject).ToArray() });
                    command.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => string.IsNullOrEmpty(e.FileName) ? "unknown" : e.FileName).ToArray() });
                    command.ExecuteNonQuery();
                    return 0;
                });
                Changed(serials, null);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // Rolled back. Which serial: asked again (the server's detail is not passed on by default).
                var taken = new HashSet<string>(Run(false, connection => ReadSerials(connection, serials)), StringComparer.Ordinal);
                string serial = serials.FirstOrDefault(taken.Contains) ?? serials[0];
                throw new PkiException(PkiErrorCode.SerialConflict,
                    $"The serial number {serial} is already in the ledger of CA '{CaId}' on {_where}; nothing of this batch was recorded.", null, serial);
            }
        }

        /// <summary>
        /// Applies revocations in order in one transaction (the rows locked meanwhile). Each is judged against the ledger
        /// as the earlier ones of the batch left it, with the transitions of <see cref="LedgerEntry.Revoked"/>: per item
        /// the new entry, or <see cref="PkiErrorCode.SerialNotFound"/> / InvalidArgument while the others go on.
        /// </summary>
        public IReadOnlyList<LedgerOutcome> Revoke(IReadOnlyList<LedgerRevocation> revocations)
        {
            var outcomes = new LedgerOutcome[revocations.Count];
            var serials = new string?[revocations.Count];
            for (int i = 0; i < revocations.Count; i++)
            {
                try
                {
                    serials[i] = OpenSslIndexLedger.NormalizeSerial(revocations[i].SerialNumber);
                }
                catch (PkiException ex)
                {
                    outcomes[i] = new LedgerOutcome(null, ex);
                }
            }
            string[] wanted = serials.OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
            if (wanted.Length == 0) return outcomes;
            var before = new List<LedgerEntry>();
            Run(true, connection =>
            {
                var current = new Dictionary<string, LedgerEntry>(StringComparer.Ordinal);
                using (var select = new NpgsqlCommand(
                    SelectEntries + "WHERE ca = $1 AND serial = ANY($2) FOR UPDATE", connection))
                {
                    select.Parameters.Add(new NpgsqlParameter { Value = CaId });
                    select.Parameters.Add(new NpgsqlParameter { Value = wanted });
                    using NpgsqlDataReader reader = select.ExecuteReader();
                    while (reader.Read())
                    {
                        LedgerEntry entry = ReadEntry(reader);
                        current[entry.SerialNumber] = entry;
                    }
                }
                var original = new Dictionary<string, LedgerEntry>(current, StringComparer.Ordinal);
                var changed = new Dictionary<string, LedgerEntry>(StringComparer.Ordinal);
                for (int i = 0; i < revocations.Count; i++)
                {
                    if (serials[i] is not string serial) continue;
                    try
                    {
                        if (!current.TryGetValue(serial, out LedgerEntry? old))
                        {
                            throw new PkiException(PkiErrorCode.SerialNotFound, $"No certificate with serial number {serial} is in the ledger of CA '{CaId}' on {_where}.", null, serial);
                        }
                        LedgerEntry revoked = old.Revoked(revocations[i].Reason, revocations[i].RevokedAt);
                        current[serial] = revoked;
                        changed[serial] = revoked;
                        outcomes[i] = new LedgerOutcome(revoked, null);
                    }
                    catch (PkiException ex)
                    {
                        outcomes[i] = new LedgerOutcome(null, ex);
                    }
                }
                if (changed.Count == 0) return 0;
                LedgerEntry[] rows = changed.Values.ToArray();
                foreach (string serial in changed.Keys) before.Add(original[serial]);
                using var update = new NpgsqlCommand(
                    @"UPDATE pkitools.certificates c SET status = u.st, revoked_at = u.ra, reason = u.rr
                      FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::smallint[]) AS u(s, st, ra, rr)
                      WHERE c.ca = $1 AND c.serial = u.s", connection);
                update.Parameters.Add(new NpgsqlParameter { Value = CaId });
                update.Parameters.Add(new NpgsqlParameter { Value = rows.Select(e => e.SerialNumber).ToArray() });
                update.Parameters.Add(new NpgsqlParameter { Value = rows.Select(e => StatusLetter(e.Status)).ToArray() });
                update.Parameters.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = rows.Select(e => e.RevokedAt?.UtcDateTime).ToArray() });
                update.Parameters.Add(new NpgsqlParameter<short?[]> { TypedValue = rows.Select(e => e.Reason is RevocationReason r ? (short?)(short)r : null).ToArray() });
                update.ExecuteNonQuery();
                return 0;
            });
            Changed(null, before);
            return outcomes;
        }

        /// <summary>Every entry of this CA in issuance order, whichever host recorded it.</summary>
        public IReadOnlyList<LedgerEntry> Entries() => Run(false, ReadEntries);

        /// <summary>The entry with this serial (any hex spelling: "0a1b", "0x0A1B", "0A:1B"), or null.</summary>
        public LedgerEntry? Find(string serialNumber)
        {
            string serial = OpenSslIndexLedger.NormalizeSerial(serialNumber);
            return Run(false, connection =>
            {
                using var command = new NpgsqlCommand(
                    SelectEntries + "WHERE ca = $1 AND serial = $2", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = CaId });
                command.Parameters.Add(new NpgsqlParameter { Value = serial });
                using NpgsqlDataReader reader = command.ExecuteReader();
                return reader.Read() ? ReadEntry(reader) : null;
            });
        }

        /// <inheritdoc/>
        public bool SerialExists(string serialNumber) => Find(serialNumber) != null;

        /// <summary>
        /// Those of the serials (any hex spelling) recorded for this CA, normalized: one query for a whole batch, so that
        /// an issuance of 100 certificates asks the server twice instead of 200 times.
        /// </summary>
        public IReadOnlyCollection<string> ExistingSerials(IReadOnlyList<string> serialNumbers)
        {
            if (serialNumbers.Count == 0) return Array.Empty<string>();
            string[] serials = serialNumbers.Select(OpenSslIndexLedger.NormalizeSerial).Distinct(StringComparer.Ordinal).ToArray();
            return Run(false, connection => ReadSerials(connection, serials));
        }

        /// <summary>
        /// The certificates recorded Valid whose notAfter is in [<paramref name="from"/>, <paramref name="to"/>), in ledger
        /// (issuance) order as every other read (what <c>Get-IssuedCert -ExpiringWithinDays N</c> asks with from = now,
        /// to = now + N days). Found through the index on (ca, not_after).
        /// </summary>
        public IReadOnlyList<LedgerEntry> ExpiringBetween(DateTimeOffset from, DateTimeOffset to) => Run(false, connection =>
        {
            using var command = new NpgsqlCommand(ExpiringQuery, connection);
            command.Parameters.Add(new NpgsqlParameter { Value = CaId });
            command.Parameters.Add(new NpgsqlParameter { Value = from.UtcDateTime });
            command.Parameters.Add(new NpgsqlParameter { Value = to.UtcDateTime });
            var list = new List<LedgerEntry>();
            using NpgsqlDataReader reader = command.ExecuteReader();
            while (reader.Read()) list.Add(ReadEntry(reader));
            return list;
        });

        /// <summary>The query of <see cref="ExpiringBetween"/> ($1 CA id, $2 from, $3 to), public so a test can EXPLAIN it.</summary>
        public const string ExpiringQuery =
            SelectEntries + "WHERE ca = $1 AND not_after >= $2 AND not_after < $3 AND status = 'V' ORDER BY id";

        /// <summary>
        /// The next CRL number of this CA: one more than the last one handed out by any host, never reused (an UPDATE ...
        /// RETURNING on the CA's row, committed before it returns; a number whose CRL was never published is skipped,
        /// not reused). The first is 1.
        /// </summary>
        public long NextCrlNumber() => Run(true, connection =>
        {
            EnsureLedgerRow(connection);
            using var command = new NpgsqlCommand("UPDATE pkitools.ledgers SET crl_number = crl_number + 1 WHERE ca = $1 RETURNING crl_number", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = CaId });
            return (long)command.ExecuteScalar()!;
        });

        /// <summary>
        /// Raises the CRL counter to at least <paramref name="lastIssued"/> (moving a CA whose <c>crlnumber</c> file is
        /// ahead); never lowers it. Returns the counter afterwards.
        /// </summary>
        public long RaiseCrlNumber(long lastIssued) => Run(true, connection =>
        {
            EnsureLedgerRow(connection);
            using var command = new NpgsqlCommand("UPDATE pkitools.ledgers SET crl_number = GREATEST(crl_number, $2) WHERE ca = $1 RETURNING crl_number", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = CaId });
            command.Parameters.Add(new NpgsqlParameter { Value = lastIssued });
            return (long)command.ExecuteScalar()!;
        });

        /// <summary>
        /// Runs <paramref name="work"/> with the current entries while holding this CA's advisory lock on one connection,
        /// so no host's issuance or revocation lands meanwhile. Re-entrant on the thread holding it: Append, Revoke and
        /// NextCrlNumber inside <paramref name="work"/> run on the same connection (each in its own transaction).
        /// Another host waits up to <see cref="LockTimeout"/>. A connection lost while held is LedgerUnavailable at the
        /// next ledger call inside (the server released the lock with the session).
        /// </summary>
        public T WithLock<T>(Func<IReadOnlyList<LedgerEntry>, T> work)
        {
            Monitor.Enter(_gate);
            try
            {
                if (_lockDepth == 0)
                {
                    NpgsqlConnection connection = Open();
                    try
                    {
                        WaitLock(connection, "SELECT pg_advisory_lock($1)");
                    }
                    catch
                    {
                        connection.Dispose();
                        throw;
                    }
                    _lockConnection = connection;
                    _lockOwner = Environment.CurrentManagedThreadId;
                }
                _lockDepth++;
                try
                {
                    // The entries are read only when the work looks at them (a CRL, a move): an issuance under the lock
                    // never does, and reading every row of a large ledger per certificate made issuance slow down as
                    // the ledger grew. They are still the entries as the lock found them (see LazyEntries).
                    var entries = new LazyEntries(this);
                    _snapshots.Add(entries);
                    try
                    {
                        return work(entries);
                    }
                    finally
                    {
                        _snapshots.Remove(entries);
                    }
                }
                finally
                {
                    if (--_lockDepth == 0)
                    {
                        NpgsqlConnection connection = _lockConnection!;
                        _lockConnection = null;
                        _lockOwner = -1;
                        try
                        {
                            using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
                            unlock.Parameters.Add(new NpgsqlParameter { Value = _lockKey });
                            unlock.ExecuteNonQuery();
                        }
                        catch (Exception ex) when (ex is NpgsqlException || ex is InvalidOperationException)
                        {
                            // The session is gone, and the lock with it.
                            ClearPool();
                        }
                        connection.Dispose();
                    }
                }
            }
            finally
            {
                Monitor.Exit(_gate);
            }
        }

        /// <summary>
        /// The holder's own Append or Revoke inside <see cref="WithLock{T}"/> (on the lock thread): every snapshot not read
        /// yet remembers it, to take it out again when read.
        /// </summary>
        private void Changed(string[]? appended, List<LedgerEntry>? revokedBefore)
        {
            if (_lockOwner != Environment.CurrentManagedThreadId) return;
            foreach (LazyEntries snapshot in _snapshots) snapshot.Undo(appended, revokedBefore);
        }

        /// <summary>
        /// The entries handed to <see cref="WithLock{T}"/>'s work, read (on the lock connection, inside the lock) at the
        /// first look. Nobody else changes the ledger while the lock is held, so what is read then is what the lock found,
        /// except for the holder's own changes meanwhile: rows it appended are left out and rows it revoked are shown as
        /// they were, as if the entries had been read when the lock was taken.
        /// </summary>
        private sealed class LazyEntries : IReadOnlyList<LedgerEntry>
        {
            private readonly PostgreSqlLedger _ledger;
            private readonly HashSet<string> _appended = new HashSet<string>(StringComparer.Ordinal);
            private readonly Dictionary<string, LedgerEntry> _revoked = new Dictionary<string, LedgerEntry>(StringComparer.Ordinal);
            private IReadOnlyList<LedgerEntry>? _entries;

            public LazyEntries(PostgreSqlLedger ledger) => _ledger = ledger;

            public void Undo(string[]? appended, List<LedgerEntry>? revokedBefore)
            {
                if (_entries != null) return;
                if (appended != null) _appended.UnionWith(appended);
                if (revokedBefore == null) return;
                foreach (LedgerEntry old in revokedBefore)
                {
                    if (!_appended.Contains(old.SerialNumber)) _revoked.TryAdd(old.SerialNumber, old);
                }
            }

            private IReadOnlyList<LedgerEntry> Entries => _entries ??= Read();

            private IReadOnlyList<LedgerEntry> Read()
            {
                IReadOnlyList<LedgerEntry> now = _ledger.Entries();
                if (_appended.Count == 0 && _revoked.Count == 0) return now;
                var list = new List<LedgerEntry>(now.Count);
                foreach (LedgerEntry e in now)
                {
                    if (_appended.Contains(e.SerialNumber)) continue;
                    list.Add(_revoked.TryGetValue(e.SerialNumber, out LedgerEntry? old) ? old : e);
                }
                return list;
            }

            public LedgerEntry this[int index] => Entries[index];

            public int Count => Entries.Count;

            public IEnumerator<LedgerEntry> GetEnumerator() => Entries.GetEnumerator();

            System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        }

        /// <summary>Closes the idle pooled connections of this ledger's connection string.</summary>
        public void Dispose() => ClearPool();

        public override string ToString() => $"PostgreSQL ledger of CA '{CaId}' on {_where}";

        // ---- plumbing ----

        /// <summary>
        /// Runs <paramref name="body"/> on the lock connection when this thread holds <see cref="WithLock{T}"/>, else on a
        /// pooled one; in a transaction (taking the CA's advisory lock unless held) when <paramref name="change"/>.
        /// Connection failures become LedgerUnavailable; the transaction is rolled back on any failure.
        /// </summary>
        private T Run<T>(bool change, Func<NpgsqlConnection, T> body)
        {
            EnsureSchema();
            bool held = _lockOwner == Environment.CurrentManagedThreadId && _lockConnection != null;
            NpgsqlConnection connection = held ? _lockConnection! : Open();
            if (held && connection.State != System.Data.ConnectionState.Open)
            {
                throw Unavailable(null, "the connection holding the CA's lock was lost, and the lock with it");
            }
            bool committing = false;
            try
            {
                if (!change) return Guard(() => body(connection));
                return Guard(() =>
                {
                    using NpgsqlTransaction transaction = connection.BeginTransaction();
                    if (!held) WaitLock(connection, "SELECT pg_advisory_xact_lock($1)", local: true);
                    T result = body(connection);
                    committing = true;
                    transaction.Commit();
                    return result;
                });
            }
            catch (PkiException ex) when (committing && ex.Code == PkiErrorCode.LedgerUnavailable)
            {
                // The server may have committed before the connection went: "nothing was recorded" would be a guess.
                throw new PkiException(PkiErrorCode.LedgerUnavailable,
                    $"The connection to the PostgreSQL server {_where} was lost while the ledger of CA '{CaId}' committed: the change may or may not be recorded, and nothing was handed out. Retry when the server is back (an issuance retried gets a new serial number).", ex.InnerException, _where);
            }
            finally
            {
                if (!held) connection.Dispose();
            }
        }

        private NpgsqlConnection Open() => Guard(() =>
        {
            var connection = new NpgsqlConnection(_connectionString);
            try
            {
                connection.Open();
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException)
            {
                // Npgsql reads the password file itself and fails on one that is missing or unreadable (libpq skips it).
                connection.Dispose();
                string file = Environment.GetEnvironmentVariable("PGPASSFILE") ?? "~/.pgpass";
                throw new PkiException(PkiErrorCode.LedgerUnavailable,
                    $"The PostgreSQL server {_where} asks for a password, and the password file '{file}' (PGPASSFILE or ~/.pgpass) cannot be read: create it (mode 0600, lines host:port:database:user:password), set PGPASSWORD, or give the password another way.", ex, file);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
            return connection;
        });

        /// <summary>Drops the pooled connections (dead after a server restart), so a retry connects afresh.</summary>
        private void ClearPool()
        {
            using var connection = new NpgsqlConnection(_connectionString);
            NpgsqlConnection.ClearPool(connection);
        }

        /// <summary>Takes this CA's advisory lock, waiting at most <see cref="LockTimeout"/>.</summary>
        private void WaitLock(NpgsqlConnection connection, string sql, bool local = false)
        {
            Guard(() =>
            {
                int ms = (int)Math.Max(1, Math.Min(int.MaxValue, LockTimeout.TotalMilliseconds));
                using (var set = new NpgsqlCommand($"SELECT set_config('lock_timeout', '{ms}ms', {(local ? "true" : "false")})", connection))
                {
                    set.ExecuteNonQuery();
                }
                bool locked = false;
                try
                {
                    using var command = new NpgsqlCommand(sql, connection);
                    command.Parameters.Add(new NpgsqlParameter { Value = _lockKey });
                    command.CommandTimeout = 0;
                    command.ExecuteNonQuery();
                    locked = true;
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
                {
                    throw new PkiException(PkiErrorCode.LockTimeout,
                        $"Another host or process held the lock of the ledger of CA '{CaId}' on {_where} for more than {LockTimeout.TotalSeconds:0.#} s; nothing was changed.", ex, CaId);
                }
                finally
                {
                    // Not on a connection the failure closed (a server shutting down ends the session waiting for the
                    // lock): "Connection is not open" from the reset would hide the LedgerUnavailable a caller retries on.
                    if (!local && connection.State == System.Data.ConnectionState.Open)
                    {
                        try
                        {
                            using var reset = new NpgsqlCommand("SELECT set_config('lock_timeout', '0', false)", connection);
                            reset.ExecuteNonQuery();
                        }
                        catch (Exception ex) when (!locked && (ex is NpgsqlException || ex is InvalidOperationException))
                        {
                            // The lock's own failure is what the caller hears.
                        }
                    }
                }
                return 0;
            });
        }

        /// <summary>Maps connection failures to LedgerUnavailable (without the library's text) and lets the rest through.</summary>
        private T Guard<T>(Func<T> body)
        {
            try
            {
                return body();
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidAuthorizationSpecification && ex.MessageText.EndsWith("no encryption", StringComparison.Ordinal))
            {
                throw new PkiException(PkiErrorCode.LedgerUnavailable,
                    $"The PostgreSQL server {_where} accepts only TLS connections from this host: add sslmode=verify-full (with sslrootcert=<the server's CA certificate>) or sslmode=require to the connection keywords.", ex, _where);
            }
            catch (NpgsqlException ex) when (ex is not PostgresException && ex.InnerException is System.Security.Authentication.AuthenticationException)
            {
                ClearPool();
                throw new PkiException(PkiErrorCode.LedgerUnavailable,
                    $"The TLS certificate of the PostgreSQL server {_where} is not trusted for sslmode verify-ca or verify-full: give its CA certificate as sslrootcert (or PGSSLROOTCERT, ~/.postgresql/root.crt), and for verify-full connect with a host name the certificate names.", ex, _where);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidPassword || ex.SqlState == PostgresErrorCodes.InvalidAuthorizationSpecification)
            {
                throw new PkiException(PkiErrorCode.LedgerUnavailable,
                    $"The PostgreSQL server {_where} refused the login: check the user name and the password (PGPASSWORD, PGPASSFILE or ~/.pgpass, or the credential given).", ex, _where);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidCatalogName)
            {
                throw new PkiException(PkiErrorCode.LedgerUnavailable, $"The database '{Database}' does not exist on the PostgreSQL server {Host}:{Port}.", ex, _where);
            }
            catch (PostgresException ex) when (IsUnavailable(ex.SqlState))
            {
                ClearPool();
                throw Unavailable(ex, "the server shut down or ended the connection");
            }
            catch (NpgsqlException ex) when (ex is not PostgresException)
            {
                ClearPool();
                throw Unavailable(ex, ex.InnerException is SocketException || ex.InnerException is TimeoutException || ex.InnerException is System.IO.IOException
                    ? "it cannot be reached or the connection was lost" : "the connection failed");
            }
            catch (InvalidOperationException ex) when (ex.InnerException is NpgsqlException)
            {
                ClearPool();
                throw Unavailable(ex, "the connection was lost");
            }
            catch (PostgresException ex) when (ex.SqlState != PostgresErrorCodes.UniqueViolation && ex.SqlState != PostgresErrorCodes.LockNotAvailable)
            {
                throw new PkiException(PkiErrorCode.LedgerUnavailable,
                    $"The PostgreSQL server {_where} refused an operation on the ledger of CA '{CaId}' (SQLSTATE {ex.SqlState}); nothing was recorded. Check the user's rights on the schema 'pkitools'.", ex, _where);
            }
        }

        private PkiException Unavailable(Exception? inner, string why) =>
            new PkiException(PkiErrorCode.LedgerUnavailable,
                $"The ledger of CA '{CaId}' on the PostgreSQL server {_where} is unavailable ({why}); nothing was recorded. Retry when the server is back.", inner, _where);

        private static bool IsUnavailable(string sqlState) =>
            sqlState.StartsWith("08", StringComparison.Ordinal) // connection exception
            || sqlState == PostgresErrorCodes.AdminShutdown || sqlState == PostgresErrorCodes.CrashShutdown
            || sqlState == PostgresErrorCodes.CannotConnectNow || sqlState == PostgresErrorCodes.TooManyConnections;

        private void EnsureSchema()
        {
            lock (SchemaGate)
            {
                if (SchemaReady.Contains(_schemaKey)) return;
            }
            using (NpgsqlConnection connection = Open())
            {
                Guard(() =>
                {
                    using NpgsqlTransaction transaction = connection.BeginTransaction();
                    Execute(connection, $"SELECT pg_advisory_xact_lock({LockKey("schema")})");
                    Execute(connection, "CREATE SCHEMA IF NOT EXISTS pkitools");
                    Execute(connection, "CREATE TABLE IF NOT EXISTS pkitools.schema_version (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
                    int version = ReadSchemaVersion(connection);
                    if (version > CurrentSchemaVersion)
                    {
                        throw new PkiException(PkiErrorCode.LedgerUnavailable,
                            $"The ledger schema on {_where} is version {version}, newer than this PkiTools knows ({CurrentSchemaVersion}): update PkiTools on this host.", null, _where);
                    }
                    for (int v = version; v < CurrentSchemaVersion; v++)
                    {
                        Execute(connection, Migrations[v]);
                        Execute(connection, $"INSERT INTO pkitools.schema_version (version) VALUES ({v + 1})");
                    }
                    transaction.Commit();
                    return 0;
                });
            }
            lock (SchemaGate) SchemaReady.Add(_schemaKey);
        }

        private static int ReadSchemaVersion(NpgsqlConnection connection)
        {
            using var command = new NpgsqlCommand(
                "SELECT CASE WHEN to_regclass('pkitools.schema_version') IS NULL THEN 0 ELSE (SELECT coalesce(max(version), 0) FROM pkitools.schema_version) END", connection);
            return Convert.ToInt32(command.ExecuteScalar());
        }

        private static void Execute(NpgsqlConnection connection, string sql)
        {
            using var command = new NpgsqlCommand(sql, connection);
            command.ExecuteNonQuery();
        }

        private void EnsureLedgerRow(NpgsqlConnection connection)
        {
            using var command = new NpgsqlCommand("INSERT INTO pkitools.ledgers (ca) VALUES ($1) ON CONFLICT (ca) DO NOTHING", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = CaId });
            command.ExecuteNonQuery();
        }

        private IReadOnlyList<LedgerEntry> ReadEntries(NpgsqlConnection connection)
        {
            using var command = new NpgsqlCommand(
                SelectEntries + "WHERE ca = $1 ORDER BY id", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = CaId });
            var list = new List<LedgerEntry>();
            using NpgsqlDataReader reader = command.ExecuteReader();
            while (reader.Read()) list.Add(ReadEntry(reader));
            return list;
        }

        private List<string> ReadSerials(NpgsqlConnection connection, string[] serials)
        {
            using var command = new NpgsqlCommand("SELECT serial FROM pkitools.certificates WHERE ca = $1 AND serial = ANY($2)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = CaId });
            command.Parameters.Add(new NpgsqlParameter { Value = serials });
            var list = new List<string>();
            using NpgsqlDataReader reader = command.ExecuteReader();
            while (reader.Read()) list.Add(reader.GetString(0));
            return list;
        }

        /// <summary>The columns <see cref="ReadEntry"/> reads, in its order; a query appends its WHERE.</summary>
        private const string SelectEntries = "SELECT status, not_after, revoked_at, reason, serial, file_name, subject FROM pkitools.certificates ";

        private static LedgerEntry ReadEntry(NpgsqlDataReader reader)
        {
            string letter = reader.GetString(0);
            LedgerStatus status = letter == "R" ? LedgerStatus.Revoked : letter == "E" ? LedgerStatus.Expired : LedgerStatus.Valid;
            var notAfter = new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc));
            DateTimeOffset? revokedAt = reader.IsDBNull(2) ? null : new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc));
            RevocationReason? reason = reader.IsDBNull(3) ? null : (RevocationReason)reader.GetInt16(3);
            return new LedgerEntry(status, notAfter, revokedAt, reason, reader.GetString(4), reader.GetString(5), reader.GetString(6));
        }

        private static string StatusLetter(LedgerStatus status) => status == LedgerStatus.Revoked ? "R" : status == LedgerStatus.Expired ? "E" : "V";

        /// <summary>A 64-bit advisory lock key from a name (the first 8 bytes of SHA-256 of "PkiTools ledger " + name).</summary>
        private static long LockKey(string name)
        {
            using var sha = SHA256.Create();
            return BitConverter.ToInt64(sha.ComputeHash(Encoding.UTF8.GetBytes("PkiTools ledger " + name)), 0);
        }
    }
}
