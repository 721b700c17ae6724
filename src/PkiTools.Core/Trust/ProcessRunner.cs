using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Linq;
using System.Text;

namespace PkiTools.Core.Trust
{
    /// <summary>
    /// One external command: the program, its arguments (never a shell line), extra environment variables (how a
    /// keystore password reaches keytool without appearing on a command line) and a timeout. Standard input is always
    /// closed, so a program that would prompt (sudo, certutil asking for a database password) fails instead of waiting;
    /// only <see cref="StandardInput"/>, when given (a new crontab for <c>crontab -</c>), is written to it first.
    /// </summary>
    public sealed class ProcessCall
    {
        public ProcessCall(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null, string? standardInput = null)
        {
            StandardInput = standardInput;
            Program = program;
            Arguments = arguments.ToArray();
            Environment = environment ?? new Dictionary<string, string>();
            Timeout = timeout ?? TimeSpan.FromSeconds(60);
        }

        public string Program { get; }

        public IReadOnlyList<string> Arguments { get; }

        /// <summary>Variables added to the child's environment. Their values are secret: never shown by <see cref="ToString"/>.</summary>
        public IReadOnlyDictionary<string, string> Environment { get; }

        public TimeSpan Timeout { get; }

        /// <summary>Text written to the program's standard input before it is closed; null: closed at once.</summary>
        public string? StandardInput { get; }

        /// <summary>The command as a person would type it (POSIX quoting), for -WhatIf, -Verbose and error messages. No secret appears.</summary>
        public override string ToString() => string.Join(" ", new[] { Program }.Concat(Arguments).Select(Quote));

        internal static string Quote(string word)
        {
            if (word.Length > 0 && word.All(c => char.IsLetterOrDigit(c) || "-_./:=,+@%".IndexOf(c) >= 0)) return word;
            return "'" + word.Replace("'", "'\\''") + "'";
        }
    }

    /// <summary>What a finished command returned.</summary>
    public sealed class ProcessResult
    {
        public ProcessResult(int exitCode, string standardOutput, string standardError)
        {
            ExitCode = exitCode;
            StandardOutput = standardOutput;
            StandardError = standardError;
        }

        public int ExitCode { get; }

        public string StandardOutput { get; }

        public string StandardError { get; }

        /// <summary>Whether standard error or output contains any of <paramref name="phrases"/> (case-insensitive): how a program's failure is told apart.</summary>
        public bool Mentions(params string[] phrases) =>
            phrases.Any(p => StandardError.IndexOf(p, StringComparison.OrdinalIgnoreCase) >= 0 || StandardOutput.IndexOf(p, StringComparison.OrdinalIgnoreCase) >= 0);

        /// <summary>The first non-empty line of standard error (or output), for messages.</summary>
        public string FirstErrorLine =>
            (StandardError + "\n" + StandardOutput).Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "no output";
    }

    /// <summary>
    /// Runs external commands. Every store goes through this seam, so a test can record the calls and script the
    /// answers, and the Windows/macOS command lines are unit-tested on Linux.
    /// </summary>
    public interface IProcessRunner
    {
        /// <summary>Whether <paramref name="program"/> can be run (a path that exists, or a name found on PATH).</summary>
        bool Exists(string program);

        /// <summary>Runs the command to the end. Throws <see cref="PkiErrorCode.StoreUnavailable"/> when the program is missing, <see cref="PkiErrorCode.Timeout"/> when it outlives its timeout.</summary>
        ProcessResult Run(ProcessCall call);
    }

    /// <summary>The real runner: <see cref="Process"/> with standard input closed, output captured, killed at the timeout.</summary>
    public sealed class SystemProcessRunner : IProcessRunner
    {
        public static readonly SystemProcessRunner Instance = new SystemProcessRunner();

        public bool Exists(string program) => Find(program) != null;

        /// <summary>The full path of <paramref name="program"/>: as given when it has a folder, else the first match on PATH.</summary>
        public static string? Find(string program)
        {
            if (program.IndexOf('/') >= 0 || program.IndexOf('\\') >= 0) return System.IO.File.Exists(program) ? program : null;
            string path = System.Environment.GetEnvironmentVariable("PATH") ?? "";
            bool windows = System.IO.Path.DirectorySeparatorChar == '\\';
            string[] extensions = windows ? new[] { ".exe", ".cmd", ".bat", "" } : new[] { "" };
            foreach (string folder in path.Split(System.IO.Path.PathSeparator))
            {
                if (folder.Length == 0) continue;
                foreach (string ext in extensions)
                {
                    string candidate = System.IO.Path.Combine(folder, program + ext);
                    if (System.IO.File.Exists(candidate)) return candidate;
                }
            }
            return null;
        }

        public ProcessResult Run(ProcessCall call)
        {
            string file = Find(call.Program) ?? throw new PkiException(PkiErrorCode.StoreUnavailable, $"The program '{call.Program}' was not found on PATH.", null, call.Program);
            var info = new ProcessStartInfo(file)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
                Arguments = string.Join(" ", call.Arguments.Select(WindowsQuote)),
            };
            foreach (var pair in call.Environment) info.Environment[pair.Key] = pair.Value;
            using var process = new Process { StartInfo = info };
            try
            {
                process.Start();
            }
            catch (Win32Exception ex)
            {
                throw new PkiException(PkiErrorCode.StoreUnavailable, $"'{call.Program}' could not be started: {ex.Message}", ex, call.Program);
            }
            if (call.StandardInput != null)
            {
                try
                {
                    process.StandardInput.Write(call.StandardInput);
                }
                catch (System.IO.IOException)
                {
                    // the program exited without reading it: its exit code tells
                }
            }
            process.StandardInput.Close();
            // Both streams are read to the end concurrently, so neither pipe can fill up and stall the program.
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit((int)Math.Min(int.MaxValue, call.Timeout.TotalMilliseconds)))
            {
                try { process.Kill(); } catch (InvalidOperationException) { } catch (Win32Exception) { }
                throw new PkiException(PkiErrorCode.Timeout, $"'{call}' did not finish within {call.Timeout.TotalSeconds:0.#} s and was stopped.", null, call.Program);
            }
            return new ProcessResult(process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
        }

        // netstandard2.0 has no ArgumentList: quote each argument the way the C runtime (and .NET on Unix) splits it.
        internal static string WindowsQuote(string arg)
        {
            if (arg.Length > 0 && arg.IndexOfAny(new[] { ' ', '\t', '\n', '"' }) < 0) return arg;
            var sb = new StringBuilder("\"");
            int backslashes = 0;
            foreach (char c in arg)
            {
                if (c == '\\') { backslashes++; continue; }
                if (c == '"') sb.Append('\\', backslashes * 2 + 1);
                else sb.Append('\\', backslashes);
                backslashes = 0;
                sb.Append(c);
            }
            sb.Append('\\', backslashes * 2).Append('"');
            return sb.ToString();
        }
    }
}
