using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using PkiTools.Core;
using PkiTools.Core.Ca;
using PkiTools.Core.Revocation;
using Xunit;
using static PkiTools.PostgreSql.Tests.TestEntries;

namespace PkiTools.PostgreSql.Tests
{
    /// <summary>Schema, concurrency, locking, CRL numbers and the expiry query of the PostgreSQL ledger.</summary>
    public sealed class PostgreSqlLedgerTests : IClassFixture<PostgresServer>
    {
        private readonly PostgresServer _server;

        public PostgreSqlLedgerTests(PostgresServer server) => _server = server;

        private static string RandomSerial() => OpenSslIndexLedger.NormalizeSerial(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));

        [Fact]
        public void The_schema_is_created_in_an_empty_database_and_a_rerun_changes_nothing()
        {
            string db = _server.NewDatabase();
            Assert.Equal(0L, Convert.ToInt64(_server.Scalar(db, "SELECT count(*) FROM pg_namespace WHERE nspname = 'pkitools'")));
            // Four hosts starting at once: the advisory lock makes one migrate and the others find it done.
            var ledgers = Enumerable.Range(0, 4).Select(i => new PostgreSqlLedger(db, "ca" + i)).ToArray();
            Parallel.ForEach(ledgers, l => l.Migrate());
            Assert.All(ledgers, l => Assert.Equal(PostgreSqlLedger.CurrentSchemaVersion, l.SchemaVersion()));
            Assert.Equal(1L, Convert.ToInt64(_server.Scalar(db, "SELECT count(*) FROM pkitools.schema_version")));
            ledgers[0].Migrate();
            Assert.Equal(1L, Convert.ToInt64(_server.Scalar(db, "SELECT count(*) FROM pkitools.schema_version")));
            Assert.Equal("certificates,ledgers,schema_version",
                _server.Scalar(db, "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'pkitools'"));
            Assert.Equal(1L, Convert.ToInt64(_server.Scalar(db, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'pkitools' AND indexname = 'certificates_ca_not_after'")));
            Assert.False(ledgers[0].Exists);
            ledgers[0].Create();
            Assert.True(ledgers[0].Exists);
            Assert.False(ledgers[1].Exists);
        }

        [Fact]
        public void A_newer_schema_is_refused_with_a_sentence_to_update()
        {
            string db = _server.NewDatabase();
            new PostgreSqlLedger(db, "a").Migrate();
            _server.Scalar(db, "INSERT INTO pkitools.schema_version (version) VALUES (99)");
            var ex = Assert.Throws<PkiException>(() => new PostgreSqlLedger(db, "a").Migrate());
            Assert.Equal(PkiErrorCode.LedgerUnavailable, ex.Code);
            Assert.Contains("version 99", ex.Message);
        }

        [Fact]
        public void The_serial_is_unique_per_CA_by_a_database_constraint_and_CAs_share_a_database()
        {
            string db = _server.NewDatabase();
            var a = new PostgreSqlLedger(db, "ca-a");
            var b = new PostgreSqlLedger(db, "ca-b");
            a.Append(Entry("0A"));
            b.Append(Entry("0A")); // another CA: its own serial space
            Assert.Single(a.Entries());
            Assert.Single(b.Entries());
            var ex = Assert.Throws<PostgresException>(() =>
                _server.Scalar(db, "INSERT INTO pkitools.certificates (ca, serial, status, not_after, subject) VALUES ('ca-a', '0A', 'V', now(), '/CN=x')"));
            Assert.Equal(PostgresErrorCodes.UniqueViolation, ex.SqlState);
        }

        [Fact]
        public void Concurrent_appends_from_threads_and_connections_lose_nothing_and_collide_cleanly()
        {
            string db = _server.NewDatabase();
            var hosts = new[] { new PostgreSqlLedger(db, "ca"), new PostgreSqlLedger(db + ";Application Name=hostB", "ca") };
            var written = new ConcurrentBag<string>();
            Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
            {
                for (int i = 0; i < 25; i++)
                {
                    var batch = Enumerable.Range(0, 4).Select(_ => RandomSerial()).ToArray();
                    hosts[t % 2].Append(batch.Select(Entry).ToArray());
                    foreach (string s in batch) written.Add(s);
                }
            });
            var entries = hosts[0].Entries();
            Assert.Equal(800, entries.Count);
            Assert.Equal(800, entries.Select(e => e.SerialNumber).Distinct().Count());
            Assert.Equal(written.OrderBy(s => s, StringComparer.Ordinal), entries.Select(e => e.SerialNumber).OrderBy(s => s, StringComparer.Ordinal));

            // The same serials raced from eight connections: each lands exactly once, the others are SerialConflict.
            string[] contested = Enumerable.Range(0, 20).Select(_ => RandomSerial()).ToArray();
            int won = 0, conflicts = 0;
            Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
            {
                foreach (string s in contested)
                {
                    try
                    {
                        hosts[t % 2].Append(Entry(s));
                        Interlocked.Increment(ref won);
                    }
                    catch (PkiException ex) when (ex.Code == PkiErrorCode.SerialConflict)
                    {
                        Assert.Contains(s, ex.Message);
                        Interlocked.Increment(ref conflicts);
                    }
                }
            });
            Assert.Equal(20, won);
            Assert.Equal(140, conflicts);
            Assert.Equal(820, hosts[1].Entries().Select(e => e.SerialNumber).Distinct().Count());
        }

        [Fact]
        public async Task WithLock_on_one_connection_holds_off_another_host_until_it_returns()
        {
            string db = _server.NewDatabase();
            var hostA = new PostgreSqlLedger(db, "ca");
            var hostB = new PostgreSqlLedger(db + ";Application Name=hostB", "ca");
            hostA.Create();
            using var entered = new ManualResetEventSlim();
            var stopwatch = Stopwatch.StartNew();
            long released = 0;
            Task a = Task.Run(() => hostA.WithLock(entries =>
            {
                entered.Set();
                Thread.Sleep(1500);
                hostA.Append(Entry("01"));
                Interlocked.Exchange(ref released, stopwatch.ElapsedMilliseconds);
                return 0;
            }));
            Assert.True(entered.Wait(TimeSpan.FromSeconds(30)));
            hostB.Append(Entry("02")); // waits for A
            long appendedB = stopwatch.ElapsedMilliseconds;
            await a;
            Assert.True(appendedB >= Interlocked.Read(ref released), $"B appended at {appendedB} ms, A released at {released} ms");
            Assert.Equal(new[] { "01", "02" }, hostB.Entries().Select(e => e.SerialNumber));

            // Another host's WithLock, NextCrlNumber and Revoke wait too, and give up after LockTimeout.
            using var holding = new ManualResetEventSlim();
            using var done = new ManualResetEventSlim();
            Task hold = Task.Run(() => hostA.WithLock(_ =>
            {
                holding.Set();
                done.Wait(TimeSpan.FromSeconds(30));
                return 0;
            }));
            Assert.True(holding.Wait(TimeSpan.FromSeconds(30)));
            hostB.LockTimeout = TimeSpan.FromMilliseconds(300);
            Assert.Equal(PkiErrorCode.LockTimeout, Assert.Throws<PkiException>(() => hostB.Append(Entry("03"))).Code);
            Assert.Equal(PkiErrorCode.LockTimeout, Assert.Throws<PkiException>(() => hostB.WithLock(_ => 0)).Code);
            Assert.Equal(PkiErrorCode.LockTimeout, Assert.Throws<PkiException>(() => hostB.NextCrlNumber()).Code);
            Assert.Equal(PkiErrorCode.LockTimeout, Assert.Throws<PkiException>(() => hostB.Revoke("01", RevocationReason.Superseded, DateTimeOffset.UtcNow)).Code);
            Assert.NotNull(hostB.Entries()); // reading does not wait
            done.Set();
            await hold;
            hostB.Append(Entry("03"));
            Assert.Equal(3, hostA.Entries().Count);
        }

        [Fact]
        public void WithLock_reads_the_entries_only_when_the_work_looks_at_them()
        {
            // An issuance holds the CA lock without looking at the entries: reading every row there made each
            // certificate cost a read of the whole ledger. Shown with a login that may not read the certificates table:
            // a work that ignores the entries runs, one that counts them is refused by the server.
            string db = _server.NewDatabase();
            var owner = new PostgreSqlLedger(db, "ca");
            owner.Append(new[] { Entry("01"), Entry("02") });
            string role = "lazy_" + Guid.NewGuid().ToString("N").Substring(0, 8);
            string database = new NpgsqlConnectionStringBuilder(db).Database!;
            _server.Sql(database, $"CREATE ROLE {role} LOGIN PASSWORD 'pw-{role}'; GRANT CREATE ON DATABASE {database} TO {role}; " +
                $"GRANT USAGE, CREATE ON SCHEMA pkitools TO {role}; GRANT SELECT ON pkitools.schema_version, pkitools.ledgers TO {role}");
            var limited = new PostgreSqlLedger(new NpgsqlConnectionStringBuilder(db) { Username = role, Password = "pw-" + role }.ConnectionString, "ca");
            Assert.Equal(42, limited.WithLock(_ => 42));
            var ex = Assert.Throws<PkiException>(() => limited.WithLock(entries => entries.Count));
            Assert.Equal(PkiErrorCode.LedgerUnavailable, ex.Code);
            Assert.Contains("refused an operation", ex.Message);
            // Looked at, they are the ledger's, read once inside the lock.
            Assert.Equal(new[] { "01", "02" }, owner.WithLock(entries => entries.Select(e => e.SerialNumber).ToArray()));
            Assert.Equal("02", owner.WithLock(entries => entries.Count == 2 ? entries[1].SerialNumber : "count " + entries.Count));
            // The holder's own changes before the first look are not in them: they are the entries the lock found.
            string[] seen = owner.WithLock(entries =>
            {
                owner.Revoke("01", RevocationReason.KeyCompromise, DateTimeOffset.UtcNow);
                owner.Append(Entry("03"));
                return entries.Select(e => e.SerialNumber + ":" + e.Status).ToArray();
            });
            Assert.Equal(new[] { "01:Valid", "02:Valid" }, seen);
            Assert.Equal(new[] { "01:Revoked", "02:Valid", "03:Valid" }, owner.WithLock(entries => entries.Select(e => e.SerialNumber + ":" + e.Status).ToArray()));
        }

        [Fact]
        public void The_CA_lock_held_by_another_process_holds_off_changes()
        {
            string db = _server.NewDatabase();
            var ledger = new PostgreSqlLedger(db, "ca") { LockTimeout = TimeSpan.FromMilliseconds(500) };
            ledger.Create();
            string database = new NpgsqlConnectionStringBuilder(db).Database!;
            var info = new ProcessStartInfo(Path.Combine(PostgresServer.BinDir, "psql"))
            {
                UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            };
            foreach (string a in new[] { "-h", "127.0.0.1", "-p", _server.Port.ToString(), "-U", "postgres", "-d", database, "-X", "-q",
                "-c", $"SELECT pg_advisory_lock({ledger.AdvisoryLockKey})", "-c", "SELECT pg_sleep(4)" }) info.ArgumentList.Add(a);
            info.Environment["PGPASSWORD"] = _server.Password;
            using Process psql = Process.Start(info)!;
            try
            {
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (Convert.ToInt64(_server.Scalar(db, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")) == 0)
                {
                    if (psql.HasExited) Assert.Fail($"psql ended ({psql.ExitCode}): " + psql.StandardError.ReadToEnd());
                    Assert.True(DateTime.UtcNow < deadline, "psql never took the lock");
                    Thread.Sleep(50);
                }
                Assert.Equal(PkiErrorCode.LockTimeout, Assert.Throws<PkiException>(() => ledger.Append(Entry("01"))).Code);
                Assert.Equal(PkiErrorCode.LockTimeout, Assert.Throws<PkiException>(() => ledger.WithLock(_ => 0)).Code);
                Assert.False(ledger.SerialExists("01"));
                ledger.LockTimeout = TimeSpan.FromSeconds(30);
                ledger.Append(Entry("01")); // waits for psql's session to end
                Assert.True(psql.WaitForExit(30000));
                Assert.Equal(0, psql.ExitCode);
            }
            finally
            {
                if (!psql.HasExited) psql.Kill();
            }
            Assert.True(ledger.SerialExists("01"));
        }

        [Fact]
        public void CRL_numbers_from_two_racing_hosts_strictly_increase_and_are_never_reused()
        {
            string db = _server.NewDatabase();
            var hosts = new[] { new PostgreSqlLedger(db, "ca"), new PostgreSqlLedger(db + ";Application Name=hostB", "ca") };
            var other = new PostgreSqlLedger(db, "other-ca");
            var perThread = new List<long>[4];
            Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
            {
                var mine = new List<long>();
                for (int i = 0; i < 50; i++) mine.Add(hosts[t % 2].NextCrlNumber());
                perThread[t] = mine;
            });
            foreach (List<long> mine in perThread)
            {
                for (int i = 1; i < mine.Count; i++) Assert.True(mine[i] > mine[i - 1]);
            }
            Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), perThread.SelectMany(m => m).OrderBy(n => n));
            Assert.Equal(1, other.NextCrlNumber()); // per CA
            Assert.Equal(500, hosts[0].RaiseCrlNumber(500));
            Assert.Equal(500, hosts[1].RaiseCrlNumber(10)); // never lowered
            Assert.Equal(501, hosts[1].NextCrlNumber());
            // Inside WithLock, on the lock's connection.
            Assert.Equal(502, hosts[0].WithLock(_ => hosts[0].NextCrlNumber()));
        }

        [Fact]
        public void Expiring_within_a_window_is_answered_by_the_ca_not_after_index_on_100000_rows()
        {
            string db = _server.NewDatabase();
            var ledger = new PostgreSqlLedger(db, "big");
            ledger.Create();
            new PostgreSqlLedger(db, "small").Append(Entry("01"));
            DateTimeOffset now = DateTimeOffset.UtcNow;
            _server.Scalar(db,
                "INSERT INTO pkitools.certificates (ca, serial, status, not_after, revoked_at, reason, subject) " +
                "SELECT 'big', upper(lpad(to_hex(g), 8, '0')), CASE WHEN g % 10 = 0 THEN 'R' ELSE 'V' END, now() + g * interval '1 hour', " +
                "CASE WHEN g % 10 = 0 THEN now() END, CASE WHEN g % 10 = 0 THEN 1 END, '/CN=host' || g " +
                "FROM generate_series(1, 100000) g; " +
                "ANALYZE pkitools.certificates;");
            string sql = PostgreSqlLedger.ExpiringQuery
                .Replace("$1", "'big'")
                .Replace("$2", $"'{now:yyyy-MM-dd HH:mm:ss}+00'::timestamptz")
                .Replace("$3", $"'{now.AddDays(30):yyyy-MM-dd HH:mm:ss}+00'::timestamptz");
            string plan;
            using (var connection = new NpgsqlConnection(db))
            {
                connection.Open();
                using var command = new NpgsqlCommand("EXPLAIN " + sql, connection);
                using var reader = command.ExecuteReader();
                var lines = new List<string>();
                while (reader.Read()) lines.Add(reader.GetString(0));
                plan = string.Join("\n", lines);
            }
            Assert.Contains("certificates_ca_not_after", plan);
            Assert.DoesNotContain("Seq Scan", plan);
            var expiring = ledger.ExpiringBetween(now, now.AddDays(30));
            // 720 hours, less the revoked tenth; in ledger order (here also soonest first). Speed is the benchmark's to show.
            Assert.InRange(expiring.Count, 646, 649);
            Assert.All(expiring, e => Assert.Equal(LedgerStatus.Valid, e.Status));
            Assert.True(expiring.Zip(expiring.Skip(1), (x, y) => x.NotAfter <= y.NotAfter).All(ok => ok));
            // The same answer as reading and filtering every entry (the file ledger's way).
            Assert.Equal(ledger.Entries().Where(e => e.Status == LedgerStatus.Valid && e.NotAfter >= now && e.NotAfter < now.AddDays(30)).Select(e => e.SerialNumber),
                expiring.Select(e => e.SerialNumber));
            Assert.Equal(100000, ledger.Entries().Count);
        }

        [Fact]
        public void The_password_comes_from_PGPASSWORD_or_a_pgpass_file_and_is_never_in_a_message()
        {
            string db = _server.NewDatabase();
            string noPassword = db.Replace(";Password=" + _server.Password, "");
            Assert.DoesNotContain(_server.Password, noPassword);
            string pgpass = Path.Combine(Path.GetTempPath(), "pkitools-pgpass-" + Guid.NewGuid().ToString("N"));
            string? oldPassword = Environment.GetEnvironmentVariable("PGPASSWORD"), oldFile = Environment.GetEnvironmentVariable("PGPASSFILE");
            try
            {
                // A missing password (PGPASSFILE pointing at nothing): LedgerUnavailable, the login refused.
                Environment.SetEnvironmentVariable("PGPASSWORD", null);
                Environment.SetEnvironmentVariable("PGPASSFILE", pgpass);
                var ex = Assert.Throws<PkiException>(() => new PostgreSqlLedger(noPassword, "ca").Entries());
                Assert.Equal(PkiErrorCode.LedgerUnavailable, ex.Code);
                Assert.Contains(pgpass, ex.Message);
                Assert.Contains("PGPASSWORD", ex.Message);

                // A wrong password in the connection string: refused, and not echoed.
                string wrong = "wrong-" + Guid.NewGuid().ToString("N");
                ex = Assert.Throws<PkiException>(() => new PostgreSqlLedger(noPassword + ";Password=" + wrong, "ca").Entries());
                Assert.Equal(PkiErrorCode.LedgerUnavailable, ex.Code);
                Assert.Contains("refused the login", ex.Message);
                Assert.Contains($"127.0.0.1:{_server.Port}/", ex.Message);
                Assert.DoesNotContain(wrong, ex.ToString().Replace(ex.InnerException?.ToString() ?? "", ""));
                Assert.DoesNotContain(wrong, ex.Message);

                // pgpass (hostname:port:database:username:password), as libpq reads it.
                File.WriteAllText(pgpass, $"127.0.0.1:{_server.Port}:*:postgres:{_server.Password}\n");
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(pgpass, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                var viaFile = new PostgreSqlLedger(noPassword + ";Application Name=pgpass", "ca");
                viaFile.Append(Entry("01"));
                Assert.Single(viaFile.Entries());

                // PGPASSWORD.
                Environment.SetEnvironmentVariable("PGPASSFILE", Path.Combine(Path.GetTempPath(), "none-" + Guid.NewGuid().ToString("N")));
                Environment.SetEnvironmentVariable("PGPASSWORD", _server.Password);
                var viaEnv = new PostgreSqlLedger(noPassword + ";Application Name=pgpassword", "ca");
                Assert.Equal("01", viaEnv.Entries().Single().SerialNumber);
            }
            finally
            {
                Environment.SetEnvironmentVariable("PGPASSWORD", oldPassword);
                Environment.SetEnvironmentVariable("PGPASSFILE", oldFile);
                File.Delete(pgpass);
            }
        }

        [Fact]
        public void A_bad_connection_string_is_InvalidArgument_without_echoing_it()
        {
            var ex = Assert.Throws<PkiException>(() => new PostgreSqlLedger("Host=db;Password=s3cret-value;Bogus Keyword=1", "ca"));
            Assert.Equal(PkiErrorCode.InvalidArgument, ex.Code);
            Assert.DoesNotContain("s3cret-value", ex.Message);
        }
    }
}
