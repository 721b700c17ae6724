using System;
using System.Globalization;
using System.Runtime.InteropServices;
using PkiTools.Core.Trust;

namespace PkiTools.Core.IO
{
    /// <summary>
    /// A file's Unix mode, owner and group, read before a file is replaced and given to its replacement, so a renewed
    /// key keeps 0640 root:ssl-cert (or whatever the service needs). Nothing on Windows, whose ACLs a rename keeps
    /// with the folder's inheritance.
    /// </summary>
    public sealed class UnixOwnership
    {
        private UnixOwnership(uint user, uint group, int mode)
        {
            User = user;
            Group = group;
            Mode = mode;
        }

        public uint User { get; }

        public uint Group { get; }

        /// <summary>The permission bits (0644 is 420).</summary>
        public int Mode { get; }

        /// <summary>The file's ownership, or null on Windows or when it cannot be read.</summary>
        public static UnixOwnership? Read(string path)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return null;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && _statx)
            {
                try
                {
                    return ReadStatx(path);
                }
                catch (Exception ex) when (ex is EntryPointNotFoundException || ex is DllNotFoundException)
                {
                    _statx = false; // a libc older than glibc 2.28 or musl 1.2.5: the stat program from now on
                }
            }
            return ReadWithStatProgram(path);
        }

        private static bool _statx = true;

        /// <summary>
        /// statx(2), whose struct has one layout on every Linux architecture (unlike stat's): stx_uid at byte 20, stx_gid
        /// at 24, stx_mode at 28. Follows symbolic links, as the owner that matters is the file's.
        /// </summary>
        internal static UnixOwnership? ReadStatx(string path)
        {
            const int AtFdCwd = -100;
            const uint Wanted = 0x2 | 0x8 | 0x10; // STATX_MODE | STATX_UID | STATX_GID
            var buffer = new byte[256];
            if (statx(AtFdCwd, path, 0, Wanted, buffer) != 0) return null;
            if ((BitConverter.ToUInt32(buffer, 0) & Wanted) != Wanted) return null;
            return new UnixOwnership(BitConverter.ToUInt32(buffer, 20), BitConverter.ToUInt32(buffer, 24), BitConverter.ToUInt16(buffer, 28) & 0xFFF);
        }

        /// <summary>The stat program (macOS, and Linux without statx): one process per file.</summary>
        internal static UnixOwnership? ReadWithStatProgram(string path)
        {
            bool mac = RuntimeInformation.IsOSPlatform(OSPlatform.OSX);
            ProcessResult r = SystemProcessRunner.Instance.Run(new ProcessCall("stat", mac ? new[] { "-L", "-f", "%u %g %Lp", path } : new[] { "-L", "-c", "%u %g %a", path }));
            string[] parts = r.StandardOutput.Trim().Split(' ');
            if (r.ExitCode != 0 || parts.Length != 3) return null;
            return new UnixOwnership(
                uint.Parse(parts[0], CultureInfo.InvariantCulture),
                uint.Parse(parts[1], CultureInfo.InvariantCulture),
                Convert.ToInt32(parts[2], 8));
        }

        /// <summary>Gives <paramref name="path"/> this mode, owner and group (the owner only when this process may).</summary>
        public void ApplyTo(string path)
        {
            CaFiles.SetMode(path, Mode);
            if (chown(path, User, Group) != 0 && geteuid() == 0)
            {
                throw new PkiException(PkiErrorCode.FileWriteFailed, $"Could not give '{path}' the owner {User}:{Group} (errno {Marshal.GetLastWin32Error()}).", null, path);
            }
        }

        public override string ToString() => $"{User}:{Group} {Convert.ToString(Mode, 8)}";

        [DllImport("libc", SetLastError = true)]
        private static extern int chown([MarshalAs(UnmanagedType.LPStr)] string path, uint owner, uint group);

        [DllImport("libc")]
        private static extern uint geteuid();

        [DllImport("libc", SetLastError = true)]
        private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPStr)] string path, int flags, uint mask, [Out] byte[] buffer);
    }
}
