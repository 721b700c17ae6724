using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PkiTools.Core.Formats;
using PkiTools.Core.IO;

namespace PkiTools.Core.Trust
{
    /// <summary>
    /// The operating system's trust (-Store System): on Linux the distribution's anchors folder and its update command,
    /// on macOS the System keychain through <c>security</c>, on Windows LocalMachine\Root.
    /// </summary>
    public static class SystemTrustStore
    {
        public static ITrustStore For(TrustEnvironment environment)
        {
            switch (environment.Platform)
            {
                case TrustPlatform.Windows:
                    return new DotNetTrustStore(@"LocalMachine\Root", environment, TrustStores.System);
                case TrustPlatform.MacOS:
                    return new MacSystemTrustStore(environment);
                default:
                    return new LinuxSystemTrustStore(environment, LinuxTrustLayout.Detect(environment));
            }
        }

        /// <summary>The file-name stem PkiTools gives a certificate it places: readable, and unique by thumbprint.</summary>
        internal static string FileStem(X509Certificate2 certificate)
        {
            string cn = certificate.GetNameInfo(X509NameType.SimpleName, false) ?? "";
            var safe = new StringBuilder();
            foreach (char c in cn)
            {
                if (c < 128 && char.IsLetterOrDigit(c)) safe.Append(char.ToLowerInvariant(c));
                else if (safe.Length > 0 && safe[safe.Length - 1] != '-') safe.Append('-');
                if (safe.Length >= 40) break;
            }
            string name = safe.ToString().Trim('-');
            return "pkitools-" + (name.Length > 0 ? name + "-" : "") + certificate.Thumbprint.Substring(0, 16).ToLowerInvariant();
        }
    }

    /// <summary>One Linux family's trust layout: where anchors go, the command that rebuilds the bundle, and the bundle.</summary>
    public sealed class LinuxTrustLayout
    {
        public LinuxTrustLayout(string family, string anchors, string program, string[] arguments, string bundle, string package, string extension)
        {
            Family = family;
            Anchors = anchors;
            Program = program;
            Arguments = arguments;
            Bundle = bundle;
            Package = package;
            Extension = extension;
        }

        /// <summary>"RHEL/Fedora", "Debian/Ubuntu/Alpine", "Arch", "openSUSE".</summary>
        public string Family { get; }

        public string Anchors { get; }

        public string Program { get; }

        public IReadOnlyList<string> Arguments { get; }

        /// <summary>The PEM bundle the update command writes, which OpenSSL, curl and most programs read.</summary>
        public string Bundle { get; }

        /// <summary>The package that brings <see cref="Program"/>.</summary>
        public string Package { get; }

        /// <summary>The file extension the update command picks up (Debian's only takes .crt).</summary>
        public string Extension { get; }

        /// <summary>The known layouts, in the order they are tried (mkcert's order: RHEL's folder can exist beside Debian's).</summary>
        public static readonly IReadOnlyList<LinuxTrustLayout> Known = new[]
        {
            new LinuxTrustLayout("RHEL/Fedora", "/etc/pki/ca-trust/source/anchors", "update-ca-trust", new[] { "extract" },
                "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "ca-certificates (dnf install ca-certificates)", ".pem"),
            new LinuxTrustLayout("Debian/Ubuntu/Alpine", "/usr/local/share/ca-certificates", "update-ca-certificates", Array.Empty<string>(),
                "/etc/ssl/certs/ca-certificates.crt", "ca-certificates (apt-get install ca-certificates)", ".crt"),
            new LinuxTrustLayout("Arch", "/etc/ca-certificates/trust-source/anchors", "trust", new[] { "extract-compat" },
                "/etc/ca-certificates/extracted/tls-ca-bundle.pem", "ca-certificates-utils (pacman -S ca-certificates-utils)", ".crt"),
            new LinuxTrustLayout("openSUSE", "/usr/share/pki/trust/anchors", "update-ca-certificates", Array.Empty<string>(),
                "/var/lib/ca-certificates/ca-bundle.pem", "ca-certificates (zypper install ca-certificates)", ".pem"),
        };

        /// <summary>The first known layout whose anchors folder exists here and whose command can run.</summary>
        public static LinuxTrustLayout Detect(TrustEnvironment environment)
        {
            var folderOnly = new List<LinuxTrustLayout>();
            foreach (LinuxTrustLayout layout in Known)
            {
                if (!Directory.Exists(environment.SystemPath(layout.Anchors))) continue;
                if (environment.Runner.Exists(layout.Program)) return layout;
                folderOnly.Add(layout);
            }
            if (folderOnly.Count > 0)
            {
                LinuxTrustLayout first = folderOnly[0];
                throw new PkiException(PkiErrorCode.StoreUnavailable,
                    $"This looks like {first.Family} ({first.Anchors} exists) but '{first.Program}' is not installed; install the package {first.Package}.", null, first.Program);
            }
            throw new PkiException(PkiErrorCode.StoreUnavailable,
                "No known system trust layout was found (none of " + string.Join(", ", Known.Select(k => k.Anchors)) + " exists); install your distribution's ca-certificates package.", null, TrustStores.System);
        }
    }

