using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace PkiTools.Tests
{
    /// <summary>
    /// A process of tests/PkiTools.CaStress (PkiTools.CaStress.dll beside the test or benchmark assembly) run with
    /// `dotnet`, its output and error lines collected as they come ("ISSUED &lt;serial&gt;", "REVOKED ...", "START" ...).
    /// Disposing kills it (and its children) if it still runs.
    /// </summary>
    public sealed class StressProcess : IDisposable
    {
        public StressProcess(params string[] args) : this(args[0], null, args)
        {
        }

        /// <param name="name">For messages.</param>
        /// <param name="environment">Variables set for the process (PGPASSWORD and the like), or null.</param>
        /// <param name="args">The mode and its arguments.</param>
        public StressProcess(string name, IReadOnlyDictionary<string, string>? environment, params string[] args)
        {
            Name = name;
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PkiTools.CaStress.dll"));
            foreach (string a in args) psi.ArgumentList.Add(a);
            if (environment != null)
            {
                foreach (KeyValuePair<string, string> variable in environment) psi.Environment[variable.Key] = variable.Value;
            }
            Process = Process.Start(psi)!;
            Process.OutputDataReceived += (_, e) =>
            {
                if (e.Data != null) Lines.Enqueue(e.Data);
            };
            Process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data != null) Errors.Enqueue(e.Data);
            };
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
        }

        public string Name { get; }

        public Process Process { get; }

        public ConcurrentQueue<string> Lines { get; } = new ConcurrentQueue<string>();

        public ConcurrentQueue<string> Errors { get; } = new ConcurrentQueue<string>();

        /// <summary>How many lines start with <paramref name="prefix"/>.</summary>
        public int Count(string prefix) => Lines.Count(l => l.StartsWith(prefix, StringComparison.Ordinal));

        /// <summary>The rest of every line that starts with <paramref name="prefix"/>.</summary>
        public List<string> After(string prefix) => Lines.Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).Select(l => l.Substring(prefix.Length)).ToList();

        public void Dispose()
        {
            try
            {
                if (!Process.HasExited) Process.Kill(true);
            }
            catch (InvalidOperationException)
            {
                // ended meanwhile
            }
            Process.Dispose();
        }
    }
}
