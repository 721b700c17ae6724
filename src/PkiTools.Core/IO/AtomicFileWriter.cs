using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.AccessControl;
using System.Security.Principal;
using Microsoft.Win32.SafeHandles;

namespace PkiTools.Core.IO
{
    /// <summary>One file to write: its full path, content, and whether it holds a secret (owner-only).</summary>
    public sealed class OutputFile
    {
        public OutputFile(string path, byte[] content, bool secret)
        {
            FilePath = path;
            Content = content;
            Secret = secret;
        }

        public string FilePath { get; }

        public byte[] Content { get; }

        public bool Secret { get; }
    }

    /// <summary>A set of files written all-or-nothing (<see cref="AtomicFileWriter.WriteGroups"/>).</summary>
    internal sealed class FileGroup
    {
        public FileGroup(IReadOnlyList<OutputFile> files, bool overwrite, bool caOwned)
        {
            Files = files;
            Overwrite = overwrite;
            CaOwned = caOwned;
        }

        public IReadOnlyList<OutputFile> Files { get; }

        public bool Overwrite { get; }

        public bool CaOwned { get; }
    }

    /// <summary>
    /// Writes files so that nothing is ever half-written: each goes to a temporary file in the target folder (created
    /// owner-only before the first byte when it is secret: 0600 on Unix, an owner-only ACL on Windows) and is renamed
    /// into place. A set of files is all-or-nothing: existing targets are refused up front (unless overwriting), and
    /// files already placed are removed again if a later one fails.
    /// </summary>
    public static class AtomicFileWriter
    {
        /// <summary>Writes every file, or none. Throws <see cref="PkiErrorCode.FileExists"/> or <see cref="PkiErrorCode.FileWriteFailed"/>.</summary>
        public static void WriteAll(IReadOnlyList<OutputFile> files, bool overwrite) => WriteAll(files, overwrite, caOwned: false);

        /// <summary>
        /// <paramref name="caOwned"/>: the CA itself rewrites its own control files (crlnumber, index.txt, ...); every
        /// other writer is refused on them (<see cref="CaFiles.RefuseCaControlFile"/>), with or without overwrite.
        /// </summary>
        internal static void WriteAll(IReadOnlyList<OutputFile> files, bool overwrite, bool caOwned)
        {
            PkiException? error = WriteGroups(new[] { new FileGroup(files, overwrite, caOwned) })[0];
            if (error != null) throw error;
        }

        /// <summary>
        /// Writes independent groups of files (the files of many certificates): each group all-or-nothing as in
        /// <see cref="WriteAll(IReadOnlyList{OutputFile}, bool)"/>, a failed group leaving nothing and not stopping the
        /// others. Every file is on disk before any is renamed into place; many files are flushed with one syncfs(2) on
        /// Linux instead of one fsync each. Returns, per group, null when written or the reason it was not.
        /// </summary>
        internal static PkiException?[] WriteGroups(IReadOnlyList<FileGroup> groups)
        {
            var errors = new PkiException?[groups.Count];
            var staged = new List<(string Temp, string Target)>?[groups.Count];
            int total = 0;
            foreach (FileGroup group in groups) total += group.Files.Count;
            bool batchFlush = total > 2 && RuntimeInformation.IsOSPlatform(OSPlatform.Linux);
            var folders = new HashSet<string>(StringComparer.Ordinal);
            var existingFolders = new HashSet<string>(StringComparer.Ordinal);
            var placedTemps = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                for (int g = 0; g < groups.Count; g++)
                {
                    FileGroup group = groups[g];
                    var temps = new List<(string Temp, string Target)>(group.Files.Count);
                    try
                    {
                        CheckTargets(group, existingFolders);
                        foreach (OutputFile file in group.Files)
                        {
                            string full = System.IO.Path.GetFullPath(file.FilePath);
                            string temp = TemporaryBeside(full);
                            temps.Add((temp, full));
                            WriteNew(temp, file.Content, file.Secret, flush: !batchFlush);
                            folders.Add(System.IO.Path.GetDirectoryName(full) ?? ".");
                        }
                        staged[g] = temps;
                    }
                    catch (Exception ex) when (ex is PkiException || ex is IOException || ex is UnauthorizedAccessException || ex is PlatformNotSupportedException)
                    {
                        foreach ((string temp, _) in temps) TryDelete(temp);
                        errors[g] = ex as PkiException ?? new PkiException(PkiErrorCode.FileWriteFailed, $"Could not write '{temps[temps.Count - 1].Target}': {ex.Message}", ex, temps[temps.Count - 1].Target);
                    }
                }
                if (batchFlush) SyncFileSystems(folders);
                for (int g = 0; g < groups.Count; g++)
                {
                    if (staged[g] is not List<(string Temp, string Target)> temps) continue;
                    var placed = new List<string>();
                    try
                    {
                        foreach ((string temp, string target) in temps)
                        {
                            // Without overwrite a target that existed refuses the rename, so only an overwrite needs the look.
                            bool existed = groups[g].Overwrite && File.Exists(target);
                            PlaceChecked(temp, target, groups[g].Overwrite);
                            placedTemps.Add(temp);
                            if (!existed) placed.Add(target);
                        }
                    }
                    catch (Exception ex) when (ex is PkiException || ex is IOException || ex is UnauthorizedAccessException || ex is PlatformNotSupportedException)
                    {
                        foreach (string path in placed) TryDelete(path);
                        errors[g] = ex as PkiException ?? new PkiException(PkiErrorCode.FileWriteFailed, $"Writing the output failed: {ex.Message}", ex);
                    }
                }
            }
            finally
            {
                // Whatever happened, no temporary copy outlives the write: a key must not linger.
                foreach (List<(string Temp, string Target)>? temps in staged)
                {
                    if (temps == null) continue;
                    foreach ((string temp, _) in temps)
                    {
                        if (!placedTemps.Contains(temp)) TryDelete(temp);
                    }
                }
            }
            return errors;
        }

