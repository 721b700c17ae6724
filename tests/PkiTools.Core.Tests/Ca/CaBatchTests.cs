using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Ca;
using PkiTools.Core.IO;
using PkiTools.Core.Revocation;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Ca
{
    /// <summary>
    /// The batch forms of the CA folder (issue 14): IssueBatch, RevokeBatch, the ledger's batch Append and Revoke, and
    /// AtomicFileWriter.WriteGroups give what one-at-a-time gives, and a bad item in a batch gets its error while the
    /// others go on. Results only, no timings.
    /// </summary>
    public class CaBatchTests
    {
        private static CertificateSigningRequest Csr(string cn, string[]? dns = null) => CaDirectoryTests.Csr(cn, dns);

        private static string[] Lines(CaDirectory ca) => File.ReadAllLines(Path.Combine(ca.Folder, "index.txt")).Where(l => l.Length > 0).ToArray();

        /// <summary>A ledger line without its serial and dates: status, file name, subject.</summary>
        private static string Shape(string line)
        {
            string[] f = line.Split('\t');
            return $"{f[0]}|{(f[2].Length == 0 ? "" : "revoked," + f[2].Split(',').ElementAtOrDefault(1))}|{f[4]}|{f[5]}";
        }

        [Fact]
        public void A_batch_records_and_writes_what_one_at_a_time_does()
        {
            using var tmp = new TempDir();
            var single = CaDirectory.Create(tmp.File("one"), "CN=Batch Root");
            var batch = CaDirectory.Create(tmp.File("many"), "CN=Batch Root");
            Directory.CreateDirectory(tmp.File("out-one"));
            Directory.CreateDirectory(tmp.File("out-many"));
            string[] names = Enumerable.Range(0, 7).Select(i => $"h{i}.example").ToArray();

            var one = names.Select(n => single.Issue(Csr(n), null, null, new IssueOutput(Path.Combine(tmp.File("out-one"), n)))).ToList();
            IReadOnlyList<IssueOutcome> many = batch.IssueBatch(names.Select(n => new IssueRequest(Csr(n), null, new IssueOutput(Path.Combine(tmp.File("out-many"), n)))).ToList());

            Assert.All(many, o => Assert.Null(o.Error));
            Assert.Equal(Lines(single).Select(Shape), Lines(batch).Select(Shape));
            // Same files by name; each certificate as its ledger line, its CA copy and its output file say.
            Assert.Equal(Directory.GetFiles(tmp.File("out-one")).Select(Path.GetFileName).OrderBy(n => n),
                Directory.GetFiles(tmp.File("out-many")).Select(Path.GetFileName).OrderBy(n => n));
            for (int i = 0; i < names.Length; i++)
            {
                X509Certificate2 mine = many[i].Certificate!.Certificate;
                Assert.Equal(one[i].Certificate.Subject, mine.Subject);
                Assert.Equal(CertificateFacts.SubjectAltNames(one[i].Certificate), CertificateFacts.SubjectAltNames(mine));
                Assert.Equal(OpenSslIndexLedger.NormalizeSerial(mine.SerialNumber), many[i].SerialNumber);
                Assert.Equal(mine.RawData, X509Certificate2.CreateFromPem(File.ReadAllText(batch.CertificatePath(mine.SerialNumber))).RawData);
                Assert.Equal(mine.RawData, X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(tmp.File("out-many"), names[i] + ".crt"))).RawData);
                Assert.Equal(mine.SerialNumber, Lines(batch)[i].Split('\t')[3]);
            }
            Assert.Empty(Directory.GetFiles(batch.CertificatesFolder, ".*.tmp"));
        }

        [Fact]
        public void A_bad_request_in_a_batch_gets_its_error_and_the_others_are_issued()
        {
            using var tmp = new TempDir();
            var ca = CaDirectory.Create(tmp.File("ca"), "CN=Batch Root", policy: new CaPolicy { PermittedDnsSuffixes = { "corp.example" } });
            Directory.CreateDirectory(tmp.File("out"));
            File.WriteAllText(tmp.File("out/taken.crt"), "already here");
            string Out(string n) => Path.Combine(tmp.File("out"), n);
            var outcomes = ca.IssueBatch(new[]
            {
                new IssueRequest(Csr("a.corp.example"), null, new IssueOutput(Out("a"))),
                new IssueRequest(Csr("evil.example"), null, new IssueOutput(Out("evil"))),           // outside the policy
                new IssueRequest(Csr("b.corp.example"), null, new IssueOutput(Out("taken"))),        // its file exists
                new IssueRequest(Csr("c.corp.example"), null, new IssueOutput(Out("c"))),
                new IssueRequest(Csr("d.corp.example"), null, new IssueOutput(Out("c"))),            // the file the one before writes
                new IssueRequest(Csr("e.corp.example")),
            });

            Assert.Equal(new PkiErrorCode?[] { null, PkiErrorCode.PolicyViolation, PkiErrorCode.FileExists, null, PkiErrorCode.FileExists, null },
                outcomes.Select(o => o.Error?.Code).ToArray());
            // Refused requests left nothing behind: no serial, no ledger line, no CA copy, no file.
            Assert.All(outcomes.Where(o => o.Error != null), o => Assert.Null(o.SerialNumber));
            Assert.Equal(new[] { "/CN=a.corp.example", "/CN=c.corp.example", "/CN=e.corp.example" }, Lines(ca).Select(l => l.Split('\t')[5]));
            Assert.Equal(3, Directory.GetFiles(ca.CertificatesFolder).Length);
            Assert.Equal("already here", File.ReadAllText(tmp.File("out/taken.crt")));
            Assert.False(File.Exists(Out("evil.crt")));
            Assert.Equal(outcomes[3].Certificate!.Der, X509Certificate2.CreateFromPem(File.ReadAllText(Out("c.crt"))).RawData);
        }

        [Fact]
        public void The_one_request_form_is_a_batch_of_one_and_throws_its_error()
        {
            using var tmp = new TempDir();
            var ca = CaDirectory.Create(tmp.File("ca"), "CN=Batch Root", policy: new CaPolicy { PermittedDnsSuffixes = { "corp.example" } });
            Assert.Equal(PkiErrorCode.PolicyViolation, Assert.Throws<PkiException>(() => ca.Issue(Csr("evil.example"))).Code);
            Assert.Equal(0, ca.IssuedCount);
            Assert.Empty(ca.IssueBatch(Array.Empty<IssueRequest>()));
            Assert.Equal(0, ca.IssuedCount);
        }

        [Fact]
        public void Bulk_revocation_gives_the_ledger_one_at_a_time_gives_with_errors_per_item()
        {
            using var tmp = new TempDir();
            var at = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
            var single = CaDirectory.Create(tmp.File("one"), "CN=Revoke Root");
            var bulk = CaDirectory.Create(tmp.File("many"), "CN=Revoke Root");
            var reasons = new[] { RevocationReason.KeyCompromise, RevocationReason.PrivilegeWithdrawn, RevocationReason.CertificateHold, RevocationReason.Superseded };
            var a = Enumerable.Range(0, 8).Select(i => single.Issue(Csr($"r{i}.example")).Certificate.SerialNumber).ToList();
            var b = bulk.IssueBatch(Enumerable.Range(0, 8).Select(i => new IssueRequest(Csr($"r{i}.example"))).ToList()).Select(o => o.SerialNumber!).ToList();

            // One at a time, through the single form; then the same as one batch of the ledger.
            var expectedErrors = new List<PkiErrorCode?>();
            var singleRequests = new List<(string Serial, RevocationReason Reason)>();
            var bulkRequests = new List<LedgerRevocation>();
            for (int i = 0; i < 8; i++)
            {
                singleRequests.Add((a[i], reasons[i % 4]));
                bulkRequests.Add(new LedgerRevocation(b[i], reasons[i % 4], at));
            }
            // Errors in the middle of the batch: an unknown serial, one already revoked (by this very batch), not hex,
            // and a hold made final after it was put on hold by the same batch.
            singleRequests.Insert(3, ("0102", RevocationReason.Superseded));
            bulkRequests.Insert(3, new LedgerRevocation("0102", RevocationReason.Superseded, at));
            singleRequests.Add((a[0], RevocationReason.Superseded));
            bulkRequests.Add(new LedgerRevocation(b[0], RevocationReason.Superseded, at));
            singleRequests.Add(("xyz", RevocationReason.Superseded));
            bulkRequests.Add(new LedgerRevocation("xyz", RevocationReason.Superseded, at));
            singleRequests.Add((a[2], RevocationReason.KeyCompromise));
            bulkRequests.Add(new LedgerRevocation(b[2], RevocationReason.KeyCompromise, at));

            foreach ((string serial, RevocationReason reason) in singleRequests)
            {
                try
                {
                    single.Revoke(serial, reason, at);
                    expectedErrors.Add(null);
                }
                catch (PkiException ex)
                {
                    expectedErrors.Add(ex.Code);
                }
            }
            byte[] before = File.ReadAllBytes(Path.Combine(bulk.Folder, "index.txt"));
            IReadOnlyList<LedgerOutcome> outcomes = bulk.UnderLock(() => bulk.Ledger.Revoke(bulkRequests));

            Assert.Equal(expectedErrors, outcomes.Select(o => o.Error?.Code).ToList());
            Assert.Equal(new PkiErrorCode?[] { PkiErrorCode.SerialNotFound, PkiErrorCode.InvalidArgument, PkiErrorCode.InvalidArgument },
                outcomes.Where(o => o.Error != null).Select(o => (PkiErrorCode?)o.Error!.Code));
            Assert.NotEqual(before, File.ReadAllBytes(Path.Combine(bulk.Folder, "index.txt")));
            Assert.Equal(Lines(single).Select(Shape), Lines(bulk).Select(Shape));
            // The reasons index.txt cannot name are kept beside it the same way; a fresh reader sees the same entries.
            Assert.Equal(File.ReadAllLines(Path.Combine(single.Folder, "index.txt.reasons")).Length, File.ReadAllLines(Path.Combine(bulk.Folder, "index.txt.reasons")).Length);
            var fresh = CaDirectory.Open(bulk.Folder);
            Assert.Equal(bulk.Entries().Select(e => (e.SerialNumber, e.Status, e.Reason)), fresh.Entries().Select(e => (e.SerialNumber, e.Status, e.Reason)));
            Assert.Equal(single.Entries().Select(e => (e.Status, e.Reason, e.Subject)), fresh.Entries().Select(e => (e.Status, e.Reason, e.Subject)));
        }

        [Fact]
        public void RevokeBatch_with_nothing_to_change_leaves_the_ledger_as_it_was()
        {
            using var tmp = new TempDir();
            var ca = CaDirectory.Create(tmp.File("ca"), "CN=Revoke Root");
            ca.Issue(Csr("x.example"));
            string index = Path.Combine(ca.Folder, "index.txt");
            DateTime stamp = File.GetLastWriteTimeUtc(index);
            byte[] before = File.ReadAllBytes(index);
            var outcomes = ca.RevokeBatch(new[] { "0A0B", "0C" });
            Assert.All(outcomes, o => Assert.Equal(PkiErrorCode.SerialNotFound, o.Error!.Code));
            Assert.Equal(before, File.ReadAllBytes(index));
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(index));
        }

        [Fact]
        public void A_batch_append_is_all_or_nothing()
        {
            using var tmp = new TempDir();
            var ledger = new OpenSslIndexLedger(tmp.File("index.txt"));
            DateTimeOffset notAfter = DateTimeOffset.UtcNow.AddDays(30);
            LedgerEntry Entry(string serial) => new LedgerEntry(LedgerStatus.Valid, notAfter, null, null, serial, "unknown", "/CN=" + serial);
            ledger.Append(new[] { Entry("0A"), Entry("0B") });
            byte[] before = File.ReadAllBytes(tmp.File("index.txt"));
            Assert.Equal(PkiErrorCode.SerialConflict, Assert.Throws<PkiException>(() => ledger.Append(new[] { Entry("0C"), Entry("0B") })).Code);
            Assert.Equal(PkiErrorCode.SerialConflict, Assert.Throws<PkiException>(() => ledger.Append(new[] { Entry("0D"), Entry("0d") })).Code);
            Assert.Equal(before, File.ReadAllBytes(tmp.File("index.txt")));
            Assert.Equal(new[] { "0A", "0B" }, new OpenSslIndexLedger(tmp.File("index.txt")).Entries().Select(e => e.SerialNumber));
        }

        [Fact]
        public void Write_groups_writes_each_group_all_or_nothing_and_leaves_no_temporary_file()
        {
            using var tmp = new TempDir();
            File.WriteAllText(tmp.File("b2"), "old");
            OutputFile F(string name, string text) => new OutputFile(tmp.File(name), System.Text.Encoding.ASCII.GetBytes(text), secret: name.EndsWith(".key"));
            var errors = AtomicFileWriter.WriteGroups(new[]
            {
                new FileGroup(new[] { F("a1", "a1"), F("a2.key", "a2") }, overwrite: false, caOwned: false),
                new FileGroup(new[] { F("b1", "b1"), F("b2", "b2") }, overwrite: false, caOwned: false),     // b2 exists
                new FileGroup(new[] { F("c1", "c1"), F("missing/c2", "c2") }, overwrite: false, caOwned: false), // no such folder
                new FileGroup(new[] { F("d1", "d1"), F("b2", "d2") }, overwrite: true, caOwned: false),
            });
            Assert.Equal(new PkiErrorCode?[] { null, PkiErrorCode.FileExists, PkiErrorCode.FileWriteFailed, null }, errors.Select(e => e?.Code).ToArray());
            Assert.Equal("a2", File.ReadAllText(tmp.File("a2.key")));
            Assert.False(File.Exists(tmp.File("b1")));
            Assert.False(File.Exists(tmp.File("c1")));
            Assert.Equal("d2", File.ReadAllText(tmp.File("b2")));
            Assert.Empty(Directory.GetFiles(tmp.Path, ".*.tmp"));
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tmp.File("a2.key")));
        }
    }
}
