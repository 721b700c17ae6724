using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PkiTools.Core.Ca;
using PkiTools.Core.Revocation;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Ca
{
    /// <summary>ICaLedger is a real seam: the CA takes its ledger, clock and randomness as constructor arguments (CaEnvironment).</summary>
    public class CaLedgerSeamTests
    {
        private static CertificateSigningRequest Csr(string cn) => CaDirectoryTests.Csr(cn);

        // ---- the ledger seam: issuance, revocation and a CRL against an in-memory ledger, fixed clock and randomness ----

        private sealed class MemoryLedger : ICaLedger
        {
            private readonly object _gate = new object();
            private readonly List<LedgerEntry> _entries = new List<LedgerEntry>();

            public int LockedCalls { get; private set; }

            public bool Exists => true;

            public IReadOnlyList<string> Warnings => Array.Empty<string>();

            public void Append(IReadOnlyList<LedgerEntry> entries)
            {
                lock (_gate)
                {
                    if (entries.Any(e => SerialExists(e.SerialNumber))) throw new PkiException(PkiErrorCode.SerialConflict, "dup");
                    _entries.AddRange(entries);
                }
            }

            public IReadOnlyList<LedgerOutcome> Revoke(IReadOnlyList<LedgerRevocation> revocations)
            {
                lock (_gate)
                {
                    var outcomes = new List<LedgerOutcome>();
                    foreach (LedgerRevocation r in revocations)
                    {
                        int i = _entries.FindIndex(e => e.SerialNumber == OpenSslIndexLedger.NormalizeSerial(r.SerialNumber));
                        if (i < 0)
                        {
                            outcomes.Add(new LedgerOutcome(null, new PkiException(PkiErrorCode.SerialNotFound, r.SerialNumber)));
                            continue;
                        }
                        outcomes.Add(new LedgerOutcome(_entries[i] = _entries[i].Revoked(r.Reason, r.RevokedAt), null));
                    }
                    return outcomes;
                }
            }

            public IReadOnlyList<LedgerEntry> Entries()
            {
                lock (_gate) return _entries.ToArray();
            }

            public LedgerEntry? Find(string serialNumber)
            {
                lock (_gate) return _entries.FirstOrDefault(e => e.SerialNumber == OpenSslIndexLedger.NormalizeSerial(serialNumber));
            }

            public bool SerialExists(string serialNumber) => Find(serialNumber) != null;

            public T WithLock<T>(Func<IReadOnlyList<LedgerEntry>, T> work)
            {
                lock (_gate)
                {
                    LockedCalls++;
                    return work(_entries.ToArray());
                }
            }
        }

        [Fact]
        public void The_ca_runs_on_any_ledger_clock_and_random_source()
        {
            using var tmp = new TempDir();
            string dir = CaDirectory.Create(tmp.File("ca"), "CN=Seam Root").Folder;
            byte[] indexBefore = File.ReadAllBytes(Path.Combine(dir, "index.txt"));
            var ledger = new MemoryLedger();
            DateTimeOffset now = DateTimeOffset.UtcNow;
            var at = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero).AddHours(1);
            byte fill = 0x21;
            var ca = CaDirectory.Open(dir, new CaEnvironment { Ledger = ledger, Clock = () => at, FillRandom = b => { for (int i = 0; i < b.Length; i++) b[i] = fill; fill++; } });
            Assert.Same(ledger, ca.Ledger);

            IssuedCertificate first = ca.Issue(Csr("seam1.example"));
            IssuedCertificate second = ca.Issue(Csr("seam2.example"));
            Assert.Equal(string.Concat(Enumerable.Repeat("21", 16)), first.Certificate.SerialNumber);
            Assert.Equal(string.Concat(Enumerable.Repeat("22", 16)), second.Certificate.SerialNumber);
            Assert.Equal(new[] { first.Certificate.SerialNumber, second.Certificate.SerialNumber }, ledger.Entries().Select(e => e.SerialNumber));
            Assert.Equal(new[] { ca.Certificate.Thumbprint }, first.Chain.Select(c => c.Thumbprint)); // the issuer, as data

            LedgerEntry revoked = ca.Revoke(first.Certificate.SerialNumber, RevocationReason.KeyCompromise);
            Assert.Equal(at, revoked.RevokedAt);
            CertificateRevocationList crl = ca.NewCrl();
            Assert.Equal(1, crl.RevokedCount);
            Assert.NotNull(crl.Find(first.Certificate));
            Assert.Equal(at, crl.ThisUpdate);
            Assert.True(ledger.LockedCalls >= 4); // two issuances, a revocation and a CRL, each under the ledger's lock

            Assert.Equal(indexBefore, File.ReadAllBytes(Path.Combine(dir, "index.txt"))); // the index.txt ledger was never touched
            Assert.Equal(2, ca.IssuedCount);
        }
    }
}
