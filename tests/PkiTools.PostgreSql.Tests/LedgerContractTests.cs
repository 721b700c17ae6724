using System;
using System.IO;
using System.Linq;
using PkiTools.Core;
using PkiTools.Core.Ca;
using PkiTools.Core.Revocation;
using Xunit;

namespace PkiTools.PostgreSql.Tests
{
    /// <summary>
    /// The ICaLedger contract, run against the file ledger (index.txt, the reference) and the PostgreSQL ledger: the
    /// same calls must give the same entries and the same outcomes.
    /// </summary>
    public abstract class LedgerContractTests
    {
        protected static readonly DateTimeOffset NotAfter = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
        protected static readonly DateTimeOffset At = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

        /// <summary>A new, empty ledger.</summary>
        protected abstract ICaLedger NewLedger();

        protected static LedgerEntry Entry(string serial, string cn = "web") =>
            new LedgerEntry(LedgerStatus.Valid, NotAfter, null, null, serial, "unknown", "/O=Corp/CN=" + cn);

        [Fact]
        public void Appends_are_read_back_in_issuance_order_and_found_by_any_hex_spelling()
        {
            ICaLedger ledger = NewLedger();
            Assert.False(ledger.Exists);
            Assert.Empty(ledger.Entries());
            ledger.Append(new[] { Entry("0A1B", "a"), Entry("01", "b") });
            ledger.Append(Entry("7F00", "c"));
            Assert.True(ledger.Exists);
            LedgerEntry[] all = ledger.Entries().ToArray();
            Assert.Equal(new[] { "0A1B", "01", "7F00" }, all.Select(e => e.SerialNumber));
            Assert.Equal(new[] { "/O=Corp/CN=a", "/O=Corp/CN=b", "/O=Corp/CN=c" }, all.Select(e => e.Subject));
            Assert.All(all, e => Assert.Equal(NotAfter, e.NotAfter));
            Assert.All(all, e => Assert.Equal(LedgerStatus.Valid, e.Status));
            foreach (string spelling in new[] { "0a1b", "0x0A1B", "0A:1B", "a1b", "000a1b" })
            {
                Assert.Equal("0A1B", ledger.Find(spelling)!.SerialNumber);
                Assert.True(ledger.SerialExists(spelling));
            }
            Assert.Null(ledger.Find("0A1C"));
            Assert.False(ledger.SerialExists("beef"));
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => ledger.Find("xyz")).Code);
        }

        [Fact]
        public void A_duplicate_serial_is_SerialConflict_naming_it_and_nothing_of_the_batch_is_recorded()
        {
            ICaLedger ledger = NewLedger();
            ledger.Append(Entry("10"));
            var ex = Assert.Throws<PkiException>(() => ledger.Append(new[] { Entry("11"), Entry("0x10"), Entry("12") }));
            Assert.Equal(PkiErrorCode.SerialConflict, ex.Code);
            Assert.Contains("10", ex.Message);
            ex = Assert.Throws<PkiException>(() => ledger.Append(new[] { Entry("20"), Entry("20") }));
            Assert.Equal(PkiErrorCode.SerialConflict, ex.Code);
            Assert.Equal(new[] { "10" }, ledger.Entries().Select(e => e.SerialNumber));
            Assert.False(ledger.SerialExists("11"));
            ledger.Append(new[] { Entry("11"), Entry("12") }); // the rest goes in once the conflict is gone
            Assert.Equal(3, ledger.Entries().Count);
        }

        [Fact]
        public void Revoke_gives_per_item_outcomes_and_the_others_go_on()
        {
            ICaLedger ledger = NewLedger();
            ledger.Append(new[] { Entry("01"), Entry("02"), Entry("03") });
            var outcomes = ledger.Revoke(new[]
            {
                new LedgerRevocation("99", RevocationReason.KeyCompromise, At),
                new LedgerRevocation("01", RevocationReason.KeyCompromise, At),
                new LedgerRevocation("1", RevocationReason.Superseded, At),
                new LedgerRevocation("not hex", RevocationReason.Superseded, At),
                new LedgerRevocation("03", RevocationReason.AaCompromise, At),
            });
            Assert.Equal(PkiErrorCode.SerialNotFound, outcomes[0].Error!.Code);
            Assert.Equal(LedgerStatus.Revoked, outcomes[1].Entry!.Status);
            Assert.Equal(RevocationReason.KeyCompromise, outcomes[1].Entry!.Reason);
            Assert.Equal(PkiErrorCode.InvalidArgument, outcomes[2].Error!.Code); // already revoked, earlier in this batch
            Assert.Contains("already revoked", outcomes[2].Error!.Message);
            Assert.Equal(PkiErrorCode.InvalidArgument, outcomes[3].Error!.Code);
            Assert.Equal(RevocationReason.AaCompromise, outcomes[4].Entry!.Reason);

            LedgerEntry one = ledger.Find("01")!;
            Assert.Equal(LedgerStatus.Revoked, one.Status);
            Assert.Equal(At, one.RevokedAt);
            Assert.Equal(RevocationReason.KeyCompromise, one.Reason);
            Assert.Equal(RevocationReason.AaCompromise, ledger.Find("03")!.Reason);
            Assert.Equal(LedgerStatus.Valid, ledger.Find("02")!.Status);
            Assert.Equal(PkiErrorCode.InvalidArgument,
                Assert.Throws<PkiException>(() => ledger.Revoke("01", RevocationReason.Superseded, At)).Code);
            Assert.Equal(new[] { "01", "02", "03" }, ledger.Entries().Select(e => e.SerialNumber)); // order unchanged
        }

        [Fact]
        public void A_hold_is_released_by_RemoveFromCrl_or_made_final()
        {
            ICaLedger ledger = NewLedger();
            ledger.Append(new[] { Entry("01"), Entry("02") });
            Assert.Equal(PkiErrorCode.InvalidArgument,
                Assert.Throws<PkiException>(() => ledger.Revoke("01", RevocationReason.RemoveFromCrl, At)).Code);
            ledger.Revoke("01", RevocationReason.CertificateHold, At);
            Assert.Equal(RevocationReason.CertificateHold, ledger.Find("01")!.Reason);
            Assert.Contains("already on hold",
                Assert.Throws<PkiException>(() => ledger.Revoke("01", RevocationReason.CertificateHold, At)).Message);
            LedgerEntry released = ledger.Revoke("01", RevocationReason.RemoveFromCrl, At.AddDays(1));
            Assert.Equal(LedgerStatus.Valid, released.Status);
            LedgerEntry back = ledger.Find("01")!;
            Assert.Equal(LedgerStatus.Valid, back.Status);
            Assert.Null(back.RevokedAt);
            Assert.Null(back.Reason);

            ledger.Revoke("02", RevocationReason.CertificateHold, At);
            ledger.Revoke("02", RevocationReason.KeyCompromise, At.AddDays(2));
            LedgerEntry final = ledger.Find("02")!;
            Assert.Equal(RevocationReason.KeyCompromise, final.Reason);
            Assert.Equal(At.AddDays(2), final.RevokedAt);
            Assert.Equal(PkiErrorCode.InvalidArgument,
                Assert.Throws<PkiException>(() => ledger.Revoke("02", RevocationReason.RemoveFromCrl, At)).Code);
        }

        [Fact]
        public void WithLock_is_reentrant_and_its_work_may_append_and_revoke()
        {
            ICaLedger ledger = NewLedger();
            ledger.Append(Entry("01"));
            int count = ledger.WithLock(entries =>
            {
                Assert.Single(entries);
                ledger.Append(Entry("02"));
                ledger.Revoke("01", RevocationReason.Superseded, At);
                return ledger.WithLock(inner =>
                {
                    ledger.Append(Entry("03"));
                    return inner.Count + 1;
                });
            });
            Assert.Equal(3, count);
            Assert.Equal(new[] { "01", "02", "03" }, ledger.Entries().Select(e => e.SerialNumber));
            Assert.Equal(LedgerStatus.Revoked, ledger.Find("01")!.Status);
            // A failure inside leaves what was recorded before it, and the lock is released.
            Assert.Throws<PkiException>(() => ledger.WithLock<int>(_ =>
            {
                ledger.Append(Entry("04"));
                ledger.Append(Entry("04"));
                return 0;
            }));
            Assert.True(ledger.SerialExists("04"));
            Assert.Equal(5, ledger.WithLock(entries => entries.Count + 1));
        }
    }

    /// <summary>The reference: the file ledger.</summary>
    public sealed class IndexTxtLedgerContractTests : LedgerContractTests, IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "pkitools-idx-" + Guid.NewGuid().ToString("N"));

        public IndexTxtLedgerContractTests() => Directory.CreateDirectory(_folder);

        protected override ICaLedger NewLedger() => new OpenSslIndexLedger(Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".txt"));

        public void Dispose() => Directory.Delete(_folder, true);
    }

    /// <summary>The same contract on PostgreSQL: a fresh CA id per ledger, in one database.</summary>
    public sealed class PostgreSqlLedgerContractTests : LedgerContractTests, IClassFixture<PostgresServer>
    {
        private readonly string _connection;

        public PostgreSqlLedgerContractTests(PostgresServer server) => _connection = server.ConnectionString();

        protected override ICaLedger NewLedger() => new PostgreSqlLedger(_connection, "ca-" + Guid.NewGuid().ToString("N"));
    }
}
