using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using PkiTools.Core.Formats;

namespace PkiTools.Core.Trust
{
    /// <summary>
    /// NSS databases (-Store Nss): Firefox, Thunderbird and Chromium on Linux keep their own trust there. Every change
    /// goes through certutil (libnss3-tools), one result per database, and is read back with <c>certutil -L</c>.
    /// The databases are the ones given (each must already be an NSS database: a mistyped folder is refused rather
    /// than a new, unused database created there) or else every one <see cref="NssDatabaseFinder"/> finds for the user.
    /// certutil never prompts: standard input is closed and <c>-f /dev/null</c> answers any password question with an
    /// empty password, so a database with a primary password fails with <see cref="PkiErrorCode.StoreAccessDenied"/>.
    /// </summary>
    public sealed class NssTrustStore : ITrustStore
    {
        internal const string Program = "certutil";

        /// <summary>Where Homebrew puts certutil on macOS, where it is not on PATH (keg-only).</summary>
        private static readonly string[] HomebrewCertutil = { "/opt/homebrew/opt/nss/bin/certutil", "/usr/local/opt/nss/bin/certutil" };

        private static readonly Regex ListRow = new Regex(@"^(?<nick>\S.*?)\s+(?<trust>[A-Za-z]*,[A-Za-z]*,[A-Za-z]*)\s*$", RegexOptions.CultureInvariant);

        private readonly TrustEnvironment _environment;
        private readonly IReadOnlyList<string> _given;
        private string? _certutil;

        public NssTrustStore(TrustEnvironment environment, IReadOnlyList<string>? databases = null)
        {
            _environment = environment;
            _given = databases ?? Array.Empty<string>();
        }

        public string Name => TrustStores.Nss;

        private TimeSpan Timeout => TimeSpan.FromSeconds(30);

        /// <summary>certutil's path: on PATH, or in Homebrew's nss keg on macOS.</summary>
        private string Certutil => _certutil ??= FindCertutil();

        public IReadOnlyList<string> Locations()
        {
            _ = Certutil;
            if (_given.Count > 0) return _given.Select(g => Given(g).Folder).Distinct(StringComparer.Ordinal).ToList();
            IReadOnlyList<NssDatabase> found = NssDatabaseFinder.Find(_environment.Home);
            if (found.Count == 0)
            {
                throw new PkiException(PkiErrorCode.StoreUnavailable,
                    $"No NSS database was found for this user (looked in {NssDatabaseFinder.Searched(_environment.Home)}); a browser creates one when it first starts.", null, _environment.Home,
                    new PkiHint("Start the browser once, or give the database folder as {0}.", "NssDatabase"), "NssDatabase");
            }
            return found.Select(d => d.Folder).ToList();
        }

        public IReadOnlyList<string> PlanInstall(X509Certificate2 certificate, string location)
        {
            NssDatabase database = Database(location);
            return new[]
            {
                "write a temporary PEM file",
                "run " + AddCall(database, Nickname(certificate), "C,,", "<that file>"),
                $"run {ListCall(database)} and {ExportCall(database, Nickname(certificate))} to read it back",
            };
        }

        public IReadOnlyList<string> PlanUninstall(string thumbprint, string location)
        {
            NssDatabase database = Database(location);
            Scan scan = Read(database);
            return scan.Holders(thumbprint).Select(n => "run " + DeleteCall(database, n))
                .Concat(new[] { $"run {ListCall(database)} and export each nickname to read it back" }).ToList();
        }

