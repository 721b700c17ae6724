using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using PkiTools.Core.Ca;
using PkiTools.Tests;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.Core.Tests.Ca
{
    /// <summary>Real processes (tests/PkiTools.CaStress) issuing from one CA directory at once, and killed with SIGKILL mid-run.</summary>
    public class CaProcessTests
    {
        private static readonly Regex IndexLine = new Regex(@"^[VRE]\t(\d{12}|\d{14})Z\t(\d{12}Z(,[A-Za-z]+)?)?\t([0-9A-F]{2})+\tunknown\t/.*$");
        private readonly ITestOutputHelper _output;

        public CaProcessTests(ITestOutputHelper output) => _output = output;

        private static void AssertLedgerSound(string dir, IEnumerable<string> handedOut)
        {
            string text = File.ReadAllText(Path.Combine(dir, "index.txt"));
            Assert.True(text.Length == 0 || text.EndsWith("\n"), "the ledger ends with a complete line");
            string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.All(lines, l => Assert.Matches(IndexLine, l));
            var ca = CaDirectory.Open(dir);
            Assert.Empty(ca.Ledger.Warnings);
            var serials = new HashSet<string>(ca.Entries().Select(e => e.SerialNumber));
            Assert.Equal(lines.Length, serials.Count);
            Assert.All(serials, s => Assert.True(File.Exists(ca.CertificatePath(s)), "certificate file of " + s));
            Assert.All(handedOut, s => Assert.Contains(s, serials));
        }

        [Fact]
        public void Four_processes_issue_fifty_each_from_one_directory()
        {
            using var tmp = new TempDir();
            string dir = CaDirectory.Create(tmp.File("ca"), "CN=Root").Folder;
            var clock = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, 4).Select(i => new StressProcess("issue", dir, "50", "p" + i)).ToList();
            try
            {
                foreach (StressProcess w in workers)
                {
                    Assert.True(w.Process.WaitForExit(120_000), "worker timed out");
                    w.Process.WaitForExit();
                    Assert.True(w.Process.ExitCode == 0, string.Join("\n", w.Errors));
                }
                _output.WriteLine($"4 processes x 50 issuances: {clock.ElapsedMilliseconds} ms (including process start)");
                var handedOut = workers.SelectMany(w => w.Lines.Where(l => l.StartsWith("ISSUED ")).Select(l => l.Substring(7))).ToList();
                Assert.Equal(200, handedOut.Distinct().Count());
                AssertLedgerSound(dir, handedOut);
                Assert.Equal(200, CaDirectory.Open(dir).Entries().Count);
                Assert.Equal(200, Directory.GetFiles(Path.Combine(dir, "certs"), "*.pem").Length);
                OpenSsl.Ok("ca", "-config", Path.Combine(dir, "openssl.cnf"), "-gencrl", "-batch", "-out", Path.Combine(dir, "crl", "ca.crl"));
            }
            finally
            {
                foreach (StressProcess w in workers) w.Dispose();
            }
        }

        [Theory]
        [InlineData("one")]
        [InlineData("batch")]
        public void A_process_killed_mid_issuance_or_revocation_leaves_a_sound_ledger(string form)
        {
            using var tmp = new TempDir();
            string dir = CaDirectory.Create(tmp.File("ca"), "CN=Root").Folder;
            var handedOut = new List<string>();
            var random = new Random(7);
            // One at a time (Issue, Revoke) or in batches (IssueBatch, RevokeBatch: a batch is handed out after its commit).
            string[] Issue(string count, string tag) => form == "one" ? new[] { "issue", dir, count, tag } : new[] { "issue-batch", dir, count, tag, "16" };
            for (int round = 0; round < 4; round++)
            {
                // Two issuers at once; one is killed with SIGKILL at a random moment after it issued a few.
                using var victim = new StressProcess(Issue("100000", "k" + round));
                using var other = new StressProcess(Issue("40", "o" + round));
                int target = 3 + random.Next(form == "one" ? 10 : 40);
                var wait = Stopwatch.StartNew();
                while (victim.Count("ISSUED ") < target && wait.Elapsed < TimeSpan.FromSeconds(60) && !victim.Process.HasExited) Thread.Sleep(2);
                Thread.Sleep(random.Next(5));
                victim.Process.Kill(); // SIGKILL on Unix
                victim.Process.WaitForExit();
                Assert.True(other.Process.WaitForExit(60_000));
                other.Process.WaitForExit();
                Assert.True(other.Process.ExitCode == 0, string.Join("\n", other.Errors));
                handedOut.AddRange(victim.Lines.Concat(other.Lines).Where(l => l.StartsWith("ISSUED ")).Select(l => l.Substring(7)));
                AssertLedgerSound(dir, handedOut);
            }

            // A revoker killed mid-run: every line still whole, what it reported revoked is revoked.
            using (var revoker = form == "one" ? new StressProcess("revoke", dir) : new StressProcess("revoke-batch", dir, "8"))
            {
                var wait = Stopwatch.StartNew();
                while (revoker.Count("REVOKED ") < 5 && wait.Elapsed < TimeSpan.FromSeconds(60) && !revoker.Process.HasExited) Thread.Sleep(1);
                revoker.Process.Kill();
                revoker.Process.WaitForExit();
                AssertLedgerSound(dir, handedOut);
                var entries = CaDirectory.Open(dir).Entries().ToDictionary(e => e.SerialNumber);
                foreach (string s in revoker.Lines.Where(l => l.StartsWith("REVOKED ")).Select(l => l.Substring(8)))
                {
                    Assert.Equal(LedgerStatus.Revoked, entries[s].Status);
                }
                _output.WriteLine($"{entries.Count} entries after 4 killed issuers; {entries.Values.Count(e => e.Status == LedgerStatus.Revoked)} revoked before the revoker was killed");
            }
            OpenSsl.Ok("ca", "-config", Path.Combine(dir, "openssl.cnf"), "-gencrl", "-batch", "-out", Path.Combine(dir, "crl", "ca.crl"));
        }
    }
}
