using System;
using System.IO;
using PkiTools.Core.Ca;
using PkiTools.Core.Revocation;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Ca
{
    public class OpenSslIndexLedgerTests
    {
        [Theory]
        [InlineData(2049, "491231235959Z")]
        [InlineData(2050, "20500101000000Z")]
        [InlineData(2027, "270615120000Z")]
        public void Times_are_UTCTime_before_2050_and_GeneralizedTime_after(int year, string expected)
        {
            var time = year == 2049 ? new DateTimeOffset(2049, 12, 31, 23, 59, 59, TimeSpan.Zero)
                : year == 2050 ? new DateTimeOffset(2050, 1, 1, 0, 0, 0, TimeSpan.Zero)
                : new DateTimeOffset(2027, 6, 15, 12, 0, 0, TimeSpan.Zero);
            Assert.Equal(expected, OpenSslIndexLedger.FormatTime(time));
            Assert.True(OpenSslIndexLedger.TryParseTime(expected, out DateTimeOffset back));
            Assert.Equal(time, back);
        }

        [Theory]
        [InlineData("V\t270101000000Z\t\t0A1B\tunknown\t/CN=a", LedgerStatus.Valid, null)]
        [InlineData("R\t270101000000Z\t260101000000Z\t0A1B\tunknown\t/CN=a", LedgerStatus.Revoked, null)]
        [InlineData("R\t270101000000Z\t260101000000Z,keyCompromise\t0A1B\tunknown\t/CN=a", LedgerStatus.Revoked, RevocationReason.KeyCompromise)]
        [InlineData("R\t270101000000Z\t260101000000Z,CACompromise\t0A1B\tunknown\t/CN=a", LedgerStatus.Revoked, RevocationReason.CaCompromise)]
        [InlineData("R\t270101000000Z\t260101000000Z,removeFromCRL\t0A1B\tunknown\t/CN=a", LedgerStatus.Revoked, RevocationReason.RemoveFromCrl)]
        [InlineData("E\t20700101000000Z\t\t0A1B\tunknown\t/O=x/CN=a b", LedgerStatus.Expired, null)]
        public void Lines_round_trip_exactly(string line, LedgerStatus status, RevocationReason? reason)
        {
            LedgerEntry entry = OpenSslIndexLedger.TryParseLine(line)!;
            Assert.Equal(status, entry.Status);
            Assert.Equal(reason, entry.Reason);
            Assert.Equal(line, OpenSslIndexLedger.FormatLine(entry));
        }

        [Theory]
        [InlineData("V\t270101000000Z\t\t0A1B\tunknown")]
        [InlineData("X\t270101000000Z\t\t0A1B\tunknown\t/CN=a")]
        [InlineData("V\t271301000000Z\t\t0A1B\tunknown\t/CN=a")]
        [InlineData("R\t270101000000Z\t\t0A1B\tunknown\t/CN=a")]
        [InlineData("R\t270101000000Z\t260101000000Z,nonsense\t0A1B\tunknown\t/CN=a")]
        [InlineData("V\t270101000000Z\t\tXYZ\tunknown\t/CN=a")]
        public void Malformed_lines_are_refused(string line) => Assert.Null(OpenSslIndexLedger.TryParseLine(line));

        [Theory]
        [InlineData("a1b", "0A1B")]
        [InlineData("00:0a:1b", "0A1B")]
        [InlineData("0", "00")]
        [InlineData("0x7F", "7F")]
        public void Serials_are_spelled_as_BN_bn2hex(string input, string expected) => Assert.Equal(expected, OpenSslIndexLedger.NormalizeSerial(input));

        [Fact]
        public void A_complete_last_line_without_newline_is_kept_and_a_held_lock_times_out()
        {
            using var tmp = new TempDir();
            string index = tmp.File("index.txt");
            File.WriteAllText(index, "V\t270101000000Z\t\t0A1B\tunknown\t/CN=a");
            var ledger = new OpenSslIndexLedger(index) { LockTimeout = TimeSpan.FromMilliseconds(200) };
            Assert.Single(ledger.Entries());
            ledger.Append(new LedgerEntry(LedgerStatus.Valid, new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), null, null, "0C", "unknown", "/CN=b"));
            Assert.Equal("V\t270101000000Z\t\t0A1B\tunknown\t/CN=a\nV\t270101000000Z\t\t0C\tunknown\t/CN=b\n", File.ReadAllText(index));
            var other = new OpenSslIndexLedger(index) { LockTimeout = TimeSpan.FromMilliseconds(200) };
            using (ledger.AcquireLock())
            {
                Assert.Equal(PkiErrorCode.LockTimeout, Assert.Throws<PkiException>(() => other.Entries()).Code);
            }
            Assert.Equal(2, other.Entries().Count);
        }

        [Theory]
        [InlineData(RevocationReason.PrivilegeWithdrawn)]
        [InlineData(RevocationReason.AaCompromise)]
        public void Reasons_openssl_cannot_name_are_unspecified_in_index_txt_and_kept_beside_it(RevocationReason reason)
        {
            using var dir = new PkiTools.Tests.TempDir();
            var ledger = new OpenSslIndexLedger(dir.File("index.txt"));
            ledger.Append(new LedgerEntry(LedgerStatus.Valid, DateTimeOffset.UtcNow.AddDays(30), null, null, "0A1B", "unknown", "/CN=x"));
            ledger.Append(new LedgerEntry(LedgerStatus.Valid, DateTimeOffset.UtcNow.AddDays(30), null, null, "0C", "unknown", "/CN=y"));
            Assert.Equal(reason, ledger.Revoke("0A1B", reason, DateTimeOffset.UtcNow).Reason);
            ledger.Revoke("0C", RevocationReason.Unspecified, DateTimeOffset.UtcNow);

            // openssl ca reads only the names it knows: the line says unspecified.
            string line = System.IO.File.ReadAllLines(dir.File("index.txt"))[0];
            Assert.Matches(@"^R\t\d+Z\t\d+Z,unspecified\t0A1B\t", line);
            Assert.Contains("0A1B " + reason, System.IO.File.ReadAllText(dir.File("index.txt.reasons")));

            // Another instance (another process) sees the true reason; a plain unspecified revocation stays unspecified.
            var reader = new OpenSslIndexLedger(dir.File("index.txt"));
            Assert.Equal(reason, reader.Find("0A1B")!.Reason);
            Assert.Equal(RevocationReason.Unspecified, reader.Find("0C")!.Reason);
        }

        [Fact]
        public void A_malformed_reasons_file_is_a_corrupt_ledger()
        {
            using var dir = new PkiTools.Tests.TempDir();
            new OpenSslIndexLedger(dir.File("index.txt"));
            System.IO.File.WriteAllText(dir.File("index.txt.reasons"), "0A1B notAReason\n");
            Assert.Equal(PkiErrorCode.LedgerCorrupt, Assert.Throws<PkiException>(() => new OpenSslIndexLedger(dir.File("index.txt"))).Code);
        }
    }
}