        public TrustStoreResult Install(X509Certificate2 certificate, string location)
        {
            NssDatabase database = Database(location);
            string thumbprint = certificate.Thumbprint;
            Scan before = Read(database);
            IReadOnlyList<string> holders = before.Holders(thumbprint);
            string trust = "C,,";
            if (holders.Count > 0)
            {
                string present = TrustOf(database, before, holders[0], thumbprint);
                if (SslTrustedCa(present))
                {
                    return Result(TrustAction.AlreadyPresent, database, true, $"Already a trusted CA in {database.Spec} as '{holders[0]}' (trust {present}).", certificate);
                }
                trust = WithSslCa(present);
            }
            RefuseIfNotWritable(database);
            string nickname = Nickname(certificate);
            ProcessCall add;
            using (var temp = new TrustStoreFiles.TemporaryPem(certificate))
            {
                add = AddCall(database, nickname, trust, temp.FilePath);
                ProcessResult result = _environment.Runner.Run(add);
                if (result.ExitCode != 0 && holders.Count == 0) RemoveUntrustedLeftover(database, thumbprint);
                Check(result, add, database, AddCall(database, nickname, trust, "root.crt"));
            }
            Scan after = Read(database, holders.Concat(new[] { nickname }));
            if (after.Holders(thumbprint).Count == 0) after = Read(database); // under a nickname certutil chose
            IReadOnlyList<string> now = after.Holders(thumbprint);
            string? trustNow = now.Count > 0 ? TrustOf(database, after, now[0], thumbprint) : null;
            bool exact = now.Count > 0 && after.Certificates(now[0]).Any(d => d.SequenceEqual(certificate.RawData));
            bool verified = exact && trustNow != null && SslTrustedCa(trustNow);
            string message = !verified
                ? $"certutil ran, but {database.Spec} does not show the certificate as a trusted CA" + (trustNow != null ? $" (trust {trustNow})." : ".")
                : holders.Count > 0
                    ? $"Trusted as a CA in {database.Spec}: the certificate was already there as '{now[0]}' and its trust is now {trustNow}."
                    : $"Added to {database.Spec} as '{now[0]}' with trust {trustNow}; read back with certutil -L.";
            return Result(verified ? TrustAction.Installed : TrustAction.Failed, database, verified, message, certificate);
        }

        public TrustStoreResult Uninstall(string thumbprint, string location)
        {
            NssDatabase database = Database(location);
            Scan scan = Read(database);
            IReadOnlyList<string> holders = scan.Holders(thumbprint);
            if (holders.Count == 0)
            {
                return new TrustStoreResult(Name, TrustAction.NotFound, database.Folder, true, $"No certificate with this thumbprint is in {database.Spec}.", thumbprint, "");
            }
            RefuseIfNotWritable(database);
            string subject = scan.Find(thumbprint) is byte[] found ? new X509Certificate2(found).Subject : "";
            var deleted = new List<string>();
            // Read-backs export only these nicknames: the certificate, and any other with its subject, can only be there.
            var group = new HashSet<string>(holders, StringComparer.Ordinal);
            // certutil deletes by nickname, and a nickname lookup also matches other certificates with the same subject
            // (a re-issued CA): each deletion is read back, and a certificate removed by mistake is put back as it was.
            foreach (string nickname in holders.OrderByDescending(n => n.EndsWith(thumbprint.Substring(0, 8), StringComparison.OrdinalIgnoreCase)).ToList())
            {
                var keep = scan.Certificates(nickname).Where(d => !TrustStoreFiles.SameThumbprint(d, thumbprint))
                    .Select(d => (Der: d, Trust: TrustOf(database, scan, nickname, TrustStoreFiles.Sha1Hex(d)))).ToList();
                ProcessCall delete = DeleteCall(database, nickname);
                Check(_environment.Runner.Run(delete), delete, database, DeleteCall(database, nickname));
                Scan after = Read(database, group);
                foreach (var (der, trust) in keep.Where(k => after.Find(TrustStoreFiles.Sha1Hex(k.Der)) == null))
                {
                    using var temp = new TrustStoreFiles.TemporaryPem(new X509Certificate2(der));
                    ProcessCall restore = AddCall(database, nickname, trust, temp.FilePath);
                    Check(_environment.Runner.Run(restore), restore, database, restore);
                    after = Read(database, group);
                }
                deleted.Add(nickname);
                scan = after;
                if (scan.Find(thumbprint) == null) break;
            }
            bool gone = scan.Find(thumbprint) == null;
            return new TrustStoreResult(Name, gone ? TrustAction.Removed : TrustAction.Failed, database.Folder, gone,
                gone ? $"Removed '{deleted.Last()}' from {database.Spec}; certutil -L no longer shows it."
                     : $"certutil removed {string.Join(", ", deleted.Select(n => "'" + n + "'"))}, but {database.Spec} still holds the certificate.",
                thumbprint, subject);
        }

