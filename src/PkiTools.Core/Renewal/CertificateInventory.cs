using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PkiTools.Core.Formats;
using PkiTools.Core.X509;

namespace PkiTools.Core.Renewal
{
    /// <summary>One step of a file scan: an inventoried certificate, or the error of one file or folder (the scan goes on).</summary>
    public sealed class InventoryEntry
    {
        internal InventoryEntry(string file, ExpiringCertificate? item, PkiException? error)
        {
            File = file;
            Item = item;
            Error = error;
        }

        /// <summary>The file or folder this entry is about.</summary>
        public string File { get; }

        /// <summary>The certificate found; null for an error or a skipped file (a key file).</summary>
        public ExpiringCertificate? Item { get; }

        /// <summary>Why the file or folder could not be read; null otherwise.</summary>
        public PkiException? Error { get; }
    }

    /// <summary>
    /// The inventory behind Find-ExpiringCert: certificate files (every format Import-Cert reads; a bundle's leaf is the
    /// inventoried certificate), store entries, CA ledger entries and the certificates TLS servers present, each turned
    /// into an <see cref="ExpiringCertificate"/>. Only files can be renewed in place, and only with their key beside them.
    /// </summary>
    public static class CertificateInventory
    {
        /// <summary>The extensions a directory walk reads; other files are not looked at. Files named explicitly are always read.</summary>
        public static readonly IReadOnlyList<string> ScannedExtensions = new[] { ".crt", ".pem", ".cer", ".der", ".p7b", ".pfx", ".p12" };

        /// <summary>
        /// The key file names looked for beside "x.crt", "x.pem", "x.cer" or "x.der", in this order: x.key, x-key.pem,
        /// x.key.pem, x.pem.key (never the certificate file itself).
        /// </summary>
        public static readonly IReadOnlyList<string> KeyFileSuffixes = new[] { ".key", "-key.pem", ".key.pem", ".pem.key" };

        public const string NoKeyReason = "no key file beside it";
        public const string CaReason = "a CA certificate";
        public const string StoreReason = "a store entry";
        public const string LedgerReason = "a CA ledger entry (renew it where it is deployed)";
        public const string EndpointReason = "a TLS endpoint (renew the file it serves)";
        public const string ContainerReason = "a PKCS#12 or PKCS#7 file (only PEM or DER certificates with a key file are renewed in place)";

        /// <summary>
        /// Every certificate under <paramref name="roots"/>, in the order found: a root that is a file is always read; a
        /// folder is walked for <see cref="ScannedExtensions"/> (and its subfolders too with <paramref name="recurse"/>;
        /// symbolic links to folders are not followed). Key files are skipped silently; each unreadable file or folder
        /// is one error entry and the scan goes on. A folder's files are read in parallel; the entries still come in order.
        /// </summary>
        public static IEnumerable<InventoryEntry> ScanFiles(IEnumerable<string> roots, bool recurse, DateTime now)
        {
            foreach (string root in roots)
            {
                if (Directory.Exists(root))
                {
                    foreach (InventoryEntry entry in Walk(root, recurse, now)) yield return entry;
                }
                else
                {
                    yield return ReadEntry(root, now);
                }
            }
        }

        /// <summary>The certificate in one file, or null when it is a key file; a PkiException naming the file when it cannot be read.</summary>
        public static ExpiringCertificate? FromFile(string path, DateTime now)
        {
            if (path.EndsWith(".key", StringComparison.OrdinalIgnoreCase)) return null;
            byte[] data = CertificateReader.ReadFile(path);
            // PEM text is looked at once here; a PEM file without a certificate block is a key file (skipped) or PKCS#7.
            string? text = Pem.LooksLikePem(data) ? Encoding.UTF8.GetString(data) : null;
            bool certificateBlock = text != null && HasCertificateBlock(text);
            if (text != null && !certificateBlock && text.IndexOf("PRIVATE KEY-----", StringComparison.Ordinal) >= 0
                && text.IndexOf("-----BEGIN PKCS7", StringComparison.Ordinal) < 0)
            {
                return null;
            }
            CertificateFileContents contents;
            bool container;
            try
            {
                contents = CertificateFiles.Read(data, null, path);
                container = text != null ? !certificateBlock : CertificateFiles.Detect(data) != CertificateFormat.Der;
            }
            catch (PkiException ex) when (ex.Reason.IndexOf(path, StringComparison.Ordinal) < 0)
            {
                throw new PkiException(ex.Code, $"'{path}': {ex.Reason}", ex, path, ex.Hint, ex.Input);
            }
            X509Certificate2 leaf = contents.Leaf;
            (IReadOnlyList<string> dnsNames, bool isCa) = Facts(leaf);
            string? keyPath = null;
            string? reason;
            if (container)
            {
                reason = ContainerReason;
            }
            else
            {
                keyPath = contents.Key != null ? path : FindKeyFile(path);
                reason = isCa ? CaReason : keyPath == null ? NoKeyReason : null;
            }
            return new ExpiringCertificate(CertificateSourceKind.File, path, path, leaf, dnsNames,
                CertificateFacts.DaysUntilExpiry(leaf, now), keyPath, reason == null, reason);
        }

        /// <summary>A trust or X509 store entry; <paramref name="source"/> reads "Store:CurrentUser\My" (with the location when the store has several).</summary>
        public static ExpiringCertificate FromStore(string source, X509Certificate2 certificate, DateTime now) =>
            Other(CertificateSourceKind.Store, source, certificate, now, StoreReason);

