using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.AccessControl;
using System.Security.Principal;

namespace PkiTools.Core.IO
{
    /// <summary>
    /// Says whether a file can be read by anyone but its owner. The seam behind <see cref="PasswordFile"/>: tests pass a
    /// fake, the default is <see cref="FilePermissions.Default"/> (Unix mode bits, or the ACL on Windows).
    /// </summary>
    public interface IFilePermissions
    {
        /// <summary>Null when only the owner (and on Windows SYSTEM and Administrators) can access the file; else why not, in words.</summary>
        string? WhyNotOwnerOnly(string path);
    }

    /// <summary>One access rule of a Windows ACL, reduced to what the owner-only decision needs.</summary>
    public readonly struct AccessRuleInfo
    {
        public AccessRuleInfo(string sid, bool allow, bool grantsAccess)
        {
            Sid = sid;
            Allow = allow;
            GrantsAccess = grantsAccess;
        }

        /// <summary>The trustee's SID (S-1-5-...).</summary>
        public string Sid { get; }

        /// <summary>An allow rule (deny rules never widen access).</summary>
        public bool Allow { get; }

        /// <summary>Whether the rule grants any read, write or control right.</summary>
        public bool GrantsAccess { get; }
    }

    /// <summary>The owner-only checks for Unix and Windows; the decisions are plain functions so both are unit-tested everywhere.</summary>
    public sealed class FilePermissions : IFilePermissions
    {
        /// <summary>The check for the platform this runs on.</summary>
        public static readonly IFilePermissions Default = new FilePermissions();

        /// <summary>Well-known SIDs that may hold rights on an owner-only file: LocalSystem and BUILTIN\Administrators.</summary>
        public const string LocalSystemSid = "S-1-5-18";
        public const string AdministratorsSid = "S-1-5-32-544";

        private static readonly Func<string, int>? GetUnixFileMode = BindGetUnixFileMode();

        public string? WhyNotOwnerOnly(string path)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return WindowsWhyNotOwnerOnly(path);
            if (GetUnixFileMode == null)
            {
                return "this runtime cannot read Unix file modes (File.GetUnixFileMode needs .NET 7 or later: use PowerShell 7.4 or later)";
            }
            return UnixWhyNotOwnerOnly(GetUnixFileMode(path));
        }

        /// <summary>Null when <paramref name="mode"/> has no group or other permission bit; else which bits are set.</summary>
        public static string? UnixWhyNotOwnerOnly(int mode)
        {
            int loose = mode & 0x3F; // 0077
            if (loose == 0) return null;
            return $"its mode is {Convert.ToString(mode & 0xFFF, 8).PadLeft(4, '0')}, which lets its group or others access it (chmod 600 it)";
        }

        /// <summary>
        /// Null when no allow rule grants access to anyone but <paramref name="ownerSid"/>, LocalSystem or Administrators;
        /// else who else has access.
        /// </summary>
        public static string? WindowsWhyNotOwnerOnly(string? ownerSid, IEnumerable<AccessRuleInfo> rules)
        {
            var others = new List<string>();
            foreach (AccessRuleInfo rule in rules)
            {
                if (!rule.Allow || !rule.GrantsAccess) continue;
                if (string.Equals(rule.Sid, ownerSid, StringComparison.OrdinalIgnoreCase)) continue;
                if (rule.Sid == LocalSystemSid || rule.Sid == AdministratorsSid) continue;
                if (!others.Contains(rule.Sid)) others.Add(rule.Sid);
            }
            if (others.Count == 0) return null;
            return $"its ACL also grants access to {string.Join(", ", others)} (allow only the owner, SYSTEM and Administrators, without inheritance)";
        }

        private static string? WindowsWhyNotOwnerOnly(string path)
        {
            FileSecurity security = new FileInfo(path).GetAccessControl();
            string? owner = security.GetOwner(typeof(SecurityIdentifier))?.Value;
            var rules = new List<AccessRuleInfo>();
            foreach (FileSystemAccessRule rule in security.GetAccessRules(includeExplicit: true, includeInherited: true, typeof(SecurityIdentifier)))
            {
                rules.Add(new AccessRuleInfo(rule.IdentityReference.Value, rule.AccessControlType == AccessControlType.Allow, rule.FileSystemRights != 0));
            }
            return WindowsWhyNotOwnerOnly(owner, rules);
        }

