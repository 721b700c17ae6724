using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>
    /// The MAML help (module/en-US/PkiTools.dll-Help.xml, copied to the module base's en-US at build) as the real engine's Get-Help reads it:
    /// every cmdlet the manifest exports has a synopsis, a description, examples and a description for every parameter.
    /// </summary>
    public class HelpTests
    {
        /// <summary>
        /// The cmdlets the manifest exports (CmdletsToExport of ./PkiTools.psd1), so the help of every cmdlet is checked as
        /// soon as it is exported. The manifest is parsed, not run: Test-ModuleManifest and Import-PowerShellDataFile are
        /// not in the bare engine, and SafeGetValue evaluates constant data only, as Import-PowerShellDataFile does.
        /// </summary>
        private static readonly string[] Names = ManifestCmdlets();

        private static string[] ManifestCmdlets()
        {
            ScriptBlockAst ast = Parser.ParseFile(PwshSession.ManifestPath, out _, out ParseError[] errors);
            if (errors.Length > 0) throw new InvalidOperationException("PkiTools.psd1 does not parse: " + string.Join("; ", errors.Select(e => e.Message)));
            var data = (HashtableAst?)ast.Find(a => a is HashtableAst, false) ?? throw new InvalidOperationException("PkiTools.psd1 holds no hashtable.");
            var manifest = (System.Collections.Hashtable)data.SafeGetValue();
            object? value = manifest.Cast<System.Collections.DictionaryEntry>()
                .FirstOrDefault(e => string.Equals((string)e.Key, "CmdletsToExport", StringComparison.OrdinalIgnoreCase)).Value;
            string[] names = value switch
            {
                string one => new[] { one },
                object[] many => many.Select(o => (string)o).ToArray(),
                _ => throw new InvalidOperationException("PkiTools.psd1 has no CmdletsToExport list."),
            };
            if (names.Length == 0 || names.Any(n => n.IndexOfAny(new[] { '*', '?' }) >= 0))
            {
                throw new InvalidOperationException("CmdletsToExport must list the cmdlets by name: " + string.Join(", ", names));
            }
            return names;
        }

        public static IEnumerable<object[]> Cmdlets => Names.Select(n => new object[] { n });

        [Fact]
        public void Help_file_is_in_the_module_base()
        {
            Assert.True(File.Exists(Path.Combine(PwshSession.RepoRoot, "en-US", "PkiTools.dll-Help.xml")),
                "en-US/PkiTools.dll-Help.xml is missing: build src/PkiTools.");
        }

        [Fact]
        public void Every_exported_cmdlet_is_covered()
        {
            using var s = new PwshSession();
            var exported = s.Run("Get-Command -Module PkiTools -CommandType Cmdlet | ForEach-Object { $_.Name }").ThrowOnError()
                .Output.Select(o => (string)o.BaseObject).OrderBy(n => n, StringComparer.Ordinal);
            var covered = Names.OrderBy(n => n, StringComparer.Ordinal);
            Assert.Equal(covered, exported);
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Help_has_synopsis_description_and_examples(string name)
        {
            using var s = new PwshSession();
            var r = s.Run(@"
                $h = Get-Help $name -Full
                [string]$h.Synopsis
                [string](($h.description | ForEach-Object { $_.Text }) -join ' ')
                [string]@($h.examples.example).Count
                [string]((@($h.examples.example) | ForEach-Object { $_.code }) -join [char]10)
                [string]$h.GetType().FullName
                [string](($h.alertSet.alert | ForEach-Object { $_.Text }) -join ' ')
                [string]@($h.returnValues.returnValue).Count
                [string]@($h.relatedLinks.navigationLink).Count
                [string]@($h.syntax.syntaxItem).Count
                [string]@((Get-Command $name).ParameterSets).Count
            ", new Dictionary<string, object?> { ["name"] = name }).ThrowOnError();
            string[] o = r.Output.Select(x => (string)x.BaseObject).ToArray();
            Assert.Equal(10, o.Length);
            string synopsis = o[0], description = o[1], code = o[3], notes = o[5];

            Assert.False(string.IsNullOrWhiteSpace(synopsis), "empty synopsis");
            // Without a MAML file Get-Help makes up a synopsis from the syntax ("New-Csr [-DnsName ...]").
            Assert.False(synopsis.TrimStart().StartsWith(name, StringComparison.OrdinalIgnoreCase), "synopsis is generated from the syntax: the MAML file was not found. Synopsis: " + synopsis);
            Assert.False(string.IsNullOrWhiteSpace(description), "empty description");
            Assert.True(int.Parse(o[2]) >= 3, $"{name} has {o[2]} examples, want at least 3");
            Assert.Contains(name, code, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("error ids", notes, StringComparison.OrdinalIgnoreCase);
            Assert.True(int.Parse(o[6]) >= 1, "no output type documented");
            Assert.True(int.Parse(o[7]) >= 1, "no related links");
            Assert.Equal(o[9], o[8]); // one syntax block per parameter set
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Every_parameter_has_a_description(string name)
        {
            using var s = new PwshSession();
            var r = s.Run(@"
                $common = [System.Management.Automation.PSCmdlet]::CommonParameters
                (Get-Command $name).Parameters.Keys | Where-Object { $common -notcontains $_ } | ForEach-Object { 'P:' + $_ }
                (Get-Help $name -Full).parameters.parameter | ForEach-Object {
                    'H:' + $_.name + '=' + (($_.description | ForEach-Object { $_.Text }) -join ' ')
                }
            ", new Dictionary<string, object?> { ["name"] = name }).ThrowOnError();
            string[] lines = r.Output.Select(x => (string)x.BaseObject).ToArray();
            var parameters = lines.Where(l => l.StartsWith("P:", StringComparison.Ordinal)).Select(l => l.Substring(2)).ToList();
            var documented = lines.Where(l => l.StartsWith("H:", StringComparison.Ordinal)).Select(l => l.Substring(2))
                .ToDictionary(l => l.Substring(0, l.IndexOf('=')), l => l.Substring(l.IndexOf('=') + 1), StringComparer.OrdinalIgnoreCase);

            Assert.NotEmpty(parameters);
            var missing = parameters.Where(p => !documented.TryGetValue(p, out string? text) || string.IsNullOrWhiteSpace(text)).ToList();
            Assert.True(missing.Count == 0, $"{name}: parameters without help: {string.Join(", ", missing)}");
            var unknown = documented.Keys.Where(p => !parameters.Contains(p, StringComparer.OrdinalIgnoreCase)).ToList();
            Assert.True(unknown.Count == 0, $"{name}: help documents parameters the cmdlet does not have: {string.Join(", ", unknown)}");
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Should_process_cmdlets_document_WhatIf_and_Confirm(string name)
        {
            using var s = new PwshSession();
            var r = s.Run(@"
                [string](Get-Command $name).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].SupportsShouldProcess
                (Get-Help $name -Full).parameters.parameter | ForEach-Object { $_.name }
            ", new Dictionary<string, object?> { ["name"] = name }).ThrowOnError();
            string[] o = r.Output.Select(x => (string)x.BaseObject).ToArray();
            bool supports = bool.Parse(o[0]);
            var names = o.Skip(1).ToList();
            Assert.Equal(supports, names.Contains("WhatIf"));
            Assert.Equal(supports, names.Contains("Confirm"));
        }

        [Fact]
        public void Parameter_help_attributes_match_the_cmdlets()
        {
            // Required, position and pipeline input in the help must agree with the real parameter metadata.
            using var s = new PwshSession();
            var r = s.Run(@"
                foreach ($name in $names) {
                    $cmd = Get-Command $name
                    foreach ($hp in (Get-Help $name -Full).parameters.parameter) {
                        $meta = $cmd.Parameters[$hp.name]
                        $attrs = @($meta.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
                        $mandatory = @($attrs | Where-Object { $_.Mandatory }).Count -gt 0
                        $byValue = @($attrs | Where-Object { $_.ValueFromPipeline }).Count -gt 0
                        $byName = @($attrs | Where-Object { $_.ValueFromPipelineByPropertyName }).Count -gt 0
                        $positions = @($attrs | Where-Object { $_.Position -ge 0 } | ForEach-Object { [string]$_.Position })
                        $position = if ($positions.Count -gt 0) { $positions[0] } else { 'named' }
                        $helpRequired = $hp.required -eq 'true'
                        $helpByValue = ([string]$hp.pipelineInput) -match 'ByValue'
                        $helpByName = ([string]$hp.pipelineInput) -match 'ByPropertyName'
                        if ($helpRequired -ne $mandatory) { ""$name -$($hp.name): required $($hp.required), cmdlet $mandatory"" }
                        if ($helpByValue -ne $byValue) { ""$name -$($hp.name): ByValue in help $helpByValue, cmdlet $byValue"" }
                        if ($helpByName -ne $byName) { ""$name -$($hp.name): ByPropertyName in help $helpByName, cmdlet $byName"" }
                        if ([string]$hp.position -ne $position) { ""$name -$($hp.name): position $($hp.position), cmdlet $position"" }
                    }
                }
            ", new Dictionary<string, object?> { ["names"] = Names }).ThrowOnError();
            var mismatches = r.Output.Select(x => (string)x.BaseObject).ToList();
            Assert.True(mismatches.Count == 0, string.Join(Environment.NewLine, mismatches));
        }
    }
}
