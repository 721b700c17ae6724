using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using PkiTools.Core.Tests.Validation;

namespace PkiTools.Benchmarks
{
    /// <summary>
    /// `limbo [--sequential] [--list]`: every x509-limbo case (../shared/conformance/x509-limbo/limbo.json) through
    /// ChainValidator, as LimboConformanceTests runs it (LimboSuite is the same source file), with the committed
    /// limbo-expected-failures.txt. Prints correct/wrong/skipped by namespace and by feature, accepted-bad and
    /// rejected-good, the cases that disagree with the list (--list: every non-correct case), and the total time.
    /// Exit code 0 when the run agrees with the list, 1 otherwise.
    /// </summary>
    internal static class LimboMode
    {
        public static int Run(string[] args)
        {
            bool parallel = Array.IndexOf(args, "--sequential") < 0;
            bool list = Array.IndexOf(args, "--list") >= 0;
            string path = LimboSuite.FindLimbo();
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"x509-limbo not found (looked for {path}).");
                return 1;
            }
            IReadOnlyDictionary<string, LimboExpectation> expectations = LimboSuite.ReadExpectedFailures();
            var stopwatch = Stopwatch.StartNew();
            IReadOnlyList<LimboCaseResult> results = LimboSuite.Run(path, expectations, parallel);
            stopwatch.Stop();

            Console.WriteLine($"x509-limbo: {path}");
            Console.WriteLine(LimboSuite.Table(results));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{results.Count} cases in {stopwatch.Elapsed.TotalSeconds:0.00} s ({(parallel ? $"Parallel.For over {Environment.ProcessorCount} CPUs" : "one thread")}, " +
                $"{stopwatch.Elapsed.TotalMilliseconds * 1000 / results.Count:0} µs per case, JSON parsing included); " +
                $"{expectations.Count} cases listed in {LimboSuite.ExpectedFailuresFile}."));
            if (list)
            {
                foreach (LimboCaseResult r in results.Where(r => r.Outcome != LimboOutcome.Correct))
                {
                    Console.WriteLine($"{r.Outcome,-13} {r.Id}: {r.Detail}");
                }
            }
            List<string> disagreements = LimboSuite.Disagreements(results, expectations);
            foreach (string d in disagreements) Console.WriteLine(d);
            return disagreements.Count == 0 ? 0 : 1;
        }
    }
}
