using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using Npgsql;
using PkiTools.Core.Ca;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.PostgreSql.Tests
{
    /// <summary>The core's batch issuance against the PostgreSQL ledger: serials looked up once per batch, not once per certificate.</summary>
    public sealed class PostgreSqlIssuanceTests : IClassFixture<PostgresServer>
    {
        private readonly PostgresServer _server;

        public PostgreSqlIssuanceTests(PostgresServer server) => _server = server;

        /// <summary>The ledger, counting how it is asked about serials.</summary>
        private sealed class Counting : ICaLedger, ILedgerSerialLookup, ICrlNumberSource
        {
            private readonly PostgreSqlLedger _inner;
            public int SerialExistsCalls;
            public int ExistingSerialsCalls;
            public int AppendCalls;

            public Counting(PostgreSqlLedger inner) => _inner = inner;

            public void Append(IReadOnlyList<LedgerEntry> entries)
            {
                Interlocked.Increment(ref AppendCalls);
                _inner.Append(entries);
            }

            public IReadOnlyList<LedgerOutcome> Revoke(IReadOnlyList<LedgerRevocation> revocations) => _inner.Revoke(revocations);
            public IReadOnlyList<LedgerEntry> Entries() => _inner.Entries();
            public LedgerEntry? Find(string serialNumber) => _inner.Find(serialNumber);

            public bool SerialExists(string serialNumber)
            {
                Interlocked.Increment(ref SerialExistsCalls);
                return _inner.SerialExists(serialNumber);
            }

            public IReadOnlyCollection<string> ExistingSerials(IReadOnlyList<string> serialNumbers)
            {
                Interlocked.Increment(ref ExistingSerialsCalls);
                return _inner.ExistingSerials(serialNumbers);
            }

            public T WithLock<T>(Func<IReadOnlyList<LedgerEntry>, T> work) => _inner.WithLock(work);
            public bool Exists => _inner.Exists;
            public IReadOnlyList<string> Warnings => _inner.Warnings;
            public long NextCrlNumber() => _inner.NextCrlNumber();
            public long RaiseCrlNumber(long lastIssued) => _inner.RaiseCrlNumber(lastIssued);
        }

        private (string Folder, PostgreSqlLedger Ledger) NewCa(TempDir tmp)
        {
            string db = _server.NewDatabase();
            string keywords = new NpgsqlConnectionStringBuilder(db) { Password = null }.ConnectionString;
            CaDirectory ca = CaDirectory.Create(tmp.File("ca"), "CN=Batch CA", KeyAlgorithm.EcdsaP256, 10, null, null, null, null, null, keywords, _server.Password);
            return (ca.Folder, new PostgreSqlLedger(db, ca.LedgerLocation!.CaId));
        }

        private static List<IssueRequest> Requests(int count)
        {
            var key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            return Enumerable.Range(0, count).Select(n => new IssueRequest(CertificateSigningRequest.Create(key, $"CN=b{n}.example", new[] { $"b{n}.example" }, Array.Empty<string>()))).ToList();
        }

        [Fact]
        public void A_batch_of_50_asks_the_database_about_serials_twice_and_records_in_one_transaction()
        {
            using var tmp = new TempDir();
            (string folder, PostgreSqlLedger ledger) = NewCa(tmp);
            var counting = new Counting(ledger);
            var ca = CaDirectory.Open(folder, new CaEnvironment { Ledger = counting });
            IReadOnlyList<IssueOutcome> outcomes = ca.IssueBatch(Requests(50));
            Assert.All(outcomes, o => Assert.Null(o.Error));
            Assert.Equal(0, counting.SerialExistsCalls);
            Assert.Equal(2, counting.ExistingSerialsCalls); // the drawn serials, and again just before recording
            Assert.Equal(1, counting.AppendCalls);
            Assert.Equal(outcomes.Select(o => o.SerialNumber!).OrderBy(s => s), ledger.Entries().Select(e => e.SerialNumber).OrderBy(s => s));
            Assert.All(outcomes, o => Assert.True(File.Exists(ca.CertificatePath(o.SerialNumber!))));
        }

        [Fact]
        public void A_drawn_serial_the_ledger_already_has_is_drawn_again()
        {
            using var tmp = new TempDir();
            (string folder, PostgreSqlLedger ledger) = NewCa(tmp);
            string taken = new string('1', 32);
            ledger.Append(new[] { new LedgerEntry(LedgerStatus.Valid, DateTimeOffset.UtcNow.AddDays(30), null, null, taken, "unknown", "/CN=taken") });
            int draws = 0;
            var ca = CaDirectory.Open(folder, new CaEnvironment
            {
                LedgerPassword = _server.Password,
                // The first serial drawn is the one recorded already; the others random.
                FillRandom = bytes =>
                {
                    if (Interlocked.Increment(ref draws) == 1) bytes.AsSpan().Fill(0x11);
                    else RandomNumberGenerator.Fill(bytes);
                },
            });
            IReadOnlyList<IssueOutcome> outcomes = ca.IssueBatch(Requests(3));
            Assert.All(outcomes, o => Assert.Null(o.Error));
            Assert.DoesNotContain(taken, outcomes.Select(o => o.SerialNumber));
            Assert.Equal(4, ledger.Entries().Count);
            Assert.Equal("/CN=taken", ledger.Find(taken)!.Subject);
        }
    }
}