        private static Func<string, int>? BindGetUnixFileMode()
        {
            MethodInfo? method = typeof(File).GetMethod("GetUnixFileMode", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string) }, null);
            if (method == null) return null;
            return path => Convert.ToInt32(method.Invoke(null, new object[] { path }), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>
    /// A password kept in a file for scripts that run with no person present (cron, systemd, Task Scheduler): the first
    /// line, without its line break. The file must exist and be owner-only; the password is returned as a char[] the
    /// caller wipes, and the bytes read are wiped here. The password never appears in an error.
    /// </summary>
    public static class PasswordFile
    {
        /// <summary>The systemd credential (LoadCredential=/SetCredentialEncrypted=) looked up when no password is given.</summary>
        public const string DefaultCredentialName = "pkitools-ca-password";

        /// <summary>The environment variable systemd sets to the folder of a unit's credentials.</summary>
        public const string CredentialsDirectoryVariable = "CREDENTIALS_DIRECTORY";

        /// <summary>Password files are small: anything larger is not one.</summary>
        public const int MaxBytes = 64 * 1024;

        /// <summary>
        /// Reads the first line of <paramref name="path"/>: <see cref="PkiErrorCode.FileNotFound"/> when it is missing,
        /// <see cref="PkiErrorCode.PasswordFileInsecure"/> when anyone but the owner can access it (checked before a byte
        /// is read), <see cref="PkiErrorCode.InvalidArgument"/> when the first line is empty.
        /// </summary>
        public static char[] Read(string path, IFilePermissions? permissions = null)
        {
            string full = Path.GetFullPath(path);
            if (!File.Exists(full))
            {
                throw new PkiException(PkiErrorCode.FileNotFound, $"The password file '{full}' does not exist.", null, full);
            }
            string? why;
            try
            {
                why = (permissions ?? FilePermissions.Default).WhyNotOwnerOnly(full);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is TargetInvocationException)
            {
                throw new PkiException(PkiErrorCode.FileReadFailed, $"Could not check the permissions of the password file '{full}': {(ex.InnerException ?? ex).Message}", ex, full);
            }
            if (why != null)
            {
                throw new PkiException(PkiErrorCode.PasswordFileInsecure, $"The password file '{full}' is refused: {why}.", null, full);
            }
            byte[] bytes;
            try
            {
                var info = new FileInfo(full);
                if (info.Length > MaxBytes)
                {
                    throw new PkiException(PkiErrorCode.FileTooLarge, $"The password file '{full}' is {info.Length:N0} bytes; a password file holds one line.", null, full);
                }
                bytes = File.ReadAllBytes(full);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PkiException(PkiErrorCode.FileReadFailed, $"Could not read the password file '{full}': {ex.Message}", ex, full);
            }
            try
            {
                return FirstLine(bytes, full);
            }
            finally
            {
                Array.Clear(bytes, 0, bytes.Length);
            }
        }

        /// <summary>
        /// The systemd credential <paramref name="name"/> (default <see cref="DefaultCredentialName"/>) from
        /// <paramref name="credentialsDirectory"/> (the value of $CREDENTIALS_DIRECTORY). Null when there is no such
        /// folder or, for the default name, no such credential; a name given explicitly must exist.
        /// The owner-only check is not made here: systemd restricts the folder to the unit's user (and root), and on file
        /// systems with ACLs the credential's group mode bits show the ACL mask, so they would read as group-readable.
        /// </summary>
        public static char[]? ReadCredential(string? name, string? credentialsDirectory)
        {
            bool explicitName = !string.IsNullOrEmpty(name);
            string credential = explicitName ? name! : DefaultCredentialName;
            if (credential.IndexOfAny(new[] { '/', '\\' }) >= 0 || credential == "." || credential == "..")
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"'{credential}' is not a credential name: systemd credential names have no path separators.", null, credential);
            }
            if (string.IsNullOrEmpty(credentialsDirectory))
            {
                if (!explicitName) return null;
                throw new PkiException(PkiErrorCode.FileNotFound,
                    $"The credential '{credential}' was asked for, but ${CredentialsDirectoryVariable} is not set: run under a systemd unit with LoadCredential={credential}:<file>.", null, credential);
            }
            string path = Path.Combine(credentialsDirectory, credential);
            if (!File.Exists(path))
            {
                if (!explicitName) return null;
                throw new PkiException(PkiErrorCode.FileNotFound, $"The systemd credential '{credential}' is not in ${CredentialsDirectoryVariable} ('{credentialsDirectory}'): add LoadCredential={credential}:<file> to the unit.", null, path);
            }
            return Read(path, TrustedToSystemd.Instance);
        }

        private sealed class TrustedToSystemd : IFilePermissions
        {
            public static readonly TrustedToSystemd Instance = new TrustedToSystemd();

            public string? WhyNotOwnerOnly(string path) => null;
        }

        private static char[] FirstLine(byte[] bytes, string path)
        {
            int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0; // a UTF-8 BOM (Notepad)
            int end = start;
            while (end < bytes.Length && bytes[end] != (byte)'\n') end++;
            if (end > start && bytes[end - 1] == (byte)'\r') end--;
            if (end == start)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"The first line of the password file '{path}' is empty.", null, path);
            }
            var decoder = new System.Text.UTF8Encoding(false, true);
            try
            {
                var chars = new char[decoder.GetCharCount(bytes, start, end - start)];
                decoder.GetChars(bytes, start, end - start, chars, 0);
                return chars;
            }
            catch (ArgumentException ex)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"The password file '{path}' is not UTF-8 text.", ex, path);
            }
        }
    }
}
