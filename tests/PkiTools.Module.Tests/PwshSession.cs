using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Security;
using System.Text;

namespace PkiTools.Module.Tests
{
    /// <summary>
    /// The real PowerShell engine in-process, with ./PkiTools.psd1 imported exactly as a user would, the location set
    /// to a fresh folder, and a host that captures what Out-Host renders.
    /// </summary>
    public sealed class PwshSession : IDisposable
    {
        private readonly Runspace _runspace;
        private readonly CapturingHost _host = new CapturingHost();

        public PwshSession()
        {
            Directory = Path.Combine(Path.GetTempPath(), "pkitools-ps-" + Guid.NewGuid().ToString("N").Substring(0, 10));
            System.IO.Directory.CreateDirectory(Directory);
            InitialSessionState state = InitialSessionState.CreateDefault2();
            _runspace = RunspaceFactory.CreateRunspace(_host, state);
            _runspace.Open();
            Run($"Import-Module '{ManifestPath}' -ErrorAction Stop").ThrowOnError();
            // Same as Set-Location (Microsoft.PowerShell.SDK brings Management and Utility), without a pipeline.
            _runspace.SessionStateProxy.Path.SetLocation(WildcardPattern.Escape(Directory));
        }

        public static string RepoRoot { get; } = FindRepoRoot();

        public static string ManifestPath => Path.Combine(RepoRoot, "PkiTools.psd1");

        /// <summary>The session's working folder ($PWD).</summary>
        public string Directory { get; }

        public string File(string name) => Path.Combine(Directory, name);

        /// <summary>Text written to the host (Out-Host, warnings shown by the host).</summary>
        public string HostText => _host.Text;

        public sealed class Result
        {
            public Result(Collection<PSObject> output, IReadOnlyList<ErrorRecord> errors, IReadOnlyList<string> warnings, IReadOnlyList<string> verbose, Exception? terminating)
            {
                Output = output;
                Errors = errors;
                Warnings = warnings;
                Verbose = verbose;
                Terminating = terminating;
            }

            public Collection<PSObject> Output { get; }
            public IReadOnlyList<ErrorRecord> Errors { get; }
            public IReadOnlyList<string> Warnings { get; }
            public IReadOnlyList<string> Verbose { get; }
            public Exception? Terminating { get; }

            /// <summary>Error ids (the part of FullyQualifiedErrorId before the comma) of every error, terminating ones included.</summary>
            public IReadOnlyList<string> ErrorIds => Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]).ToList();

            public object Single() => Assert1(Output).BaseObject;

            public T Single<T>() => (T)Single();

            public Result ThrowOnError()
            {
                if (Terminating != null) throw new Xunit.Sdk.XunitException("Script terminated: " + Terminating);
                if (Errors.Count > 0) throw new Xunit.Sdk.XunitException("Script wrote errors: " + string.Join("; ", Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
                return this;
            }

            private static PSObject Assert1(Collection<PSObject> output)
            {
                if (output.Count != 1) throw new Xunit.Sdk.XunitException($"Expected one output object, got {output.Count}.");
                return output[0];
            }
        }

        /// <summary>Runs a script; variables are set in the session first.</summary>
        public Result Run(string script, IDictionary<string, object?>? variables = null)
        {
            using PowerShell ps = PowerShell.Create();
            ps.Runspace = _runspace;
            if (variables != null)
            {
                foreach (var v in variables) _runspace.SessionStateProxy.SetVariable(v.Key, v.Value);
            }
            ps.AddScript(script);
            Collection<PSObject> output;
            Exception? terminating = null;
            var errors = new List<ErrorRecord>();
            try
            {
                output = ps.Invoke();
            }
            catch (RuntimeException ex)
            {
                output = new Collection<PSObject>();
                terminating = ex;
                errors.Add(ex.ErrorRecord);
            }
            errors.InsertRange(0, ps.Streams.Error);
            return new Result(output, errors,
                ps.Streams.Warning.Select(w => w.Message).ToList(),
                ps.Streams.Verbose.Select(v => v.Message).ToList(),
                terminating);
        }

        /// <summary>Runs a script and returns the text its output renders to through Out-Host (the default formatter).</summary>
        public string Render(string script, IDictionary<string, object?>? variables = null)
        {
            _host.Clear();
            Run("& { " + script + " } | Out-Host", variables).ThrowOnError();
            return _host.Text;
        }

        public void Dispose()
        {
            _runspace.Dispose();
            try
            {
                System.IO.Directory.Delete(Directory, true);
            }
            catch (IOException)
            {
            }
        }

        private static string FindRepoRoot()
        {
            string? dir = AppContext.BaseDirectory;
            while (dir != null && !System.IO.File.Exists(Path.Combine(dir, "PkiTools.psd1"))) dir = Path.GetDirectoryName(dir);
            return dir ?? throw new InvalidOperationException("PkiTools.psd1 not found above " + AppContext.BaseDirectory);
        }

        private sealed class CapturingHost : PSHost
        {
            private readonly CapturingUi _ui = new CapturingUi();

            public string Text => _ui.Buffer.ToString();

            public void Clear() => _ui.Buffer.Clear();

            public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
            public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
            public override Guid InstanceId { get; } = Guid.NewGuid();
            public override string Name => "PkiToolsTestHost";
            public override PSHostUserInterface UI => _ui;
            public override Version Version => new Version(1, 0);
            public override void EnterNestedPrompt() => throw new NotSupportedException();
            public override void ExitNestedPrompt() => throw new NotSupportedException();
            public override void NotifyBeginApplication() { }
            public override void NotifyEndApplication() { }
            public override void SetShouldExit(int exitCode) { }
        }

        private sealed class CapturingUi : PSHostUserInterface
        {
            public StringBuilder Buffer { get; } = new StringBuilder();
            public override PSHostRawUserInterface RawUI { get; } = new RawUi();
            public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw new NotSupportedException("no prompts in tests");
            public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) => throw new NotSupportedException("no prompts in tests");
            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();
            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();
            public override string ReadLine() => throw new NotSupportedException("no input in tests");
            public override SecureString ReadLineAsSecureString() => throw new NotSupportedException("no input in tests");
            public override void Write(string value) => Buffer.Append(value);
            public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Buffer.Append(value);
            public override void WriteLine(string value) => Buffer.Append(value).Append('\n');
            public override void WriteDebugLine(string message) => Buffer.Append("DEBUG: ").Append(message).Append('\n');
            public override void WriteErrorLine(string value) => Buffer.Append("ERROR: ").Append(value).Append('\n');
            public override void WriteProgress(long sourceId, ProgressRecord record) { }
            public override void WriteVerboseLine(string message) => Buffer.Append("VERBOSE: ").Append(message).Append('\n');
            public override void WriteWarningLine(string message) => Buffer.Append("WARNING: ").Append(message).Append('\n');
        }

        private sealed class RawUi : PSHostRawUserInterface
        {
            public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
            public override Size BufferSize { get; set; } = new Size(160, 3000);
            public override Coordinates CursorPosition { get; set; }
            public override int CursorSize { get; set; }
            public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.White;
            public override bool KeyAvailable => false;
            public override Size MaxPhysicalWindowSize => new Size(160, 3000);
            public override Size MaxWindowSize => new Size(160, 3000);
            public override Coordinates WindowPosition { get; set; }
            public override Size WindowSize { get; set; } = new Size(160, 50);
            public override string WindowTitle { get; set; } = string.Empty;
            public override void FlushInputBuffer() { }
            public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();
            public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException();
            public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
            public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
            public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }
        }
    }
}
