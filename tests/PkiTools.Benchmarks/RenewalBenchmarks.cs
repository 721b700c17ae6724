using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using PkiTools.Core.Ca;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Benchmarks
{
    /// <summary>
    /// Issue 13's inventory through the real cmdlet: 1,000 certificate files (x.crt + x.key, mode 0600) from two CAs,
    /// 100 of them due (90-day certificates with 20 days left), renewed by one `Invoke-CertRenewal -Path -Ca` in the
    /// engine in-process (the module imported once, in GlobalSetup). Before each iteration (not timed) the folder is put
    /// back as it was, so that every iteration renews the same 100. NothingDue is the next scheduled run: the same
    /// folder with nothing due (the run reads every file, renews none).
    /// </summary>
    [MemoryDiagnoser]
    [SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5, invocationCount: 1)]
    public class RenewalBenchmarks
    {
        public const int Files = 1000, Due = 100;
        private string _root = null!;
        private Runspace _runspace = null!;

        private string Pristine => Path.Combine(_root, "pristine");

        private string Site => Path.Combine(_root, "site");

        [GlobalSetup]
        public void Setup()
        {
            _root = Path.Combine(Path.GetTempPath(), "pkitools-renewal-bench-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            var now = DateTimeOffset.UtcNow;
            // CAs made 200 days ago, so that their certificates can have started 70 days ago.
            var issuers = new[] { "one", "two" }.Select(n =>
            {
                CaDirectory ca = CaDirectory.Create(Path.Combine(_root, "ca-" + n), "CN=Renewal Bench CA " + n, now: now.AddDays(-200));
                return new CertificateIssuer(ca.Certificate, PrivateKey.Import(File.ReadAllBytes(ca.KeyPath)));
            }).ToArray();
            Directory.CreateDirectory(Pristine);
            PrivateKey key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            string keyPem = key.ExportPem();
            for (int i = 0; i < Files; i++)
            {
                string name = $"host{i:D4}.example";
                DateTimeOffset start = now.AddDays(i % (Files / Due) == 3 ? -70 : -10);
                IssuedCertificate issued = issuers[i % 2].Issue(key, new CertificateTemplate { Subject = "CN=" + name, DnsNames = new[] { name }, NotBefore = start, NotAfter = start.AddDays(90) });
                File.WriteAllText(Path.Combine(Pristine, name + ".crt"), issued.Pem);
                File.WriteAllText(Path.Combine(Pristine, name + ".key"), keyPem);
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path.Combine(Pristine, name + ".key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            _runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
            _runspace.Open();
            Run($"Import-Module '{Fixtures.ModuleManifest}' -ErrorAction Stop");
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _runspace.Dispose();
            Directory.Delete(_root, true);
        }

        /// <summary>The site folder as it was made: nothing renewed, no backups, no lock file.</summary>
        [IterationSetup(Target = nameof(RenewTheDueHundred))]
        public void Restore()
        {
            if (Directory.Exists(Site)) Directory.Delete(Site, true);
            Directory.CreateDirectory(Site);
            foreach (string file in Directory.GetFiles(Pristine))
            {
                string target = Path.Combine(Site, Path.GetFileName(file));
                File.Copy(file, target);
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(target, File.GetUnixFileMode(file));
            }
        }

        /// <summary>The second run finds a folder whose due hundred are renewed already.</summary>
        [GlobalSetup(Target = nameof(NothingDue))]
        public void SetupNothingDue()
        {
            Setup();
            Restore();
            RenewTheDueHundred();
        }

        [Benchmark(Description = "Invoke-CertRenewal: 1,000 files from two CAs, 100 due")]
        public int RenewTheDueHundred() => Renew(Due);

        [Benchmark(Description = "Invoke-CertRenewal: the next run, 1,000 files, none due")]
        public int NothingDue() => Renew(0);

        private int Renew(int expected)
        {
            var results = Run($"Invoke-CertRenewal -Path '{Site}' -Ca '{Path.Combine(_root, "ca-one")}', '{Path.Combine(_root, "ca-two")}' -Confirm:$false");
            int renewed = results.Count(r => r.Properties["Action"].Value.ToString() == "Renewed");
            if (results.Count != Files || renewed != expected) throw new InvalidOperationException($"{results.Count} results, {renewed} renewed; want {Files} and {expected}");
            return renewed;
        }

        private System.Collections.ObjectModel.Collection<PSObject> Run(string script)
        {
            using PowerShell ps = PowerShell.Create();
            ps.Runspace = _runspace;
            var output = ps.AddScript(script).Invoke();
            if (ps.HadErrors) throw new InvalidOperationException(string.Join("; ", ps.Streams.Error));
            return output;
        }
    }
}
