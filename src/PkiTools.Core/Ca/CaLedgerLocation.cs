using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using PkiTools.Core.IO;

namespace PkiTools.Core.Ca
{
    /// <summary>
    /// A ledger kept outside the CA folder. Implemented by a separate assembly (PkiTools.PostgreSql), found by
    /// reflection: the core references no database client.
    /// </summary>
    public interface ICaLedgerProvider
    {
        /// <summary>
        /// The ledger of CA <paramref name="caId"/> at <paramref name="connection"/> (keywords without a password), the
        /// password from <paramref name="password"/> or the client's own sources (PGPASSWORD, PGPASSFILE, ~/.pgpass).
        /// With <paramref name="create"/> the schema is created or migrated and the CA's ledger created when missing.
        /// </summary>
        ICaLedger Open(string connection, string caId, string? password, bool create);
    }

    /// <summary>
    /// A ledger that numbers the CA's CRLs itself (instead of the crlnumber file), so that every host sharing it gets
    /// increasing numbers that are never reused.
    /// </summary>
    public interface ICrlNumberSource
    {
        /// <summary>The next CRL number, committed before it returns (a number whose CRL is never published is skipped).</summary>
        long NextCrlNumber();

        /// <summary>Raises the counter to at least <paramref name="lastIssued"/>; never lowers it. Returns the counter afterwards.</summary>
        long RaiseCrlNumber(long lastIssued);
    }

    /// <summary>
    /// ledger.json of a CA folder: where the ledger lives when it is not index.txt ({"type": "PostgreSql",
    /// "connection": "...", "caId": "..."}). Never holds a password.
    /// </summary>
    public sealed class CaLedgerLocation
    {
        /// <summary>The file name in the CA folder.</summary>
        public const string FileName = "ledger.json";

        /// <summary>The type name of the PostgreSQL ledger.</summary>
        public const string PostgreSql = "PostgreSql";

        public CaLedgerLocation(string type, string connection, string caId)
        {
            Type = type;
            Connection = connection;
            CaId = caId;
        }

        public string Type { get; }

        /// <summary>Connection keywords (Host=...;Database=...;Username=...), without a password.</summary>
        public string Connection { get; }

        public string CaId { get; }

        /// <summary>The CA id for a CA certificate: lower-case hex SHA-256 of its DER encoding.</summary>
        public static string CaIdOf(byte[] caCertificateDer) => Hex.Sha256(caCertificateDer).ToLowerInvariant();

