using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading.Tasks;

namespace PkiTools.Tests
{
    /// <summary>Runs the real openssl CLI (installed by .ci/run when missing) and captures what it says.</summary>
    public static class OpenSsl
    {
        public sealed class Result
        {
            public Result(int exitCode, string stdout, string stderr)
            {
                ExitCode = exitCode;
                Stdout = stdout;
                Stderr = stderr;
            }

            public int ExitCode { get; }
            public string Stdout { get; }
            public string Stderr { get; }
            public string All => Stdout + Stderr;
            public override string ToString() => $"exit {ExitCode}\n{Stdout}\n{Stderr}";
        }

        public static Result Run(params string[] args) => RunIn(null, null, args);

        public static Result RunIn(string? workingDirectory, string? stdin, params string[] args) => RunProgram("openssl", workingDirectory, stdin, args);

        /// <summary>Runs <paramref name="program"/> (openssl, curl...) with the arguments as given, stdout and stderr captured; 60 s at most.</summary>
        public static Result RunProgram(string program, string? workingDirectory, string? stdin, params string[] args)
        {
            var psi = new ProcessStartInfo(program)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = stdin != null,
                UseShellExecute = false,
            };
            if (workingDirectory != null) psi.WorkingDirectory = workingDirectory;
            foreach (string a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + program);
            Task<string> stdout = p.StandardOutput.ReadToEndAsync();
            Task<string> stderr = p.StandardError.ReadToEndAsync();
            if (stdin != null)
            {
                p.StandardInput.Write(stdin);
                p.StandardInput.Close();
            }
            if (!p.WaitForExit(60_000))
            {
                p.Kill(true);
                throw new TimeoutException(program + " " + string.Join(" ", args) + " did not finish in 60 s");
            }
            return new Result(p.ExitCode, stdout.Result, stderr.Result);
        }

        /// <summary>Runs openssl and fails the test with its output when it does not exit 0.</summary>
        public static string Ok(params string[] args)
        {
            Result r = Run(args);
            if (r.ExitCode != 0) throw new Xunit.Sdk.XunitException("openssl " + string.Join(" ", args) + " failed: " + r);
            return r.Stdout;
        }
    }

    /// <summary>A fresh temporary folder per test, removed afterwards.</summary>
    public sealed class TempDir : IDisposable
    {
        public TempDir()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pkitools-" + Guid.NewGuid().ToString("N").Substring(0, 10));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, true);
            }
            catch (IOException)
            {
            }
        }
    }
}
