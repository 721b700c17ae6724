using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace PkiTools.Tests
{
    /// <summary>
    /// A TCP listener on 127.0.0.1 that accepts every connection, says nothing, holds it for <see cref="Hold"/> (or
    /// until disposed) and then closes it, counting how many connections were open at the same time. A silent port for
    /// timeout tests, and the probe of parallelism: <see cref="MaxConcurrent"/> above 1 proves overlap, not timing.
    /// </summary>
    public sealed class HoldingListener : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly List<Socket> _open = new List<Socket>();
        private readonly Task _loop;
        private int _current;
        private int _max;
        private int _accepted;

        /// <param name="hold">How long each connection is held open; null: until disposed.</param>
        public HoldingListener(TimeSpan? hold)
        {
            Hold = hold;
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start(512);
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _loop = Task.Run(AcceptLoop);
        }

        public int Port { get; }

        public TimeSpan? Hold { get; }

        public int MaxConcurrent => Volatile.Read(ref _max);

        public int Accepted => Volatile.Read(ref _accepted);

        private async Task AcceptLoop()
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync().ConfigureAwait(false);
                }
                catch (Exception) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (SocketException)
                {
                    continue;
                }
                Interlocked.Increment(ref _accepted);
                int now = Interlocked.Increment(ref _current);
                int seen;
                while (now > (seen = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, now, seen) != seen)
                {
                }
                lock (_open) _open.Add(socket);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        // Reads and discards what the client sends (its ClientHello), answering nothing.
                        var buffer = new byte[4096];
                        using var holdFor = Hold is TimeSpan t ? new CancellationTokenSource(t) : new CancellationTokenSource();
                        using var both = CancellationTokenSource.CreateLinkedTokenSource(holdFor.Token, _stop.Token);
                        while (true)
                        {
                            int n = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, both.Token).ConfigureAwait(false);
                            if (n == 0) break;
                        }
                    }
                    catch (Exception)
                    {
                        // held long enough, stopped, or the client went away
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _current);
                        lock (_open) _open.Remove(socket);
                        socket.Dispose();
                    }
                });
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_open)
            {
                foreach (Socket s in _open) s.Dispose();
            }
            try
            {
                _loop.Wait(5000);
            }
            catch (AggregateException)
            {
            }
        }
    }
}
