using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Formats;

namespace PkiTools.Core.Trust
{
    /// <summary>
    /// A Java keystore (-Store Java): the given file, or else the JDK's cacerts (JAVA_HOME, then the java on PATH
    /// followed through its links, then the distribution's shared /etc/ssl/certs/java/cacerts or /etc/pki/java/cacerts).
    /// Every change goes through keytool and is read back with <c>keytool -list -rfc</c>. The password reaches keytool
    /// only through the <see cref="PasswordVariable"/> environment variable (<c>-storepass:env</c>): never on a command
    /// line, in a plan, a message or an exception. A keystore file that does not exist is refused, not created.
    /// </summary>
    public sealed class JavaTrustStore : ITrustStore
    {
        internal const string Program = "keytool";

        /// <summary>The variable that carries the keystore password to keytool.</summary>
        public const string PasswordVariable = "PKITOOLS_KEYSTORE_PASSWORD";

        /// <summary>The password of every JDK's cacerts unless someone changed it.</summary>
        internal const string DefaultPassword = "changeit";

        internal const string Packages = "default-jre-headless (Debian/Ubuntu), java-17-openjdk-headless (RHEL/Fedora), jre17-openjdk-headless (Arch) or openjdk (Homebrew)";

        /// <summary>The shared cacerts of the distributions that keep one outside the JDK (Debian's, RHEL's).</summary>
        internal static readonly IReadOnlyList<string> SharedCacerts = new[] { "/etc/ssl/certs/java/cacerts", "/etc/pki/java/cacerts" };

        private static readonly PropertyInfo? LinkTarget = typeof(FileSystemInfo).GetProperty("LinkTarget"); // .NET 6+; null on .NET Framework

        private readonly TrustEnvironment _environment;
        private readonly string? _keystore;
        private readonly char[] _password;
        private (string Keystore, string Keytool)? _resolved;

        /// <param name="environment">The machine.</param>
        /// <param name="keystore">A keystore file to use instead of the JDK's cacerts.</param>
        /// <param name="password">The keystore's password ("changeit" when null); copied, so the caller may wipe its array.</param>
        public JavaTrustStore(TrustEnvironment environment, string? keystore, char[]? password)
        {
            _environment = environment;
            _keystore = keystore;
            _password = password != null ? (char[])password.Clone() : DefaultPassword.ToCharArray();
        }

        public string Name => TrustStores.Java;

        private string Keystore => Resolve().Keystore;

        private string Keytool => Resolve().Keytool;

        public IReadOnlyList<string> Locations() => new[] { Keystore };

        public IReadOnlyList<string> PlanInstall(X509Certificate2 certificate, string location)
        {
            string keystore = Target(location);
            return new[]
            {
                "write a temporary PEM file",
                $"run {ImportCall(keystore, Alias(certificate), "<that file>")} (the password in {PasswordVariable})",
                $"run {ListCall(keystore, Alias(certificate))} to read it back",
            };
        }

        public IReadOnlyList<string> PlanUninstall(string thumbprint, string location)
        {
            string keystore = Target(location);
            return Read(keystore).Where(e => TrustStoreFiles.SameThumbprint(e.Der, thumbprint)).Select(e => "run " + DeleteCall(keystore, e.Alias))
                .Concat(new[] { $"run {ListCall(keystore)} to read it back" }).ToList();
        }

