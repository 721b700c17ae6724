using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
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
    /// <summary>The server stopped, unreachable or killed mid-batch: LedgerUnavailable, nothing half-recorded, the retry succeeds. Its own server (it is stopped here).</summary>
    public sealed class PostgreSqlOutageTests : IClassFixture<PostgresServer>
    {
        private readonly PostgresServer _server;

        public PostgreSqlOutageTests(PostgresServer server)
        {
            _server = server;
            if (!_server.Running) _server.Start(); // a failed test before may have left it stopped
        }

        private void AssertUnavailable(PkiException ex)
        {
            Assert.Equal(PkiErrorCode.LedgerUnavailable, ex.Code);
            Assert.Contains($"127.0.0.1:{_server.Port}/", ex.Message);
            Assert.DoesNotContain(_server.Password, ex.Message);
            Assert.DoesNotContain("Password", ex.Message);
            Assert.DoesNotContain("Npgsql", ex.Message);
        }

        /// <summary>Runs <paramref name="call"/> on another thread; its exception, or null when it returned.</summary>
        private static Task<Exception?> Failure(Action call) => Task.Run(() =>
        {
            try
            {
                call();
                return (Exception?)null;
            }
            catch (Exception ex)
            {
                return ex;
            }
        });

        /// <summary>Waits (30 s at most) until <paramref name="countSql"/> counts something in <paramref name="db"/>.</summary>
        private void WaitUntil(string db, string countSql, string never)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (Convert.ToInt64(_server.Scalar(db, countSql)) == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, never);
                Thread.Sleep(20);
            }
        }

        [Fact]
        public void Nothing_listening_is_LedgerUnavailable()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            var ledger = new PostgreSqlLedger($"Host=127.0.0.1;Port={port};Database=pki;Username=pki;Password=topsecret;Timeout=3", "ca");
            var ex = Assert.Throws<PkiException>(() => ledger.Append(Entry("01")));
            Assert.Equal(PkiErrorCode.LedgerUnavailable, ex.Code);
            Assert.Equal($"The ledger of CA 'ca' on the PostgreSQL server 127.0.0.1:{port}/pki is unavailable (it cannot be reached or the connection was lost); nothing was recorded. Retry when the server is back.", ex.Message);
        }

        [Fact]
        public void The_server_down_is_LedgerUnavailable_and_the_same_calls_succeed_after_a_restart()
        {
            string db = _server.NewDatabase();
            var ledger = new PostgreSqlLedger(db, "ca");
            ledger.Append(Entry("01")); // pooled connections exist now
            _server.Stop();
            try
            {
                AssertUnavailable(Assert.Throws<PkiException>(() => ledger.Append(Entry("02"))));
                AssertUnavailable(Assert.Throws<PkiException>(() => ledger.Entries()));
                AssertUnavailable(Assert.Throws<PkiException>(() => ledger.NextCrlNumber()));
                AssertUnavailable(Assert.Throws<PkiException>(() => ledger.WithLock(_ => 0)));
            }
            finally
            {
                _server.Start();
            }
            ledger.Append(Entry("02"));
            Assert.Equal(LedgerStatus.Revoked, ledger.Revoke("01", RevocationReason.KeyCompromise, DateTimeOffset.UtcNow).Status);
            Assert.Equal(1, ledger.NextCrlNumber());
            Assert.Equal(new[] { "01", "02" }, ledger.Entries().Select(e => e.SerialNumber));

            // Restarted behind the pool's back (idle connections dead): the first call after still succeeds or says
            // LedgerUnavailable, and a retry succeeds.
            _server.Stop("immediate");
            _server.Start();
            try
            {
                ledger.Append(Entry("03"));
            }
            catch (PkiException ex) when (ex.Code == PkiErrorCode.LedgerUnavailable)
            {
                ledger.Append(Entry("03"));
            }
            Assert.Equal(3, ledger.Entries().Count);
        }

        [Fact]
        public async Task The_server_shut_down_while_waiting_for_the_CA_lock_is_LedgerUnavailable_and_the_retry_succeeds()
        {
            // Found by the several-hosts proof run: the server's shutdown ended the session waiting in pg_advisory_lock,
            // and resetting lock_timeout on that closed connection afterwards threw "Connection is not open"
            // (InvalidOperationException), hiding the LedgerUnavailable an issuing process retries on.
            string db = _server.NewDatabase();
            var ledger = new PostgreSqlLedger(db, "ca");
            ledger.Append(Entry("01"));
            Task<Exception?> waiting;
            using (var holder = new NpgsqlConnection(db + ";Pooling=false"))
            {
                holder.Open();
                using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({ledger.AdvisoryLockKey})", holder)) take.ExecuteNonQuery();
                waiting = Failure(() => ledger.WithLock(_ => 0));
                WaitUntil(db, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted", "WithLock never waited for the lock");
                _server.Stop("fast");
            }
            try
            {
                Exception? failure = await waiting;
                AssertUnavailable(Assert.IsType<PkiException>(failure));
            }
            finally
            {
                _server.Start();
            }
            Assert.Equal(new[] { "01" }, ledger.WithLock(entries => entries.Select(e => e.SerialNumber).ToArray()));
        }

        [Fact]
        public async Task The_server_killed_mid_batch_leaves_nothing_of_it_and_the_retry_records_it_all()
        {
            string db = _server.NewDatabase();
            var ledger = new PostgreSqlLedger(db, "ca");
            ledger.Append(Entry("01"));
            // Slow each row down so that the kill lands while the INSERT runs, with part of the batch written.
            _server.Scalar(db,
                "CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.002); RETURN NEW; END $$; " +
                "CREATE TRIGGER slow BEFORE INSERT ON pkitools.certificates FOR EACH ROW EXECUTE FUNCTION slow_row();");
            LedgerEntry[] batch = Enumerable.Range(0x100, 2000).Select(i => Entry(i.ToString("X4"))).ToArray();
            Task<Exception?> append = Failure(() => ledger.Append(batch));
            // Wait until the batch's INSERT is running and has been for a while, then crash the server.
            WaitUntil(db, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'INSERT INTO pkitools.certificates%'", "the batch never started");
            Thread.Sleep(500);
            _server.Stop("immediate");
            var failure = Assert.IsType<PkiException>(await append);
            AssertUnavailable(failure);
            _server.Start();
            Assert.Equal(new[] { "01" }, ledger.Entries().Select(e => e.SerialNumber)); // nothing half-recorded
            _server.Scalar(db, "DROP TRIGGER slow ON pkitools.certificates");
            ledger.Append(batch); // the same call, retried
            Assert.Equal(2001, ledger.Entries().Count);
        }

        [Fact]
        public async Task A_connection_lost_during_COMMIT_says_the_change_may_or_may_not_be_recorded()
        {
            string db = _server.NewDatabase();
            var ledger = new PostgreSqlLedger(db, "ca");
            ledger.Append(Entry("01"));
            // A deferred constraint trigger runs at COMMIT: it sleeps there while an administrator ends the session.
            _server.Scalar(db,
                "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$; " +
                "CREATE CONSTRAINT TRIGGER slow AFTER INSERT ON pkitools.certificates DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit();");
            Task<Exception?> append = Failure(() => ledger.Append(Entry("02")));
            WaitUntil(db, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = 'COMMIT'", "the COMMIT never started");
            _server.Scalar(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'COMMIT'");
            var failure = Assert.IsType<PkiException>(await append);
            AssertUnavailable(failure);
            Assert.Contains("may or may not be recorded, and nothing was handed out", failure.Message);
            Assert.DoesNotContain("nothing was recorded", failure.Message);
            _server.Scalar(db, "DROP TRIGGER slow ON pkitools.certificates");
            ledger.Append(Entry("02")); // here the server rolled back: the retry records it
            Assert.Equal(new[] { "01", "02" }, ledger.Entries().Select(e => e.SerialNumber));
        }

        [Fact]
        public void A_lost_connection_inside_WithLock_is_LedgerUnavailable_and_the_lock_is_free_afterwards()
        {
            string db = _server.NewDatabase();
            var ledger = new PostgreSqlLedger(db, "ca");
            ledger.Append(Entry("01"));
            var ex = Assert.Throws<PkiException>(() => ledger.WithLock(_ =>
            {
                // The lock's session killed by an administrator.
                _server.Scalar(db, "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted");
                ledger.Append(Entry("02"));
                return 0;
            }));
            AssertUnavailable(ex);
            Assert.False(ledger.SerialExists("02"));
            var other = new PostgreSqlLedger(db + ";Application Name=other", "ca") { LockTimeout = TimeSpan.FromSeconds(2) };
            other.Append(Entry("02"));
            Assert.Equal(2, ledger.WithLock(entries => entries.Count));
        }
    }
}
