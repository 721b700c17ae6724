using System;
using System.Globalization;
using System.IO;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using PkiTools.Core.Ca;
using PkiTools.Core.Keys;
using PkiTools.Core.Revocation;
using PkiTools.Core.X509;

namespace PkiTools.Benchmarks
{
    /// <summary>
    /// The CA directory at scale: one more issuance into a ledger of 100,000 entries (serial reserved and checked
    /// unique, signed, certificate file written atomically, ledger line appended under the lock), and New-Crl's work
    /// on a ledger with 100,000 revoked entries (read the ledger, sign, write PEM + DER, advance crlnumber).
    /// Compare the CRL figure with `time openssl ca -gencrl -config &lt;dir&gt;/openssl.cnf -out x.crl` on the same folder,
    /// printed in GlobalSetup.
    /// </summary>
    [MemoryDiagnoser]
    [SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 10)]
    public class CaBenchmarks
    {
        private string _root = null!;
        private CaDirectory _issuing = null!;
        private CaDirectory _revoking = null!;
        private CertificateSigningRequest _csr = null!;

        [GlobalSetup]
        public void Setup()
        {
            _root = Path.Combine(Path.GetTempPath(), "pkitools-bench-ca-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            _issuing = CaDirectory.Create(Path.Combine(_root, "issuing"), "CN=Bench Issuing CA");
            _revoking = CaDirectory.Create(Path.Combine(_root, "revoking"), "CN=Bench Revoking CA");
            FillLedger(Path.Combine(_root, "issuing", "index.txt"), revoked: false);
            FillLedger(Path.Combine(_root, "revoking", "index.txt"), revoked: true);
            _issuing = CaDirectory.Open(_issuing.Folder);
            _revoking = CaDirectory.Open(_revoking.Folder);
            _csr = CertificateSigningRequest.Create(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), null, new[] { "bench.example" }, Array.Empty<string>());
            Console.WriteLine($"// openssl comparison: time openssl ca -gencrl -config {Path.Combine(_revoking.Folder, "openssl.cnf")} -out /tmp/x.crl");
        }

        [GlobalCleanup]
        public void Cleanup() => Directory.Delete(_root, recursive: true);

        private static void FillLedger(string index, bool revoked)
        {
            var text = new StringBuilder();
            for (int i = 0; i < 100_000; i++)
            {
                text.Append(revoked ? "R\t301231000000Z\t260101120000Z,keyCompromise\t" : "V\t301231000000Z\t\t")
                    .Append((0x10000000 + i).ToString("X8", CultureInfo.InvariantCulture)).Append("\tunknown\t/CN=host")
                    .Append(i.ToString(CultureInfo.InvariantCulture)).Append(".example\n");
            }
            File.WriteAllText(index, text.ToString());
        }

        [Benchmark(Description = "Issue into a 100,000-entry ledger")]
        public IssuedCertificate IssueIntoLargeLedger() => _issuing.Issue(_csr, new CertificateTemplate { ValidDays = 30 });

        [Benchmark(Description = "New-Crl: 100,000 revoked entries")]
        public CertificateRevocationList CrlOfLargeLedger() => _revoking.NewCrl();
    }
}
