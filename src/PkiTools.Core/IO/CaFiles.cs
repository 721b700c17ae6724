using System;
using System.IO;
using System.Runtime.InteropServices;

namespace PkiTools.Core.IO
{
    /// <summary>
    /// The control files of a CA folder (key, certificate, ledger, serial, crlnumber, policy, config), which no output
    /// of any command may replace, with or without -Force; and the folder modes a CA needs whatever the umask.
    /// </summary>
    public static class CaFiles
    {
        /// <summary>Names protected in a CA folder (ours, an easy-rsa pki, an openssl demoCA).</summary>
        private static readonly string[] FolderNames =
        {
            "ca.crt", "cacert.pem", "chain.pem", "index.txt", "index.txt.attr", "index.txt.reasons", "index.txt.lock", "index.txt.old", "index.txt.attr.old",
            "serial", "serial.old", "crlnumber", "crlnumber.old", "policy.json", "openssl.cnf", "openssl-easyrsa.cnf", "safessl-easyrsa.cnf", "vars",
        };

        /// <summary>Names protected in a CA folder's private/.</summary>
        private static readonly string[] PrivateNames = { "ca.key", "cakey.pem" };

        /// <summary>Whether <paramref name="folder"/> holds a CA (its ledger, or its certificate with private/ holding its key).</summary>
        public static bool IsCaFolder(string folder) =>
            File.Exists(Path.Combine(folder, "index.txt"))
            || (File.Exists(Path.Combine(folder, "ca.crt")) && File.Exists(Path.Combine(folder, "private", "ca.key")))
            || (File.Exists(Path.Combine(folder, "cacert.pem")) && File.Exists(Path.Combine(folder, "private", "cakey.pem")));

        /// <summary>What the file is to the CA folder it sits in ("key", "ledger", ...), or null when it is no CA control file.</summary>
        public static string? ControlFileRole(string path)
        {
            string full;
            try
            {
                full = Path.GetFullPath(path);
            }
            catch (Exception)
            {
                return null;
            }
            string name = Path.GetFileName(full);
            string? folder = Path.GetDirectoryName(full);
            if (folder == null) return null;
            StringComparison cmp = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || RuntimeInformation.IsOSPlatform(OSPlatform.OSX)
                ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            if (Array.Exists(PrivateNames, n => string.Equals(n, name, cmp)) && string.Equals(Path.GetFileName(folder), "private", cmp))
            {
                string? parent = Path.GetDirectoryName(folder);
                if (parent != null && IsCaFolder(parent)) return "private key";
            }
            if (Array.Exists(FolderNames, n => string.Equals(n, name, cmp)) && IsCaFolder(folder))
            {
                return name.StartsWith("index.txt", cmp) ? "ledger" : name.StartsWith("ca", cmp) || name == "chain.pem" ? "certificate" : "control file";
            }
            return null;
        }

        /// <summary>FileExists when <paramref name="path"/> is one of a CA folder's own files: no output may land there.</summary>
        public static void RefuseCaControlFile(string path)
        {
            if (!File.Exists(path)) return; // a missing file may be restored (an offline root's key put back)
            string? role = ControlFileRole(path);
            if (role == null) return;
            RefuseOwnFile(path, role, Path.GetDirectoryName(Path.GetFullPath(path)) is string f && Path.GetFileName(f) == "private" ? Path.GetDirectoryName(f)! : Path.GetDirectoryName(Path.GetFullPath(path))!);
        }

        /// <summary>The error for an output that would replace a CA's own file.</summary>
        public static void RefuseOwnFile(string path, string role, string caFolder) =>
            throw new PkiException(PkiErrorCode.FileExists,
                $"'{path}' is the {role} of the CA in '{caFolder}' (one of the CA's own files): no output replaces it, even when forced; nothing was written.",
                null, path, new PkiHint("Choose another {0}.", "Path"));

        /// <summary>Creates a folder with an explicit mode on Unix (0755, or 0700 for private/), whatever the umask.</summary>
        /// <summary>The bytes of a control file's text (ASCII: serials, PEM, config).</summary>
        internal static byte[] Ascii(string text) => System.Text.Encoding.ASCII.GetBytes(text);

        public static void CreateFolder(string path, bool ownerOnly = false)
        {
            if (Directory.Exists(path)) return;
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                int mode = ownerOnly ? 0x1C0 : 0x1ED; // 0700 : 0755
                if (mkdir(path, mode) == 0)
                {
                    chmod(path, mode); // the umask can only remove bits; set them exactly anyway
                    return;
                }
            }
            Directory.CreateDirectory(path);
        }

        /// <summary>Sets a file's mode on Unix (no-op on Windows).</summary>
        public static void SetMode(string path, int mode)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return;
            chmod(path, mode);
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int mkdir([MarshalAs(UnmanagedType.LPStr)] string path, int mode);

        [DllImport("libc", SetLastError = true)]
        private static extern int chmod([MarshalAs(UnmanagedType.LPStr)] string path, int mode);
    }
}
