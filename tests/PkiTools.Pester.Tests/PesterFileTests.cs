using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Xunit;

namespace PkiTools.Pester.Tests
{
    /// <summary>
    /// Runs each tests/Pester/*.Tests.ps1 file in a fresh `dotnet pwsh` (the pinned PowerShell 7.6.10 tool) under Pester
    /// 5.9.1 from NuGet. A Pester failure fails the xunit test with every failing test's name and message; the Pester
    /// counts go to TestResults/pester/&lt;file&gt;.counts for .ci/run's closing line.
    /// </summary>
    public class PesterFileTests
    {
        private static string Metadata(string key) =>
            typeof(PesterFileTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

        public static string RepoRoot { get; } = Path.GetFullPath(Metadata("RepoRoot"));

        private static string PesterDir => Path.Combine(RepoRoot, "tests", "Pester");

        public static IEnumerable<object[]> Files =>
            Directory.GetFiles(PesterDir, "*.Tests.ps1").OrderBy(f => f, StringComparer.Ordinal).Select(f => new object[] { Path.GetFileName(f) });

        [Theory]
        [MemberData(nameof(Files))]
        public void Pester_file_passes(string file)
        {
            string manifest = Metadata("PesterManifest");
            Assert.True(File.Exists(manifest), "Pester is not restored at " + manifest + " (dotnet restore brings it)");
            string resultsDir = Path.Combine(RepoRoot, "TestResults", "pester");
            Directory.CreateDirectory(resultsDir);
            string json = Path.Combine(resultsDir, file + ".json");
            string counts = Path.Combine(resultsDir, file + ".counts");
            File.Delete(json);
            // Until the run says otherwise, the file counts as one failure (pwsh or Pester did not start).
            File.WriteAllText(counts, "0 1 0\n");

            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = RepoRoot,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string arg in new[] { "pwsh", "-NoProfile", "-NonInteractive", "-File", Path.Combine(AppContext.BaseDirectory, "run-pester.ps1"),
                "-PesterManifest", manifest, "-TestFile", Path.Combine(PesterDir, file), "-ResultFile", json })
            {
                start.ArgumentList.Add(arg);
            }
            var output = new StringBuilder();
            using (var process = new Process { StartInfo = start })
            {
                process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
                process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
                process.Start();
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                if (!process.WaitForExit((int)TimeSpan.FromMinutes(15).TotalMilliseconds))
                {
                    process.Kill(entireProcessTree: true);
                    Assert.Fail(file + ": Pester did not finish in 15 minutes\n" + output);
                }
                process.WaitForExit();
            }

            Assert.True(File.Exists(json), file + ": Pester wrote no result\n" + output);
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json));
            JsonElement root = doc.RootElement;
            int passed = root.GetProperty("Passed").GetInt32(), failed = root.GetProperty("Failed").GetInt32(), skipped = root.GetProperty("Skipped").GetInt32();
            File.WriteAllText(counts, $"{passed} {failed} {skipped}\n");
            if (failed > 0)
            {
                var message = new StringBuilder($"{file}: {failed} Pester test(s) failed, {passed} passed\n");
                if (root.TryGetProperty("Failures", out JsonElement failures) && failures.ValueKind == JsonValueKind.Array)
                {
                    foreach (JsonElement f in failures.EnumerateArray())
                    {
                        message.AppendLine("--- " + f.GetProperty("Name").GetString()).AppendLine(f.GetProperty("Message").GetString());
                    }
                }
                Assert.Fail(message.ToString());
            }
            Assert.True(passed > 0, file + ": no Pester test ran\n" + output);
        }
    }
}
