using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Benchmarks
{
    /// <summary>
    /// `throughput [--seconds S] [--target N] [--der-only]`: issues EC P-256 leaves (fresh key each) against one CertificateIssuer for
    /// S seconds single-threaded, then with Parallel.For over Environment.ProcessorCount workers, and prints
    /// certificates/second. Then a Stopwatch breakdown of one issuance into its parts (keygen, names, build+sign+verify,
    /// X509Certificate2, key attach), measured one part at a time over the same internal calls Issue makes.
    /// --der-only: the loops use IssuedCertificate.Der and never read .Certificate (for a core that builds it lazily).
    /// Exit code 0 whether or not the target is met (it is a measurement, not a gate).
    /// </summary>
    internal static class ThroughputMode
    {
        private static readonly CertificateTemplate LeafDirect = new CertificateTemplate { DnsNames = Fixtures.LeafDnsNames, ValidDays = 90 };
        private static readonly CertificateTemplate LeafFromCsr = new CertificateTemplate { ValidDays = 90 };
        private static bool _touchCertificate = true;

        public static int Run(string[] args)
        {
            double seconds = 3;
            double target = 5000;
            _touchCertificate = Array.IndexOf(args, "--der-only") < 0;
            for (int i = 0; i + 1 < args.Length; i += 2)
            {
                if (args[i] == "--seconds") seconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture);
                else if (args[i] == "--target") target = double.Parse(args[i + 1], CultureInfo.InvariantCulture);
            }
            if (!_touchCertificate) Console.WriteLine("--der-only: the loops read IssuedCertificate.Der and never touch .Certificate.");
            int workers = Environment.ProcessorCount;
            Console.WriteLine($"PkiTools issuance throughput: EC P-256 leaf, fresh key each, {seconds:0.#} s per run, {workers} logical CPUs, " +
                $"{(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, .NET {Environment.Version}");
            Console.WriteLine("Load average before the run (other processes compete for the same cores): " + ModeArguments.Load());

            var issuer = new CertificateIssuer(Fixtures.Root(KeyAlgorithm.EcdsaP256).Certificate);
            Func<IssuedCertificate> direct = () => issuer.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), LeafDirect);
            Func<IssuedCertificate> viaCsr = () =>
            {
                PrivateKey key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
                return issuer.Sign(CertificateSigningRequest.Create(key, null, Fixtures.LeafDnsNames, Array.Empty<string>()), LeafFromCsr);
            };

            // Warm-up: JIT, OpenSSL and BouncyCastle static state.
            Measure(direct, 1, Math.Min(1, seconds / 3));
            Measure(viaCsr, 1, Math.Min(1, seconds / 3));

            var rows = new List<(string Name, double Rate)>
            {
                ("Issue (no CSR), 1 thread", Measure(direct, 1, seconds)),
                ($"Issue (no CSR), Parallel.For x{workers}, one issuer", Measure(direct, workers, seconds)),
                ("key + CSR + Sign, 1 thread", Measure(viaCsr, 1, seconds)),
                ($"key + CSR + Sign, Parallel.For x{workers}, one issuer", Measure(viaCsr, workers, seconds)),
            };
            // Diagnostic: one issuer per worker (same root certificate and key) shows what sharing one issuer costs.
            var perWorker = new ThreadLocal<CertificateIssuer>(() => new CertificateIssuer(issuer.Certificate));
            rows.Add(($"Issue (no CSR), Parallel.For x{workers}, issuer per worker", Measure(() => perWorker.Value!.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), LeafDirect), workers, seconds)));

            Console.WriteLine();
            Console.WriteLine($"| {"mode",-58} | {"certs/s",9} |");
            Console.WriteLine($"|{new string('-', 60)}|{new string('-', 11)}|");
            foreach (var row in rows) Console.WriteLine($"| {row.Name,-58} | {row.Rate,9:N0} |");
            double best = rows[1].Rate;
            Console.WriteLine();
            Console.WriteLine(best >= target
                ? $"Target met: {best:N0} certificates/s in parallel >= {target:N0}/s."
                : $"Target NOT met: {best:N0} certificates/s in parallel < {target:N0}/s ({best / target:P0} of target). Breakdown follows.");

            Breakdown(issuer);
            return 0;
        }

        /// <summary>Certificates per second over <paramref name="seconds"/>, with <paramref name="workers"/> Parallel.For workers.</summary>
        private static double Measure(Func<IssuedCertificate?> issue, int workers, double seconds)
        {
            long total = 0;
            var stopwatch = Stopwatch.StartNew();
            long deadline = (long)(seconds * Stopwatch.Frequency);
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, _ =>
            {
                long count = 0;
                while (stopwatch.ElapsedTicks < deadline)
                {
                    IssuedCertificate? issued = issue();
                    if (issued != null)
                    {
                        if (issued.Der.Length == 0) throw new InvalidOperationException();
                        if (_touchCertificate) issued.Certificate.Dispose();
                    }
                    count++;
                }
                Interlocked.Add(ref total, count);
            });
            return total / stopwatch.Elapsed.TotalSeconds;
        }

        /// <summary>Microseconds and bytes per call of each part of CertificateIssuer.Issue, one part at a time, single-threaded.</summary>
        private static void Breakdown(CertificateIssuer issuer)
        {
            const int n = 3000;
            PrivateKey issuerKey = PlatformKeys.Find(issuer.Certificate)!;
            ParsedCertificate parsed = ParsedCertificate.Parse(issuer.Certificate.RawData);
            var signer = new KeySigner(issuerKey, null);
            var side = new CertificateBuilder.IssuerSide(parsed.Tbs.Subject, parsed.SubjectKeyId!, signer, parsed.PublicKey!, parsed.NotBefore, parsed.NotAfter, parsed.PathLength);
            SignatureAlgorithm algorithm = issuerKey.DefaultSignatureAlgorithm();
            AlgorithmIdentifier algorithmId = AlgorithmIdentifier.GetInstance(signer.SignatureAlgorithm);

            PrivateKey subjectKey = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            CertificateBuilder.ResolvedNames names = CertificateBuilder.ResolveNames(LeafDirect);
            byte[] der = BuildOnce(side, subjectKey, names);
            byte[] tbs = ParsedCertificate.Parse(der).TbsDer;
            byte[] signature = signer.Sign(tbs);

            var parts = new List<(string Name, double Micros, double Bytes)>
            {
                Time("keygen: ECDsa.Create(nistP256) only", n, () => ECDsa.Create(ECCurve.NamedCurves.nistP256).Dispose()),
                Time("keygen: PrivateKey.Generate(EcdsaP256) (create + export Q + SPKI)", n, () => PrivateKey.Generate(KeyAlgorithm.EcdsaP256)),
                Time("names: CertificateBuilder.ResolveNames", n, () => CertificateBuilder.ResolveNames(LeafDirect)),
                Time("CertificateBuilder.Build (extensions, TBS, sign, verify, DER)", n, () => BuildOnce(side, subjectKey, names)),
                Time("  of which sign: ECDSA P-256 SignData + P1363->DER", n, () => signer.Sign(tbs)),
                Time("  of which self-verify: PublicKeyInfo.Verify", n, () => side.PublicKey.Verify(algorithmId, tbs, signature)),
                Time("  of which sign, raw ECDsa.SignData", n, () => issuerKey.Ecdsa!.SignData(tbs, HashAlgorithmName.SHA256)),
#pragma warning disable SYSLIB0057 // the constructor CertificateIssuer.Finish uses
                Time("new X509Certificate2(der)", n, () => new X509Certificate2(der).Dispose()),
                Time("X509CertificateLoader.LoadCertificate(der) (for comparison)", n, () => X509CertificateLoader.LoadCertificate(der).Dispose()),
                Time("PlatformKeys.Attach (CopyWithPrivateKey)", n, () =>
                {
                    using var cert = new X509Certificate2(der);
                    PlatformKeys.Attach(cert, subjectKey).Dispose();
                }),
#pragma warning restore SYSLIB0057
                Time("TOTAL: PrivateKey.Generate + CertificateIssuer.Issue", n, () => TouchCertificate(issuer.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), LeafDirect))),
            };

            Console.WriteLine();
            Console.WriteLine($"Breakdown, single thread, {n} calls each (µs and allocated bytes per call):");
            Console.WriteLine($"| {"part",-68} | {"µs/call",8} | {"bytes",8} |");
            Console.WriteLine($"|{new string('-', 70)}|{new string('-', 10)}|{new string('-', 10)}|");
            foreach (var part in parts) Console.WriteLine($"| {part.Name,-68} | {part.Micros,8:0.0} | {part.Bytes,8:N0} |");
            Console.WriteLine("(Attach includes one X509Certificate2 construction; subtract that row for CopyWithPrivateKey alone.)");

            // Which parts scale across cores? Each part alone, 1 thread vs all workers, on shared objects as Issue uses them.
            int workers = Environment.ProcessorCount;
            var scaling = new List<(string Name, Action Action)>
            {
                ("PrivateKey.Generate(EcdsaP256)", () => PrivateKey.Generate(KeyAlgorithm.EcdsaP256)),
                ("sign with the shared issuer key", () => signer.Sign(tbs)),
                ("verify with the shared issuer PublicKeyInfo (pooled)", () => side.PublicKey.Verify(algorithmId, tbs, signature)),
#pragma warning disable SYSLIB0057
                ("new X509Certificate2(der)", () => new X509Certificate2(der).Dispose()),
#pragma warning restore SYSLIB0057
                ("CertificateBuilder.Build (shared issuer side)", () => BuildOnce(side, subjectKey, names)),
                ("TOTAL: PrivateKey.Generate + Issue", () => TouchCertificate(issuer.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), LeafDirect))),
            };
            Console.WriteLine();
            Console.WriteLine($"Scaling, calls/s over 1 s each (load average now {ModeArguments.Load()}):");
            Console.WriteLine($"| {"part",-54} | {"1 thread",9} | {workers + " threads",9} | {"speed-up",8} |");
            Console.WriteLine($"|{new string('-', 56)}|{new string('-', 11)}|{new string('-', 11)}|{new string('-', 10)}|");
            foreach (var (name, action) in scaling)
            {
                double one = Rate(action, 1, 1);
                double all = Rate(action, workers, 1);
                Console.WriteLine($"| {name,-54} | {one,9:N0} | {all,9:N0} | {all / one,7:0.00}x |");
            }
        }

        private static void TouchCertificate(IssuedCertificate issued)
        {
            if (_touchCertificate) issued.Certificate.Dispose();
        }

        private static double Rate(Action action, int workers, double seconds) => Measure(() => { action(); return null; }, workers, seconds);


        private static byte[] BuildOnce(CertificateBuilder.IssuerSide side, PrivateKey subjectKey, CertificateBuilder.ResolvedNames names) =>
            CertificateBuilder.Build(LeafDirect, names.Subject, names.SubjectAltNames, names.SubjectIsEmpty, subjectKey.SubjectPublicKeyInfo,
                subjectKey.KeyType, side, side.Signer, side.PublicKey, DateTimeOffset.UtcNow, new List<string>());

        private static (string, double, double) Time(string name, int n, Action action)
        {
            for (int i = 0; i < Math.Max(50, n / 10); i++) action();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long bytes = GC.GetAllocatedBytesForCurrentThread();
            var stopwatch = Stopwatch.StartNew();
            for (int i = 0; i < n; i++) action();
            stopwatch.Stop();
            bytes = GC.GetAllocatedBytesForCurrentThread() - bytes;
            return (name, stopwatch.Elapsed.TotalMilliseconds * 1000 / n, (double)bytes / n);
        }
    }
}
