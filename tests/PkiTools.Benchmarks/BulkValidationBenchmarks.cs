using System;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.Validation;
using PkiTools.Core.X509;

namespace PkiTools.Benchmarks
{
    /// <summary>
    /// 1,000 P-256 leaves under one root (issue 14): ChainValidator over the objects one after the other and on every
    /// CPU (Parallel.For), and Test-CertChain -Path dir/*.crt -TrustedRoot ca.crt through the real engine in-process
    /// (files read, parsed and validated on one worker per CPU, results in input order). Compare with
    /// `openssl verify -CAfile ca.crt dir/*.crt`, printed by GlobalSetup.
    /// </summary>
    [MemoryDiagnoser]
    [SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 10)]
    public class BulkValidationBenchmarks
    {
        private const int Count = 1000;
        private string _dir = null!;
        private X509Certificate2[] _leaves = null!;
        private ChainValidationOptions _options = null!;
        private Runspace _runspace = null!;

        [GlobalSetup]
        public void Setup()
        {
            IssuedCertificate root = Fixtures.Root(KeyAlgorithm.EcdsaP256, "CN=Bench Bulk Root");
            var issuer = new CertificateIssuer(root.Certificate);
            _dir = Path.Combine(Path.GetTempPath(), "pkitools-bench-bulk-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(Path.Combine(_dir, "leaves"));
            File.WriteAllText(Path.Combine(_dir, "ca.crt"), Pem.Encode("CERTIFICATE", root.Der));
            PrivateKey key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256); // one key: the per-leaf cost is the signature check, as for openssl
            _leaves = new X509Certificate2[Count];
            for (int i = 0; i < Count; i++)
            {
                IssuedCertificate leaf = issuer.Issue(key, new CertificateTemplate { DnsNames = new[] { $"host{i}.example" }, ValidDays = 90 });
                File.WriteAllText(Path.Combine(_dir, "leaves", $"leaf{i:D4}.crt"), Pem.Encode("CERTIFICATE", leaf.Der));
                _leaves[i] = Fixtures.PublicOnly(leaf);
            }
            _options = new ChainValidationOptions { TrustedRoots = new[] { Fixtures.PublicOnly(root) } };
            _runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
            _runspace.Open();
            _runspace.SessionStateProxy.Path.SetLocation(_dir);
            Invoke("Import-Module " + Fixtures.ModuleManifest);
            if (Sequential() != Count || Parallel() != Count || TestCertChainPath() != Count)
            {
                throw new InvalidOperationException("Not every benchmark leaf validated.");
            }
            Console.WriteLine($"// openssl: cd {_dir} && time openssl verify -CAfile ca.crt leaves/*.crt > /dev/null");
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            _runspace.Dispose();
            Directory.Delete(_dir, recursive: true);
        }

        [Benchmark(Baseline = true, Description = "ChainValidator, 1,000 leaves, one after the other")]
        public int Sequential()
        {
            int valid = 0;
            foreach (X509Certificate2 leaf in _leaves)
            {
                if (ChainValidator.Validate(leaf, _options).IsValid) valid++;
            }
            return valid;
        }

        [Benchmark(Description = "ChainValidator, 1,000 leaves, Parallel.For")]
        public int Parallel()
        {
            int valid = 0;
            System.Threading.Tasks.Parallel.For(0, Count, i =>
            {
                if (ChainValidator.Validate(_leaves[i], _options).IsValid) System.Threading.Interlocked.Increment(ref valid);
            });
            return valid;
        }

        [Benchmark(Description = "Test-CertChain -Path leaves/*.crt (1,000 files)")]
        public int TestCertChainPath() =>
            (int)Invoke("@(Test-CertChain -Path ./leaves/*.crt -TrustedRoot ./ca.crt | Where-Object IsValid).Count")[0].BaseObject;

        private System.Collections.ObjectModel.Collection<PSObject> Invoke(string script)
        {
            using PowerShell ps = PowerShell.Create();
            ps.Runspace = _runspace;
            var output = ps.AddScript(script).Invoke();
            if (ps.HadErrors) throw new InvalidOperationException(string.Join("; ", ps.Streams.Error));
            return output;
        }
    }
}