        public IReadOnlyList<X509Certificate2> List(string location)
        {
            Scan scan = Read(Database(location));
            return scan.All.Select(d => new X509Certificate2(d)).ToList();
        }

        /// <summary>"PkiTools &lt;CN&gt; &lt;first 8 hex of the thumbprint&gt;": readable in the browser's certificate manager, unique by thumbprint. No colon (NSS reads "a:b" as token "a").</summary>
        internal static string Nickname(X509Certificate2 certificate)
        {
            string cn = certificate.GetNameInfo(X509NameType.SimpleName, false) ?? "";
            var safe = new StringBuilder();
            foreach (char c in cn)
            {
                if (safe.Length >= 48) break;
                safe.Append(char.IsControl(c) || c == ':' || c == '"' || c == '\\' ? '-' : c);
            }
            string name = Regex.Replace(safe.ToString(), @"\s+", " ").Trim();
            return "PkiTools " + (name.Length > 0 ? name + " " : "") + certificate.Thumbprint.Substring(0, 8).ToLowerInvariant();
        }

        internal ProcessCall ListCall(NssDatabase database) => new ProcessCall(Certutil, new[] { "-L", "-d", database.Spec }, timeout: Timeout);

        internal ProcessCall ExportCall(NssDatabase database, string nickname) => new ProcessCall(Certutil, new[] { "-L", "-d", database.Spec, "-n", nickname, "-a" }, timeout: Timeout);

        internal ProcessCall DescribeCall(NssDatabase database, string nickname) => new ProcessCall(Certutil, new[] { "-L", "-d", database.Spec, "-n", nickname }, timeout: Timeout);

        internal ProcessCall AddCall(NssDatabase database, string nickname, string trust, string file) =>
            new ProcessCall(Certutil, new[] { "-A", "-d", database.Spec, "-t", trust, "-n", nickname, "-i", file, "-f", NoPassword }, timeout: Timeout);

        internal ProcessCall DeleteCall(NssDatabase database, string nickname) =>
            new ProcessCall(Certutil, new[] { "-D", "-d", database.Spec, "-n", nickname, "-f", NoPassword }, timeout: Timeout);

        /// <summary>An empty password file: certutil reads it instead of asking on the terminal.</summary>
        private string NoPassword => _environment.Platform == TrustPlatform.Windows ? "NUL" : "/dev/null";

        private string FindCertutil()
        {
            if (_environment.Runner.Exists(Program)) return Program;
            if (_environment.Platform == TrustPlatform.MacOS)
            {
                foreach (string path in HomebrewCertutil)
                {
                    string candidate = _environment.SystemPath(path);
                    if (_environment.Runner.Exists(candidate)) return candidate;
                }
            }
            throw new PkiException(PkiErrorCode.StoreUnavailable,
                "certutil, which changes NSS databases (Firefox, Chromium on Linux, Thunderbird), is not installed; install the package libnss3-tools (Debian/Ubuntu), nss-tools (RHEL/Fedora/openSUSE) or nss (Arch; Homebrew on macOS).",
                null, Program);
        }

        /// <summary>A location given by the caller (optionally with certutil's "sql:"/"dbm:" prefix) or returned by <see cref="Locations"/>.</summary>
        private NssDatabase Database(string location)
        {
            _ = Certutil;
            return Given(location);
        }