    /// <summary>
    /// Linux system trust: the certificate is written (PEM, 0644, atomically) into the anchors folder, the family's update
    /// command rebuilds the bundle, and the bundle is read back. Nothing runs without root: a non-root caller gets
    /// <see cref="PkiErrorCode.StoreAccessDenied"/> with the exact commands to run as root.
    /// </summary>
    public sealed class LinuxSystemTrustStore : ITrustStore
    {
        private readonly TrustEnvironment _environment;
        private readonly LinuxTrustLayout _layout;

        public LinuxSystemTrustStore(TrustEnvironment environment, LinuxTrustLayout layout)
        {
            _environment = environment;
            _layout = layout;
        }

        public string Name => TrustStores.System;

        public LinuxTrustLayout Layout => _layout;

        private string AnchorsFolder => _environment.SystemPath(_layout.Anchors);

        private string BundleFile => _environment.SystemPath(_layout.Bundle);

        private ProcessCall Update => new ProcessCall(_layout.Program, _layout.Arguments, timeout: TimeSpan.FromMinutes(2));

        public IReadOnlyList<string> Locations() => new[] { _layout.Anchors };

        private string AnchorFile(X509Certificate2 certificate) => Path.Combine(AnchorsFolder, SystemTrustStore.FileStem(certificate) + _layout.Extension);

        public IReadOnlyList<string> PlanInstall(X509Certificate2 certificate, string location) => new[]
        {
            $"write {AnchorFile(certificate)} (PEM, mode 0644)",
            $"run {Update}",
            $"read {BundleFile} back",
        };

        public IReadOnlyList<string> PlanUninstall(string thumbprint, string location) =>
            AnchorFilesHolding(thumbprint).Select(f => "remove " + f)
                .Concat(new[] { $"run {Update}", $"read {BundleFile} back" }).ToList();

        public TrustStoreResult Install(X509Certificate2 certificate, string location)
        {
            string file = AnchorFile(certificate);
            bool placed = AnchorFilesHolding(certificate.Thumbprint).Any();
            if (BundleHolds(certificate.RawData))
            {
                return Result(TrustAction.AlreadyPresent, true, placed
                    ? $"Already trusted: it is in {_layout.Anchors} and in {_layout.Bundle}."
                    : $"Already trusted: the distribution's own list put it in {_layout.Bundle}; nothing was added.", certificate, placed ? file : _layout.Bundle);
            }
            RefuseWithoutRoot($"cp root.crt {file} && {Update}");
            byte[] pem = Encoding.ASCII.GetBytes(Pem.Encode("CERTIFICATE", certificate.RawData));
            if (!placed) AtomicFileWriter.Write(file, pem, secret: false, overwrite: false);
            RunUpdate();
            bool verified = BundleHolds(certificate.RawData);
            return Result(verified ? TrustAction.Installed : TrustAction.Failed, verified,
                verified ? $"Added to {_layout.Anchors}; {_layout.Program} put it in {_layout.Bundle}."
                         : $"{_layout.Program} ran, but {_layout.Bundle} does not contain the certificate.", certificate, file);
        }

