using System;
using System.Collections.Generic;
using System.IO;
using PkiTools.Core.Ca;
using PkiTools.Core.Keys;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Ca
{
    /// <summary>ledger.json (issue 17): the connection keywords never hold a password, the file round-trips, and a CA folder naming a database ledger is opened through the provider seam; CRL numbers from a ledger that keeps them.</summary>
    public class CaLedgerLocationTests
    {
        [Theory]
        [InlineData("Host=db;Database=pki;Username=pki;Password=s3cret-value")]
        [InlineData("Host=db;Database=pki;Username=pki;PWD=s3cret-value")]
        [InlineData("password = s3cret-value;Host=db")]
        [InlineData("Host=db;Passfile=/home/pki/s3cret-value")]
        [InlineData("host=db;sslmode=verify-full;sslkey=/etc/pki/db.key;sslpassword=s3cret-value")]
        [InlineData("Host=db;SSL Password=s3cret-value")]
        public void Keywords_with_a_password_are_refused_without_repeating_it(string connection)
        {
            var ex = Assert.Throws<PkiException>(() => CaLedgerLocation.CheckConnection(connection));
            Assert.Equal(PkiErrorCode.InvalidArgument, ex.Code);
            Assert.DoesNotContain("s3cret-value", ex.Message);
            Assert.Contains("Nothing was written", ex.Message);
        }

        [Fact]
        public void Keywords_without_a_password_pass_and_ledger_json_round_trips()
        {
            using var tmp = new TempDir();
            const string connection = "Host=db.corp.example;Port=5432;Database=pki;Username=pki;SSL Mode=VerifyFull";
            CaLedgerLocation.CheckConnection(connection);
            new CaLedgerLocation(CaLedgerLocation.PostgreSql, connection, "ab12").Write(tmp.Path);
            CaLedgerLocation read = CaLedgerLocation.Read(tmp.Path)!;
            Assert.Equal((CaLedgerLocation.PostgreSql, connection, "ab12"), (read.Type, read.Connection, read.CaId));
            Assert.Null(CaLedgerLocation.Read(tmp.File("none")));
            Assert.Equal(64, CaLedgerLocation.CaIdOf(new byte[] { 1, 2, 3 }).Length);
        }

        [Theory]
        [InlineData("{\"type\": \"MySql\", \"connection\": \"Host=db\", \"caId\": \"x\"}")]
        [InlineData("{\"type\": \"PostgreSql\"}")]
        [InlineData("not json")]
        public void A_damaged_or_unknown_ledger_json_is_LedgerCorrupt(string json)
        {
            using var tmp = new TempDir();
            File.WriteAllText(Path.Combine(tmp.Path, CaLedgerLocation.FileName), json);
            Assert.Equal(PkiErrorCode.LedgerCorrupt, Assert.Throws<PkiException>(() => CaLedgerLocation.Read(tmp.Path)).Code);
        }

        [Fact]
        public void A_CA_folder_with_ledger_json_opens_the_database_ledger_and_keeps_ledger_json_as_its_own_file()
        {
            using var tmp = new TempDir();
            string dir = tmp.File("ca");
            var ca = CaDirectory.Create(dir, "CN=Seam Root", KeyAlgorithm.EcdsaP256, 5);
            File.Move(Path.Combine(dir, "index.txt"), Path.Combine(dir, "index.txt" + CaDirectory.MovedSuffix));
            new CaLedgerLocation(CaLedgerLocation.PostgreSql, "Host=127.0.0.1;Port=1;Database=pki;Username=pki;Timeout=1", CaLedgerLocation.CaIdOf(ca.Certificate.RawData)).Write(dir);
            // This test host has no PkiTools.PostgreSql beside it: the provider cannot be loaded, which says so (and is not CaNotFound / a missing index.txt).
            if (!File.Exists(Path.Combine(AppContext.BaseDirectory, "PkiTools.PostgreSql.dll")))
            {
                var ex = Assert.Throws<PkiException>(() => CaDirectory.Open(dir));
                Assert.Equal(PkiErrorCode.LedgerUnavailable, ex.Code);
            }
            // With a ledger given, the folder opens, and ledger.json and index.txt.moved are among its own files.
            var opened = CaDirectory.Open(dir, new CaEnvironment { Ledger = new NumberingLedger(Path.Combine(dir, "index.txt" + CaDirectory.MovedSuffix)) });
            Assert.Equal(PkiErrorCode.FileExists, Assert.Throws<PkiException>(() => opened.RefuseOwnFile(Path.Combine(dir, CaLedgerLocation.FileName))).Code);
            Assert.Equal(PkiErrorCode.FileExists, Assert.Throws<PkiException>(() => opened.RefuseOwnFile(Path.Combine(dir, "index.txt.moved"))).Code);
        }

        [Fact]
        public void CRL_numbers_come_from_a_ledger_that_keeps_them_and_the_crlnumber_file_is_left_alone()
        {
            using var tmp = new TempDir();
            string dir = tmp.File("ca");
            CaDirectory.Create(dir, "CN=Numbered Root", KeyAlgorithm.EcdsaP256, 5);
            string before = File.ReadAllText(Path.Combine(dir, "crlnumber"));
            var ledger = new NumberingLedger(Path.Combine(dir, "index.txt")) { Next = 41 };
            var ca = CaDirectory.Open(dir, new CaEnvironment { Ledger = ledger });
            Assert.Equal("41", ca.NewCrl().CrlNumber);
            Assert.Equal("42", ca.NewCrl().CrlNumber);
            Assert.Equal(before, File.ReadAllText(Path.Combine(dir, "crlnumber")));
        }

        /// <summary>index.txt with a CRL counter of its own, as a database ledger keeps one.</summary>
        private sealed class NumberingLedger : ICaLedger, ICrlNumberSource
        {
            private readonly OpenSslIndexLedger _index;

            public NumberingLedger(string path) => _index = new OpenSslIndexLedger(path);

            public long Next { get; set; } = 1;

            public long NextCrlNumber() => Next++;

            public long RaiseCrlNumber(long lastIssued) => Next = Math.Max(Next, lastIssued + 1);

            public void Append(IReadOnlyList<LedgerEntry> entries) => _index.Append(entries);

            public IReadOnlyList<LedgerOutcome> Revoke(IReadOnlyList<LedgerRevocation> revocations) => _index.Revoke(revocations);

            public IReadOnlyList<LedgerEntry> Entries() => _index.Entries();

            public LedgerEntry? Find(string serialNumber) => _index.Find(serialNumber);

            public bool SerialExists(string serialNumber) => _index.SerialExists(serialNumber);

            public T WithLock<T>(Func<IReadOnlyList<LedgerEntry>, T> work) => _index.WithLock(work);

            public bool Exists => _index.Exists;

            public IReadOnlyList<string> Warnings => _index.Warnings;
        }
    }
}
