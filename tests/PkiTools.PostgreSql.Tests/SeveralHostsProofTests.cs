using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Npgsql;
using PkiTools.Core.Ca;
using PkiTools.Core.Keys;
using PkiTools.Core.Revocation;
using PkiTools.Tests;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.PostgreSql.Tests
{
    /// <summary>
    /// The proof run of issue 17: one CA whose ledger is in PostgreSQL, two copies of its folder ("host A", "host B"),
    /// 4 processes per copy issuing 250 certificates each at once (tests/PkiTools.CaStress pg-issue), a fifth process
    /// revoking, a sixth publishing CRLs from both copies; meanwhile one writer is killed with SIGKILL at a random moment
    /// and the server is stopped and restarted once. Its own server (stopped here), removed at the end even on failure.
    /// </summary>
    public sealed class SeveralHostsProofTests
    {
        private const int ProcessesPerHost = 4;
        private const int PerProcess = 250;
        private readonly ITestOutputHelper _output;

        public SeveralHostsProofTests(ITestOutputHelper output) => _output = output;

        /// <summary>Waits for a clean exit (exit code 0, all output read); fails with its stderr otherwise.</summary>
        private static void Finish(StressProcess w, int seconds)
        {
            Assert.True(w.Process.WaitForExit(seconds * 1000), $"{w.Name} did not finish within {seconds} s");
            w.Process.WaitForExit();
            Assert.True(w.Process.ExitCode == 0, $"{w.Name} exited with {w.Process.ExitCode}: {string.Join("\n", w.Errors)}");
        }

        private static string Norm(string serial) => OpenSslIndexLedger.NormalizeSerial(serial);

        [Fact]
        public void Two_hosts_times_four_processes_issue_2000_while_a_writer_is_killed_and_the_server_restarts()
        {
            using var server = new PostgresServer();
            using var tmp = new TempDir();
            string database = server.NewDatabase();
            var keywords = new NpgsqlConnectionStringBuilder(database) { Password = null };
            string hostA = tmp.File("hostA"), hostB = tmp.File("hostB"), stop = tmp.File("stop");
            CaDirectory created = CaDirectory.Create(hostA, "CN=Proof Root, O=Corp", KeyAlgorithm.EcdsaP256, 10, null, null, null, null, null, keywords.ConnectionString, server.Password);
            string caId = created.LedgerLocation!.CaId;
            CopyFolder(hostA, hostB);
            var hosts = new Dictionary<string, string> { ["A"] = hostA, ["B"] = hostB };

            var workers = new List<StressProcess>();
            StressProcess Start(string name, params string[] args)
            {
                var w = new StressProcess(name, new Dictionary<string, string> { ["PGPASSWORD"] = server.Password }, args);
                workers.Add(w);
                return w;
            }
            try
            {
                var clock = Stopwatch.StartNew();
                StressProcess revoker = Start("revoker", "pg-revoke", hostA, stop);
                StressProcess publisher = Start("publisher", "pg-crl", hostA, hostB, stop);
                var issuers = new List<(StressProcess Worker, string Host)>();
                foreach (string host in hosts.Keys)
                {
                    for (int i = 0; i < ProcessesPerHost; i++) issuers.Add((Start($"issuer {host}{i}", "pg-issue", hosts[host], PerProcess.ToString(), $"{host.ToLowerInvariant()}{i}"), host));
                }

                // One writer killed with SIGKILL once it printed a random number of serials (10 to 200), and the server
                // stopped (fast shutdown: every session ended) for 2 s and started again once 600 serials were printed
                // overall, whichever comes first.
                var random = new Random();
                int victimIndex = random.Next(issuers.Count);
                int killAt = 10 + random.Next(191);
                (StressProcess victim, string victimHost) = issuers[victimIndex];
                int victimPrinted = -1;
                bool restarted = false;
                var aliveAtOutage = new List<StressProcess>();
                var wait = Stopwatch.StartNew();
                bool started = false;
                while ((victimPrinted < 0 || !restarted) && wait.Elapsed < TimeSpan.FromMinutes(4))
                {
                    if (!started && issuers.All(x => x.Worker.Count("START") > 0))
                    {
                        started = true;
                        _output.WriteLine($"every issuer started at {clock.ElapsedMilliseconds} ms");
                    }
                    if (victimPrinted < 0 && (victim.Count("ISSUED ") >= killAt || victim.Process.HasExited))
                    {
                        Thread.Sleep(random.Next(20)); // a random moment in its next issuance
                        victim.Process.Kill(); // SIGKILL on Unix
                        victim.Process.WaitForExit();
                        victimPrinted = victim.Count("ISSUED ");
                        _output.WriteLine($"{victim.Name} killed after {victimPrinted} serials printed ({clock.ElapsedMilliseconds} ms)");
                    }
                    if (!restarted && issuers.Sum(x => x.Worker.Count("ISSUED ")) >= 600)
                    {
                        aliveAtOutage.AddRange(issuers.Select(x => x.Worker).Where(w => !w.Process.HasExited && w != victim));
                        server.Stop("fast");
                        _output.WriteLine($"server stopped at {clock.ElapsedMilliseconds} ms with {issuers.Sum(x => x.Worker.Count("ISSUED "))} serials printed");
                        Thread.Sleep(2000);
                        server.Start();
                        // This process is a host too (it created the CA): its idle pooled connections died with the server.
                        NpgsqlConnection.ClearAllPools();
                        restarted = true;
                        _output.WriteLine($"server started again at {clock.ElapsedMilliseconds} ms");
                    }
                    Thread.Sleep(5);
                }
                Assert.True(victimPrinted >= 0 && restarted, "the kill and the restart happened");
                Assert.True(victimPrinted < PerProcess, "the victim was killed before it finished");
                // The killed writer's shortfall is issued by a replacement on the same host: 2,000 serials printed in all.
                StressProcess replacement = Start($"replacement of {victim.Name}", "pg-issue", hosts[victimHost], (PerProcess - victimPrinted).ToString(), victimHost.ToLowerInvariant() + "r");
                issuers.Add((replacement, victimHost));

                foreach ((StressProcess w, _) in issuers.Where(x => x.Worker != victim)) Finish(w, 300);
                File.WriteAllText(stop, "");
                Finish(revoker, 120);
                Finish(publisher, 120);
                _output.WriteLine($"all workers done at {clock.ElapsedMilliseconds} ms");

                // The workers met the outage: LedgerUnavailable, retried until the server was back.
                foreach (StressProcess w in issuers.Select(x => x.Worker).Concat(new[] { revoker, publisher }))
                {
                    _output.WriteLine($"{w.Name}: {w.Count("ISSUED ")} issued, {w.Count("REVOKED ")} revoked, {w.Count("CRL ")} CRLs, {w.Count("RETRY ")} retries on LedgerUnavailable");
                }
                Assert.All(aliveAtOutage, w => Assert.True(w.Count("RETRY ") > 0, $"{w.Name} was issuing during the outage and retried on LedgerUnavailable"));
                Assert.All(issuers.Select(x => x.Worker).Concat(new[] { revoker, publisher }), w =>
                    Assert.All(w.After("RETRY "), m => Assert.Contains("is unavailable", m)));

                // Every serial printed is distinct, in the ledger, and has its certificate file on its host's copy.
                var env = new CaEnvironment { LedgerPassword = server.Password };
                var printed = new Dictionary<string, string>(StringComparer.Ordinal); // serial -> host
                foreach ((StressProcess w, string host) in issuers)
                {
                    foreach (string s in w.After("ISSUED ")) Assert.True(printed.TryAdd(Norm(s), host), "serial printed twice: " + s);
                }
                Assert.Equal(ProcessesPerHost * hosts.Count * PerProcess, printed.Count);
                using var ledger = new PostgreSqlLedger(database, caId);
                IReadOnlyList<LedgerEntry> rows = ledger.Entries();
                var inLedger = new HashSet<string>(rows.Select(e => e.SerialNumber), StringComparer.Ordinal);
                Assert.Equal(rows.Count, inLedger.Count);
                Assert.Equal(rows.Count, Convert.ToInt32(server.Scalar(database, $"SELECT count(*) FROM pkitools.certificates WHERE ca = '{caId}'")));
                Assert.Equal(rows.Count, Convert.ToInt32(server.Scalar(database, $"SELECT count(DISTINCT serial) FROM pkitools.certificates WHERE ca = '{caId}'")));
                Assert.All(printed.Keys, s => Assert.Contains(s, inLedger)); // never a printed serial the ledger lacks
                var copies = hosts.ToDictionary(h => h.Key, h => CaDirectory.Open(h.Value, env));
                Assert.All(printed, p => Assert.True(File.Exists(copies[p.Value].CertificatePath(p.Key)), $"certificate file of {p.Key} on host {p.Value}"));
                // A row without a printed serial: only the killed writer's one in-flight issuance (committed, killed
                // before it printed), whose CA copy was written on its host before the row.
                var unprinted = inLedger.Where(s => !printed.ContainsKey(s)).ToList();
                _output.WriteLine($"{rows.Count} rows for {printed.Count} printed serials; unprinted rows: {string.Join(", ", unprinted)}");
                Assert.True(unprinted.Count <= 1, "rows without a printed serial: " + string.Join(", ", unprinted));
                Assert.All(unprinted, s => Assert.True(File.Exists(copies[victimHost].CertificatePath(s)), $"the killed writer's in-flight {s} has its file on host {victimHost}"));
                Assert.Equal(printed.Count + unprinted.Count, rows.Count);

                // Every revocation printed is in the ledger, and in a CRL published after it: one more, made now on host B.
                var revoked = revoker.After("REVOKED ").Select(Norm).ToList();
                Assert.NotEmpty(revoked);
                Assert.Equal(revoked.Count, revoked.Distinct().Count());
                var byserial = rows.ToDictionary(e => e.SerialNumber);
                Assert.All(revoked, s => Assert.Equal(LedgerStatus.Revoked, byserial[s].Status));
                Assert.Equal(revoked.Count, rows.Count(e => e.Status == LedgerStatus.Revoked));
                CertificateRevocationList last = copies["B"].NewCrl();
                Assert.True(last.IsSignedBy(copies["A"].Certificate));
                Assert.Equal(revoked.Count, last.RevokedCount);
                var onCrl = new HashSet<string>(last.Entries.Select(e => Norm(e.SerialNumberHex)), StringComparer.Ordinal);
                Assert.All(revoked, s => Assert.Contains(s, onCrl));

                // CRL numbers strictly increase across the hosts, in the order the publisher got them, and the final one after.
                var crls = publisher.After("CRL ").Select(l => l.Split(' ')).Select(p => (Host: p[0], Number: long.Parse(p[1]))).ToList();
                Assert.Contains(crls, c => c.Host == "A");
                Assert.Contains(crls, c => c.Host == "B");
                for (int i = 1; i < crls.Count; i++) Assert.True(crls[i].Number > crls[i - 1].Number, $"CRL {crls[i].Number} after {crls[i - 1].Number}");
                Assert.True(long.Parse(last.CrlNumber!) > crls[crls.Count - 1].Number);
                Assert.Equal(crls.Last(c => c.Host == "A").Number.ToString(), copies["A"].CurrentCrl()!.CrlNumber);
                Assert.Equal(last.CrlNumber, copies["B"].CurrentCrl()!.CrlNumber);
                _output.WriteLine($"{crls.Count} CRLs published during the run (numbers {crls[0].Number}..{crls[crls.Count - 1].Number}), the final one #{last.CrlNumber} lists {last.RevokedCount}; total {clock.ElapsedMilliseconds} ms");
            }
            finally
            {
                File.WriteAllText(stop, "");
                foreach (StressProcess w in workers) w.Dispose();
            }
        }

        private static void CopyFolder(string from, string to)
        {
            Directory.CreateDirectory(to);
            foreach (string dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
            foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories)) File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }
}