        public TrustStoreResult Uninstall(string thumbprint, string location)
        {
            IReadOnlyList<string> files = AnchorFilesHolding(thumbprint);
            if (files.Count == 0)
            {
                return new TrustStoreResult(Name, TrustAction.NotFound, _layout.Anchors, true,
                    $"No file in {_layout.Anchors} holds this certificate." + (BundleHoldsThumbprint(thumbprint) ? $" It is still in {_layout.Bundle}: it comes from the distribution's own list, which PkiTools does not change." : ""),
                    thumbprint, "");
            }
            RefuseWithoutRoot("rm " + string.Join(" ", files) + " && " + Update);
            string subject = SubjectOf(files[0]);
            foreach (string file in files)
            {
                try { File.Delete(file); }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new PkiException(PkiErrorCode.StoreUpdateFailed, $"Could not remove '{file}': {ex.Message}", ex, file);
                }
            }
            RunUpdate();
            bool gone = !BundleHoldsThumbprint(thumbprint);
            return new TrustStoreResult(Name, gone ? TrustAction.Removed : TrustAction.Failed, string.Join(", ", files), gone,
                gone ? $"Removed from {_layout.Anchors}; {_layout.Bundle} no longer contains it." : $"Removed from {_layout.Anchors}, but {_layout.Bundle} still contains it.",
                thumbprint, subject);
        }

        public IReadOnlyList<X509Certificate2> List(string location) =>
            BundleBlocks().Select(b => new X509Certificate2(b)).ToList();

        private void RefuseWithoutRoot(string commands)
        {
            if (_environment.IsElevated) return;
            throw new PkiException(PkiErrorCode.StoreAccessDenied,
                $"Changing the system trust ({_layout.Anchors}) needs root, and PkiTools does not prompt for sudo; nothing was changed. Run the same command as root (sudo pwsh -c \"...\"), or have root run: {commands}",
                null, _layout.Anchors);
        }

        private void RunUpdate()
        {
            ProcessResult result = _environment.Runner.Run(Update);
            if (result.ExitCode != 0)
            {
                throw new PkiException(PkiErrorCode.StoreUpdateFailed, $"'{Update}' failed with exit code {result.ExitCode}: {result.FirstErrorLine}", null, _layout.Program);
            }
        }

        /// <summary>The files in the anchors folder whose single certificate has this thumbprint (ours or placed by hand).</summary>
        private IReadOnlyList<string> AnchorFilesHolding(string thumbprint)
        {
            if (!Directory.Exists(AnchorsFolder)) return Array.Empty<string>();
            var files = new List<string>();
            foreach (string file in Directory.GetFiles(AnchorsFolder))
            {
                X509Certificate2? certificate = ReadAnchor(file);
                if (certificate != null && string.Equals(certificate.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase)) files.Add(file);
            }
            return files;
        }

        private static X509Certificate2? ReadAnchor(string file)
        {
            try
            {
                var info = new FileInfo(file);
                if (info.Length > 1 << 20) return null;
                IReadOnlyList<X509Certificate2> certificates = CertificateFiles.Read(File.ReadAllBytes(file), null, file).Certificates;
                return certificates.Count == 1 ? certificates[0] : null;
            }
            catch (Exception ex) when (ex is PkiException || ex is IOException || ex is UnauthorizedAccessException)
            {
                return null; // not a certificate file we could have placed: left alone
            }
        }

        private static string SubjectOf(string file) => ReadAnchor(file)?.Subject ?? "";

        private IEnumerable<byte[]> BundleBlocks()
        {
            if (!File.Exists(BundleFile)) return Array.Empty<byte[]>();
            return Pem.Decode(File.ReadAllText(BundleFile)).Where(b => b.Label == "CERTIFICATE" || b.Label == "TRUSTED CERTIFICATE").Select(b => b.Data);
        }

        private bool BundleHolds(byte[] der) => BundleBlocks().Any(b => b.Length == der.Length && b.SequenceEqual(der));

        private bool BundleHoldsThumbprint(string thumbprint) =>
            BundleBlocks().Any(b => TrustStoreFiles.SameThumbprint(b, thumbprint));

        private TrustStoreResult Result(TrustAction action, bool verified, string message, X509Certificate2 certificate, string file) =>
            new TrustStoreResult(Name, action, file, verified, message, certificate.Thumbprint, certificate.Subject);
    }

    /// <summary>
    /// macOS system trust: <c>security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain</c>, read back
    /// with <c>security find-certificate -a -Z</c>. Needs root (security would otherwise ask for an administrator in a dialog).
    /// </summary>
    public sealed class MacSystemTrustStore : ITrustStore
    {
        public const string Keychain = "/Library/Keychains/System.keychain";
        private readonly TrustEnvironment _environment;