        private static NssDatabase Given(string folder)
        {
            string path = folder;
            if (path.StartsWith("sql:", StringComparison.OrdinalIgnoreCase) || path.StartsWith("dbm:", StringComparison.OrdinalIgnoreCase)) path = path.Substring(4);
            NssDatabase? database = path.Length == 0 ? null : NssDatabase.At(path);
            if (database != null) return database;
            throw new PkiException(PkiErrorCode.StoreUnavailable,
                Directory.Exists(path)
                    ? $"'{path}' holds no NSS database (neither cert9.db nor cert8.db); PkiTools does not create one where no program reads it. To make one: certutil -N --empty-password -d sql:{path}"
                    : $"The NSS database folder '{path}' does not exist.",
                null, folder, new PkiHint("Give the folder of an existing database (a browser profile, ~/.pki/nssdb) as {0}.", "NssDatabase"), "NssDatabase");
        }

        /// <summary>A database owned by another user: refused before certutil runs, which would only say "read-only database".</summary>
        private void RefuseIfNotWritable(NssDatabase database)
        {
            foreach (string file in database.Legacy ? new[] { "cert8.db", "key3.db" } : new[] { "cert9.db", "key4.db" })
            {
                string path = Path.Combine(database.Folder, file);
                if (File.Exists(path) && !TrustStoreFiles.MayWrite(path))
                {
                    throw new PkiException(PkiErrorCode.StoreAccessDenied,
                        $"This user may not change the NSS database {database.Folder} ({file} belongs to another user); nothing was changed. Run the same command as the user whose browser uses it.", null, database.Folder);
                }
            }
        }

        /// <summary>certutil -A on a database with a primary password stores the certificate and then fails to set its trust: that certificate is taken out again.</summary>
        private void RemoveUntrustedLeftover(NssDatabase database, string thumbprint)
        {
            try
            {
                foreach (string nickname in Read(database).Holders(thumbprint)) _environment.Runner.Run(DeleteCall(database, nickname));
            }
            catch (PkiException)
            {
                // best effort: the failure being reported is the one that matters
            }
        }

        /// <summary>Turns certutil's failure into the error a person can act on; <paramref name="shown"/> is the command to suggest.</summary>
        private static void Check(ProcessResult result, ProcessCall call, NssDatabase database, ProcessCall shown)
        {
            if (result.ExitCode == 0) return;
            string line = result.FirstErrorLine;
            if (result.Mentions("SEC_ERROR_BAD_PASSWORD", "SEC_ERROR_TOKEN_NOT_LOGGED_IN", "could not authenticate"))
            {
                IReadOnlyList<string> args = shown.Arguments;
                bool noPassword = args.Count >= 2 && args[args.Count - 2] == "-f";
                string typed = string.Join(" ", new[] { Program }.Concat(args.Take(noPassword ? args.Count - 2 : args.Count)).Select(ProcessCall.Quote));
                throw new PkiException(PkiErrorCode.StoreAccessDenied,
                    $"The NSS database {database.Folder} is protected by a primary password, which PkiTools does not pass to certutil; nothing was changed. Remove the primary password in the browser (Firefox: Settings, Privacy & Security, Use a primary password), or run in a terminal, which asks for it: {typed}",
                    null, database.Folder);
            }
            if (result.Mentions("SEC_ERROR_READ_ONLY", "PR_NO_ACCESS_RIGHTS_ERROR", "Permission denied"))
            {
                throw new PkiException(PkiErrorCode.StoreAccessDenied,
                    $"This user may not change the NSS database {database.Folder} (certutil: {line}); nothing was changed. Run the same command as the user whose browser uses it.", null, database.Folder);
            }
            if (database.Legacy)
            {
                throw new PkiException(PkiErrorCode.StoreUpdateFailed,
                    $"'{call}' failed with exit code {result.ExitCode}: {line}. {database.Folder} is a legacy database (cert8.db), which a running Firefox keeps locked: close Firefox and try again.", null, database.Folder);
            }
            string why = result.Mentions("SEC_ERROR_BAD_DATABASE") ? " The database could not be opened: it is damaged, or not readable by this user." : "";
            throw new PkiException(PkiErrorCode.StoreUpdateFailed, $"'{call}' failed with exit code {result.ExitCode}: {line}.{why}", null, database.Folder);
        }

