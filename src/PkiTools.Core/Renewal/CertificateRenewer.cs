using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using PkiTools.Core.Ca;
using PkiTools.Core.Formats;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Core.Renewal
{
    /// <summary>What one renewal did.</summary>
    public enum RenewalAction
    {
        Renewed,
        NotDue,
        Failed,
        Skipped,
    }

    /// <summary>One certificate's outcome: the files written (Renewed), or why nothing was.</summary>
    public sealed class RenewalResult
    {
        public RenewalResult(string path, RenewalAction action, string subject, DateTime? oldNotAfter, DateTime? newNotAfter, string message,
            IReadOnlyList<string>? files = null, string? keyPath = null, string? chainPath = null, PkiErrorCode? failureCode = null,
            IReadOnlyList<string>? dnsNames = null)
        {
            FailureCode = failureCode;
            DnsNames = dnsNames ?? Array.Empty<string>();
            Path = path;
            Action = action;
            Subject = subject;
            OldNotAfter = oldNotAfter;
            NewNotAfter = newNotAfter;
            Message = message;
            Files = files ?? Array.Empty<string>();
            KeyPath = keyPath;
            ChainPath = chainPath;
        }

        public string Path { get; }

        public RenewalAction Action { get; }

        public string Subject { get; }

        public DateTime? OldNotAfter { get; }

        public DateTime? NewNotAfter { get; }

        public string Message { get; }

        /// <summary>The files replaced (certificate, key, full chain), when renewed.</summary>
        public IReadOnlyList<string> Files { get; }

        public string? KeyPath { get; }

        public string? ChainPath { get; }

        /// <summary>The renewed certificate's DNS names (what a deploy hook gets as RENEWED_DOMAINS); empty unless renewed.</summary>
        public IReadOnlyList<string> DnsNames { get; }

        /// <summary>For a Failed result, the error id of the cause (PasswordIncorrect, PolicyViolation, IssuerKeyMissing...).</summary>
        public PkiErrorCode? FailureCode { get; }
    }

    /// <summary>How Invoke-CertRenewal renews.</summary>
    public sealed class RenewalOptions
    {
        /// <summary>Due when fewer days than this remain; null: when less than a third of the lifetime remains.</summary>
        public int? RenewBeforeDays { get; set; }

        /// <summary>Renew even when not due.</summary>
        public bool Force { get; set; }

        /// <summary>Keep the existing key (it must be unencrypted); otherwise a new key of the same algorithm.</summary>
        public bool ReuseKey { get; set; }

        /// <summary>How many previous sets to keep under .pkitools-backup (0: none).</summary>
        public int KeepBackups { get; set; } = 3;

        public char[]? CaPassword { get; set; }

        /// <summary>How long to wait for another run's lock on the same folder.</summary>
        public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>The clock (tests move it).</summary>
        public Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.UtcNow;
    }

    /// <summary>
    /// Renews certificate files in place from a CA folder: due (a third of the lifetime left, or -RenewBeforeDays),
    /// re-issued under the CA's policy with the same subject, names, profile and key algorithm, and written over the
    /// old files so that a crash leaves either the old or the new set: every new file is staged beside its target
    /// (with the old file's mode, owner and group), a journal names the renames, the renames run, the journal goes.
    /// A run that finds a journal (the previous one was killed among the renames) completes it first. One run per
    /// folder at a time (a lock file); the previous set is kept under .pkitools-backup.
    /// </summary>
    public sealed class CertificateRenewer
    {
        public const string LockFileName = ".pkitools-renewal.lock";
        public const string BackupFolderName = ".pkitools-backup";
        private const string JournalSuffix = ".renewal-journal";
        private readonly IReadOnlyList<IRenewalIssuer> _issuers;
        private readonly RenewalOptions _options;

        /// <param name="cas">The CAs that may renew; each certificate is renewed by the one that issued it (by name).</param>
        /// <param name="options">How (<see cref="RenewalOptions.CaPassword"/> unlocks an encrypted CA key).</param>
        public CertificateRenewer(IReadOnlyList<CaDirectory> cas, RenewalOptions options)
            : this(cas.Select(ca => (IRenewalIssuer)new CaRenewalIssuer(ca, options.CaPassword)).ToList(), options)
        {
        }

        /// <param name="issuers">What may renew, asked in order: CA folders first, then an ACME account that takes the rest.</param>
        /// <param name="options">How.</param>
        public CertificateRenewer(IReadOnlyList<IRenewalIssuer> issuers, RenewalOptions options)
        {
            _issuers = issuers;
            _options = options;
        }

        /// <summary>The first issuer that renews the certificate, or null.</summary>
        private IRenewalIssuer? IssuerOf(X509Certificate2 certificate) => _issuers.FirstOrDefault(issuer => issuer.Renews(certificate));

        /// <summary>The key file beside a certificate file (<see cref="CertificateInventory.FindKeyFile"/>: x.key, x-key.pem, x.key.pem, x.pem.key).</summary>
        public static string? KeyBeside(string certificatePath) => CertificateInventory.FindKeyFile(System.IO.Path.GetFullPath(certificatePath));

        /// <summary>Whether the certificate is due by the options and its lifetime, and why (the -WhatIf sentence).</summary>
        public (bool Due, string Reason) IsDue(X509Certificate2 certificate) => IsDue(certificate, null);

        /// <summary>
        /// Whether the certificate is due, and why: forced, under RenewBeforeDays, else the issuer's own rule when it has
        /// one (an ACME server's renewal window), else a third of the lifetime left.
        /// </summary>
        private (bool Due, string Reason) IsDue(X509Certificate2 certificate, IRenewalIssuer? issuer)
        {
            DateTimeOffset now = _options.Clock();
            TimeSpan left = certificate.NotAfter.ToUniversalTime() - now.UtcDateTime;
            int daysLeft = (int)Math.Floor(left.TotalDays);
            if (_options.Force) return (true, $"renewal forced ({daysLeft} days left)");
            if (_options.RenewBeforeDays is int before)
            {
                return left.TotalDays < before
                    ? (true, $"{daysLeft} days left, under {before}")
                    : (false, $"{daysLeft} days left, not under {before}");
            }
            if (issuer?.IsDue(certificate, now) is (bool due, string reason)) return (due, $"{daysLeft} days left, {reason}");
            TimeSpan lifetime = certificate.NotAfter - certificate.NotBefore;
            return left.Ticks < lifetime.Ticks / 3
                ? (true, $"{daysLeft} days left, under a third of its {Math.Round(lifetime.TotalDays)}-day lifetime")
                : (false, $"{daysLeft} days left of {Math.Round(lifetime.TotalDays)}; due at a third");
        }

        /// <summary>
        /// Renews one certificate file if due. Expected outcomes (not due, not renewable, refused by the CA) are results;
        /// only a broken lock or file system throws.
        /// </summary>
        public RenewalResult Renew(string certificatePath, Func<string, X509Certificate2, string, bool>? shouldRenew = null) =>
            RenewAll(new[] { certificatePath }, shouldRenew).Single();

        /// <summary>
        /// Renews each file in turn, one result per file, lazily. Each folder's lock is taken (and what a killed run
        /// left there completed) once for a run of consecutive files in it, not per file; the lock is held while the
        /// caller handles that folder's results (its deploy hook runs under it). A folder whose lock stays taken gives
        /// Failed (LockTimeout) results for its files without waiting again.
        /// </summary>
        public IEnumerable<RenewalResult> RenewAll(IEnumerable<string> certificatePaths, Func<string, X509Certificate2, string, bool>? shouldRenew = null)
        {
            string? heldFolder = null;
            IDisposable? held = null;
            PkiException? lockError = null;
            try
            {
                foreach (string certificatePath in certificatePaths)
                {
                    string path = System.IO.Path.GetFullPath(certificatePath);
                    string folder = System.IO.Path.GetDirectoryName(path) ?? ".";
                    if (!string.Equals(folder, heldFolder, StringComparison.Ordinal))
                    {
                        held?.Dispose();
                        held = null;
                        lockError = null;
                        heldFolder = folder;
                        try
                        {
                            held = FolderLock.Acquire(folder, _options.LockTimeout);
                            CompleteInterruptedRenewals(folder);
                        }
                        catch (PkiException ex)
                        {
                            held?.Dispose();
                            held = null;
                            lockError = ex;
                        }
                    }
                    yield return lockError == null
                        ? RenewOrFail(path, shouldRenew)
                        : new RenewalResult(path, RenewalAction.Failed, "", null, null, lockError.Message, failureCode: lockError.Code);
                }
            }
            finally
            {
                held?.Dispose();
            }
        }

        /// <summary>One file under its folder's lock; a file-system failure while backing up or replacing is that file's Failed result, and the run goes on.</summary>
        private RenewalResult RenewOrFail(string path, Func<string, X509Certificate2, string, bool>? shouldRenew)
        {
            try
            {
                return RenewLocked(path, shouldRenew);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return new RenewalResult(path, RenewalAction.Failed, "", null, null, "The new files could not be written: " + ex.Message + " The run goes on; what was staged or journalled here is completed or removed at the start of the next run.", failureCode: PkiErrorCode.FileWriteFailed);
            }
        }

        private RenewalResult RenewLocked(string path, Func<string, X509Certificate2, string, bool>? shouldRenew)
        {
            CertificateFileContents contents;
            byte[] original;
            try
            {
                original = File.ReadAllBytes(path);
                contents = CertificateFiles.Read(original, null, path);
            }
            catch (Exception ex) when (ex is PkiException || ex is IOException || ex is UnauthorizedAccessException)
            {
                return new RenewalResult(path, RenewalAction.Failed, "", null, null, "The certificate file cannot be read: " + (ex is PkiException p ? p.Reason : ex.Message),
                    failureCode: ex is PkiException known ? known.Code : PkiErrorCode.FileReadFailed);
            }
            X509Certificate2 old = contents.Leaf;
            ParsedCertificate parsed = ParsedCertificate.Parse(old.RawData);
            string? keyPath = KeyBeside(path);
            IRenewalIssuer? issuer = IssuerOf(old);
            string? skip = parsed.IsCa ? "it is a CA certificate (a CA is renewed by making a new one)"
                : keyPath == null ? "no key file beside it (x.key, x-key.pem, x.key.pem or x.pem.key)"
                : issuer == null && _issuers.Any(i => i is AcmeRenewalIssuer) ? "it is self-signed (a self-signed certificate is renewed by making a new one)"
                : issuer == null ? $"it was issued by '{old.Issuer}', which is not one of the given CAs ({string.Join("; ", _issuers.OfType<CaRenewalIssuer>().Select(c => c.Ca.Subject))})"
                : null;
            if (skip != null) return new RenewalResult(path, RenewalAction.Skipped, old.Subject, old.NotAfter, null, "Not renewed: " + skip + ".");
            (bool due, string reason) = IsDue(old, issuer);
            if (!due) return new RenewalResult(path, RenewalAction.NotDue, old.Subject, old.NotAfter, null, "Not due: " + reason + ".");
            if (shouldRenew != null && !shouldRenew(path, old, reason)) return new RenewalResult(path, RenewalAction.Skipped, old.Subject, old.NotAfter, null, "Not renewed (a dry run, or declined): " + reason + ".");

            PrivateKeyEncoding keyEncoding;
            byte[] keyFile;
            try
            {
                keyFile = File.ReadAllBytes(keyPath!);
                keyEncoding = PrivateKey.DetectEncoding(keyFile);
            }
            catch (Exception ex) when (ex is PkiException || ex is IOException || ex is UnauthorizedAccessException)
            {
                return new RenewalResult(path, RenewalAction.Failed, old.Subject, old.NotAfter, null, $"Its key file {keyPath} cannot be read: " + (ex is PkiException p ? p.Reason : ex.Message),
                    failureCode: ex is PkiException known ? known.Code : PkiErrorCode.FileReadFailed);
            }
            if (keyEncoding.Encrypted)
            {
                Array.Clear(keyFile, 0, keyFile.Length);
                return new RenewalResult(path, RenewalAction.Skipped, old.Subject, old.NotAfter, null,
                    "Not renewed: its key file is encrypted, and an unattended renewal would have to write the new key unencrypted or store the password; issue a new one by hand.");
            }

            IssuedCertificate issued;
            PrivateKey key;
            try
            {
                key = _options.ReuseKey ? PrivateKey.Import(keyFile) : PrivateKey.Generate(AlgorithmOf(parsed));
                issued = issuer!.Issue(key, TemplateFrom(old, parsed), old);
            }
            catch (PkiException ex)
            {
                return new RenewalResult(path, RenewalAction.Failed, old.Subject, old.NotAfter, null, $"{Words.Capital(issuer!.Name)} did not renew it ({ex.Code}): {(ex.Hint?.Otherwise is string otherwise ? ex.Reason + " " + otherwise : ex.Message)}", failureCode: ex.Code);
            }
            finally
            {
                Array.Clear(keyFile, 0, keyFile.Length);
            }

            string? chainPath = FullChainBeside(path);
            var writes = new List<(string Target, byte[] Content, bool Secret)>
            {
                (path, CertificateBytes(original, issued, contents.Certificates.Count > 1), false),
            };
            // The new key in the old file's encoding (PEM or DER; PKCS#8, PKCS#1 or SEC1), so whatever reads it still can.
            if (!_options.ReuseKey) writes.Add((keyPath!, key.Export(keyEncoding), true));
            if (chainPath != null) writes.Add((chainPath, Encoding.ASCII.GetBytes(FullChainPem(issued)), false));
            Backup(path, writes.Select(w => (w.Target, w.Secret)).ToList());
            Replace(path, writes);
            string again = !_options.Force && IsDue(issued.Certificate).Due
                ? $" Its {Math.Round((issued.Certificate.NotAfter - issued.Certificate.NotBefore).TotalDays)}-day lifetime is within the renewal window, so every run will renew it again: give a smaller RenewBeforeDays."
                : "";
            return new RenewalResult(path, RenewalAction.Renewed, issued.Certificate.Subject, old.NotAfter, issued.Certificate.NotAfter,
                $"Renewed ({reason}); serial {issued.Certificate.SerialNumber}, valid to {issued.Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}{(_options.ReuseKey ? ", same key" : ", new key")}.{again}",
                writes.Select(w => w.Target).ToList(), keyPath, chainPath, dnsNames: parsed.DnsNames.ToArray());
        }

        private static KeyAlgorithm AlgorithmOf(ParsedCertificate parsed)
        {
            string name = parsed.PublicKey?.Algorithm ?? "";
            return Enum.TryParse(name, out KeyAlgorithm algorithm)
                ? algorithm
                : throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"The certificate's key type '{name}' cannot be generated again.");
        }

        private static CertificateTemplate TemplateFrom(X509Certificate2 old, ParsedCertificate parsed)
        {
            IReadOnlyList<string> ekus = parsed.ExtendedKeyUsages ?? Array.Empty<string>();
            bool server = ekus.Contains("1.3.6.1.5.5.7.3.1"), client = ekus.Contains("1.3.6.1.5.5.7.3.2");
            CertificateProfile profile = server && client ? CertificateProfile.TlsServerClient : client ? CertificateProfile.TlsClient : CertificateProfile.TlsServer;
            return new CertificateTemplate
            {
                Subject = old.Subject,
                DnsNames = parsed.DnsNames.ToArray(),
                IpAddresses = parsed.IpAddresses.ToArray(),
                Profile = profile,
                ValidDays = Math.Max(1, (int)Math.Round((old.NotAfter - old.NotBefore).TotalDays)),
            };
        }

        /// <summary>The certificate file's new bytes, in the old file's shape: DER, PEM, or PEM with the chain (no root).</summary>
        private static byte[] CertificateBytes(byte[] original, IssuedCertificate issued, bool hadChain)
        {
            if (!Pem.LooksLikePem(original)) return issued.Der;
            return Encoding.ASCII.GetBytes(hadChain ? FullChainPem(issued) : issued.Pem);
        }

        private static string FullChainPem(IssuedCertificate issued) =>
            issued.Pem + string.Concat(issued.Chain.Where(c => !CertificateFacts.IsSelfIssued(c)).Select(c => Pem.Encode("CERTIFICATE", c.RawData)));

        /// <summary>x.fullchain.crt beside x.crt (Invoke-CaSign's naming), when it exists.</summary>
        private static string? FullChainBeside(string path)
        {
            string candidate = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path) ?? ".", System.IO.Path.GetFileNameWithoutExtension(path) + ".fullchain.crt");
            return File.Exists(candidate) && !string.Equals(candidate, path, StringComparison.Ordinal) ? candidate : null;
        }

        /// <summary>Copies the current files into .pkitools-backup/&lt;name&gt;/&lt;UTC time&gt;/ (0700) and keeps the newest <see cref="RenewalOptions.KeepBackups"/>.</summary>
        private void Backup(string path, IReadOnlyList<(string File, bool Secret)> files)
        {
            if (_options.KeepBackups <= 0) return;
            string root = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path) ?? ".", BackupFolderName);
            string lineage = System.IO.Path.Combine(root, System.IO.Path.GetFileName(path));
            string stamp = _options.Clock().UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
            string target = System.IO.Path.Combine(lineage, stamp);
            CaFiles.CreateFolder(root, ownerOnly: true);
            CaFiles.CreateFolder(lineage, ownerOnly: true);
            CaFiles.CreateFolder(target, ownerOnly: true);
            foreach (var (file, secret) in files.Where(f => File.Exists(f.File)))
            {
                AtomicFileWriter.Write(System.IO.Path.Combine(target, System.IO.Path.GetFileName(file)), File.ReadAllBytes(file), secret, overwrite: true);
            }
            foreach (string stale in Directory.GetDirectories(lineage).OrderByDescending(d => d, StringComparer.Ordinal).Skip(_options.KeepBackups))
            {
                Directory.Delete(stale, recursive: true);
            }
        }

        /// <summary>Stages every file (old mode, owner and group), journals the renames, renames, drops the journal.</summary>
        private static void Replace(string path, IReadOnlyList<(string Target, byte[] Content, bool Secret)> writes)
        {
            var staged = new List<(string Temp, string Target)>();
            try
            {
                foreach (var (target, content, secret) in writes)
                {
                    UnixOwnership? ownership = File.Exists(target) ? UnixOwnership.Read(target) : null;
                    staged.Add((AtomicFileWriter.Stage(target, content, secret, temp => ownership?.ApplyTo(temp)), target));
                }
            }
            catch
            {
                foreach (var (temp, _) in staged) AtomicFileWriter.Discard(temp);
                throw;
            }
            string journal = JournalFor(path);
            AtomicFileWriter.Write(journal, Encoding.UTF8.GetBytes(string.Join("\n", staged.Select(s => s.Temp + "\t" + s.Target)) + "\n"), secret: false, overwrite: true);
            foreach (var (temp, target) in staged) AtomicFileWriter.Commit(temp, target);
            File.Delete(journal);
        }

        private static string JournalFor(string path) =>
            System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path) ?? ".", "." + System.IO.Path.GetFileName(path) + JournalSuffix);

        /// <summary>
        /// Finishes what a killed run journalled (every staged file still there is renamed into place), then deletes the
        /// staged files of runs killed before their journal (the old set is still whole). Called under the folder lock.
        /// </summary>
        public static void CompleteInterruptedRenewals(string folder)
        {
            DateTime lockedAt = DateTime.UtcNow;
            foreach (string journal in Directory.GetFiles(folder, "*" + JournalSuffix))
            {
                foreach (string line in File.ReadAllLines(journal).Where(l => l.Length > 0))
                {
                    string[] pair = line.Split('\t');
                    if (pair.Length == 2 && File.Exists(pair[0])) AtomicFileWriter.Commit(pair[0], pair[1]);
                }
                File.Delete(journal);
            }
            AtomicFileWriter.SweepStaleTemporaryFiles(folder, lockedAt);
        }

        /// <summary>An exclusive lock on a folder's .pkitools-renewal.lock, released on dispose.</summary>
        private static class FolderLock
        {
            public static IDisposable Acquire(string folder, TimeSpan timeout)
            {
                string file = System.IO.Path.Combine(folder, LockFileName);
                DateTime deadline = DateTime.UtcNow + timeout;
                while (true)
                {
                    try
                    {
                        return new FileStream(file, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    }
                    catch (IOException) when (DateTime.UtcNow < deadline)
                    {
                        Thread.Sleep(100);
                    }
                    catch (IOException ex)
                    {
                        throw new PkiException(PkiErrorCode.LockTimeout, $"Another renewal held '{file}' for more than {timeout.TotalSeconds:0} s; nothing was renewed in '{folder}'.", ex, file);
                    }
                }
            }
        }
    }
}
