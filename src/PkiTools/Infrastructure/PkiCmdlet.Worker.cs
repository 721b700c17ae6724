using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using PkiTools.Core;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// Work that runs off the pipeline thread. A cmdlet may write to its streams and run a script block only on its
    /// pipeline thread, while the ACME core is async and an ACME renewal waits for the network: such work runs on a
    /// worker task, and the pipeline thread runs what the worker queues (log lines, progress, hook calls and
    /// ShouldProcess questions whose outcome goes back to the waiting worker) until the work ends. Ctrl+C
    /// (StopProcessing) cancels the work's token.
    /// </summary>
    public abstract partial class PkiCmdlet
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private BlockingCollection<Action<bool>>? _queue;
        private ProgressRecord? _progress;

        protected override void StopProcessing() => _stop.Cancel();

        /// <summary>
        /// Runs <paramref name="work"/> on a worker task while this (pipeline) thread runs what it queues, showing progress
        /// under <paramref name="activity"/> (its first status <paramref name="status"/>, then each log line); returns the
        /// work's result or throws its exception (a PkiException as it is).
        /// </summary>
        internal T RunOnWorker<T>(string activity, string status, Func<CancellationToken, Task<T>> work)
        {
            using var queue = new BlockingCollection<Action<bool>>();
            _queue = queue;
            _progress = new ProgressRecord(1, activity, status);
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

        /// <summary>Queues an action for the pipeline thread; it gets false when it was abandoned (the pipeline stops).</summary>
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

        /// <summary>A log line from the worker as a verbose line and the progress status (from any thread).</summary>
        internal void VerboseFromWorker(string line) => Post(run =>
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
        internal Task<TResult> OnPipelineThread<TResult>(Func<TResult> call)
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

        /// <summary>
        /// Invokes a hook on the pipeline thread with <paramref name="arguments"/>, and with <paramref name="environment"/>
        /// set in the process environment for its duration. A script block that throws, a native command that exits
        /// non-zero, or an error it writes as terminating is HookFailed; its output goes to the verbose stream.
        /// </summary>
        internal void InvokeHook(ScriptBlock hook, string name, IReadOnlyDictionary<string, string>? environment, params object[] arguments)
        {
            var saved = new Dictionary<string, string?>();
            try
            {
                foreach (var pair in environment ?? new Dictionary<string, string>())
                {
                    saved[pair.Key] = Environment.GetEnvironmentVariable(pair.Key);
                    Environment.SetEnvironmentVariable(pair.Key, pair.Value);
                }
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
            finally
            {
                foreach (var pair in saved) Environment.SetEnvironmentVariable(pair.Key, pair.Value);
            }
        }
    }
}
