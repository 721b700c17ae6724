using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace PkiTools.Tests
{
    /// <summary>
    /// For tests that change this machine's trust (Debian's /usr/local/share/ca-certificates): remembers the anchors and
    /// the bundle, and on Dispose (also after a failed assertion) removes every anchor the test added and rebuilds the
    /// bundle, so the machine is left as it was.
    /// </summary>
    public sealed class SystemTrustGuard : IDisposable
    {
        public const string Anchors = "/usr/local/share/ca-certificates";
        public const string Bundle = "/etc/ssl/certs/ca-certificates.crt";

        /// <summary>
        /// Held (flock, exclusive) while a test changes the system trust, so tests in other threads and other test
        /// processes (the README's Pester run takes it too) never see each other's anchors in the bundle they compare.
        /// </summary>
        public const string LockFile = "/tmp/pkitools-system-trust.lock";

        private readonly HashSet<string> _before;
        private readonly FileStream _lock;

        public SystemTrustGuard()
        {
            _lock = AcquireLock();
            _before = new HashSet<string>(Directory.Exists(Anchors) ? Directory.GetFiles(Anchors, "*", SearchOption.AllDirectories) : Array.Empty<string>());
            BundleBefore = File.Exists(Bundle) ? File.ReadAllBytes(Bundle) : Array.Empty<byte>();
        }

        /// <summary>Whether this process can change the system trust here (root, Debian's layout and command).</summary>
        public static bool Usable =>
            Environment.UserName == "root" && Directory.Exists(Anchors) && File.Exists("/usr/sbin/update-ca-certificates");

        public byte[] BundleBefore { get; }

        public IReadOnlyList<string> Added => Directory.Exists(Anchors)
            ? Directory.GetFiles(Anchors, "*", SearchOption.AllDirectories).Where(f => !_before.Contains(f)).ToList()
            : Array.Empty<string>();

        public void Dispose()
        {
            try
            {
                IReadOnlyList<string> added = Added;
                if (added.Count == 0) return;
                foreach (string file in added) File.Delete(file);
                using Process update = Process.Start(new ProcessStartInfo("update-ca-certificates", "--fresh") { RedirectStandardOutput = true, RedirectStandardError = true })!;
                update.StandardOutput.ReadToEnd();
                update.WaitForExit();
            }
            finally
            {
                _lock.Dispose();
            }
        }

        private static FileStream AcquireLock()
        {
            var waited = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    return new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                }
                catch (IOException) when (waited.Elapsed < TimeSpan.FromMinutes(10))
                {
                    System.Threading.Thread.Sleep(200);
                }
            }
        }
    }
}
