using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PkiTools.Core.Internal;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;
using PkiTools.Core.Trust;

namespace PkiTools.Core.Acme
{
    /// <summary>
    /// An ACME account as stored on this machine: a folder holding account.json (directory, account URL, contact, key
    /// algorithm, creation time, the trusted root of the directory's HTTPS certificate when one was given, the
    /// skip-check flag; never a secret) and account.key (the account key, PKCS#8 PEM, owner-only).
    /// </summary>
    public sealed class StoredAcmeAccount
    {
        internal StoredAcmeAccount(string folder, Uri directory, Uri url, IReadOnlyList<string> contact, string keyAlgorithm, string keyId,
            DateTimeOffset created, X509Certificate2? trustedRoot, bool skipCertificateCheck)
        {
            Folder = folder;
            Directory = directory;
            Url = url;
            Contact = contact.ToArray();
            KeyAlgorithm = keyAlgorithm;
            KeyId = keyId;
            Created = created;
            TrustedRoot = trustedRoot;
            SkipCertificateCheck = skipCertificateCheck;
        }

        /// <summary>The account's folder (account.json and account.key).</summary>
        public string Folder { get; }

        /// <summary>The folder's name: the directory's host and the start of the account key's id.</summary>
        public string Name => Path.GetFileName(Folder);

        public Uri Directory { get; }

        /// <summary>The account URL the server gave (the JWS "kid").</summary>
        public Uri Url { get; }

        public string[] Contact { get; }

        public string KeyAlgorithm { get; }

        /// <summary>SHA-256 of the account key's public key (hex), as PkiTools names every key.</summary>
        public string KeyId { get; }

        public DateTimeOffset Created { get; }

        /// <summary>The root the directory's HTTPS certificate must chain to; null: the system trust store.</summary>
        public X509Certificate2? TrustedRoot { get; }

        /// <summary>Whether the directory's HTTPS certificate is not checked at all (throw-away test servers only).</summary>
        public bool SkipCertificateCheck { get; }

        public string KeyPath => Path.Combine(Folder, AcmeAccountStore.KeyFileName);

        public override string ToString() => $"{Url} ({Directory.Host})";

        /// <summary>Reads the account key (a file only its owner may read).</summary>
        public PrivateKey LoadKey()
        {
            byte[] data;
            try
            {
                data = File.ReadAllBytes(KeyPath);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PkiException(PkiErrorCode.FileReadFailed, $"The ACME account key '{KeyPath}' could not be read.", ex, KeyPath);
            }
            try
            {
                return PrivateKey.Import(data);
            }
            finally
            {
                Array.Clear(data, 0, data.Length);
            }
        }

        /// <summary>How to reach this account's directory, as remembered with it.</summary>
        public AcmeClientOptions ClientOptions(Action<string>? log) => new AcmeClientOptions(Directory)
        {
            TrustedRoot = TrustedRoot,
            SkipCertificateCheck = SkipCertificateCheck,
            Log = log,
        };
    }

    /// <summary>
    /// The state folder of ACME accounts, one sub-folder per account. Default: %APPDATA%\PkiTools\acme on Windows,
    /// $XDG_CONFIG_HOME/pkitools/acme (~/.config/pkitools/acme) elsewhere, root included (accounts belong to the user
    /// who made them).
    /// </summary>
    public static class AcmeAccountStore
    {
        public const string JsonFileName = "account.json";
        public const string KeyFileName = "account.key";

        public static string DefaultFolder(TrustEnvironment environment)
        {
            if (environment.Platform == TrustPlatform.Windows)
            {
                string appData = environment.Variable("APPDATA") ?? Path.Combine(environment.Home, "AppData", "Roaming");
                return Path.Combine(appData, "PkiTools", "acme");
            }
            string config = environment.Variable("XDG_CONFIG_HOME") ?? Path.Combine(environment.Home, ".config");
            return Path.Combine(config, "pkitools", "acme");
        }

        /// <summary>The folder name of an account: the directory's host (and port) and the first 16 hex digits of the key id.</summary>
        public static string FolderName(Uri directory, string keyId)
        {
            string host = directory.IsDefaultPort ? directory.Host : directory.Host + "_" + directory.Port.ToString(CultureInfo.InvariantCulture);
            return OutputPaths.SafeName(host) + "-" + keyId.Substring(0, Math.Min(16, keyId.Length));
        }

