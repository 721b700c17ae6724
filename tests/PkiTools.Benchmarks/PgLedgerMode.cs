using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Npgsql;
using PkiTools.Core.Ca;
using PkiTools.Core.Keys;
using PkiTools.PostgreSql;
using PkiTools.PostgreSql.Tests;
using PkiTools.Tests;

namespace PkiTools.Benchmarks
{
    /// <summary>
    /// `-- pgledger [--processes 4] [--count 1000] [--batch 100] [--warmup 100] [--rows 1000000] [--runs 5] [--skip-issue] [--skip-expiry]`:
    /// issue 17's scale figures against a PostgreSQL 15 this mode starts itself (the tests' PostgresServer, linked):
    /// (a) issuance throughput: --processes processes of tests/PkiTools.CaStress (pg-issue) issue --count EC P-256
    ///     certificates each from one CA folder whose ledger is in PostgreSQL, in CaDirectory.IssueBatch calls of --batch
    ///     (what a pipeline into Invoke-CaSign -Ca does) and, for comparison, one Issue call per certificate (batch 1);
    ///     the requests are made and --warmup certificates issued by each process before a common start; certificates
    ///     per second in total, from the start to the last process's exit;
    /// (b) Get-IssuedCert -ExpiringWithinDays 30's core (CaDirectory.Entries with ExpiringWithinDays = 30, answered by
    ///     the ledger's (ca, not_after) index through ILedgerExpiryQuery) on a --rows-row ledger filled by INSERT ...
    ///     SELECT generate_series (not_after spread over ten years, a tenth revoked): median of --runs, and the EXPLAIN.
    /// Prints the load average with each figure (the machine is shared).
    /// </summary>
    public static class PgLedgerMode
    {
        public static int Run(string[] args)
        {
            int processes = ModeArguments.Option(args, "--processes", 4);
            int count = ModeArguments.Option(args, "--count", 1000);
            int batch = ModeArguments.Option(args, "--batch", 100);
            int warmup = ModeArguments.Option(args, "--warmup", 100);
            int rows = ModeArguments.Option(args, "--rows", 1_000_000);
            int runs = ModeArguments.Option(args, "--runs", 5);
            Console.WriteLine($"pgledger on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load {ModeArguments.Load()}");
            using var server = new PostgresServer();
            string root = Path.Combine(Path.GetTempPath(), "pkitools-pgledger-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(root);
            try
            {
                if (!args.Contains("--skip-issue"))
                {
                    foreach (int size in new[] { batch, 1 }.Distinct())
                    {
                        Issue(server, root, processes, size == 1 ? Math.Min(count, 250) : count, size, warmup, postgreSql: true);
                    }
                    // The same work on the CA folder's own index.txt, measured in the same minutes (the machine is shared).
                    Issue(server, root, processes, count, batch, warmup, postgreSql: false);
                }
                if (!args.Contains("--skip-expiry")) Expiry(server, root, rows, runs);
            }
            finally
            {
                try
                {
                    Directory.Delete(root, true);
                }
                catch (IOException)
                {
                }
            }
            return 0;
        }

        private static void Issue(PostgresServer server, string root, int processes, int count, int batch, int warmup, bool postgreSql)
        {
            string database = server.NewDatabase();
            string keywords = new NpgsqlConnectionStringBuilder(database) { Password = null }.ConnectionString;
            string name = (postgreSql ? "pg-" : "index-") + batch;
            string folder = Path.Combine(root, "ca-" + name);
            CaDirectory.Create(folder, "CN=Bench CA", KeyAlgorithm.EcdsaP256, 10, null, null, null, null, null, postgreSql ? keywords : null, postgreSql ? server.Password : null);
            string go = Path.Combine(root, "go-" + name);
            var workers = new List<StressProcess>();
            try
            {
                for (int p = 0; p < processes; p++)
                {
                    workers.Add(new StressProcess("p" + p, new Dictionary<string, string>
                    {
                        ["PGPASSWORD"] = server.Password,
                        ["PKITOOLS_STRESS_GO"] = go,
                        ["PKITOOLS_STRESS_WARMUP"] = warmup.ToString(CultureInfo.InvariantCulture),
                    }, "pg-issue", folder, count.ToString(CultureInfo.InvariantCulture), "p" + p, batch.ToString(CultureInfo.InvariantCulture)));
                }
                while (!workers.All(w => w.Lines.Contains("START")))
                {
                    if (workers.Any(w => w.Process.HasExited)) throw new InvalidOperationException("a worker ended before START: " + string.Join("\n", workers.SelectMany(w => w.Errors)));
                    Thread.Sleep(10);
                }
                string load = ModeArguments.Load();
                var clock = Stopwatch.StartNew();
                File.WriteAllText(go, "");
                foreach (var w in workers) w.Process.WaitForExit();
                clock.Stop();
                foreach (var w in workers)
                {
                    if (w.Process.ExitCode != 0) throw new InvalidOperationException("a worker failed: " + string.Join("\n", w.Errors));
                }
                int issued = workers.Sum(w => w.Count("ISSUED "));
                long rowsThere = postgreSql
                    ? Convert.ToInt64(server.Scalar(database, "SELECT count(*) FROM pkitools.certificates"))
                    : File.ReadAllLines(Path.Combine(folder, "index.txt")).Length;
                Console.WriteLine($"issue ({(postgreSql ? "PostgreSQL ledger" : "index.txt, for comparison")}): {processes} processes x {count:N0} certificates, {(batch == 1 ? "one Issue call each" : $"IssueBatch of {batch}")}: " +
                    $"{issued:N0} in {clock.Elapsed.TotalSeconds:F2} s = {issued / clock.Elapsed.TotalSeconds:N0}/s in total " +
                    $"(ledger rows {rowsThere:N0} with the warm-up's {processes * warmup:N0}), load {load} before, {ModeArguments.Load()} after");
            }
            finally
            {
                foreach (StressProcess w in workers) w.Dispose();
            }
        }

        private static void Expiry(PostgresServer server, string root, int rows, int runs)
        {
            string database = server.NewDatabase();
            string keywords = new NpgsqlConnectionStringBuilder(database) { Password = null }.ConnectionString;
            CaDirectory created = CaDirectory.Create(Path.Combine(root, "ca-expiry"), "CN=Bench Expiry CA", KeyAlgorithm.EcdsaP256, 10, null, null, null, null, null, keywords, server.Password);
            string caId = created.LedgerLocation!.CaId;
            var clock = Stopwatch.StartNew();
            // Serial i as 16 hex digits; not_after spread over ten years from now (a 30-day window holds ~0.8 %); every tenth revoked.
            Sql(database,
                "INSERT INTO pkitools.certificates (ca, serial, status, not_after, revoked_at, reason, subject, file_name) " +
                $"SELECT '{caId}', upper(lpad(to_hex(i), 16, '0')), CASE WHEN i % 10 = 0 THEN 'R' ELSE 'V' END, " +
                "now() + (i % 3650) * interval '1 day' + (i % 86400) * interval '1 second', CASE WHEN i % 10 = 0 THEN now() - interval '1 day' END, " +
                "CASE WHEN i % 10 = 0 THEN 1 END, '/O=Corp/CN=host' || i || '.corp.example', 'unknown' " +
                $"FROM generate_series(1, {rows}) AS i; ANALYZE pkitools.certificates");
            Console.WriteLine($"expiry: {rows:N0} rows inserted and analysed in {clock.Elapsed.TotalSeconds:F1} s");
            var ca = CaDirectory.Open(created.Folder, new CaEnvironment { LedgerPassword = server.Password });
            var query = new LedgerQuery { ExpiringWithinDays = 30 };
            int found = ca.Entries(query).Count; // warm-up: the connection, the schema check, the JIT
            var times = new List<double>();
            for (int run = 0; run < runs; run++)
            {
                clock.Restart();
                found = ca.Entries(query).Count;
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            Console.WriteLine($"expiry: CaDirectory.Entries(ExpiringWithinDays = 30) on {rows:N0} rows: {found:N0} found, median {times[times.Count / 2]:F1} ms " +
                $"(runs: {string.Join(", ", times.Select(t => t.ToString("F1", CultureInfo.InvariantCulture)))} ms), load {ModeArguments.Load()}");
            using (var connection = new NpgsqlConnection(database))
            {
                connection.Open();
                using var explain = new NpgsqlCommand("EXPLAIN " + PostgreSqlLedger.ExpiringQuery, connection);
                explain.Parameters.Add(new NpgsqlParameter { Value = caId });
                explain.Parameters.Add(new NpgsqlParameter { Value = DateTime.UtcNow });
                explain.Parameters.Add(new NpgsqlParameter { Value = DateTime.UtcNow.AddDays(30) });
                using NpgsqlDataReader reader = explain.ExecuteReader();
                while (reader.Read()) Console.WriteLine("  plan: " + reader.GetString(0));
            }
            clock.Restart();
            int all = ca.Entries().Count;
            Console.WriteLine($"expiry: for comparison, reading every entry (CaDirectory.Entries()): {all:N0} in {clock.Elapsed.TotalSeconds:F2} s");
        }

        private static void Sql(string connectionString, string sql)
        {
            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
            using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            command.ExecuteNonQuery();
        }
    }
}
