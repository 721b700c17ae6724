using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>
    /// The module as packaged: the Package target of src/PkiTools lays out &lt;temp&gt;/Modules/PkiTools/&lt;version&gt;/ from the
    /// build this test project was built with (-p:NoBuild=true, so no second build; build.ps1 -Task Package runs the same target
    /// after a Release build), then a fresh `dotnet pwsh -NoProfile` (the pinned 7.6.10 tool) whose module path holds only that
    /// folder and PowerShell's own modules imports it by name and uses it as a user would.
    /// </summary>
    public sealed class PackageFixture : IDisposable
    {
        private const string Script = @"
param([string] $ModulesDir, [string] $WorkDir, [string] $ResultFile)
$ErrorActionPreference = 'Stop'
# Only the package folder and PowerShell's own modules (Get-Help, Out-String, ConvertTo-Json live there): no user or
# shared module folder, and not the repository.
$env:PSModulePath = $ModulesDir + [IO.Path]::PathSeparator + (Join-Path $PSHOME 'Modules')
Set-Location -LiteralPath $WorkDir
$r = [ordered]@{}
function Step([string] $name, [scriptblock] $body, [switch] $Array) {
    try { if ($Array) { $r[$name] = @(& $body) } else { $r[$name] = & $body } } catch { $r[$name + 'Error'] = [string]$_ + ' ' + $_.ScriptStackTrace }
}
Step 'Manifest' {
    $m = Test-ModuleManifest -Path (Join-Path $ModulesDir 'PkiTools/*/PkiTools.psd1' | Resolve-Path).ProviderPath
    @{ Name = $m.Name; Version = [string]$m.Version; LicenseUri = [string]$m.LicenseUri; ProjectUri = [string]$m.ProjectUri
       Cmdlets = @($m.ExportedCmdlets.Keys | Sort-Object) }
}
Step 'Available' -Array { Get-Module -ListAvailable PkiTools | ForEach-Object { $_.ModuleBase } }
Step 'AboutBeforeImport' { [string](Get-Help about_PkiTools) }
Step 'ModuleBase' { Import-Module PkiTools; (Get-Module PkiTools).ModuleBase }
Step 'ErrorIds' -Array { [Enum]::GetNames([PkiTools.Core.PkiErrorCode]) }
Step 'SelfSigned' {
    $cert = New-SelfSignedCert -DnsName localhost -Path ./localhost
    @{ Subject = $cert.Subject; HasPrivateKey = $cert.HasPrivateKey; Files = @(Get-ChildItem -Name | Sort-Object) }
}
Step 'Loaded' -Array {
    [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -in 'PkiTools', 'PkiTools.Core', 'BouncyCastle.Cryptography', 'PkiTools.PostgreSql', 'Npgsql' } |
        ForEach-Object { $_.GetName().Name + '=' + $_.Location } | Sort-Object
}
Step 'PostgreSqlLoads' {
    # The PostgreSQL ledger's assemblies, loaded on first use from bin/postgresql/ (found from the ReadyToRun core too).
    $provider = [PkiTools.Core.Ca.CaLedgerProviders]::PostgreSqlProvider()
    $provider.GetType().Assembly.Location
}
Step 'StaleReadyToRun' {
    # A copy of the package whose bin/PkiTools.Core.dll is newer than its ReadyToRun copy (a later build that skipped
    # ReadyToRun): a fresh pwsh must load the netstandard2.0 assemblies, not mix the old precompiled ones in.
    $copy = Join-Path $WorkDir 'stale/PkiTools'
    Copy-Item -Recurse -LiteralPath (Get-Module PkiTools).ModuleBase -Destination $copy
    (Get-Item -LiteralPath (Join-Path $copy 'bin/PkiTools.Core.dll')).LastWriteTimeUtc = [DateTime]::UtcNow.AddMinutes(10)
    $pwsh = Join-Path $PSHOME 'pwsh.dll'
    & dotnet $pwsh -NoProfile -NonInteractive -Command ""Import-Module '$copy/PkiTools.psd1'; New-SelfSignedCert -DnsName stale.test | Out-Null; ([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'PkiTools.Core' }).Location""
}
Step 'About' { [string](Get-Help about_PkiTools) }
Step 'NewCaExamples' { Get-Help New-Ca -Examples | Out-String -Width 200 }
Step 'NewCaSynopsis' { [string](Get-Help New-Ca).Synopsis }
$r | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $ResultFile -Encoding utf8
";

        public PackageFixture()
        {
            Root = Path.Combine(Path.GetTempPath(), "pkitools-package-" + Guid.NewGuid().ToString("N").Substring(0, 10));
            ModulesDir = Path.Combine(Root, "Modules");
            string work = Path.Combine(Root, "work");
            Directory.CreateDirectory(work);

            WaitForReadyToRunCopies();
            PackageLog = Run("dotnet", PwshSession.RepoRoot, null,
                "msbuild", Path.Combine(PwshSession.RepoRoot, "src", "PkiTools", "PkiTools.csproj"), "-t:Package", "-p:NoBuild=true",
                "-p:Configuration=" + Configuration, "-p:ModulePackageRoot=" + ModulesDir + Path.DirectorySeparatorChar,
                "-nologo", "-v:m", "-nodeReuse:false");
            if (PackageLog.ExitCode != 0) return;

            string script = Path.Combine(Root, "scenario.ps1"), result = Path.Combine(Root, "result.json");
            File.WriteAllText(script, Script);
            // Started from the repository so that `dotnet pwsh` finds the local tool manifest; the script moves to the work folder.
            PwshLog = Run("dotnet", PwshSession.RepoRoot, new Dictionary<string, string> { ["PSModulePath"] = ModulesDir },
                "pwsh", "-NoProfile", "-NonInteractive", "-File", script, "-ModulesDir", ModulesDir, "-WorkDir", work, "-ResultFile", result);
            if (File.Exists(result)) Result = JsonDocument.Parse(File.ReadAllText(result)).RootElement.Clone();
            WorkDir = work;
        }

        /// <summary>
        /// `dotnet test` at the root builds the test projects in parallel, and src/PkiTools' ReadyToRun step (after its
        /// build) can still be writing bin/net10.0-&lt;rid&gt;/ when this project's tests start (it did on a loaded machine:
        /// the package then held copies older than bin/PkiTools.Core.dll, which the loader rightly ignores). Waits, up to
        /// ten minutes, until the copies are as new as the assemblies in bin/ (the loader's own test); never skips the
        /// checks: copies that do not come in time fail them as before.
        /// </summary>
        private static void WaitForReadyToRunCopies()
        {
            string bin = Path.Combine(PwshSession.RepoRoot, "bin");
            string[] folders = Directory.Exists(bin) ? Directory.GetDirectories(bin, "net10.0-*") : Array.Empty<string>();
            bool Current() => folders.All(folder => new[] { "PkiTools.Core", "BouncyCastle.Cryptography" }.All(name =>
            {
                var copy = new FileInfo(Path.Combine(folder, name + ".dll"));
                var il = new FileInfo(Path.Combine(bin, name + ".dll"));
                return copy.Exists && il.LastWriteTimeUtc - copy.LastWriteTimeUtc <= TimeSpan.FromMinutes(1);
            }));
            DateTime deadline = DateTime.UtcNow.AddMinutes(10);
            while (!Current() && DateTime.UtcNow < deadline) System.Threading.Thread.Sleep(1000);
        }

        public static string Configuration =>
            typeof(PackageFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Configuration").Value!;

        public static string Version
        {
            get
            {
                string props = File.ReadAllText(Path.Combine(PwshSession.RepoRoot, "Directory.Build.props"));
                return Regex.Match(props, "<Version>([^<]+)</Version>").Groups[1].Value;
            }
        }

        public string Root { get; }

        public string ModulesDir { get; }

        public string ModuleDir => Path.Combine(ModulesDir, "PkiTools", Version);

        public string WorkDir { get; } = string.Empty;

        public (int ExitCode, string Output) PackageLog { get; }

        public (int ExitCode, string Output) PwshLog { get; }

        public JsonElement? Result { get; }

        /// <summary>The package was laid out (else the test fails with the MSBuild output).</summary>
        public void AssertPackaged() =>
            Assert.True(PackageLog.ExitCode == 0, "dotnet msbuild -t:Package failed:\n" + PackageLog.Output);

        /// <summary>A value the pwsh scenario recorded; a step that threw fails the test with its error.</summary>
        public JsonElement Step(string name)
        {
            AssertPackaged();
            Assert.True(Result.HasValue, "the pwsh scenario wrote no result:\n" + PwshLog.Output);
            JsonElement r = Result!.Value;
            if (r.TryGetProperty(name + "Error", out JsonElement error)) Assert.Fail($"step {name} failed: {error.GetString()}\n{PwshLog.Output}");
            Assert.True(r.TryGetProperty(name, out JsonElement value), $"step {name} recorded nothing\n{PwshLog.Output}");
            return value;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Root, true);
            }
            catch (IOException)
            {
            }
        }

        private static (int, string) Run(string file, string workingDirectory, IDictionary<string, string>? environment, params string[] args)
        {
            var start = new ProcessStartInfo(file)
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string a in args) start.ArgumentList.Add(a);
            if (environment != null)
            {
                foreach (var e in environment) start.Environment[e.Key] = e.Value;
            }
            var output = new StringBuilder();
            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit((int)TimeSpan.FromMinutes(5).TotalMilliseconds))
            {
                process.Kill(entireProcessTree: true);
                return (-1, file + " " + string.Join(" ", args) + ": did not finish in 5 minutes\n" + output);
            }
            process.WaitForExit();
            lock (output) return (process.ExitCode, output.ToString());
        }
    }

    public class PackageTests : IClassFixture<PackageFixture>
    {
        private static readonly string[] HelpFiles = { "PkiTools.dll-Help.xml", "about_PkiTools.help.txt" };

        private readonly PackageFixture _p;

        public PackageTests(PackageFixture fixture)
        {
            _p = fixture;
        }

        private string[] PackageFiles()
        {
            _p.AssertPackaged();
            Assert.True(Directory.Exists(_p.ModuleDir), _p.ModuleDir + " was not made:\n" + _p.PackageLog.Output);
            return Directory.GetFiles(_p.ModuleDir, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(_p.ModuleDir, f).Replace('\\', '/'))
                .OrderBy(f => f, StringComparer.Ordinal).ToArray();
        }

        [Fact]
        public void Package_is_laid_out_as_an_installable_module()
        {
            string[] files = PackageFiles();
            var expected = new[]
            {
                "LICENSE", "PkiTools.psd1", "README.md",
                "bin/BouncyCastle.Cryptography.dll", "bin/PkiTools.Core.dll", "bin/PkiTools.dll", "bin/PkiTools.Loader.dll",
                "en-US/PkiTools.dll-Help.xml", "en-US/about_PkiTools.help.txt",
                "module/PkiTools.Format.ps1xml", "module/PkiTools.Certificate.Format.ps1xml", "module/PkiTools.Types.ps1xml",
            };
            Assert.All(expected, f => Assert.Contains(f, files));
            // The PostgreSQL ledger (PowerShell 7.4+), in a folder of its own loaded on first use: PkiTools.PostgreSql and Npgsql's assemblies only.
            string[] postgreSql = files.Where(f => f.StartsWith("bin/postgresql/", StringComparison.Ordinal)).ToArray();
            Assert.Contains("bin/postgresql/PkiTools.PostgreSql.dll", postgreSql);
            Assert.Contains("bin/postgresql/Npgsql.dll", postgreSql);
            Assert.All(postgreSql, f => Assert.Matches(@"^bin/postgresql/(PkiTools\.PostgreSql|Npgsql|Microsoft\.Extensions\.[A-Za-z.]+)\.dll$", f));
            // The ReadyToRun build PowerShell 7 loads on this OS/CPU (bin/net10.0-<rid>/): PkiTools.Core and BouncyCastle only.
            string[] readyToRun = files.Where(f => f.StartsWith("bin/net10.0-", StringComparison.Ordinal)).ToArray();
            Assert.Equal(new[] { "BouncyCastle.Cryptography.dll", "PkiTools.Core.dll" }, readyToRun.Select(f => f.Substring(f.LastIndexOf('/') + 1)).ToArray());
            Assert.All(readyToRun, f => Assert.Matches(@"^bin/net10\.0-(linux|osx|win)-(x64|arm64)/[A-Za-z.]+\.dll$", f));
            // Besides those, only the assemblies the module needs at run time (the netstandard2.0 facades and the ACL
            // package Windows PowerShell 5.1 loads from bin/): no pdb, XML docs, deps.json, test or PowerShell assemblies.
            string[] others = files.Except(expected).Except(readyToRun).Except(postgreSql).ToArray();
            Assert.All(others, f => Assert.Matches(@"^bin/System\.[A-Za-z.]+\.dll$", f));
            Assert.DoesNotContain(others, f => f.Contains("Management.Automation", StringComparison.OrdinalIgnoreCase));
        }

        [Fact]
        public void Package_has_each_file_once_and_the_help_where_Get_Help_looks()
        {
            // (the ReadyToRun copies of PkiTools.Core and BouncyCastle in bin/net10.0-<rid>/ are the other build of the same two)
            string[] files = PackageFiles().Where(f => !f.StartsWith("bin/net10.0-", StringComparison.Ordinal)).ToArray();
            var names = files.Select(f => f.Substring(f.LastIndexOf('/') + 1)).ToList();
            var duplicates = names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(duplicates.Count == 0, "files in the package more than once: " + string.Join(", ", duplicates));
            foreach (string help in HelpFiles)
            {
                Assert.Equal(new[] { "en-US/" + help }, files.Where(f => f.EndsWith("/" + help, StringComparison.Ordinal)).ToArray());
                Assert.Equal(File.ReadAllBytes(Path.Combine(PwshSession.RepoRoot, "module", "en-US", help)), File.ReadAllBytes(Path.Combine(_p.ModuleDir, "en-US", help)));
            }
            Assert.DoesNotContain(files, f => f.StartsWith("module/en-US/", StringComparison.Ordinal));
        }

        [Fact]
        public void Package_and_repository_carry_the_MIT_licence()
        {
            PackageFiles();
            string repoLicense = File.ReadAllText(Path.Combine(PwshSession.RepoRoot, "LICENSE"));
            Assert.StartsWith("MIT License", repoLicense);
            Assert.Contains("PkiTools maintainers", repoLicense);
            Assert.Contains("THE SOFTWARE IS PROVIDED \"AS IS\"", repoLicense);
            Assert.Equal(repoLicense, File.ReadAllText(Path.Combine(_p.ModuleDir, "LICENSE")));
        }

        [Fact]
        public void Packaged_manifest_passes_Test_ModuleManifest_with_licence_and_project_links()
        {
            JsonElement m = _p.Step("Manifest");
            Assert.Equal("PkiTools", m.GetProperty("Name").GetString());
            Assert.Equal(PackageFixture.Version, m.GetProperty("Version").GetString());
            Assert.Equal("https://github.com/pkitools/PkiTools/blob/main/LICENSE", m.GetProperty("LicenseUri").GetString());
            Assert.Equal("https://github.com/pkitools/PkiTools", m.GetProperty("ProjectUri").GetString());
            Assert.Contains("New-SelfSignedCert", m.GetProperty("Cmdlets").EnumerateArray().Select(e => e.GetString()));
        }

        [Fact]
        public void Fresh_pwsh_imports_the_package_by_name_and_writes_a_certificate()
        {
            string expectedBase = Path.GetFullPath(_p.ModuleDir).TrimEnd(Path.DirectorySeparatorChar);
            Assert.Equal(new[] { expectedBase }, _p.Step("Available").EnumerateArray().Select(e => Path.GetFullPath(e.GetString()!).TrimEnd(Path.DirectorySeparatorChar)).ToArray());
            Assert.Equal(expectedBase, Path.GetFullPath(_p.Step("ModuleBase").GetString()!).TrimEnd(Path.DirectorySeparatorChar));

            JsonElement s = _p.Step("SelfSigned");
            Assert.Equal("CN=localhost", s.GetProperty("Subject").GetString());
            Assert.True(s.GetProperty("HasPrivateKey").GetBoolean());
            Assert.Equal(new[] { "localhost.crt", "localhost.key" }, s.GetProperty("Files").EnumerateArray().Select(e => e.GetString()).ToArray());
            Assert.Contains("BEGIN CERTIFICATE", File.ReadAllText(Path.Combine(_p.WorkDir, "localhost.crt")));
            Assert.Contains("BEGIN PRIVATE KEY", File.ReadAllText(Path.Combine(_p.WorkDir, "localhost.key")));
        }

        [Fact]
        public void PowerShell_7_runs_the_ReadyToRun_core_and_the_netstandard_cmdlets()
        {
            // bin/PkiTools.Loader.dll (a nested module) loads the ReadyToRun PkiTools.Core and BouncyCastle before
            // bin/PkiTools.dll binds to them; Windows PowerShell 5.1 would load all three from bin/.
            string bin = Path.Combine(Path.GetFullPath(_p.ModuleDir), "bin");
            var loaded = _p.Step("Loaded").EnumerateArray().Select(e => e.GetString()!.Split('=', 2)).ToDictionary(p => p[0], p => Path.GetFullPath(p[1]));
            Assert.Equal(Path.Combine(bin, "PkiTools.dll"), loaded["PkiTools"]);
            // Import-Module and a command that needs no PostgreSQL leave Npgsql and PkiTools.PostgreSql unloaded.
            Assert.False(loaded.ContainsKey("Npgsql"), "Npgsql was loaded at import");
            Assert.False(loaded.ContainsKey("PkiTools.PostgreSql"), "PkiTools.PostgreSql was loaded at import");
            foreach (string name in new[] { "PkiTools.Core", "BouncyCastle.Cryptography" })
            {
                Assert.Matches(@"[/\\]bin[/\\]net10\.0-(linux|osx|win)-(x64|arm64)[/\\]" + name.Replace(".", "\\.") + @"\.dll$", loaded[name]);
                Assert.StartsWith(bin, loaded[name]);
            }
        }

        [Fact]
        public void The_PostgreSQL_ledger_loads_on_first_use_from_bin_postgresql()
        {
            string location = _p.Step("PostgreSqlLoads").GetString()!.Trim();
            Assert.Equal(Path.Combine(Path.GetFullPath(_p.ModuleDir), "bin", "postgresql", "PkiTools.PostgreSql.dll"), Path.GetFullPath(location));
        }

        [Fact]
        public void A_ReadyToRun_copy_older_than_the_build_beside_it_is_not_loaded()
        {
            string location = _p.Step("StaleReadyToRun").GetString()!.Trim();
            Assert.EndsWith(Path.Combine("stale", "PkiTools", "bin", "PkiTools.Core.dll"), location);
        }

        [Fact]
        public void About_topic_is_found_in_the_package_and_lists_every_error_id()
        {
            string[] errorIds = _p.Step("ErrorIds").EnumerateArray().Select(e => e.GetString()!).ToArray();
            Assert.Contains("PolicyViolation", errorIds);
            foreach (string step in new[] { "AboutBeforeImport", "About" })
            {
                string about = _p.Step(step).GetString()!;
                AssertAboutTopic(about);
                var missing = errorIds.Where(id => !Regex.IsMatch(about, @"\b" + id + @"\b")).ToList();
                Assert.True(missing.Count == 0, $"{step}: about_PkiTools does not list the error ids {string.Join(", ", missing)}");
            }
        }

        [Fact]
        public void Cmdlet_help_is_found_in_the_package()
        {
            string examples = _p.Step("NewCaExamples").GetString()!;
            Assert.Contains("Example 1", examples);
            Assert.Contains("New-Ca -Path", examples);
            // Without the MAML file Get-Help makes the synopsis up from the syntax ("New-Ca [-Path] <string> ...").
            string synopsis = _p.Step("NewCaSynopsis").GetString()!;
            Assert.False(synopsis.TrimStart().StartsWith("New-Ca", StringComparison.OrdinalIgnoreCase), "MAML help not found: " + synopsis);
        }

        [Fact]
        public void About_topic_is_found_from_the_repository_after_a_build()
        {
            Assert.True(File.Exists(Path.Combine(PwshSession.RepoRoot, "en-US", "about_PkiTools.help.txt")),
                "en-US/about_PkiTools.help.txt is missing: build src/PkiTools.");
            using var s = new PwshSession();
            string about = (string)s.Run("[string](Get-Help about_PkiTools)").ThrowOnError().Single();
            AssertAboutTopic(about);
        }

        private static void AssertAboutTopic(string about)
        {
            Assert.StartsWith("TOPIC", about.TrimStart());
            Assert.Contains("about_PkiTools", about);
            Assert.Contains("SHORT DESCRIPTION", about);
            foreach (string cmdlet in new[] { "New-PrivateKey", "New-Csr", "Invoke-CaSign", "Test-CertChain", "Export-Cert", "New-Ca", "Get-Ca", "Get-IssuedCert", "Revoke-Cert", "New-Crl", "Update-Crl" })
            {
                Assert.Contains(cmdlet, about);
            }
            Assert.Contains("easy-rsa", about);
            Assert.Contains("openssl ca", about);
        }
    }
}