        /// <summary>
        /// InvalidArgument when <paramref name="connection"/> is not keyword=value pairs or holds a password: the
        /// password never sits in the CA folder. The message never repeats the connection string.
        /// </summary>
        public static void CheckConnection(string? connection)
        {
            if (string.IsNullOrWhiteSpace(connection))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "A PostgreSQL ledger needs connection keywords such as 'Host=db.example;Database=pki;Username=pki'.", null, null,
                    new PkiHint("Give {0}.", "LedgerConnection"), "LedgerConnection");
            }
            foreach (KeyValuePair<string, string> keyword in Keywords(connection!))
            {
                string k = keyword.Key;
                if (k == "password" || k == "pwd" || k == "passfile" || k == "sslpassword")
                {
                    throw new PkiException(PkiErrorCode.InvalidArgument,
                        k == "passfile"
                            ? "The PostgreSQL connection keywords name a password file: it would be recorded in the CA folder's ledger.json. Set PGPASSFILE instead (or use ~/.pgpass). Nothing was written."
                            : k == "sslpassword"
                            ? "The PostgreSQL connection keywords hold the password of the TLS client key: it would be recorded in the CA folder's ledger.json. Use an unencrypted client key readable by this user only (sslkey), or password authentication. Nothing was written."
                            : "The PostgreSQL connection keywords hold a password: the password never sits in the CA folder. Give it as a credential, or through PGPASSWORD, PGPASSFILE or ~/.pgpass. Nothing was written.",
                        null, null, new PkiHint("Remove the password from {0} and give {1}, or set PGPASSWORD / ~/.pgpass.", "LedgerConnection", "LedgerCredential"), "LedgerConnection");
                }
            }
        }

        /// <summary>
        /// The keywords of PostgreSQL connection keywords, each with its value: the keyword in lower case without spaces
        /// ("SSL Mode" and "sslmode" alike; "User Name" as "username"). InvalidArgument when they are not keyword=value
        /// pairs (the message never repeats them).
        /// </summary>
        public static IReadOnlyList<KeyValuePair<string, string>> Keywords(string connection)
        {
            var builder = new DbConnectionStringBuilder();
            try
            {
                builder.ConnectionString = connection;
            }
            catch (ArgumentException ex)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument,
                    "The PostgreSQL connection keywords are not valid: use keyword=value pairs such as 'Host=db.example;Port=5432;Database=pki;Username=pki;SSL Mode=Require'.", ex.InnerException, null,
                    new PkiHint("Correct {0}.", "LedgerConnection"), "LedgerConnection");
            }
            return builder.Keys.Cast<string>()
                .Select(key => new KeyValuePair<string, string>(key.Replace(" ", "").ToLowerInvariant(), Convert.ToString(builder[key], CultureInfo.InvariantCulture) ?? ""))
                .ToList();
        }

        public override string ToString() => $"{Type} ({Connection}; CA id {CaId})";

        /// <summary>The JSON of ledger.json.</summary>
        public string ToJson() =>
            "{\n  \"type\": " + Internal.MiniJsonWriter.Write(Type) + ",\n  \"connection\": " + Internal.MiniJsonWriter.Write(Connection) + ",\n  \"caId\": " + Internal.MiniJsonWriter.Write(CaId) + "\n}\n";

        /// <summary>Writes ledger.json atomically into <paramref name="folder"/> (replacing one that is there).</summary>
        public void Write(string folder)
        {
            CheckConnection(Connection);
            AtomicFileWriter.Write(System.IO.Path.Combine(folder, FileName), Encoding.UTF8.GetBytes(ToJson()), secret: false, overwrite: true, caOwned: true);
        }

        /// <summary>ledger.json in <paramref name="folder"/>, or null when there is none.</summary>
        public static CaLedgerLocation? Read(string folder)
        {
            string path = System.IO.Path.Combine(folder, FileName);
            if (!File.Exists(path)) return null;
            object? root;
            try
            {
                root = new Internal.MiniJson(Encoding.UTF8.GetString(Formats.CertificateReader.ReadFile(path))).ParseDocument();
            }
            catch (FormatException ex)
            {
                throw new PkiException(PkiErrorCode.LedgerCorrupt, $"The ledger location '{path}' is not valid JSON: {ex.Message}", ex, path);
            }
            var map = root as Dictionary<string, object?>;
            string? Get(string key) => map != null && map.TryGetValue(key, out object? v) ? v as string : null;
            string? type = Get("type"), connection = Get("connection"), caId = Get("caId");
            if (type == null || connection == null || caId == null || caId.Length == 0)
            {
                throw new PkiException(PkiErrorCode.LedgerCorrupt, $"The ledger location '{path}' must be a JSON object with the strings type, connection and caId.", null, path);
            }
            if (!string.Equals(type, PostgreSql, StringComparison.OrdinalIgnoreCase))
            {
                throw new PkiException(PkiErrorCode.LedgerCorrupt, $"The ledger location '{path}' names the ledger type '{type}'; this version knows {PostgreSql}.", null, path);
            }
            return new CaLedgerLocation(PostgreSql, connection, caId);
        }

        /// <summary>Opens the ledger this location names (the provider assembly loaded on first use).</summary>
        public ICaLedger Open(string? password, bool create) => CaLedgerProviders.PostgreSqlProvider().Open(Connection, CaId, password, create);
    }

    /// <summary>Finds the PostgreSQL ledger provider: PkiTools.PostgreSql.dll from its own folder (postgresql/ beside the module's assemblies), loaded on first use.</summary>
    public static class CaLedgerProviders
    {
        private const string AssemblyName = "PkiTools.PostgreSql";
        private const string TypeName = "PkiTools.PostgreSql.PostgreSqlLedgerProvider";
        private static readonly object Gate = new object();
        private static ICaLedgerProvider? _postgreSql;
        private static string? _folder;

        /// <summary>Whether the runtime can load the PostgreSQL ledger (.NET 8 or later, which PowerShell 7.4 runs on).</summary>
        public static bool RuntimeSupportsPostgreSql =>
            !RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal) && Environment.Version.Major >= 8;

        /// <summary>The folders searched for PkiTools.PostgreSql.dll: postgresql/ beside this assembly, and beside its parent folder (the ReadyToRun copy lives one level down).</summary>
        public static IReadOnlyList<string> SearchFolders()
        {
            string? here = System.IO.Path.GetDirectoryName(typeof(CaLedgerProviders).Assembly.Location);
            var folders = new List<string>();
            if (!string.IsNullOrEmpty(here))
            {
                folders.Add(System.IO.Path.Combine(here, "postgresql"));
                string? parent = System.IO.Path.GetDirectoryName(here);
                if (!string.IsNullOrEmpty(parent)) folders.Add(System.IO.Path.Combine(parent, "postgresql"));
            }
            return folders;
        }

        /// <summary>The provider; NotSupported-style InvalidArgument on an older runtime, LedgerUnavailable when the assembly is missing.</summary>
        public static ICaLedgerProvider PostgreSqlProvider()
        {
            lock (Gate)
            {
                if (_postgreSql != null) return _postgreSql;
                if (!RuntimeSupportsPostgreSql)
                {
                    throw new PkiException(PkiErrorCode.InvalidArgument,
                        $"A CA ledger in PostgreSQL needs PowerShell 7.4 or later (.NET 8 or later); this is {RuntimeInformation.FrameworkDescription}. Nothing was done.", null, null,
                        new PkiHint("Run this in PowerShell 7.4 or later (pwsh)."));
                }
                Assembly? assembly = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == AssemblyName);
                if (assembly == null)
                {
                    string? file = SearchFolders().Select(f => System.IO.Path.Combine(f, AssemblyName + ".dll")).FirstOrDefault(File.Exists);
                    try
                    {
                        if (file != null)
                        {
                            _folder = System.IO.Path.GetDirectoryName(file);
                            AppDomain.CurrentDomain.AssemblyResolve += ResolveFromFolder;
                            assembly = Assembly.LoadFrom(file);
                        }
                        else
                        {
                            assembly = Assembly.Load(new AssemblyName(AssemblyName)); // beside the application (tests)
                        }
                    }
                    catch (Exception ex) when (ex is FileNotFoundException || ex is FileLoadException || ex is BadImageFormatException)
                    {
                        throw new PkiException(PkiErrorCode.LedgerUnavailable,
                            $"The PostgreSQL ledger's assembly ({AssemblyName}.dll) could not be loaded from {string.Join(" or ", SearchFolders())}: the module installation is incomplete.", ex);
                    }
                }
                Type type = assembly.GetType(TypeName, throwOnError: true)!;
                _postgreSql = (ICaLedgerProvider)Activator.CreateInstance(type)!;
                return _postgreSql;
            }
        }

        private static Assembly? ResolveFromFolder(object? sender, ResolveEventArgs args)
        {
            string? folder = _folder;
            if (folder == null) return null;
            string name = new AssemblyName(args.Name).Name ?? "";
            string path = System.IO.Path.Combine(folder, name + ".dll");
            return File.Exists(path) ? Assembly.LoadFrom(path) : null;
        }
    }
}
