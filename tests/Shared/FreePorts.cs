using System;
using System.IO;
using System.Net;
using System.Net.Sockets;

namespace PkiTools.Tests
{
    /// <summary>Free ports for the servers the tests and benchmarks start (nginx, pebble, PostgreSQL, test listeners).</summary>
    public static class FreePorts
    {
        /// <summary>
        /// A TCP port of 127.0.0.1 free at the time of asking, taken at random below the kernel's ephemeral range: a port
        /// the kernel handed out (bind to port 0) is one it may give the next outgoing connection of any process before
        /// the server that was to listen on it starts ("Address already in use" failed a CI run so).
        /// </summary>
        public static int Tcp()
        {
            for (int attempt = 0; attempt < 200; attempt++)
            {
                int port = PortBelowEphemeral();
                try
                {
                    var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    listener.Stop();
                    return port;
                }
                catch (SocketException)
                {
                }
            }
            throw new InvalidOperationException("no free TCP port on 127.0.0.1 below the ephemeral range");
        }

        private static readonly Random Ports = new Random();

        private static int PortBelowEphemeral()
        {
            int low = 32768;
            try
            {
                string[] range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split(new[] { ' ', '\t', '\n' }, StringSplitOptions.RemoveEmptyEntries);
                low = int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is FormatException || ex is IndexOutOfRangeException)
            {
            }
            int floor = Math.Min(10000, low / 2);
            lock (Ports) return Ports.Next(floor, low);
        }
    }
}
