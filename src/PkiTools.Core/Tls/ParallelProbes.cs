using System;
using System.Collections.Generic;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace PkiTools.Core.Tls
{
    /// <summary>The outcome of one piece of work: its result, or the exception it ended with.</summary>
    public sealed class ProbeOutcome<T>
    {
        internal ProbeOutcome(object? state, T result, Exception? error)
        {
            State = state;
            Result = result;
            Error = error;
        }

        /// <summary>What the caller attached to the work (the input it came from).</summary>
        public object? State { get; }

        public T Result { get; }

        /// <summary>Null on success.</summary>
        public Exception? Error { get; }

        /// <summary>The result, or the exception rethrown with its original stack.</summary>
        public T GetResult()
        {
            if (Error != null) ExceptionDispatchInfo.Capture(Error).Throw();
            return Result;
        }
    }

    /// <summary>
    /// Runs blocking network work (probes) on at most <c>maxParallel</c> dedicated threads, and hands the outcomes back
    /// in the order the work was added, to the one thread that added it (a cmdlet's pipeline thread, the only one that
    /// may write output). Dedicated threads, not the thread pool: a probe blocks for up to its timeout, and the pool
    /// would add threads for that slowly. Workers end when the queue is empty; <see cref="Dispose"/> cancels what runs.
    /// </summary>
    public sealed class ParallelProbes<T> : IDisposable
    {
        private readonly int _maxParallel;
        private readonly object _gate = new object();
        private readonly Queue<Item> _waiting = new Queue<Item>();
        private readonly Queue<Item> _inOrder = new Queue<Item>();
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private int _workers;

        public ParallelProbes(int maxParallel)
        {
            if (maxParallel < 1) throw new ArgumentOutOfRangeException(nameof(maxParallel), maxParallel, "at least 1");
            _maxParallel = maxParallel;
        }

        /// <summary>Cancelled by <see cref="Cancel"/> or <see cref="Dispose"/>; every piece of work receives it.</summary>
        public CancellationToken Cancellation => _stop.Token;

        /// <summary>Queues work; it starts as soon as fewer than the bound are running.</summary>
        public void Add(Func<CancellationToken, T> work, object? state = null)
        {
            if (work == null) throw new ArgumentNullException(nameof(work));
            var item = new Item(work, state);
            bool startWorker = false;
            lock (_gate)
            {
                _inOrder.Enqueue(item);
                _waiting.Enqueue(item);
                if (_workers < _maxParallel)
                {
                    _workers++;
                    startWorker = true;
                }
            }
            if (startWorker)
            {
                var thread = new Thread(Work) { IsBackground = true, Name = "PkiTools probe" };
                thread.Start();
            }
        }

        /// <summary>The outcomes at the head of the order that are finished, without waiting.</summary>
        public IEnumerable<ProbeOutcome<T>> TakeCompleted() => Take(wait: false);

        /// <summary>Every remaining outcome, in order, waiting for each.</summary>
        public IEnumerable<ProbeOutcome<T>> TakeAll() => Take(wait: true);

        /// <summary>Stops the work that runs (each sees its token cancelled) and the work not yet started.</summary>
        public void Cancel()
        {
            try
            {
                _stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public void Dispose()
        {
            Cancel();
        }

        private IEnumerable<ProbeOutcome<T>> Take(bool wait)
        {
            while (true)
            {
                Item head;
                lock (_gate)
                {
                    if (_inOrder.Count == 0) yield break;
                    head = _inOrder.Peek();
                }
                if (!head.Done.IsSet)
                {
                    if (!wait) yield break;
                    head.Done.Wait();
                }
                lock (_gate)
                {
                    _inOrder.Dequeue();
                }
                yield return head.Outcome!;
            }
        }

        private void Work()
        {
            while (true)
            {
                Item item;
                lock (_gate)
                {
                    if (_waiting.Count == 0)
                    {
                        _workers--;
                        return;
                    }
                    item = _waiting.Dequeue();
                }
                try
                {
                    _stop.Token.ThrowIfCancellationRequested();
                    item.Outcome = new ProbeOutcome<T>(item.State, item.Work(_stop.Token), null);
                }
                catch (Exception ex)
                {
                    // Every exception is handed to the caller's thread; a worker thread must never die of one.
                    item.Outcome = new ProbeOutcome<T>(item.State, default!, ex);
                }
                item.Done.Set();
            }
        }

        private sealed class Item
        {
            public Item(Func<CancellationToken, T> work, object? state)
            {
                Work = work;
                State = state;
            }

            public Func<CancellationToken, T> Work { get; }

            public object? State { get; }

            public ProbeOutcome<T>? Outcome { get; set; }

            public ManualResetEventSlim Done { get; } = new ManualResetEventSlim(false);
        }
    }
}