        /// <summary>
        /// Every account stored under <paramref name="stateFolder"/> (none when it does not exist), optionally of one
        /// directory. A damaged account folder is handed to <paramref name="damaged"/> and the others are listed; without
        /// it, the first damaged folder throws.
        /// </summary>
        public static IReadOnlyList<StoredAcmeAccount> List(string stateFolder, Uri? directory = null, Action<PkiException>? damaged = null)
        {
            if (!System.IO.Directory.Exists(stateFolder)) return Array.Empty<StoredAcmeAccount>();
            var accounts = new List<StoredAcmeAccount>();
            foreach (string folder in System.IO.Directory.GetDirectories(stateFolder).OrderBy(f => f, StringComparer.Ordinal))
            {
                if (!File.Exists(Path.Combine(folder, JsonFileName))) continue;
                StoredAcmeAccount account;
                try
                {
                    account = Load(folder);
                }
                catch (PkiException ex) when (damaged != null)
                {
                    damaged(ex);
                    continue;
                }
                if (directory == null || SameDirectory(account.Directory, directory)) accounts.Add(account);
            }
            return accounts;
        }

        public static bool SameDirectory(Uri a, Uri b) => string.Equals(a.AbsoluteUri.TrimEnd('/'), b.AbsoluteUri.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

        /// <summary>Reads the account in <paramref name="folder"/>; FileNotFound or FormatUnknown naming the file when it is not one.</summary>
        public static StoredAcmeAccount Load(string folder)
        {
            string file = Path.Combine(folder, JsonFileName);
            if (!File.Exists(file))
            {
                throw new PkiException(PkiErrorCode.FileNotFound, $"'{folder}' holds no ACME account ({JsonFileName} is missing).", null, folder,
                    new PkiHint("Pass the account object, or its folder, to {0}.", "Account"));
            }
            try
            {
                var json = new MiniJson(File.ReadAllText(file, Encoding.UTF8)).ParseDocument() as Dictionary<string, object?>
                    ?? throw new FormatException("not a JSON object");
                string Text(string name) => json.TryGetValue(name, out object? v) && v is string s ? s : throw new FormatException("no " + name);
                X509Certificate2? root = null;
                if (json.TryGetValue("trustedRoot", out object? pem) && pem is string rootPem && rootPem.Length > 0)
                {
                    root = new X509Certificate2(Formats.Pem.Decode(rootPem).First(b => b.Label == "CERTIFICATE").Data);
                }
                var contact = json.TryGetValue("contact", out object? c) && c is IEnumerable<object?> list ? list.OfType<string>().ToList() : new List<string>();
                return new StoredAcmeAccount(Path.GetFullPath(folder), new Uri(Text("directory")), new Uri(Text("url")), contact, Text("keyAlgorithm"), Text("keyId"),
                    DateTimeOffset.Parse(Text("created"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind), root,
                    json.TryGetValue("skipCertificateCheck", out object? skip) && skip is bool b && b);
            }
            catch (Exception ex) when (ex is FormatException || ex is InvalidOperationException || ex is UriFormatException || ex is System.Security.Cryptography.CryptographicException || ex is PkiException)
            {
                throw new PkiException(PkiErrorCode.FormatUnknown, $"The ACME account file '{file}' is damaged or not one PkiTools wrote.", ex as PkiException, file);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PkiException(PkiErrorCode.FileReadFailed, $"The ACME account file '{file}' could not be read.", ex, file);
            }
        }

        /// <summary>
        /// The account of <paramref name="key"/> at the directory of <paramref name="options"/>, stored under
        /// <paramref name="stateFolder"/>: <paramref name="existing"/> (the stored account of this key) is looked up
        /// (onlyReturnExisting) and created again only when the server no longer knows it; without one, the account is
        /// created. Then its folder is written (the key owner-only). The options' trusted root and skip-check flag are
        /// remembered with it.
        /// </summary>
        public static async Task<(StoredAcmeAccount Stored, AcmeAccount Account)> CreateOrFindAsync(string stateFolder, AcmeClientOptions options, PrivateKey key,
            StoredAcmeAccount? existing, AcmeAccountRequest request, CancellationToken cancel = default)
        {
            AcmeAccount? account = null;
            using (AcmeClient client = await AcmeClient.ConnectAsync(options, cancel).ConfigureAwait(false))
            {
                if (existing != null)
                {
                    try
                    {
                        account = await client.FindAccountAsync(key, cancel).ConfigureAwait(false);
                    }
                    catch (PkiException ex) when (ex.Target is AcmeProblemDetails problem && problem.Is("accountDoesNotExist"))
                    {
                        options.Log?.Invoke("the server does not know the stored account any more: creating it again with the stored key");
                    }
                }
                if (account == null)
                {
                    if (client.Directory.ExternalAccountRequired && request.ExternalAccountBinding == null)
                    {
                        throw new PkiException(PkiErrorCode.InvalidArgument, $"The ACME server {options.Directory.Host} requires external account binding.", null, options.Directory,
                            new PkiHint("Give the key id and HMAC key the CA issued as the user name and password of {0}.", "ExternalAccountBinding"));
                    }
                    account = await client.NewAccountAsync(key, request, cancel).ConfigureAwait(false);
                }
            }
            IReadOnlyList<string> contact = account.Contact.Count > 0 ? account.Contact : existing?.Contact ?? request.Contact;
            StoredAcmeAccount stored = Save(stateFolder, options.Directory, account.Url, contact, key, existing?.Created ?? DateTimeOffset.UtcNow,
                options.TrustedRoot, options.SkipCertificateCheck);
            return (stored, account);
        }

        /// <summary>
        /// Writes a new account's folder: account.key (owner-only from its creation) and account.json, both or neither.
        /// An existing folder of the same key is rewritten (the account was found again).
        /// </summary>
        public static StoredAcmeAccount Save(string stateFolder, Uri directory, Uri url, IReadOnlyList<string> contact, PrivateKey key,
            DateTimeOffset created, X509Certificate2? trustedRoot, bool skipCertificateCheck)
        {
            string folder = Path.GetFullPath(Path.Combine(stateFolder, FolderName(directory, key.KeyId)));
            var json = new Dictionary<string, object?>
            {
                ["directory"] = directory.AbsoluteUri,
                ["url"] = url.AbsoluteUri,
                ["contact"] = contact.ToList(),
                ["keyAlgorithm"] = key.Algorithm,
                ["keyId"] = key.KeyId,
                ["created"] = created.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture),
                ["skipCertificateCheck"] = skipCertificateCheck,
            };
            if (trustedRoot != null) json["trustedRoot"] = Formats.Pem.Encode("CERTIFICATE", trustedRoot.RawData);
            string keyPath = Path.Combine(folder, KeyFileName);
            var files = new List<OutputFile>();
            if (!KeyFileHolds(keyPath, key)) files.Add(new OutputFile(keyPath, Encoding.ASCII.GetBytes(key.ExportPem()), secret: true));
            files.Add(new OutputFile(Path.Combine(folder, JsonFileName), Encoding.UTF8.GetBytes(MiniJsonWriter.Write(json) + "\n"), secret: false));
            CreateOwnerOnlyFolder(stateFolder);
            CreateOwnerOnlyFolder(folder);
            AtomicFileWriter.WriteAll(files, overwrite: true);
            return Load(folder);
        }

        private static bool KeyFileHolds(string keyPath, PrivateKey key)
        {
            if (!File.Exists(keyPath)) return false;
            try
            {
                return PrivateKey.Import(File.ReadAllBytes(keyPath)).KeyId == key.KeyId;
            }
            catch (Exception ex) when (ex is PkiException || ex is IOException || ex is UnauthorizedAccessException)
            {
                return false;
            }
        }

        /// <summary>Creates a folder (and its parents) that only its owner can list, on Unix (0700).</summary>
        private static void CreateOwnerOnlyFolder(string folder)
        {
            try
            {
                if (System.IO.Directory.Exists(folder)) return;
                string? parent = Path.GetDirectoryName(Path.GetFullPath(folder));
                if (parent != null) System.IO.Directory.CreateDirectory(parent);
                CaFiles.CreateFolder(folder, ownerOnly: true);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PkiException(PkiErrorCode.FileWriteFailed, $"The ACME state folder '{folder}' could not be created.", ex, folder, null, "StatePath");
            }
        }
    }
}
