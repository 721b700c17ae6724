using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>
    /// Every x509-limbo case (../shared/conformance/x509-limbo/limbo.json) must get the expected SUCCESS/FAILURE, except
    /// the cases listed in limbo-expected-failures.txt (see its header). The list may only shrink: a listed case that
    /// starts passing fails the test until its line is removed. Accepting a chain limbo expects to fail is never allowed.
    /// </summary>
    public class LimboConformanceTests
    {
        private readonly ITestOutputHelper _output;

        public LimboConformanceTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void Expected_failures_file_is_well_formed()
        {
            IReadOnlyDictionary<string, LimboExpectation> list = LimboSuite.ReadExpectedFailures();
            Assert.All(list.Values, e => Assert.False(string.IsNullOrWhiteSpace(e.Reason)));
        }

        [Fact]
        public void Limbo_cases_get_the_expected_result()
        {
            string path = LimboSuite.FindLimbo();
            Assert.True(File.Exists(path), "x509-limbo not found: the suite is read from ../shared/conformance/x509-limbo/limbo.json beside the repository.");
            IReadOnlyDictionary<string, LimboExpectation> expectations = LimboSuite.ReadExpectedFailures();
            var stopwatch = Stopwatch.StartNew();
            IReadOnlyList<LimboCaseResult> results = LimboSuite.Run(path, expectations, parallel: true);
            stopwatch.Stop();

            _output.WriteLine(LimboSuite.Table(results));
            _output.WriteLine($"{results.Count} cases in {stopwatch.Elapsed.TotalSeconds:0.0} s; {expectations.Count} listed in {LimboSuite.ExpectedFailuresFile}.");
            List<string> disagreements = LimboSuite.Disagreements(results, expectations);
            foreach (string d in disagreements) _output.WriteLine(d);

            Assert.True(results.Count > 9000, $"only {results.Count} limbo cases were read");
            Assert.Equal(0, results.Count(r => r.Outcome == LimboOutcome.AcceptedBad));
            Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
        }
    }
}
