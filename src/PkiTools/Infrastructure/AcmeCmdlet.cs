using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using PkiTools.Core;
using PkiTools.Core.Acme;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// What the ACME cmdlets share. The core is async; the pipeline's own methods (WriteVerbose, WriteWarning, invoking a
    /// script block) may only run on the pipeline thread. So the core operation runs on a worker task and the pipeline
    /// thread runs the actions it queues (log lines, hook calls whose outcome goes back to the worker) until it ends.
    /// Ctrl+C (StopProcessing) cancels the operation.
    /// </summary>
    public abstract class AcmeCmdlet : PkiCmdlet
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private BlockingCollection<Action<bool>>? _queue;
        private ProgressRecord? _progress;

        protected override void StopProcessing() => _stop.Cancel();

        /// <summary>
        /// Runs <paramref name="work"/> on a worker task while this (pipeline) thread runs what it queues; returns its
        /// result or throws its exception (a PkiException as it is).
        /// </summary>
        protected T RunOnWorker<T>(string activity, Func<CancellationToken, Task<T>> work)
        {
            using var queue = new BlockingCollection<Action<bool>>();
            _queue = queue;
            _progress = new ProgressRecord(1, activity, "Connecting to the ACME server");
            WriteProgress(_progress);
            Task<T> task = Task.Run(() => work(_stop.Token));
            task.ContinueWith(_ => queue.CompleteAdding(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            try
            {
                foreach (Action<bool> action in queue.GetConsumingEnumerable()) action(true);
            }
            catch
            {
                // The pipeline is stopping (WriteVerbose threw): the worker is cancelled, and whatever it still queues or
                // waits for is abandoned so that it ends.
                _stop.Cancel();
                while (!queue.IsCompleted)
                {
                    if (queue.TryTake(out Action<bool>? pending, 50)) pending(false);
                }
                throw;
            }
            finally
            {
                _queue = null;
            }
            _progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(_progress);
            _progress = null;
            try
            {
                return task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            catch (PkiException ex) when (_stop.IsCancellationRequested && ex.InnerException is OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
        }

        /// <summary>Queues an action for the pipeline thread; false when it was abandoned (the pipeline stops).</summary>
        private void Post(Action<bool> action)
        {
            BlockingCollection<Action<bool>>? queue = _queue;
            try
            {
                if (queue != null)
                {
                    queue.Add(action);
                    return;
                }
            }
            catch (InvalidOperationException)
            {
            }
            action(false);
        }

        /// <summary>A core log line as a verbose line and the progress status (from any thread).</summary>
        protected void VerboseFromWorker(string line) => Post(run =>
        {
            if (!run) return;
            WriteVerbose(line);
            if (_progress != null)
            {
                _progress.StatusDescription = line;
                WriteProgress(_progress);
            }
        });

        /// <summary>Runs <paramref name="call"/> on the pipeline thread and hands its outcome to the (worker) caller.</summary>
        protected Task<TResult> OnPipelineThread<TResult>(Func<TResult> call)
        {
            var outcome = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            Post(run =>
            {
                if (!run)
                {
                    outcome.TrySetCanceled();
                    return;
                }
                try
                {
                    outcome.TrySetResult(call());
                }
                catch (Exception ex)
                {
                    outcome.TrySetException(ex);
                }
            });
            return outcome.Task;
        }

        /// <summary>Connects to the directory of <paramref name="options"/>, saying so first when its HTTPS certificate is not checked.</summary>
        protected void WarnSkipCheck(bool skip, Uri directory)
        {
            if (skip)
            {
                WriteWarning($"The HTTPS certificate of {directory.Host} is not checked (-SkipCertificateCheck): anyone on the network path can impersonate this ACME server. Use it with throw-away test servers only; trust a private CA with -TrustedRoot instead.");
            }
        }

        /// <summary>The state folder: -StatePath, or the user's default.</summary>
        protected string StateFolder(string? statePath) =>
            statePath != null ? ResolveOutputPath(statePath) : AcmeAccountStore.DefaultFolder(Core.Trust.TrustEnvironment.Current);

        /// <summary>The directory URL a -Directory value names: LetsEncrypt, LetsEncryptStaging, or an http(s) URL.</summary>
        internal static Uri DirectoryUrl(string value)
        {
            if (string.Equals(value, "LetsEncrypt", StringComparison.OrdinalIgnoreCase)) return new Uri(AcmeClientOptions.LetsEncrypt);
            if (string.Equals(value, "LetsEncryptStaging", StringComparison.OrdinalIgnoreCase)) return new Uri(AcmeClientOptions.LetsEncryptStaging);
            if (Uri.TryCreate(value, UriKind.Absolute, out Uri? url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp)) return url;
            throw new PkiException(PkiErrorCode.InvalidArgument,
                $"'{value}' is not an ACME directory: give LetsEncrypt, LetsEncryptStaging, or the directory's https URL.", null, value, null, "Directory");
        }

        /// <summary>The root certificate a -TrustedRoot value names: a certificate object or a certificate file.</summary>
        protected X509Certificate2? TrustedRootOf(object? value, string parameter = "TrustedRoot")
        {
            if (value == null) return null;
            IReadOnlyList<X509Certificate2> certificates = InputArguments.Certificates(this, parameter, value);
            if (certificates.Count != 1)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"-{parameter} takes one root certificate; {certificates.Count} were given.", null, value);
            }
            return certificates[0];
        }

        /// <summary>The stored account an -Account value names: the object from New-AcmeAccount or Get-AcmeAccount, or its folder.</summary>
        protected StoredAcmeAccount AccountOf(object? value)
        {
            object? item = value is PSObject ps ? ps.BaseObject : value;
            if (item is StoredAcmeAccount account) return account;
            string? folder = item is DirectoryInfo d ? d.FullName : InputArguments.PathOf(this, "Account", item);
            if (folder == null)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument,
                    $"-Account cannot use {(item == null ? "nothing" : Words.A(item.GetType().Name))}: pass the account New-AcmeAccount or Get-AcmeAccount returns, or its folder.", null, item);
            }
            return AcmeAccountStore.Load(folder);
        }

        /// <summary>
        /// Invokes a script block with arguments on the pipeline thread. A script block that throws, a native command that
        /// exits non-zero, or an error it writes as terminating is HookFailed.
        /// </summary>
        protected void InvokeHook(ScriptBlock hook, string name, params object[] arguments)
        {
            try
            {
                SessionState.PSVariable.Set("LASTEXITCODE", 0);
                Collection<PSObject> output = InvokeCommand.InvokeScript(SessionState, hook, arguments);
                foreach (PSObject line in output) WriteVerbose($"{name}: {line}");
                object? exit = SessionState.PSVariable.GetValue("LASTEXITCODE");
                if (exit is int code && code != 0)
                {
                    throw new PkiException(PkiErrorCode.HookFailed, $"{name} exited with code {code}.", null, hook);
                }
            }
            catch (RuntimeException ex) when (!(ex is PipelineStoppedException))
            {
                throw new PkiException(PkiErrorCode.HookFailed, $"{name} failed: {ex.Message}", ex, hook);
            }
        }
    }

    /// <summary>Tab completion for -Directory: the well-known directories.</summary>
    public sealed class AcmeDirectoryCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
        {
            foreach ((string name, string url) in new[] { ("LetsEncrypt", AcmeClientOptions.LetsEncrypt), ("LetsEncryptStaging", AcmeClientOptions.LetsEncryptStaging) })
            {
                if (name.StartsWith(wordToComplete ?? "", StringComparison.OrdinalIgnoreCase)) yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, url);
            }
        }
    }
}
