using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Npgsql;
using PkiTools.Core.Ca;
using PkiTools.Core.Revocation;
using PkiTools.Tests;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.PostgreSql.Tests
{
    /// <summary>Move-CaLedger there and back at scale (issue 17): CaLedgerMove on a 100,000-entry index.txt loses nothing.</summary>
    public sealed class CaLedgerMoveTests : IClassFixture<PostgresServer>
    {
        private const int Count = 100_000;
        private readonly PostgresServer _server;
        private readonly ITestOutputHelper _output;

        public CaLedgerMoveTests(PostgresServer server, ITestOutputHelper output)
        {
            _server = server;
            _output = output;
        }

        [Fact]
        public void A_100000_entry_index_txt_moves_to_PostgreSQL_and_back_byte_identical()
        {
            using var tmp = new TempDir();
            string folder = CaDirectory.Create(tmp.File("ca"), "CN=Moving CA, O=Corp").Folder;
            // 100,000 valid index.txt lines written straight through the index.txt ledger (issuing them would take
            // minutes): every tenth revoked with a reason openssl names, two with reasons only index.txt.reasons keeps,
            // expiry dates spread over the next 400 days so the expiry report has something to find.
            var clock = Stopwatch.StartNew();
            DateTimeOffset now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            RevocationReason[] reasons = { RevocationReason.KeyCompromise, RevocationReason.Superseded, RevocationReason.CessationOfOperation, RevocationReason.CertificateHold, RevocationReason.AffiliationChanged, RevocationReason.Unspecified };
            var entries = new List<LedgerEntry>(Count);
            for (int i = 1; i <= Count; i++)
            {
                string serial = $"{i + 0x10000000:X8}{i:X24}";
                string subject = $"/O=Corp/CN=host{i}.corp.example";
                DateTimeOffset notAfter = now.AddDays(1 + i % 400);
                entries.Add(i % 10 == 0
                    ? new LedgerEntry(LedgerStatus.Revoked, notAfter, now.AddMinutes(-i), reasons[i / 10 % reasons.Length], serial, "unknown", subject)
                    : new LedgerEntry(LedgerStatus.Valid, notAfter, null, null, serial, "unknown", subject));
            }
            var index = new OpenSslIndexLedger(Path.Combine(folder, "index.txt"));
            index.Append(entries);
            index.Revoke($"{1 + 0x10000000:X8}{1:X24}", RevocationReason.PrivilegeWithdrawn, now.AddMinutes(-1));
            index.Revoke($"{2 + 0x10000000:X8}{2:X24}", RevocationReason.AaCompromise, now.AddMinutes(-2));
            var ca = CaDirectory.Open(folder);
            ca.NewCrl();
            ca.NewCrl();
            string nextCrl = File.ReadAllText(Path.Combine(folder, "crlnumber")).Trim();
            string[] kept = { "index.txt", "index.txt.attr", "index.txt.reasons", "serial" };
            var original = kept.Where(f => File.Exists(Path.Combine(folder, f))).ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(folder, f)));
            Assert.Contains("index.txt.attr", original.Keys);
            Assert.Contains("index.txt.reasons", original.Keys);
            byte[] indexTxt = original["index.txt"];
            Assert.Equal(Count, indexTxt.Count(b => b == (byte)'\n'));
            var expiring = new LedgerQuery { ExpiringWithinDays = 30 };
            string[] expiringBefore = ca.Entries(expiring).Select(e => e.SerialNumber).ToArray();
            Assert.True(expiringBefore.Length > 5000, $"{expiringBefore.Length} expiring");
            _output.WriteLine($"index.txt of {Count} entries ({indexTxt.Length} bytes) written in {clock.ElapsedMilliseconds} ms");

            // The export of the index.txt ledger is index.txt itself.
            Assert.Equal(Count, CaLedgerMove.Export(ca, tmp.File("before.txt"), force: false));
            Assert.Equal(indexTxt, File.ReadAllBytes(tmp.File("before.txt")));

            // There: every entry in the database, index.txt set aside, the CRL numbers going on.
            string db = _server.NewDatabase();
            string keywords = new NpgsqlConnectionStringBuilder(db) { Password = null }.ConnectionString;
            clock.Restart();
            Assert.Equal(Count, CaLedgerMove.ToPostgreSql(ca, keywords, _server.Password));
            _output.WriteLine($"moved to PostgreSQL in {clock.ElapsedMilliseconds} ms");
            Assert.False(File.Exists(Path.Combine(folder, "index.txt")));
            Assert.True(File.Exists(Path.Combine(folder, CaLedgerLocation.FileName)));
            var env = new CaEnvironment { LedgerPassword = _server.Password };
            var moved = CaDirectory.Open(folder, env);
            Assert.IsType<PostgreSqlLedger>(moved.Ledger);
            Assert.Equal(Count, Convert.ToInt32(_server.Scalar(db, "SELECT count(*) FROM pkitools.certificates")));
            Assert.Equal(Count / 10 + 2, moved.Entries(new LedgerQuery { Status = LedgerStatus.Revoked }).Count);
            Assert.Equal(new[] { RevocationReason.PrivilegeWithdrawn, RevocationReason.AaCompromise },
                moved.Entries().Take(2).Select(e => e.Reason!.Value));
            Assert.Equal(expiringBefore, moved.Entries(expiring).Select(e => e.SerialNumber).ToArray());
            Assert.Equal(Count, CaLedgerMove.Export(moved, tmp.File("database.txt"), force: false));
            Assert.Equal(indexTxt, File.ReadAllBytes(tmp.File("database.txt")));
            Assert.Equal(Convert.ToInt64(nextCrl, 16).ToString(), moved.NewCrl().CrlNumber);

            // And back: the same files, byte for byte; the CRL numbers still going on.
            clock.Restart();
            Assert.Equal(Count, CaLedgerMove.ToIndexTxt(moved));
            _output.WriteLine($"moved back to index.txt in {clock.ElapsedMilliseconds} ms");
            Assert.False(File.Exists(Path.Combine(folder, CaLedgerLocation.FileName)));
            foreach ((string file, byte[] bytes) in original)
            {
                Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(folder, file))), file + " is byte-identical after the move there and back");
            }
            var back = CaDirectory.Open(folder);
            Assert.IsType<OpenSslIndexLedger>(back.Ledger);
            Assert.Equal(Count, CaLedgerMove.Export(back, tmp.File("after.txt"), force: false));
            Assert.Equal(indexTxt, File.ReadAllBytes(tmp.File("after.txt")));
            Assert.Equal((Convert.ToInt64(nextCrl, 16) + 1).ToString(), back.NewCrl().CrlNumber);
            OpenSsl.Ok("ca", "-config", Path.Combine(folder, "openssl.cnf"), "-gencrl", "-batch", "-out", tmp.File("openssl.crl"));
        }
    }
}
