using System;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace PkiTools.Benchmarks
{
    /// <summary>
    /// `Import-Module ./PkiTools.psd1` in the real engine (System.Management.Automation 7.6.9), in-process.
    /// ImportModule: a fresh runspace is opened before each iteration (not timed) and only the import is timed.
    /// OpenRunspaceAndImport: runspace creation + Open + import, what a new pwsh session pays on top of its own start.
    /// Both are warm: GlobalSetup has already imported once, so the module's assemblies are loaded and jitted; the cold
    /// first import of the process is printed by GlobalSetup ("cold first import").
    /// One import per iteration (monitoring job): an iteration setup per import is needed for a fresh runspace.
    /// </summary>
    [MemoryDiagnoser]
    [SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 20, invocationCount: 1)]
    public class ModuleImportBenchmarks
    {
        private string _manifest = null!;
        private Runspace? _runspace;

        [GlobalSetup]
        public void Setup()
        {
            _manifest = Fixtures.ModuleManifest;
            var stopwatch = Stopwatch.StartNew();
            using (Runspace runspace = OpenRunspace())
            {
                long open = stopwatch.ElapsedMilliseconds;
                Import(runspace);
                Console.WriteLine($"// cold first import: open runspace {open} ms, Import-Module {stopwatch.ElapsedMilliseconds - open} ms");
            }
        }

        [IterationSetup(Target = nameof(ImportModule))]
        public void OpenFreshRunspace() => _runspace = OpenRunspace();

        [IterationCleanup(Target = nameof(ImportModule))]
        public void CloseRunspace()
        {
            _runspace?.Dispose();
            _runspace = null;
        }

        [Benchmark(Description = "Import-Module (runspace already open)")]
        public int ImportModule() => Import(_runspace!);

        [Benchmark(Description = "Open runspace + Import-Module")]
        public int OpenRunspaceAndImport()
        {
            using Runspace runspace = OpenRunspace();
            return Import(runspace);
        }

        private static Runspace OpenRunspace()
        {
            Runspace runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
            runspace.Open();
            return runspace;
        }

        private int Import(Runspace runspace)
        {
            using PowerShell ps = PowerShell.Create();
            ps.Runspace = runspace;
            ps.AddCommand("Import-Module").AddParameter("Name", _manifest).AddParameter("PassThru").AddParameter("ErrorAction", ActionPreference.Stop);
            var output = ps.Invoke();
            int cmdlets = output.Count == 1 && output[0].BaseObject is PSModuleInfo module ? module.ExportedCmdlets.Count : -1;
            if (ps.HadErrors || cmdlets < 1)
            {
                throw new InvalidOperationException($"Import-Module failed or exported {cmdlets} cmdlets: " + string.Join("; ", ps.Streams.Error));
            }
            return cmdlets;
        }
    }
}
