using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace PkiTools.Core.Trust
{
    /// <summary>One NSS database: its folder and whether it is the legacy Berkeley DB format (cert8.db, "dbm:").</summary>
    public sealed class NssDatabase
    {
        public NssDatabase(string folder, bool legacy)
        {
            Folder = folder;
            Legacy = legacy;
        }

        /// <summary>The full path of the folder holding cert9.db (or cert8.db).</summary>
        public string Folder { get; }

        /// <summary>Only cert8.db is there: the format Firefox used before version 58, which a running Firefox keeps locked.</summary>
        public bool Legacy { get; }

        /// <summary>What certutil takes after -d: "sql:FOLDER" or "dbm:FOLDER".</summary>
        public string Spec => (Legacy ? "dbm:" : "sql:") + Folder;

        /// <summary>The database at <paramref name="folder"/>, or null when the folder holds neither cert9.db nor cert8.db.</summary>
        public static NssDatabase? At(string folder)
        {
            string full = Path.GetFullPath(folder);
            if (full.Length > 1) full = full.TrimEnd('/', '\\');
            if (File.Exists(Path.Combine(full, "cert9.db"))) return new NssDatabase(full, false);
            if (File.Exists(Path.Combine(full, "cert8.db"))) return new NssDatabase(full, true);
            return null;
        }

        public override string ToString() => Spec;
    }

    /// <summary>
    /// Finds the current user's NSS databases the way browsers lay them out: Chromium's ~/.pki/nssdb (also in the
    /// Chromium snap and Flatpak) and every Firefox and Thunderbird profile, read from each profiles.ini (relative and
    /// absolute Path= entries) and from the profile folders beside it, in the classic, snap, Flatpak, XDG, macOS and
    /// Windows locations. mkcert misses snap and Flatpak Firefox, absolute Path= entries and profiles outside
    /// "*.default*" folders; those are all found here.
    /// </summary>
    internal static class NssDatabaseFinder
    {
        /// <summary>Folders that are an NSS database themselves (relative to the home folder).</summary>
        internal static readonly IReadOnlyList<string> DatabaseFolders = new[]
        {
            ".pki/nssdb",
            "snap/chromium/current/.pki/nssdb",
            ".var/app/org.chromium.Chromium/.pki/nssdb",
        };

        /// <summary>Folders holding a profiles.ini and profile folders (relative to the home folder).</summary>
        internal static readonly IReadOnlyList<string> ProfileRoots = new[]
        {
            ".mozilla/firefox",
            "snap/firefox/common/.mozilla/firefox",
            ".var/app/org.mozilla.firefox/.mozilla/firefox",
            ".var/app/org.mozilla.firefox/config/mozilla/firefox",
            ".config/mozilla/firefox",
            "Library/Application Support/Firefox",
            "AppData/Roaming/Mozilla/Firefox",
            ".thunderbird",
            "snap/thunderbird/common/.thunderbird",
            ".var/app/org.mozilla.Thunderbird/.thunderbird",
            "Library/Thunderbird",
            "AppData/Roaming/Thunderbird",
        };

        /// <summary>Every database found under <paramref name="home"/>, each once (by full path), in the order of the lists above.</summary>
        public static IReadOnlyList<NssDatabase> Find(string home)
        {
            var found = new List<NssDatabase>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            void Add(string folder)
            {
                NssDatabase? database;
                try
                {
                    database = NssDatabase.At(folder);
                }
                catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is PathTooLongException)
                {
                    return; // a Path= entry that is not a path
                }
                if (database != null && seen.Add(database.Folder)) found.Add(database);
            }

            foreach (string relative in DatabaseFolders) Add(Path.Combine(home, relative));
            foreach (string relative in ProfileRoots)
            {
                string root = Path.Combine(home, relative);
                if (!Directory.Exists(root)) continue;
                foreach (string profile in ProfilesIni(root)) Add(profile);
                foreach (string folder in Subfolders(root).Concat(Subfolders(Path.Combine(root, "Profiles")))) Add(folder);
            }
            return found;
        }

        /// <summary>Where <see cref="Find"/> looks, for the message when nothing is found.</summary>
        public static string Searched(string home) =>
            string.Join(", ", DatabaseFolders.Select(f => "~/" + f)) + " and the Firefox and Thunderbird profiles under " +
            string.Join(", ", ProfileRoots.Select(r => "~/" + r));

        /// <summary>The profile folders a profiles.ini in <paramref name="root"/> names, relative (IsRelative=1, the default) or absolute.</summary>
        internal static IEnumerable<string> ProfilesIni(string root)
        {
            string ini = Path.Combine(root, "profiles.ini");
            if (!File.Exists(ini)) return Array.Empty<string>();
            string[] lines;
            try
            {
                if (new FileInfo(ini).Length > 1 << 20) return Array.Empty<string>();
                lines = File.ReadAllLines(ini);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return Array.Empty<string>();
            }
            var profiles = new List<string>();
            string? path = null;
            bool relative = true, inProfile = false;
            void Flush()
            {
                if (inProfile && !string.IsNullOrEmpty(path))
                {
                    string p = path!.Replace('\\', '/');
                    profiles.Add(relative && !Path.IsPathRooted(p) ? Path.Combine(root, p) : p);
                }
                path = null;
                relative = true;
            }
            foreach (string raw in lines)
            {
                string line = raw.Trim();
                if (line.StartsWith("[", StringComparison.Ordinal))
                {
                    Flush();
                    inProfile = line.StartsWith("[Profile", StringComparison.OrdinalIgnoreCase);
                    continue;
                }
                int eq = line.IndexOf('=');
                if (!inProfile || eq <= 0) continue;
                string key = line.Substring(0, eq).Trim(), value = line.Substring(eq + 1).Trim();
                if (key.Equals("Path", StringComparison.OrdinalIgnoreCase)) path = value;
                else if (key.Equals("IsRelative", StringComparison.OrdinalIgnoreCase)) relative = value != "0";
            }
            Flush();
            return profiles;
        }

        private static IEnumerable<string> Subfolders(string folder)
        {
            if (!Directory.Exists(folder)) return Array.Empty<string>();
            try
            {
                return Directory.GetDirectories(folder).OrderBy(d => d, StringComparer.Ordinal).ToList();
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return Array.Empty<string>();
            }
        }
    }
}
