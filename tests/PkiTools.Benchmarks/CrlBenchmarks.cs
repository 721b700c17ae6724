using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using PkiTools.Core.Keys;
using PkiTools.Core.Revocation;
using PkiTools.Core.X509;

namespace PkiTools.Benchmarks
{
    /// <summary>
    /// CRLs of 100,000 entries (issue 14): CrlBuilder.Build (encode, sign, self-check, re-read) from RevokedEntry
    /// objects; Parse of the 4 MB DER (the entry list is checked in place, objects made only when Entries is read);
    /// Parse plus 1,000 lookups by serial (the sorted index built at the first); Parse plus reading every entry.
    /// New-Crl's whole work on a CA folder of 100,000 R lines (ledger read, sign, files written) is CaBenchmarks'
    /// "New-Crl: 100,000 revoked entries".
    /// </summary>
    [MemoryDiagnoser]
    [SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 10)]
    public class CrlBenchmarks
    {
        private const int Count = 100_000;
        private IssuedCertificate _issuer = null!;
        private RevokedEntry[] _entries = null!;
        private byte[] _der = null!;
        private byte[][] _lookups = null!;

        [GlobalSetup]
        public void Setup()
        {
            _issuer = Fixtures.Root(KeyAlgorithm.EcdsaP256, "CN=Bench CRL Root");
            _entries = new RevokedEntry[Count];
            var revokedAt = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
            for (int i = 0; i < Count; i++)
            {
                int serial = 0x10000000 + i;
                _entries[i] = new RevokedEntry(BitConverter.GetBytes(serial).Reverse(), revokedAt, RevocationReason.KeyCompromise);
            }
            _der = Build().GetEncoded();
            _lookups = new byte[1000][];
            for (int i = 0; i < _lookups.Length; i++) _lookups[i] = _entries[i * 97].SerialNumber;

            Console.WriteLine($"// {Count:N0} entries, {_der.Length:N0} bytes of DER");
        }

        [Benchmark(Description = "CrlBuilder.Build, 100,000 entries (P-256)")]
        public CertificateRevocationList Build() =>
            CrlBuilder.Build(_issuer.Certificate, _entries, 2, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(7));

        [Benchmark(Description = "Parse, 100,000 entries")]
        public int Parse() => CertificateRevocationList.Parse(_der).RevokedCount;

        [Benchmark(Description = "Parse + 1,000 Find by serial")]
        public int ParseAndFind()
        {
            CertificateRevocationList crl = CertificateRevocationList.Parse(_der);
            int found = 0;
            foreach (byte[] serial in _lookups)
            {
                if (crl.Find(serial) != null) found++;
            }
            return found;
        }

        [Benchmark(Description = "Parse + every entry as an object")]
        public int ParseAndList() => CertificateRevocationList.Parse(_der).Entries.Count;
    }

    internal static class ByteArrayExtensions
    {
        public static byte[] Reverse(this byte[] bytes)
        {
            Array.Reverse(bytes);
            return bytes;
        }
    }
}