        /// <summary>A valid certificate of a CA's ledger; <paramref name="source"/> reads "Ledger:/srv/pki/issuing".</summary>
        public static ExpiringCertificate FromLedger(string source, X509Certificate2 certificate, DateTime now) =>
            Other(CertificateSourceKind.Ledger, source, certificate, now, LedgerReason);

        /// <summary>The leaf a TLS server presents; <paramref name="source"/> reads "host:port".</summary>
        public static ExpiringCertificate FromEndpoint(string source, X509Certificate2 certificate, DateTime now) =>
            Other(CertificateSourceKind.Endpoint, source, certificate, now, EndpointReason);

        /// <summary>The first existing key file of <see cref="KeyFileSuffixes"/> beside a .crt, .pem, .cer or .der file; null when none.</summary>
        public static string? FindKeyFile(string certificatePath)
        {
            string extension = Path.GetExtension(certificatePath);
            if (!new[] { ".crt", ".pem", ".cer", ".der" }.Contains(extension, StringComparer.OrdinalIgnoreCase)) return null;
            string stem = certificatePath.Substring(0, certificatePath.Length - extension.Length);
            foreach (string suffix in KeyFileSuffixes)
            {
                string candidate = stem + suffix;
                if (!string.Equals(candidate, certificatePath, StringComparison.Ordinal) && File.Exists(candidate)) return candidate;
            }
            return null;
        }

        /// <summary>True when <paramref name="within"/> is null or the certificate has at most that many days left (expired ones included).</summary>
        public static bool IsWithin(ExpiringCertificate item, int? within) => within == null || item.DaysLeft <= within.Value;

        private static ExpiringCertificate Other(CertificateSourceKind kind, string source, X509Certificate2 certificate, DateTime now, string reason)
        {
            (IReadOnlyList<string> dnsNames, bool isCa) = Facts(certificate);
            return new ExpiringCertificate(kind, source, null, certificate, dnsNames,
                CertificateFacts.DaysUntilExpiry(certificate, now), null, false, isCa ? CaReason : reason);
        }

        /// <summary>The DNS names and whether it is a CA, from one parse.</summary>
        private static (IReadOnlyList<string> DnsNames, bool IsCa) Facts(X509Certificate2 certificate)
        {
            try
            {
                ParsedCertificate parsed = ParsedCertificate.Parse(certificate.RawData);
                return (parsed.DnsNames.ToArray(), parsed.IsCa);
            }
            catch (PkiException)
            {
                return (Array.Empty<string>(), false);
            }
        }

        private static bool HasCertificateBlock(string text) =>
            text.IndexOf("-----BEGIN CERTIFICATE", StringComparison.Ordinal) >= 0
            || text.IndexOf("-----BEGIN TRUSTED CERTIFICATE", StringComparison.Ordinal) >= 0
            || text.IndexOf("-----BEGIN X509 CERTIFICATE", StringComparison.Ordinal) >= 0;

        private static InventoryEntry ReadEntry(string file, DateTime now)
        {
            try
            {
                return new InventoryEntry(file, FromFile(file, now), null);
            }
            catch (PkiException ex)
            {
                return new InventoryEntry(file, null, ex);
            }
        }

        /// <summary>
        /// The files of one folder, read on every core but handed back in order (reading is CPU-bound: parsing and
        /// X509Certificate2 construction); the caller sees one entry at a time, on its own thread.
        /// </summary>
        private static IEnumerable<InventoryEntry> ReadAll(string[] files, DateTime now)
        {
            if (files.Length < ParallelFrom || Environment.ProcessorCount == 1) return files.Select(f => ReadEntry(f, now));
            return files.AsParallel().AsOrdered().WithDegreeOfParallelism(Environment.ProcessorCount).Select(f => ReadEntry(f, now));
        }

        private const int ParallelFrom = 8;

        private static IEnumerable<InventoryEntry> Walk(string root, bool recurse, DateTime now)
        {
            foreach (var (folder, files, error) in Folders(root, recurse))
            {
                if (error != null) yield return new InventoryEntry(folder, null, error);
                string[] selected = files.Where(f => ScannedExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase)).ToArray();
                foreach (InventoryEntry entry in ReadAll(selected, now)) yield return entry;
            }
        }

        /// <summary>
        /// The folders under <paramref name="root"/> (itself first, then its subfolders depth-first with
        /// <paramref name="recurse"/>, in ordinal order; symbolic links to folders are not followed), each with its files
        /// in ordinal order, or with the error that kept it from being listed. A subfolder whose name
        /// <paramref name="skip"/> accepts is neither listed nor walked.
        /// </summary>
        public static IEnumerable<(string Folder, string[] Files, PkiException? Error)> Folders(string root, bool recurse, Func<string, bool>? skip = null)
        {
            var pending = new Stack<string>();
            pending.Push(root);
            while (pending.Count > 0)
            {
                string folder = pending.Pop();
                string[] files, folders;
                PkiException? error = null;
                try
                {
                    files = Directory.GetFiles(folder);
                    Array.Sort(files, StringComparer.Ordinal);
                    folders = recurse ? Directory.GetDirectories(folder) : Array.Empty<string>();
                    Array.Sort(folders, StringComparer.Ordinal);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    files = folders = Array.Empty<string>();
                    error = new PkiException(PkiErrorCode.FileReadFailed, $"Could not read the folder '{folder}': {ex.Message}", ex, folder);
                }
                yield return (folder, files, error);
                for (int i = folders.Length - 1; i >= 0; i--)
                {
                    if (skip != null && skip(Path.GetFileName(folders[i]))) continue;
                    if ((new DirectoryInfo(folders[i]).Attributes & FileAttributes.ReparsePoint) == 0) pending.Push(folders[i]);
                }
            }
        }
    }
}
