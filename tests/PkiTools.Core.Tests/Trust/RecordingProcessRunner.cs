using System;
using System.Collections.Generic;
using System.Linq;
using PkiTools.Core.Trust;

namespace PkiTools.Core.Tests.Trust
{
    /// <summary>
    /// A fake <see cref="IProcessRunner"/> for store tests: records every <see cref="ProcessCall"/>, answers with scripted
    /// results (the first matching rule wins; no rule: exit 0 and no output) and says a program exists when it is in
    /// <see cref="Installed"/> (or when <see cref="ExistsWhen"/> says so).
    /// </summary>
    public sealed class RecordingProcessRunner : IProcessRunner
    {
        private readonly List<(Func<ProcessCall, bool> When, Func<ProcessCall, ProcessResult> Answer)> _rules = new List<(Func<ProcessCall, bool>, Func<ProcessCall, ProcessResult>)>();

        /// <param name="installed">Programs <see cref="Exists"/> reports (names or paths, compared exactly).</param>
        public RecordingProcessRunner(params string[] installed) => Installed = new HashSet<string>(installed, StringComparer.Ordinal);

        /// <summary>Every call, in order.</summary>
        public List<ProcessCall> Calls { get; } = new List<ProcessCall>();

        public HashSet<string> Installed { get; }

        /// <summary>Overrides <see cref="Installed"/> when set.</summary>
        public Func<string, bool>? ExistsWhen { get; set; }

        /// <summary>The calls as typed (ProcessCall.ToString), for asserting command lines.</summary>
        public IEnumerable<string> Lines => Calls.Select(c => c.ToString());

        public bool Exists(string program) => ExistsWhen?.Invoke(program) ?? Installed.Contains(program);

        /// <summary>Answers calls for which <paramref name="when"/> holds with <paramref name="answer"/>.</summary>
        public RecordingProcessRunner On(Func<ProcessCall, bool> when, Func<ProcessCall, ProcessResult> answer)
        {
            _rules.Add((when, answer));
            return this;
        }

        /// <summary>Answers calls whose arguments contain all of <paramref name="arguments"/> (in any order) with a fixed result.</summary>
        public RecordingProcessRunner On(string[] arguments, int exitCode, string standardOutput = "", string standardError = "") =>
            On(c => arguments.All(c.Arguments.Contains), _ => new ProcessResult(exitCode, standardOutput, standardError));

        /// <summary>Answers every call the same way (after the rules added before it).</summary>
        public RecordingProcessRunner Otherwise(int exitCode, string standardOutput = "", string standardError = "") =>
            On(_ => true, _ => new ProcessResult(exitCode, standardOutput, standardError));

        public ProcessResult Run(ProcessCall call)
        {
            Calls.Add(call);
            foreach (var (when, answer) in _rules)
            {
                if (when(call)) return answer(call);
            }
            return new ProcessResult(0, "", "");
        }
    }
}
