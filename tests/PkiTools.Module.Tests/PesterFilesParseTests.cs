using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation.Language;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>Pester cannot run here, but the real engine's parser can at least check that tests/Pester/*.ps1 parse.</summary>
    public class PesterFilesParseTests
    {
        private static string PesterDir => Path.Combine(PwshSession.RepoRoot, "tests", "Pester");

        public static IEnumerable<object[]> Files =>
            Directory.GetFiles(Path.Combine(PwshSession.RepoRoot, "tests", "Pester"), "*.ps1").OrderBy(f => f).Select(f => new object[] { Path.GetFileName(f) });

        [Fact]
        public void The_expected_files_exist()
        {
            foreach (string name in new[] { "Common.ps1", "PkiTools.Keys.Tests.ps1", "PkiTools.SelfSigned.Tests.ps1", "PkiTools.Csr.Tests.ps1", "PkiTools.Chain.Tests.ps1", "PkiTools.KeyFiles.Tests.ps1", "PkiTools.CertFiles.Tests.ps1" })
            {
                Assert.True(File.Exists(Path.Combine(PesterDir, name)), name + " is missing");
            }
        }

        [Theory]
        [MemberData(nameof(Files))]
        public void Parses_without_errors(string name)
        {
            ScriptBlockAst ast = Parser.ParseFile(Path.Combine(PesterDir, name), out Token[] _, out ParseError[] errors);
            Assert.True(errors.Length == 0, name + ": " + string.Join("; ", errors.Select(e => $"line {e.Extent.StartLineNumber}: {e.Message}")));
            Assert.NotNull(ast);
        }

        [Theory]
        [MemberData(nameof(Files))]
        public void Test_files_load_Common_in_BeforeAll(string name)
        {
            if (!name.EndsWith(".Tests.ps1")) return;
            ScriptBlockAst ast = Parser.ParseFile(Path.Combine(PesterDir, name), out _, out _);
            // Pester 5: top-level code runs at discovery only, so the module must be imported inside BeforeAll.
            var beforeAll = ast.FindAll(a => a is CommandAst c && c.GetCommandName() == "BeforeAll", true).Cast<CommandAst>().ToList();
            Assert.Contains(beforeAll, c => c.Extent.Text.Contains("Common.ps1"));
            var topLevelCommands = ast.EndBlock.Statements.OfType<PipelineAst>()
                .SelectMany(p => p.PipelineElements.OfType<CommandAst>()).Select(c => c.GetCommandName()).ToList();
            Assert.All(topLevelCommands, n => Assert.Contains(n, new[] { "BeforeDiscovery", "BeforeAll", "Describe" }));
        }
    }
}
