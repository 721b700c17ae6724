using System;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.Renewal;
using PkiTools.Core.X509;

namespace PkiTools.Benchmarks
{
    /// <summary>
    /// Find-ExpiringCert's core over a generated tree of 10,000 certificate files (100 folders of 100: PEM .crt files
    /// with a .key beside them, .pem files without, DER .cer files; 10,000 distinct P-256 leaves): the whole recursive
    /// scan, which issue 13 wants under 5 s. The tree is written once in a temporary folder and removed afterwards.
    /// </summary>
    [MemoryDiagnoser]
    [SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
    public class InventoryBenchmarks
    {
        public const int Files = 10_000;
        private string _root = null!;

        [GlobalSetup]
        public void Setup()
        {
            _root = Path.Combine(Path.GetTempPath(), "pkitools-inventory-bench-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            IssuedCertificate root = Fixtures.Root(KeyAlgorithm.EcdsaP256);
            var issuer = new CertificateIssuer(root.Certificate);
            PrivateKey key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            string keyPem = key.ExportPem();
            var now = DateTimeOffset.UtcNow;
            for (int i = 0; i < Files; i++)
            {
                string folder = Path.Combine(_root, "site" + (i / 100).ToString("D3"));
                if (i % 100 == 0) Directory.CreateDirectory(folder);
                var leaf = issuer.Issue(key, new CertificateTemplate
                {
                    DnsNames = new[] { $"h{i}.example" },
                    NotBefore = now.AddDays(-1),
                    NotAfter = now.AddDays(1 + i % 400),
                }).Certificate;
                string stem = Path.Combine(folder, "h" + i);
                switch (i % 10)
                {
                    case 0:
                        File.WriteAllBytes(stem + ".cer", CertificateFiles.WriteDer(leaf));
                        break;
                    case 1:
                    case 2:
                        File.WriteAllBytes(stem + ".pem", CertificateFiles.WritePem(new[] { leaf }));
                        break;
                    default:
                        File.WriteAllBytes(stem + ".crt", CertificateFiles.WritePem(new[] { leaf, root.Certificate }));
                        File.WriteAllText(stem + ".key", keyPem);
                        break;
                }
            }
        }

        /// <summary>
        /// The plain mode (`-- inventory [--runs 3]`): the same tree and scan, each run's wall-clock and CPU time and the
        /// load average, because on a shared machine the wall-clock time says more about the other jobs than about the scan.
        /// </summary>
        public static int RunMode(string[] args)
        {
            int runs = args.Length == 2 && args[0] == "--runs" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3;
            var bench = new InventoryBenchmarks();
            bench.Setup();
            try
            {
                var process = System.Diagnostics.Process.GetCurrentProcess();
                for (int i = 0; i < runs; i++)
                {
                    process.Refresh();
                    TimeSpan cpu = process.TotalProcessorTime;
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    bench.Scan();
                    clock.Stop();
                    process.Refresh();
                    string load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
                    Console.WriteLine($"scan {i + 1}: {Files:N0} files, wall {clock.Elapsed.TotalSeconds:F2} s, CPU {(process.TotalProcessorTime - cpu).TotalSeconds:F2} s, load average {load} on {Environment.ProcessorCount} cores");
                }
            }
            finally
            {
                bench.Cleanup();
            }
            return 0;
        }

        [GlobalCleanup]
        public void Cleanup() => Directory.Delete(_root, true);

        [Benchmark(Description = "Find-ExpiringCert core: 10,000 certificate files, -Recurse")]
        public int Scan()
        {
            int found = CertificateInventory.ScanFiles(new[] { _root }, true, DateTime.UtcNow).Count(e => e.Item != null);
            if (found != Files) throw new InvalidOperationException($"found {found} certificates, want {Files}");
            return found;
        }
    }
}