        /// <summary>
        /// Every nickname with its trust column (certutil -L), and the certificates each nickname exports (certutil -L -n -a);
        /// only those of <paramref name="only"/> when given (a read-back: a certificate can only be where its subject's
        /// nicknames were, or under the nickname just added).
        /// </summary>
        private Scan Read(NssDatabase database, IEnumerable<string>? only = null)
        {
            ProcessCall list = ListCall(database);
            ProcessResult listed = _environment.Runner.Run(list);
            Check(listed, list, database, list);
            var rows = new List<(string Nickname, string Trust)>();
            foreach (string line in listed.StandardOutput.Split('\n'))
            {
                Match m = ListRow.Match(line.TrimEnd('\r'));
                if (m.Success) rows.Add((m.Groups["nick"].Value, m.Groups["trust"].Value));
            }
            var exports = new Dictionary<string, IReadOnlyList<byte[]>>(StringComparer.Ordinal);
            var wanted = only == null ? null : new HashSet<string>(only, StringComparer.Ordinal);
            foreach (string nickname in rows.Select(r => r.Nickname).Distinct(StringComparer.Ordinal).Where(n => wanted == null || wanted.Contains(n)))
            {
                ProcessCall export = ExportCall(database, nickname);
                ProcessResult exported = _environment.Runner.Run(export);
                if (exported.ExitCode != 0 && exported.Mentions("could not find", "PR_FILE_NOT_FOUND_ERROR", "SEC_ERROR_UNKNOWN_CERT"))
                {
                    exports[nickname] = Array.Empty<byte[]>(); // gone since the listing
                    continue;
                }
                Check(exported, export, database, export);
                exports[nickname] = Pem.Decode(exported.StandardOutput).Where(b => b.Label == "CERTIFICATE").Select(b => b.Data).ToList();
            }
            return new Scan(rows, exports);
        }

        /// <summary>
        /// The trust string ("C,,") of the certificate <paramref name="thumbprint"/> under <paramref name="nickname"/>: the
        /// listing's column when the nickname exports only that certificate, else certutil's description of each
        /// certificate (a nickname lookup also returns the other certificates with the same subject).
        /// </summary>
        private string TrustOf(NssDatabase database, Scan scan, string nickname, string thumbprint)
        {
            IReadOnlyList<byte[]> certificates = scan.Certificates(nickname);
            if (certificates.Count <= 1) return scan.TrustOfNickname(nickname);
            ProcessCall describe = DescribeCall(database, nickname);
            ProcessResult described = _environment.Runner.Run(describe);
            Check(described, describe, database, describe);
            return DescribedTrust(described.StandardOutput, thumbprint) ?? scan.TrustOfNickname(nickname);
        }

