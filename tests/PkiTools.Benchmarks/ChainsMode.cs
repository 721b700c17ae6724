using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;
using PkiTools.Core.Validation;
using PkiTools.Core.X509;

namespace PkiTools.Benchmarks
{
    /// <summary>
    /// `chains [--count N] [--algorithm EcdsaP256|Rsa2048]`: 3-certificate chains (root -> intermediate -> leaf for
    /// web01.corp.example) per second through ChainValidator and through .NET's X509Chain (CustomRootTrust, no
    /// revocation, no downloads, plus MatchesHostname), single-threaded, in three situations:
    ///   fresh chains      every chain has new keys and certificates neither validator has seen (N chains each;
    ///                     ChainValidator and X509Chain get different chains, so no cache is shared)
    ///   fresh leaves      a new leaf each time under one root and intermediate that were validated before
    ///   same chain        one chain validated over and over (what ChainValidationBenchmarks measures)
    /// The certificates are public-only X509Certificate2 objects made before the clock starts, as read from files.
    /// CHAINS_GC=1 prints the time and GC pauses of each measurement.
    /// </summary>
    internal static class ChainsMode
    {
        private sealed class Chain
        {
            public Chain(X509Certificate2 root, X509Certificate2 intermediate, X509Certificate2 leaf)
            {
                Root = root;
                Intermediate = intermediate;
                Leaf = leaf;
            }

            public X509Certificate2 Root { get; }
            public X509Certificate2 Intermediate { get; }
            public X509Certificate2 Leaf { get; }
        }

        public static int Run(string[] args)
        {
            int count = 1000;
            KeyAlgorithm algorithm = KeyAlgorithm.EcdsaP256;
            for (int i = 0; i + 1 < args.Length; i += 2)
            {
                if (args[i] == "--count") count = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                else if (args[i] == "--algorithm") algorithm = Enum.Parse<KeyAlgorithm>(args[i + 1]);
            }
            Console.WriteLine($"3-certificate chains ({algorithm}), {count} per fresh measurement, one thread, .NET {Environment.Version}; load average before: {ModeArguments.Load()}");
            Console.Write("making chains... ");
            var stopwatch = Stopwatch.StartNew();
            List<Chain> forUs = Make(count + 1, algorithm), forThem = Make(count + 1, algorithm);
            IssuedCertificate root = Fixtures.Root(algorithm), intermediate = Fixtures.Intermediate(root, algorithm);
            List<X509Certificate2> leavesForUs = Leaves(intermediate, count + 1, algorithm), leavesForThem = Leaves(intermediate, count + 1, algorithm);
            var shared = new Chain(Fixtures.PublicOnly(root), Fixtures.PublicOnly(intermediate), leavesForUs[0]);
            var sharedThem = new Chain(Fixtures.PublicOnly(root), Fixtures.PublicOnly(intermediate), leavesForThem[0]);
            Console.WriteLine($"{stopwatch.Elapsed.TotalSeconds:0.0} s");

            // Warm-up (JIT, OpenSSL and BouncyCastle static state) on the first chain of each list, not measured.
            Check(Ours(forUs[0]), "ChainValidator");
            Check(Theirs(forThem[0]), "X509Chain");
            Check(Ours(shared), "ChainValidator");
            Check(Theirs(sharedThem), "X509Chain");

            var rows = new List<(string, double, double)>
            {
                ("fresh chains (new root, intermediate, leaf)", Rate(count, i => Ours(forUs[i + 1])), Rate(count, i => Theirs(forThem[i + 1]))),
                ("fresh leaves under validated CAs", Rate(count, i => Ours(new Chain(shared.Root, shared.Intermediate, leavesForUs[i + 1]))), Rate(count, i => Theirs(new Chain(sharedThem.Root, sharedThem.Intermediate, leavesForThem[i + 1])))),
                ("same chain again", Rate(count, _ => Ours(shared)), Rate(count, _ => Theirs(sharedThem))),
            };
            Console.WriteLine();
            Console.WriteLine($"{"situation",-46} {"ChainValidator",16} {"X509Chain",16} {"ratio",7}");
            foreach ((string name, double ours, double theirs) in rows)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-46} {ours,10:0}/s {1e6 / ours,3:0}µs {theirs,10:0}/s {1e6 / theirs,3:0}µs {ours / theirs,6:0.00}x"));
            }
            return 0;
        }

        private static List<Chain> Make(int n, KeyAlgorithm algorithm)
        {
            var chains = new List<Chain>(n);
            for (int i = 0; i < n; i++)
            {
                IssuedCertificate root = Fixtures.Root(algorithm), intermediate = Fixtures.Intermediate(root, algorithm);
                IssuedCertificate leaf = new CertificateIssuer(intermediate.Certificate)
                    .Issue(PrivateKey.Generate(algorithm), new CertificateTemplate { DnsNames = Fixtures.LeafDnsNames, ValidDays = 90 });
                chains.Add(new Chain(Fixtures.PublicOnly(root), Fixtures.PublicOnly(intermediate), Fixtures.PublicOnly(leaf)));
            }
            return chains;
        }

        private static List<X509Certificate2> Leaves(IssuedCertificate intermediate, int n, KeyAlgorithm algorithm)
        {
            var issuer = new CertificateIssuer(intermediate.Certificate);
            var leaves = new List<X509Certificate2>(n);
            for (int i = 0; i < n; i++)
            {
                leaves.Add(Fixtures.PublicOnly(issuer.Issue(PrivateKey.Generate(algorithm), new CertificateTemplate { DnsNames = Fixtures.LeafDnsNames, ValidDays = 90 })));
            }
            return leaves;
        }

        private static bool Ours(Chain c) => ChainValidator.Validate(c.Leaf, new ChainValidationOptions
        {
            TrustedRoots = new[] { c.Root },
            Intermediates = new[] { c.Intermediate },
            DnsName = Fixtures.LeafDnsName,
            Purpose = CertificatePurpose.ServerAuth,
        }).IsValid;

        private static bool Theirs(Chain c)
        {
            using var chain = new X509Chain();
            X509ChainPolicy policy = chain.ChainPolicy;
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.Add(c.Root);
            policy.ExtraStore.Add(c.Intermediate);
            policy.RevocationMode = X509RevocationMode.NoCheck;
            policy.DisableCertificateDownloads = true;
            policy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
            bool ok = chain.Build(c.Leaf) && chain.ChainElements.Count == 3 && c.Leaf.MatchesHostname(Fixtures.LeafDnsName);
            foreach (X509ChainElement element in chain.ChainElements) element.Certificate.Dispose();
            return ok;
        }

        private static void Check(bool valid, string who)
        {
            if (!valid) throw new InvalidOperationException(who + " rejected a benchmark chain.");
        }

        private static double Rate(int n, Func<int, bool> validate)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            TimeSpan pauses = GC.GetTotalPauseDuration();
            var stopwatch = Stopwatch.StartNew();
            for (int i = 0; i < n; i++) Check(validate(i), "a validator");
            stopwatch.Stop();
            if (Environment.GetEnvironmentVariable("CHAINS_GC") == "1")
            {
                Console.WriteLine($"  {stopwatch.Elapsed.TotalMilliseconds:0} ms, of which GC pauses {(GC.GetTotalPauseDuration() - pauses).TotalMilliseconds:0} ms");
            }
            return n / stopwatch.Elapsed.TotalSeconds;
        }
    }
}