        public TrustStoreResult Install(X509Certificate2 certificate, string location)
        {
            string keystore = Target(location);
            Entry? present = Read(keystore).FirstOrDefault(e => e.Der.SequenceEqual(certificate.RawData));
            if (present != null)
            {
                return Result(TrustAction.AlreadyPresent, keystore, true, $"Already in {keystore} as the trusted entry '{present.Alias}'.", certificate);
            }
            string alias = Alias(certificate);
            RefuseIfNotWritable(keystore, $"{Program} -importcert -noprompt -trustcacerts -alias {ProcessCall.Quote(alias)} -file root.crt -keystore {ProcessCall.Quote(keystore)}");
            using (var temp = new TrustStoreFiles.TemporaryPem(certificate))
            {
                Run(ImportCall(keystore, alias, temp.FilePath), keystore, $"{Program} -importcert -noprompt -trustcacerts -alias {ProcessCall.Quote(alias)} -file root.crt -keystore {ProcessCall.Quote(keystore)}");
            }
            ProcessResult back = Run(ListCall(keystore, alias), keystore, null);
            bool verified = Entries(back.StandardOutput).Any(e => e.Alias.Equals(alias, StringComparison.OrdinalIgnoreCase) && e.Der.SequenceEqual(certificate.RawData));
            string rebuilt = keystore.StartsWith(_environment.SystemPath("/etc/pki/ca-trust/extracted"), StringComparison.Ordinal)
                ? " This file is rebuilt by update-ca-trust, which drops the entry: the System store is the lasting way to trust it here." : "";
            return Result(verified ? TrustAction.Installed : TrustAction.Failed, keystore, verified,
                (verified ? $"Added to {keystore} as the trusted entry '{alias}'; read back with keytool -list." : $"keytool ran, but {keystore} does not show '{alias}' with this certificate.") + rebuilt,
                certificate);
        }

        public TrustStoreResult Uninstall(string thumbprint, string location)
        {
            string keystore = Target(location);
            List<Entry> holding = Read(keystore).Where(e => TrustStoreFiles.SameThumbprint(e.Der, thumbprint)).ToList();
            if (holding.Count == 0)
            {
                return new TrustStoreResult(Name, TrustAction.NotFound, keystore, true, $"No trusted entry in {keystore} holds this certificate.", thumbprint, "");
            }
            string subject = new X509Certificate2(holding[0].Der).Subject;
            RefuseIfNotWritable(keystore, string.Join(" && ", holding.Select(e => $"{Program} -delete -alias {ProcessCall.Quote(e.Alias)} -keystore {ProcessCall.Quote(keystore)}")));
            foreach (Entry entry in holding) Run(DeleteCall(keystore, entry.Alias), keystore, $"{Program} -delete -alias {ProcessCall.Quote(entry.Alias)} -keystore {ProcessCall.Quote(keystore)}");
            bool gone = !Read(keystore).Any(e => TrustStoreFiles.SameThumbprint(e.Der, thumbprint));
            string aliases = string.Join(", ", holding.Select(e => "'" + e.Alias + "'"));
            return new TrustStoreResult(Name, gone ? TrustAction.Removed : TrustAction.Failed, keystore, gone,
                gone ? $"Removed {aliases} from {keystore}; keytool -list no longer shows it." : $"keytool deleted {aliases}, but {keystore} still holds the certificate.",
                thumbprint, subject);
        }

        public IReadOnlyList<X509Certificate2> List(string location) => Read(Target(location)).Select(e => new X509Certificate2(e.Der)).ToList();

        /// <summary>The alias PkiTools gives a certificate: the same stem as its files ("pkitools-corp-root-1a2b..."); keytool lower-cases aliases anyway.</summary>
        internal static string Alias(X509Certificate2 certificate) => SystemTrustStore.FileStem(certificate);

        private IReadOnlyDictionary<string, string> Secret => new Dictionary<string, string> { [PasswordVariable] = new string(_password) };

        /// <summary>keytool's messages are localised; these are parsed, so the JVM is asked for English.</summary>
        private static readonly string[] English = { "-J-Duser.language=en", "-J-Duser.country=US" };

        private ProcessCall Call(params string[] arguments) =>
            new ProcessCall(Keytool, arguments.Concat(new[] { "-storepass:env", PasswordVariable }).Concat(English), Secret, TimeSpan.FromSeconds(60));

        internal ProcessCall ImportCall(string keystore, string alias, string file) =>
            Call("-importcert", "-noprompt", "-trustcacerts", "-alias", alias, "-file", file, "-keystore", keystore);

        internal ProcessCall ListCall(string keystore, string? alias = null) =>
            alias == null ? Call("-list", "-rfc", "-keystore", keystore) : Call("-list", "-rfc", "-keystore", keystore, "-alias", alias);

        internal ProcessCall DeleteCall(string keystore, string alias) => Call("-delete", "-alias", alias, "-keystore", keystore);