        /// <summary>
        /// The trust of one certificate in <c>certutil -L -n</c>'s description (one "Certificate:" block per certificate, each
        /// with "Fingerprint (SHA1):" and "Certificate Trust Flags:"), as certutil's letters.
        /// </summary>
        internal static string? DescribedTrust(string description, string thumbprint)
        {
            string want = thumbprint.Replace(":", "").ToUpperInvariant();
            string[] lines = description.Replace("\r", "").Split('\n');
            bool mine = false, inTrust = false;
            string? section = null;
            var flags = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i].Trim();
                if (lines[i].StartsWith("Certificate:", StringComparison.Ordinal))
                {
                    if (mine) break;
                    inTrust = false;
                    continue;
                }
                if (line == "Fingerprint (SHA1):" && i + 1 < lines.Length)
                {
                    mine = lines[i + 1].Trim().Replace(":", "").ToUpperInvariant() == want;
                    continue;
                }
                if (line == "Certificate Trust Flags:") { inTrust = true; continue; }
                if (!mine || !inTrust) continue;
                if (line.Length == 0) { section = null; continue; }
                if (line.EndsWith("Flags:", StringComparison.Ordinal)) { section = line; flags[section] = new List<string>(); continue; }
                if (section != null) flags[section].Add(line);
            }
            if (!mine) return null;
            string Letters(string name) => flags.TryGetValue(name, out List<string>? words) ? TrustLetters(words) : "";
            return Letters("SSL Flags:") + "," + Letters("Email Flags:") + "," + Letters("Object Signing Flags:");
        }

        /// <summary>certutil's words for trust bits back to its letters (secutil's SECU_PrintTrustFlags, reversed).</summary>
        private static string TrustLetters(IReadOnlyCollection<string> words)
        {
            var sb = new StringBuilder();
            bool terminal = words.Contains("Terminal Record"), trusted = words.Contains("Trusted");
            if (terminal) sb.Append(trusted ? 'P' : 'p');
            if (words.Contains("Trusted CA")) sb.Append('C');
            if (words.Contains("Trusted Client CA")) sb.Append('T');
            if (words.Contains("Valid CA") && !words.Contains("Trusted CA") && !words.Contains("Trusted Client CA")) sb.Append('c');
            if (words.Contains("User")) sb.Append('u');
            if (words.Contains("Warn When Sending")) sb.Append('w');
            if (words.Contains("Step-up")) sb.Append('g');
            return sb.ToString();
        }

        /// <summary>"C" (trusted CA for TLS servers) in the first (SSL) field.</summary>
        internal static bool SslTrustedCa(string trust) => trust.Split(',')[0].IndexOf('C') >= 0;

        /// <summary>The same trust with the SSL field made a trusted CA (peer and plain-CA marks dropped); the other fields kept.</summary>
        internal static string WithSslCa(string trust)
        {
            string[] fields = trust.Split(',');
            string ssl = new string(fields[0].Where(c => c != 'p' && c != 'P' && c != 'c' && c != 'C').ToArray()) + "C";
            return ssl + "," + (fields.Length > 1 ? fields[1] : "") + "," + (fields.Length > 2 ? fields[2] : "");
        }

        private TrustStoreResult Result(TrustAction action, NssDatabase database, bool verified, string message, X509Certificate2 certificate) =>
            new TrustStoreResult(Name, action, database.Folder, verified, message, certificate.Thumbprint, certificate.Subject);

        /// <summary>One reading of a database.</summary>
        private sealed class Scan
        {
            private readonly IReadOnlyList<(string Nickname, string Trust)> _rows;
            private readonly IReadOnlyDictionary<string, IReadOnlyList<byte[]>> _exports;

            public Scan(IReadOnlyList<(string Nickname, string Trust)> rows, IReadOnlyDictionary<string, IReadOnlyList<byte[]>> exports)
            {
                _rows = rows;
                _exports = exports;
            }

            public IReadOnlyList<byte[]> Certificates(string nickname) => _exports.TryGetValue(nickname, out IReadOnlyList<byte[]>? c) ? c : Array.Empty<byte[]>();

            /// <summary>The nicknames whose lookup returns the certificate (its own, and those of other certificates with its subject).</summary>
            public IReadOnlyList<string> Holders(string thumbprint) =>
                _exports.Where(e => e.Value.Any(d => TrustStoreFiles.SameThumbprint(d, thumbprint))).Select(e => e.Key)
                    .OrderBy(n => _rows.ToList().FindIndex(r => r.Nickname == n)).ToList();

            public string TrustOfNickname(string nickname) => _rows.FirstOrDefault(r => r.Nickname == nickname).Trust ?? ",,";

            public byte[]? Find(string thumbprint) => All.FirstOrDefault(d => TrustStoreFiles.SameThumbprint(d, thumbprint));

            /// <summary>Every certificate once.</summary>
            public IEnumerable<byte[]> All
            {
                get
                {
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    foreach (byte[] der in _exports.Values.SelectMany(v => v))
                    {
                        if (seen.Add(Convert.ToBase64String(der))) yield return der;
                    }
                }
            }
        }
    }
}
