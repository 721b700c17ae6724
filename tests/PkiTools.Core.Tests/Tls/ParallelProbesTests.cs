using System;
using System.Linq;
using System.Threading;
using PkiTools.Core.Tls;
using Xunit;

namespace PkiTools.Core.Tests.Tls
{
    public class ParallelProbesTests
    {
        [Fact]
        public void Runs_up_to_the_bound_at_once_and_never_more()
        {
            int running = 0, max = 0;
            using var gate = new ManualResetEventSlim(false);
            using var probes = new ParallelProbes<int>(4);
            for (int i = 0; i < 20; i++)
            {
                int n = i;
                probes.Add(_ =>
                {
                    int now = Interlocked.Increment(ref running);
                    lock (gate) max = Math.Max(max, now);
                    // The first four wait for one another: only parallel work gets past this.
                    if (n < 4) SpinWait.SpinUntil(() => Volatile.Read(ref running) >= 4, 10_000);
                    Thread.Sleep(5);
                    Interlocked.Decrement(ref running);
                    return n;
                });
            }
            Assert.Equal(Enumerable.Range(0, 20), probes.TakeAll().Select(o => o.GetResult()));
            Assert.Equal(4, max);
        }

        [Fact]
        public void Hands_back_outcomes_in_the_order_added_with_their_exceptions()
        {
            using var probes = new ParallelProbes<string>(8);
            for (int i = 0; i < 10; i++)
            {
                int n = i;
                probes.Add(_ =>
                {
                    Thread.Sleep((10 - n) * 3); // later items finish first
                    if (n % 3 == 0) throw new PkiException(PkiErrorCode.Timeout, "item " + n);
                    return "item " + n;
                }, "state " + n);
            }
            var outcomes = probes.TakeAll().ToList();
            Assert.Equal(Enumerable.Range(0, 10).Select(n => "state " + n), outcomes.Select(o => (string)o.State!));
            for (int n = 0; n < 10; n++)
            {
                if (n % 3 == 0)
                {
                    Assert.Equal("item " + n, Assert.IsType<PkiException>(outcomes[n].Error).Message);
                    Assert.Equal(PkiErrorCode.Timeout, Assert.Throws<PkiException>(() => outcomes[n].GetResult()).Code);
                }
                else
                {
                    Assert.Equal("item " + n, outcomes[n].GetResult());
                }
            }
        }

        [Fact]
        public void TakeCompleted_returns_only_the_finished_head_without_waiting()
        {
            using var release = new ManualResetEventSlim(false);
            using var probes = new ParallelProbes<int>(2);
            probes.Add(_ => { release.Wait(); return 1; });
            probes.Add(_ => 2);
            Thread.Sleep(50);
            Assert.Empty(probes.TakeCompleted()); // the second is done, but the first is not: order holds
            release.Set();
            Assert.Equal(new[] { 1, 2 }, probes.TakeAll().Select(o => o.Result));
            Assert.Empty(probes.TakeCompleted());
        }

        [Fact]
        public void Cancel_reaches_running_work_and_skips_the_rest()
        {
            using var probes = new ParallelProbes<int>(1);
            probes.Add(token => { token.WaitHandle.WaitOne(10_000); token.ThrowIfCancellationRequested(); return 1; });
            probes.Add(_ => 2);
            Thread.Sleep(50);
            probes.Cancel();
            var outcomes = probes.TakeAll().ToList();
            Assert.All(outcomes, o => Assert.IsAssignableFrom<OperationCanceledException>(o.Error));
        }
    }
}