        /// <summary>Existing targets (unless overwriting), a CA control file (unless the CA writes it), a missing folder, a target twice: refused before anything is written.
        /// <paramref name="existingFolders"/>: folders already seen to exist in this write, looked at once.</summary>
        private static void CheckTargets(FileGroup group, HashSet<string> existingFolders)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (OutputFile file in group.Files)
            {
                if (!seen.Add(System.IO.Path.GetFullPath(file.FilePath)))
                {
                    throw new PkiException(PkiErrorCode.InvalidArgument, $"Two outputs would be written to the same file '{file.FilePath}'.", null, file.FilePath);
                }
                if (!group.CaOwned) CaFiles.RefuseCaControlFile(file.FilePath);
                if (!group.Overwrite && (File.Exists(file.FilePath) || Directory.Exists(file.FilePath)))
                {
                    throw new PkiException(PkiErrorCode.FileExists,
                        $"The file '{file.FilePath}' already exists.", null, file.FilePath, new PkiHint("Use {0} to replace it, or choose another {1}.", "Force", "Path"));
                }
                string? folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file.FilePath));
                if (folder == null || (!existingFolders.Contains(folder) && !Directory.Exists(folder)))
                {
                    throw new PkiException(PkiErrorCode.FileWriteFailed, $"The folder '{folder}' does not exist.", null, file.FilePath);
                }
                existingFolders.Add(folder);
            }
        }

        /// <summary>Renames a written temporary file into place; an existing target without overwrite is FileExists.</summary>
        private static void PlaceChecked(string temp, string target, bool overwrite)
        {
            try
            {
                Place(temp, target, overwrite);
            }
            catch (IOException ex) when (!overwrite && File.Exists(target))
            {
                throw new PkiException(PkiErrorCode.FileExists, $"The file '{target}' already exists.", ex, target, new PkiHint("Use {0} to replace it.", "Force"));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is PlatformNotSupportedException)
            {
                throw new PkiException(PkiErrorCode.FileWriteFailed, $"Could not write '{target}': {ex.Message}", ex, target);
            }
        }

        /// <summary>Flushes the file systems holding <paramref name="folders"/> (Linux syncfs(2)); an error is a failed write.</summary>
        private static void SyncFileSystems(IEnumerable<string> folders)
        {
            foreach (string folder in folders)
            {
                int fd = Native.open(folder, Native.O_RDONLY | Native.O_CLOEXEC, 0);
                if (fd < 0) throw new IOException($"Could not open '{folder}' to flush it (errno {Marshal.GetLastWin32Error()}).");
                try
                {
                    if (Native.syncfs(fd) != 0) throw new IOException($"Flushing the file system of '{folder}' failed (errno {Marshal.GetLastWin32Error()}).");
                }
                finally
                {
                    Native.close(fd);
                }
            }
        }

        /// <summary>Writes one file atomically.</summary>
        public static void Write(string path, byte[] content, bool secret, bool overwrite) => Write(path, content, secret, overwrite, caOwned: false);

        /// <summary>
        /// The temporary files of Write: ".&lt;name&gt;.&lt;12 hex digits&gt;.tmp" beside the target. A process killed
        /// between creating and renaming one leaves it behind; <see cref="SweepStaleTemporaryFiles"/> removes such files.
        /// </summary>
        public static readonly System.Text.RegularExpressions.Regex TemporaryName =
            new System.Text.RegularExpressions.Regex(@"^\..+\.[0-9a-f]{12}\.tmp$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        /// <summary>
        /// Deletes files in <paramref name="folder"/> named exactly like our temporary files and last written before
        /// <paramref name="olderThanUtc"/> (the caller holds the lock every writer of the folder takes, so they belong to
        /// killed processes). Other files are never touched. Returns the paths deleted.
        /// </summary>
        public static IReadOnlyList<string> SweepStaleTemporaryFiles(string folder, DateTime olderThanUtc)
        {
            var deleted = new List<string>();
            if (!Directory.Exists(folder)) return deleted;
            foreach (string path in Directory.EnumerateFiles(folder, ".*.tmp", SearchOption.TopDirectoryOnly))
            {
                if (!TemporaryName.IsMatch(System.IO.Path.GetFileName(path))) continue;
                try
                {
                    if (File.GetLastWriteTimeUtc(path) >= olderThanUtc) continue;
                    File.Delete(path);
                    deleted.Add(path);
                }
                catch (IOException)
                {
                    // best effort: swept again at the next change
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
            return deleted;
        }

        internal static void Write(string path, byte[] content, bool secret, bool overwrite, bool caOwned)
        {
            string full = System.IO.Path.GetFullPath(path);
            if (!caOwned) CaFiles.RefuseCaControlFile(full);
            string temp = TemporaryBeside(full);
            try
            {
                WriteNew(temp, content, secret);
                Place(temp, full, overwrite);
            }
            catch (PkiException)
            {
                TryDelete(temp);
                throw;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is PlatformNotSupportedException)
            {
                TryDelete(temp);
                if (!overwrite && File.Exists(full))
                {
                    throw new PkiException(PkiErrorCode.FileExists, $"The file '{path}' already exists.", ex, path, new PkiHint("Use {0} to replace it.", "Force"));
                }
                throw new PkiException(PkiErrorCode.FileWriteFailed, $"Could not write '{path}': {ex.Message}", ex, path);
            }
            finally
            {
                // Whatever happened (any exception type), no temporary copy outlives the write: a key must not linger.
                TryDelete(temp);
            }
        }

        /// <summary>
        /// The first half of a write that must land together with others: the content goes to a fresh temporary file
        /// beside <paramref name="target"/> (owner-only before the first byte when <paramref name="secret"/>), then
        /// <paramref name="prepare"/> may set its mode and owner. <see cref="Commit"/> renames it into place; a caller that
        /// gives up deletes it (<see cref="Discard"/>). Returns the temporary path.
        /// </summary>
        internal static string Stage(string target, byte[] content, bool secret, Action<string>? prepare = null)
        {
            string full = System.IO.Path.GetFullPath(target);
            CaFiles.RefuseCaControlFile(full);
            string temp = TemporaryBeside(full);
            try
            {
                WriteNew(temp, content, secret);
                prepare?.Invoke(temp);
                return temp;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is PkiException)
            {
                TryDelete(temp);
                if (ex is PkiException) throw;
                throw new PkiException(PkiErrorCode.FileWriteFailed, $"Could not write '{target}': {ex.Message}", ex, target);
            }
        }

        /// <summary>".&lt;name&gt;.&lt;12 hex&gt;.tmp" beside the target (<see cref="TemporaryName"/>).</summary>
        private static string TemporaryBeside(string full) =>
            System.IO.Path.Combine(System.IO.Path.GetDirectoryName(full) ?? ".", "." + System.IO.Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N").Substring(0, 12) + ".tmp");

        /// <summary>Creates <paramref name="temp"/> (owner-only before the first byte when secret), writes and flushes it to disk.</summary>
        private static void WriteNew(string temp, byte[] content, bool secret, bool flush = true)
        {
            using FileStream stream = CreateNew(temp, secret);
            stream.Write(content, 0, content.Length);
            stream.Flush(flush);
        }

        /// <summary>Renames a staged file over <paramref name="target"/> (atomic on one file system).</summary>
        internal static void Commit(string temp, string target) => Place(temp, System.IO.Path.GetFullPath(target), overwrite: true);

        /// <summary>Deletes a staged file that will not be committed.</summary>
        internal static void Discard(string temp) => TryDelete(temp);

        private static void Place(string temp, string target, bool overwrite)
        {
            if (overwrite && File.Exists(target))
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                {
                    File.Replace(temp, target, null);
                }
                else if (Native.rename(temp, target) != 0)
                {
                    throw new IOException($"rename failed with errno {Marshal.GetLastWin32Error()}");
                }
                return;
            }
            // No overwrite: a file created meanwhile is never clobbered. On Linux one renameat2(RENAME_NOREPLACE); File.Move
            // (link + unlink there) where the file system or the kernel cannot.
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && _renameNoReplace)
            {
                try
                {
                    if (Native.renameat2(Native.AT_FDCWD, temp, Native.AT_FDCWD, target, Native.RENAME_NOREPLACE) == 0) return;
                    int errno = Marshal.GetLastWin32Error();
                    if (errno == Native.EEXIST) throw new IOException($"'{target}' already exists.");
                    if (errno != Native.EINVAL && errno != Native.ENOSYS && errno != Native.ENOTSUP) throw new IOException($"rename failed with errno {errno}");
                }
                catch (EntryPointNotFoundException)
                {
                    // a C library without renameat2
                }
                _renameNoReplace = false;
            }
            File.Move(temp, target);
        }

        private static bool _renameNoReplace = true;

        private static FileStream CreateNew(string path, bool secret)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return secret ? CreateOwnerOnlyWindows(path) : new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            }
            // Explicit modes whatever the umask (a umask of 000 or 002 must not make a ledger or a policy writable by
            // others): 0600 for secrets, 0644 for the rest. The umask can only take bits away.
            return CreateUnix(path, secret ? 0x180 : 0x1A4);
        }

        private static FileStream CreateUnix(string path, int mode)
        {
            int ownerReadWrite = mode;
            // open(2) is variadic, and on Apple arm64 variadic arguments travel on the stack, which P/Invoke does not
            // do: macOS uses creat(2), whose mode is a fixed argument (the temporary name is random and fresh).
            int fd = RuntimeInformation.IsOSPlatform(OSPlatform.OSX)
                ? Native.creat(path, ownerReadWrite)
                : Native.open(path, Native.O_WRONLY | Native.O_CREAT | Native.O_EXCL | Native.O_CLOEXEC, ownerReadWrite);
            if (fd < 0)
            {
                throw new IOException($"Could not create '{path}' (errno {Marshal.GetLastWin32Error()}).");
            }
            var handle = new SafeFileHandle(new IntPtr(fd), ownsHandle: true);
            return new FileStream(handle, FileAccess.Write);
        }

        private static FileStream CreateOwnerOnlyWindows(string path)
        {
            var security = new FileSecurity();
            security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
            SecurityIdentifier owner = WindowsIdentity.GetCurrent().User!;
            security.SetOwner(owner);
            security.AddAccessRule(new FileSystemAccessRule(owner, FileSystemRights.FullControl, AccessControlType.Allow));
            return new FileInfo(path).Create(FileMode.CreateNew, FileSystemRights.Write | FileSystemRights.ReadData | FileSystemRights.Delete, FileShare.None, 4096, FileOptions.None, security);
        }

        private static void TryDelete(string path)
        {
            try
            {
                if (File.Exists(path)) File.Delete(path);
            }
            catch (Exception)
            {
                // Best effort: the temporary name never collides with a real output.
            }
        }

        private static class Native
        {
            public const int AT_FDCWD = -100;
            public const uint RENAME_NOREPLACE = 1;
            public const int EEXIST = 17;
            public const int EINVAL = 22;
            public const int ENOSYS = 38;
            public const int ENOTSUP = 95;
            public const int O_RDONLY = 0x0;
            public const int O_WRONLY = 0x1;
            public const int O_CREAT = 0x40;
            public const int O_EXCL = 0x80;
            public const int O_CLOEXEC = 0x80000;

            [DllImport("libc", SetLastError = true)]
            public static extern int open([MarshalAs(UnmanagedType.LPStr)] string path, int flags, int mode);

            [DllImport("libc", SetLastError = true)]
            public static extern int creat([MarshalAs(UnmanagedType.LPStr)] string path, int mode);

            [DllImport("libc", SetLastError = true)]
            public static extern int syncfs(int fd);

            [DllImport("libc", SetLastError = true)]
            public static extern int renameat2(int oldDirFd, [MarshalAs(UnmanagedType.LPStr)] string oldPath, int newDirFd, [MarshalAs(UnmanagedType.LPStr)] string newPath, uint flags);

            [DllImport("libc", SetLastError = true)]
            public static extern int close(int fd);

            [DllImport("libc", SetLastError = true)]
            public static extern int rename([MarshalAs(UnmanagedType.LPStr)] string oldPath, [MarshalAs(UnmanagedType.LPStr)] string newPath);
        }
    }
}