        public MacSystemTrustStore(TrustEnvironment environment) => _environment = environment;

        public string Name => TrustStores.System;

        public IReadOnlyList<string> Locations() => new[] { Keychain };

        internal static ProcessCall AddCall(string file) =>
            new ProcessCall("security", new[] { "add-trusted-cert", "-d", "-r", "trustRoot", "-k", Keychain, file });

        internal static ProcessCall DeleteCall(string thumbprint) =>
            new ProcessCall("security", new[] { "delete-certificate", "-Z", thumbprint.ToUpperInvariant(), "-t", Keychain });

        internal static ProcessCall FindCall() => new ProcessCall("security", new[] { "find-certificate", "-a", "-Z", "-p", Keychain });

        public IReadOnlyList<string> PlanInstall(X509Certificate2 certificate, string location) =>
            new[] { "write a temporary PEM file", "run " + AddCall("<that file>"), "run " + FindCall() };

        public IReadOnlyList<string> PlanUninstall(string thumbprint, string location) => new[] { "run " + DeleteCall(thumbprint), "run " + FindCall() };

        public TrustStoreResult Install(X509Certificate2 certificate, string location)
        {
            if (KeychainHolds(certificate.Thumbprint))
            {
                return new TrustStoreResult(Name, TrustAction.AlreadyPresent, Keychain, true, "Already in the System keychain.", certificate.Thumbprint, certificate.Subject);
            }
            RefuseWithoutRoot("sudo security add-trusted-cert -d -r trustRoot -k " + Keychain + " root.crt");
            using (var temp = new TrustStoreFiles.TemporaryPem(certificate))
            {
                Check(_environment.Runner.Run(AddCall(temp.FilePath)), "add-trusted-cert");
            }
            bool verified = KeychainHolds(certificate.Thumbprint);
            return new TrustStoreResult(Name, verified ? TrustAction.Installed : TrustAction.Failed, Keychain, verified,
                verified ? "Added to the System keychain as a trusted root; read back with security find-certificate." : "security ran, but the System keychain does not show the certificate.",
                certificate.Thumbprint, certificate.Subject);
        }

        public TrustStoreResult Uninstall(string thumbprint, string location)
        {
            if (!KeychainHolds(thumbprint)) return new TrustStoreResult(Name, TrustAction.NotFound, Keychain, true, "Not in the System keychain.", thumbprint, "");
            RefuseWithoutRoot("sudo " + DeleteCall(thumbprint));
            Check(_environment.Runner.Run(DeleteCall(thumbprint)), "delete-certificate");
            bool gone = !KeychainHolds(thumbprint);
            return new TrustStoreResult(Name, gone ? TrustAction.Removed : TrustAction.Failed, Keychain, gone,
                gone ? "Removed from the System keychain, with its trust settings." : "security ran, but the System keychain still shows the certificate.", thumbprint, "");
        }

        public IReadOnlyList<X509Certificate2> List(string location)
        {
            ProcessResult result = _environment.Runner.Run(FindCall());
            Check(result, "find-certificate");
            return Pem.Decode(result.StandardOutput).Where(b => b.Label == "CERTIFICATE").Select(b => new X509Certificate2(b.Data)).ToList();
        }

        private bool KeychainHolds(string thumbprint)
        {
            ProcessResult result = _environment.Runner.Run(FindCall());
            Check(result, "find-certificate");
            return result.StandardOutput.Split('\n').Any(line =>
                line.StartsWith("SHA-1 hash:", StringComparison.Ordinal) &&
                string.Equals(line.Substring("SHA-1 hash:".Length).Trim(), thumbprint, StringComparison.OrdinalIgnoreCase));
        }

        private void RefuseWithoutRoot(string command)
        {
            if (_environment.IsElevated) return;
            throw new PkiException(PkiErrorCode.StoreAccessDenied,
                $"Changing the System keychain needs root, and PkiTools does not let security open an authorisation dialog; nothing was changed. Run the same command with sudo, or run: {command}",
                null, Keychain);
        }

        private static void Check(ProcessResult result, string what)
        {
            if (result.ExitCode != 0)
            {
                throw new PkiException(PkiErrorCode.StoreUpdateFailed, $"security {what} failed with exit code {result.ExitCode}: {result.FirstErrorLine}", null, "security");
            }
        }
    }
}
