using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace PkiTools.Core.Tests
{
    /// <summary>
    /// The core speaks no cmdlet language: no string literal in src/PkiTools.Core names a cmdlet parameter ("-Password")
    /// or a cmdlet ("Import-Cert"). Remedies go into a PkiHint with option names, which the cmdlet layer renders.
    /// </summary>
    public class CoreLanguageTests
    {
        /// <summary>"-Password", "-PathLength": a dash not preceded by a letter, digit or dash, then a capitalised word.</summary>
        private static readonly Regex ParameterName = new Regex(@"(?<![A-Za-z0-9\-])-[A-Z][a-z]+[A-Za-z]*", RegexOptions.CultureInvariant);

        /// <summary>"Import-Cert", "New-SelfSignedCert": an approved verb PkiTools uses, a dash, a capitalised noun.</summary>
        private static readonly Regex CmdletName = new Regex(@"\b(New|Import|Export|Get|Set|Invoke|Test|Revoke|Update|Install|Remove)-[A-Z][A-Za-z]+", RegexOptions.CultureInvariant);

        [Fact]
        public void No_core_string_literal_names_a_cmdlet_parameter_or_a_cmdlet()
        {
            string core = Path.Combine(RepoRoot(), "src", "PkiTools.Core");
            var offenders = new List<string>();
            foreach (string file in Directory.EnumerateFiles(core, "*.cs", SearchOption.AllDirectories))
            {
                string relative = file.Substring(core.Length + 1).Replace('\\', '/');
                if (relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal)) continue;
                foreach ((int line, string literal) in StringLiterals(File.ReadAllText(file)))
                {
                    foreach (Match m in ParameterName.Matches(literal).Cast<Match>().Concat(CmdletName.Matches(literal).Cast<Match>()))
                    {
                        offenders.Add($"{relative}:{line}: '{m.Value}' in \"{literal}\"");
                    }
                }
            }
            Assert.True(offenders.Count == 0, "Core messages name cmdlet inputs (use a PkiHint with option names):\n" + string.Join("\n", offenders));
        }

        [Fact]
        public void The_scanner_finds_literals_and_skips_comments()
        {
            string source = "// \"-Force\" in a comment\n/* \"-Path\" */ var a = \"use -Force\"; var b = $\"{x} Import-Cert\"; var c = @\"-----BEGIN \"\"q\"\" ecdsa-with-SHA256\"; char d = '\"';";
            var literals = StringLiterals(source).Select(l => l.Literal).ToList();
            Assert.Equal(new[] { "use -Force", "{x} Import-Cert", "-----BEGIN \"\"q\"\" ecdsa-with-SHA256" }, literals);
            Assert.Single(ParameterName.Matches(literals[0]));
            Assert.Single(CmdletName.Matches(literals[1]));
            Assert.Empty(ParameterName.Matches(literals[2]));
        }

        /// <summary>The string literals of C# source (regular, verbatim, interpolated; raw literals are not used here), comments and char literals skipped.</summary>
        internal static IEnumerable<(int Line, string Literal)> StringLiterals(string source)
        {
            int i = 0, line = 1, n = source.Length;
            while (i < n)
            {
                char c = source[i];
                if (c == '\n') { line++; i++; continue; }
                if (c == '/' && i + 1 < n && source[i + 1] == '/')
                {
                    while (i < n && source[i] != '\n') i++;
                    continue;
                }
                if (c == '/' && i + 1 < n && source[i + 1] == '*')
                {
                    i += 2;
                    while (i + 1 < n && !(source[i] == '*' && source[i + 1] == '/')) { if (source[i] == '\n') line++; i++; }
                    i += 2;
                    continue;
                }
                if (c == '\'')
                {
                    i++;
                    while (i < n && source[i] != '\'') i += source[i] == '\\' ? 2 : 1;
                    i++;
                    continue;
                }
                bool verbatim = false;
                int start = i;
                while (i < n && (source[i] == '$' || source[i] == '@'))
                {
                    if (source[i] == '@') verbatim = true;
                    i++;
                }
                if (i < n && source[i] == '"')
                {
                    int startLine = line;
                    i++;
                    var sb = new StringBuilder();
                    while (i < n)
                    {
                        char d = source[i];
                        if (verbatim && d == '"' && i + 1 < n && source[i + 1] == '"') { sb.Append("\"\""); i += 2; continue; }
                        if (!verbatim && d == '\\' && i + 1 < n) { sb.Append(d).Append(source[i + 1]); i += 2; continue; }
                        if (d == '"') { i++; break; }
                        if (d == '\n') line++;
                        sb.Append(d);
                        i++;
                    }
                    yield return (startLine, sb.ToString());
                    continue;
                }
                i = start == i ? i + 1 : i;
            }
        }

        private static string RepoRoot()
        {
            string? dir = AppContext.BaseDirectory;
            while (dir != null && !File.Exists(Path.Combine(dir, "PkiTools.sln"))) dir = Path.GetDirectoryName(dir);
            return dir ?? throw new InvalidOperationException("PkiTools.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