        private string Target(string location)
        {
            string keystore = Keystore;
            if (!string.Equals(Path.GetFullPath(location), keystore, StringComparison.Ordinal))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"'{location}' is not this store's keystore ({keystore}).", null, location,
                    new PkiHint("Give another keystore as {0}.", "JavaKeystore"), "JavaKeystore");
            }
            return keystore;
        }

        private (string Keystore, string Keytool) Resolve()
        {
            if (_resolved.HasValue) return _resolved.Value;
            string? javaHome = _environment.Variable("JAVA_HOME");
            string? home = javaHome ?? JavaOnPath();
            string keytool = Tool(home, javaHome);
            string keystore;
            if (_keystore != null)
            {
                keystore = Path.GetFullPath(_keystore);
                if (!File.Exists(keystore))
                {
                    throw new PkiException(PkiErrorCode.StoreUnavailable, $"The keystore '{keystore}' does not exist; PkiTools does not create one where no program reads it.", null, _keystore,
                        new PkiHint("Give an existing keystore file as {0}.", "JavaKeystore"), "JavaKeystore");
                }
            }
            else
            {
                keystore = Cacerts(home, javaHome);
            }
            _resolved = (keystore, keytool);
            return (keystore, keytool);
        }

        /// <summary>The JDK's keytool (bin/keytool), else keytool on PATH.</summary>
        private string Tool(string? home, string? javaHome)
        {
            string exe = _environment.Platform == TrustPlatform.Windows ? "keytool.exe" : Program;
            if (home != null)
            {
                string candidate = Path.Combine(home, "bin", exe);
                if (_environment.Runner.Exists(candidate)) return candidate;
            }
            if (_environment.Runner.Exists(Program)) return Program;
            throw new PkiException(PkiErrorCode.StoreUnavailable,
                (javaHome != null ? $"keytool was not found in JAVA_HOME ({javaHome}/bin) nor on PATH" : "keytool, which changes Java keystores, was not found (JAVA_HOME is not set and no keytool is on PATH)") +
                "; install a Java runtime: " + Packages + ".", null, Program);
        }

        /// <summary>cacerts of the JDK (lib/security, JDK 9+; jre/lib/security, JDK 8), else the distribution's shared file; the real file behind any links.</summary>
        private string Cacerts(string? home, string? javaHome)
        {
            var tried = new List<string>();
            if (home != null)
            {
                foreach (string candidate in new[] { Path.Combine(home, "lib", "security", "cacerts"), Path.Combine(home, "jre", "lib", "security", "cacerts") })
                {
                    string real = FollowLinks(candidate);
                    if (File.Exists(real)) return Path.GetFullPath(real);
                    tried.Add(candidate);
                }
            }
            if (javaHome == null && _environment.Platform == TrustPlatform.Linux)
            {
                foreach (string shared in SharedCacerts)
                {
                    string real = FollowLinks(_environment.SystemPath(shared));
                    if (File.Exists(real)) return Path.GetFullPath(real);
                    tried.Add(shared);
                }
            }
            string where = javaHome != null ? $"JAVA_HOME is {javaHome}, which has no cacerts" : home != null ? $"the java on PATH belongs to {home}, which has no cacerts" : "JAVA_HOME is not set and no java is on PATH";
            throw new PkiException(PkiErrorCode.StoreUnavailable,
                $"No Java cacerts was found ({where}; looked for {(tried.Count > 0 ? string.Join(", ", tried) : "none")}); install a Java runtime: {Packages}.", null, javaHome ?? Program,
                new PkiHint("Or give the keystore file as {0}.", "JavaKeystore"), "JavaKeystore");
        }

        /// <summary>The JDK of the first java on PATH: the real file behind its links (/usr/bin/java → /etc/alternatives/java → …/bin/java), two folders up.</summary>
        private string? JavaOnPath()
        {
            string exe = _environment.Platform == TrustPlatform.Windows ? "java.exe" : "java";
            foreach (string folder in (_environment.Variable("PATH") ?? "").Split(Path.PathSeparator))
            {
                if (folder.Length == 0 || !Path.IsPathRooted(folder)) continue;
                string candidate = Path.Combine(_environment.SystemPath(folder), exe);
                if (!File.Exists(candidate)) continue;
                string real = FollowLinks(candidate);
                string? bin = Path.GetDirectoryName(real);
                if (bin == null || !string.Equals(Path.GetFileName(bin), "bin", StringComparison.OrdinalIgnoreCase)) return null;
                return Path.GetDirectoryName(bin);
            }
            return null;
        }

        /// <summary>Follows symbolic links (absolute targets under the environment's system root); unchanged where the runtime cannot read links.</summary>
        private string FollowLinks(string path)
        {
            string current = path;
            for (int hop = 0; hop < 40 && LinkTarget != null; hop++)
            {
                string? target;
                try
                {
                    target = LinkTarget.GetValue(new FileInfo(current)) as string;
                }
                catch (TargetInvocationException)
                {
                    return current;
                }
                if (string.IsNullOrEmpty(target)) break;
                current = Path.IsPathRooted(target) ? _environment.SystemPath(target!) : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current) ?? "", target!));
            }
            return current;
        }

        /// <summary>A keystore only root may change: refused before keytool runs, with the command for root (which asks for the password).</summary>
        private void RefuseIfNotWritable(string keystore, string command)
        {
            if (TrustStoreFiles.MayWrite(keystore)) return;
            throw Denied(keystore, command, null);
        }

        private PkiException Denied(string keystore, string? command, string? detail) =>
            new PkiException(PkiErrorCode.StoreAccessDenied,
                $"This user may not change {keystore}" + (detail != null ? $" ({detail})" : "") + "; nothing was changed. " +
                (_environment.IsElevated ? "Check the file's permissions." : "Run the same command as root (sudo pwsh -c \"...\")" + (command != null ? $", or have root run (keytool asks for the keystore password): {command}" : ".")),
                null, keystore);

        private ProcessResult Run(ProcessCall call, string keystore, string? forRoot)
        {
            ProcessResult result = _environment.Runner.Run(call);
            if (result.ExitCode == 0) return result;
            string line = result.FirstErrorLine;
            if (result.Mentions("password was incorrect", "password incorrect", "Keystore was tampered with"))
            {
                throw new PkiException(PkiErrorCode.PasswordIncorrect, $"The password of the keystore {keystore} is wrong (keytool: {line}).", null, keystore,
                    new PkiHint("Give the keystore's password as {0} (a JDK's cacerts uses \"changeit\" unless someone changed it).", "KeystorePassword"), "KeystorePassword");
            }
            if (result.Mentions("Permission denied", "AccessDeniedException", "Access is denied"))
            {
                throw Denied(keystore, forRoot, line);
            }
            if (result.Mentions("Keystore file does not exist"))
            {
                throw new PkiException(PkiErrorCode.StoreUnavailable, $"The keystore {keystore} does not exist.", null, keystore,
                    new PkiHint("Give an existing keystore file as {0}.", "JavaKeystore"), "JavaKeystore");
            }
            throw new PkiException(PkiErrorCode.StoreUpdateFailed, $"'{call}' failed with exit code {result.ExitCode}: {line}", null, keystore);
        }

        private IReadOnlyList<Entry> Read(string keystore) => Entries(Run(ListCall(keystore), keystore, null).StandardOutput);

        /// <summary>The trusted certificate entries of <c>keytool -list -rfc</c>: "Alias name:", "Entry type: trustedCertEntry", one PEM block.</summary>
        internal static IReadOnlyList<Entry> Entries(string listing)
        {
            var entries = new List<Entry>();
            string[] parts = ("\n" + listing.Replace("\r", "")).Split(new[] { "\nAlias name: " }, StringSplitOptions.None);
            for (int i = 1; i < parts.Length; i++)
            {
                string part = parts[i];
                int end = part.IndexOf('\n');
                string alias = (end < 0 ? part : part.Substring(0, end)).Trim();
                if (part.IndexOf("Entry type: trustedCertEntry", StringComparison.Ordinal) < 0) continue;
                PemBlock? block = Pem.Decode(part).FirstOrDefault(b => b.Label == "CERTIFICATE");
                if (block != null) entries.Add(new Entry(alias, block.Data));
            }
            return entries;
        }

        internal sealed class Entry
        {
            public Entry(string alias, byte[] der)
            {
                Alias = alias;
                Der = der;
            }

            public string Alias { get; }

            public byte[] Der { get; }
        }

        private TrustStoreResult Result(TrustAction action, string keystore, bool verified, string message, X509Certificate2 certificate) =>
            new TrustStoreResult(Name, action, keystore, verified, message, certificate.Thumbprint, certificate.Subject);
    }
}
