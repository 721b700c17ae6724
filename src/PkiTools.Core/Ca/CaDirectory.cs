using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using PkiTools.Core.Formats;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;
using PkiTools.Core.Revocation;
using PkiTools.Core.Validation;
using PkiTools.Core.X509;

namespace PkiTools.Core.Ca
{
    /// <summary>The on-disk layout of a CA directory.</summary>
    public enum CaLayout
    {
        /// <summary>ca.crt, private/ca.key, index.txt, certs/&lt;SERIAL&gt;.pem, crl/, policy.json, openssl.cnf.</summary>
        PkiTools,

        /// <summary>An easy-rsa 3 pki: ca.crt, private/ca.key, index.txt, issued/&lt;name&gt;.crt, certs_by_serial/&lt;SERIAL&gt;.pem.</summary>
        EasyRsa,

        /// <summary>The conventional <c>openssl ca</c> demoCA: cacert.pem, private/cakey.pem, index.txt, newcerts/&lt;SERIAL&gt;.pem.</summary>
        OpenSsl,
    }

    /// <summary>
    /// What a CA is constructed with besides its folder: the ledger (null: the folder's index.txt through
    /// <see cref="OpenSslIndexLedger"/>), the clock and the randomness of serial numbers (null: the system's).
    /// </summary>
    public sealed class CaEnvironment
    {
        public ICaLedger? Ledger { get; set; }

        /// <summary>The password for a ledger in a database (ledger.json); null: the client's own sources (PGPASSWORD, ~/.pgpass).</summary>
        public string? LedgerPassword { get; set; }

        public Func<DateTimeOffset>? Clock { get; set; }

        public Action<byte[]>? FillRandom { get; set; }
    }

    /// <summary>Filters for <see cref="CaDirectory.Entries"/> (Get-IssuedCert). Null members do not filter.</summary>
    public sealed class LedgerQuery
    {
        /// <summary>Effective status: a V line past its notAfter counts as Expired.</summary>
        public LedgerStatus? Status { get; set; }

        /// <summary>Valid certificates whose notAfter falls within this many days from now.</summary>
        public int? ExpiringWithinDays { get; set; }

        /// <summary>A wildcard ("*.corp.example", "web?") matched against the subject CN and the DNS names of the certificate file.</summary>
        public string? DnsName { get; set; }

        /// <summary>Hex, any spelling ("0A:1B", "a1b").</summary>
        public string? SerialNumber { get; set; }
    }

    /// <summary>
    /// A CA kept in a directory that <c>openssl ca</c> and easy-rsa understand too. Issuance order: a random serial
    /// unique in the ledger is reserved, the certificate is signed, its file is written atomically (certs/&lt;SERIAL&gt;.pem),
    /// the ledger line is appended, and only then is the certificate returned. A process killed between writing the
    /// file and appending the line leaves an orphan certificate file that no one received and the ledger does not
    /// list: harmless (it can be deleted); a certificate is never handed out that the ledger lacks.
    /// </summary>
    public sealed class CaDirectory
    {
        private readonly List<string> _notes = new List<string>();
        private readonly CrlPublisher _crls;

        private readonly string _certificatesFolder;
        private readonly string _crlPath;
        private readonly string _crlNumberPath;

        internal CaDirectory(string path, CaLayout layout, X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain, string keyPath, CaPolicy policy,
            ICaLedger ledger, string certificatesFolder, string crlPath, string crlNumberPath, string serialPath, string? configPath, string policyPath,
            CaEnvironment? environment)
        {
            _certificatesFolder = certificatesFolder;
            _crlPath = crlPath;
            _crlNumberPath = crlNumberPath;
            _crls = new CrlPublisher(this);
            SigningKey = new CaSigningKey(this);
            Issuance = new CaIssuance(this, SigningKey);
            Folder = path;
            Layout = layout;
            Certificate = certificate;
            Chain = chain;
            KeyPath = keyPath;
            Policy = policy;
            Ledger = ledger;
            if (environment?.Clock != null) Clock = environment.Clock;
            if (environment?.FillRandom != null) FillRandom = environment.FillRandom;
            var own = new List<(string, string)>
            {
                (keyPath, "private key"), (System.IO.Path.Combine(path, layout == CaLayout.OpenSsl && !File.Exists(System.IO.Path.Combine(path, "ca.crt")) ? "cacert.pem" : "ca.crt"), "certificate"),
                (crlNumberPath, "crlnumber file"), (serialPath, "serial file"), (policyPath, "policy"),
                (System.IO.Path.Combine(path, "chain.pem"), "certificate chain"),
            };
            if (ledger is OpenSslIndexLedger index)
            {
                own.Add((index.IndexPath, "ledger"));
                own.Add((index.IndexPath + ".attr", "ledger"));
                own.Add((index.ReasonsPath, "ledger"));
                own.Add((index.LockPath, "ledger lock"));
            }
            if (configPath != null) own.Add((configPath, "openssl ca config"));
            own.Add((System.IO.Path.Combine(path, CaLedgerLocation.FileName), "ledger location"));
            own.Add((System.IO.Path.Combine(path, "index.txt" + MovedSuffix), "ledger moved to a database"));
            OwnFiles = own.Where(f => f.Item1.Length > 0).Select(f => (System.IO.Path.GetFullPath(f.Item1), f.Item2)).ToList();
        }

        /// <summary>What index.txt is renamed to when the ledger moves to a database (so openssl ca cannot go on issuing from a stale copy).</summary>
        public const string MovedSuffix = ".moved";

        /// <summary>The CA key, read at the first signature.</summary>
        internal CaSigningKey SigningKey { get; }

        /// <summary>The issuance transaction.</summary>
        internal CaIssuance Issuance { get; }

        /// <summary>Notes for <see cref="Warnings"/> from making the CA (a lifetime clipped to the parent's).</summary>
        internal void AddNotes(IEnumerable<string> notes) => _notes.AddRange(notes);

        /// <summary>The CA's own files (key, certificate, ledger, serial, crlnumber, policy, config) with what each is: no output may replace them.</summary>
        internal IReadOnlyList<(string Path, string Role)> OwnFiles { get; }

        /// <summary>
        /// FileExists when <paramref name="path"/> is one of this CA's own files (or a control file of any CA folder):
        /// no output lands there, forced or not.
        /// </summary>
        public void RefuseOwnFile(string path)
        {
            string full = System.IO.Path.GetFullPath(path);
            StringComparison cmp = System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux)
                ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
            foreach ((string own, string role) in OwnFiles)
            {
                if (string.Equals(own, full, cmp)) CaFiles.RefuseOwnFile(full, role, Folder);
            }
            CaFiles.RefuseCaControlFile(full);
        }

        /// <summary>The issuers above the CA certificate, issuer first (from chain.pem); empty for a root.</summary>
        public IReadOnlyList<X509Certificate2> Chain { get; }

        public string Folder { get; }

        public CaLayout Layout { get; }

        /// <summary>The CA certificate (without its key; the key is read from <see cref="KeyPath"/> at the first issuance).</summary>
        public X509Certificate2 Certificate { get; }

        public string KeyPath { get; }

        public CaPolicy Policy { get; }

        public ICaLedger Ledger { get; }

        /// <summary>The CA's subject ("CN=Corp Root CA, O=Corp").</summary>
        public string Subject => Certificate.Subject;

        /// <summary>"ECDSA P-256", "RSA 3072", "Ed25519".</summary>
        public string KeyAlgorithm => CertificateFacts.KeyAlgorithm(Certificate);

        public DateTime NotAfter => Certificate.NotAfter;

        /// <summary>True for a self-signed root, false for an intermediate.</summary>
        public bool IsRoot => CertificateFacts.IsSelfIssued(Certificate);

        /// <summary>Certificates in the ledger.</summary>
        public int IssuedCount => Ledger.Entries().Count;

        /// <summary>Ledger entries valid now (not revoked, not expired).</summary>
        public int ValidCount => CountAt(LedgerStatus.Valid);

        public int RevokedCount => CountAt(LedgerStatus.Revoked);

        public int ExpiredCount => CountAt(LedgerStatus.Expired);

        private int CountAt(LedgerStatus status)
        {
            DateTimeOffset now = Clock();
            return Ledger.Entries().Count(e => e.StatusAt(now) == status);
        }

        /// <summary>Where the CA's current CRL (PEM) is kept: crl/ca.crl here, crl.pem in an easy-rsa pki or a demoCA. The DER copy sits beside it (.der).</summary>
        public string CrlPath => _crlPath;

        /// <summary>What Get-Ca should tell the user: a torn ledger line, an openssl.cnf that points at another folder (the directory was moved).</summary>
        public IReadOnlyList<string> Warnings
        {
            get
            {
                var warnings = new List<string>(_notes);
                warnings.AddRange(Ledger.Warnings);
                if (!File.Exists(KeyPath)) warnings.Add($"The CA key '{KeyPath}' is not here: listing and revoking work, issuing and signing CRLs need the key back.");
                string cnf = System.IO.Path.Combine(Folder, "openssl.cnf");
                // A ledger in a database: openssl ca has no index.txt here to work on, and every issuing host holds a copy of the folder.
                if (Layout == CaLayout.PkiTools && File.Exists(cnf) && Ledger is OpenSslIndexLedger)
                {
                    string? dirLine = File.ReadAllLines(cnf).FirstOrDefault(l => l.TrimStart().StartsWith("dir ", StringComparison.Ordinal) || l.TrimStart().StartsWith("dir=", StringComparison.Ordinal));
                    string? dir = dirLine?.Substring(dirLine.IndexOf('=') + 1).Trim().Replace("\\", "");
                    if (dir != null && !string.Equals(dir.TrimEnd('/'), Folder.Replace('\\', '/').TrimEnd('/'), StringComparison.Ordinal))
                    {
                        warnings.Add($"'{cnf}' points at '{dir}', not at this folder (was the CA directory moved?): `openssl ca -config` would use that folder. Fix its 'dir' line.");
                    }
                }
                return warnings;
            }
        }

        /// <summary>
        /// Whether the CA key file is encrypted (an ENCRYPTED PEM block or OpenSSL's Proc-Type header), so a password must
        /// be found for it. False when the key file is missing (signing then says IssuerKeyMissing).
        /// </summary>
        public bool KeyIsEncrypted
        {
            get
            {
                if (!File.Exists(KeyPath)) return false;
                return System.Text.Encoding.ASCII.GetString(CertificateReader.ReadFile(KeyPath)).IndexOf("ENCRYPTED", StringComparison.Ordinal) >= 0;
            }
        }

        /// <summary>The clock for validity, revocation dates and expiry queries. Replace it in tests.</summary>
        internal Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.UtcNow;

        /// <summary>Randomness for serial numbers. Replace it in tests.</summary>
        internal Action<byte[]> FillRandom { get; set; } = bytes =>
        {
            using var rng = RandomNumberGenerator.Create();
            rng.GetBytes(bytes);
        };

        /// <summary>Where certificates are kept by serial (certs/, certs_by_serial/, newcerts/).</summary>
        public string CertificatesFolder => _certificatesFolder;

        /// <summary>The file of an issued certificate.</summary>
        public string CertificatePath(string serialNumber) =>
            System.IO.Path.Combine(CertificatesFolder, OpenSslIndexLedger.NormalizeSerial(serialNumber) + ".pem");

        /// <summary>
        /// Makes a new CA directory at <paramref name="path"/> (missing or empty). Without <paramref name="parent"/> a
        /// self-signed root; with one, an intermediate signed by the parent and recorded in the parent's ledger (the
        /// parent's name policy does not apply to its own sub-CAs). The key is created owner-only, encrypted with
        /// <paramref name="password"/> when given.
        /// </summary>
        public static CaDirectory Create(string path, string subject, Keys.KeyAlgorithm keyAlgorithm = Keys.KeyAlgorithm.EcdsaP256, int validYears = 10,
            char[]? password = null, CaPolicy? policy = null, CaDirectory? parent = null, char[]? parentPassword = null, int? pathLength = null,
            DateTimeOffset? now = null) =>
            CaCreation.Create(path, subject, keyAlgorithm, validYears, password, policy, parent, parentPassword, pathLength, now);

        /// <summary>
        /// <see cref="Create(string, string, Keys.KeyAlgorithm, int, char[], CaPolicy, CaDirectory, char[], int?, DateTimeOffset?)"/>
        /// with the ledger in PostgreSQL: <paramref name="ledgerConnection"/> holds connection keywords without a
        /// password (refused otherwise, before anything is written); the password is <paramref name="ledgerPassword"/> or
        /// comes from PGPASSWORD, PGPASSFILE or ~/.pgpass. The folder gets ledger.json instead of index.txt.
        /// </summary>
        public static CaDirectory Create(string path, string subject, Keys.KeyAlgorithm keyAlgorithm, int validYears, char[]? password, CaPolicy? policy,
            CaDirectory? parent, char[]? parentPassword, int? pathLength, string? ledgerConnection, string? ledgerPassword) =>
            CaCreation.Create(path, subject, keyAlgorithm, validYears, password, policy, parent, parentPassword, pathLength, null, ledgerConnection, ledgerPassword);

        /// <summary>Where the ledger lives when it is not index.txt (ledger.json), or null.</summary>
        public CaLedgerLocation? LedgerLocation => CaLedgerLocation.Read(Folder);

        /// <summary>
        /// Opens a CA directory: ours, an easy-rsa 3 pki, or an <c>openssl ca</c> directory (or the folder holding its
        /// demoCA). Throws <see cref="PkiErrorCode.CaNotFound"/> when it is none of them.
        /// </summary>
        public static CaDirectory Open(string path) => Open(path, null);

        /// <summary>
        /// Opens a CA directory with its collaborators given: the ledger (null: the folder's index.txt), the clock and
        /// the random source of serial numbers (null: the system's). Opening reads and never writes: no folder, ledger
        /// or lock file is created.
        /// </summary>
        public static CaDirectory Open(string path, CaEnvironment? environment) => CaOpener.Open(path, environment);

        /// <summary>
        /// Signs a CSR under the CA's policy (profile, lifetime, DNS suffixes, IP ranges: <see cref="PkiErrorCode.PolicyViolation"/>
        /// with nothing issued or recorded) and records it in the ledger before returning it. A null template uses the
        /// policy's default profile and the longest lifetime allowed (capped at the profile's default).
        /// </summary>
        public IssuedCertificate Issue(CertificateSigningRequest csr, CertificateTemplate? template = null, char[]? password = null) =>
            Issue(csr, template, password, null);

        /// <summary>
        /// The whole issuance transaction for one request (Invoke-CaSign -Ca): the caller's output files checked
        /// (FileExists unless forced; the CA's own files never) → policy → serial → sign → self-check against the CA
        /// chain → CA copy → ledger line → the caller's files written. A failure writing the caller's files after the
        /// ledger line says the certificate was issued and recorded, with its serial.
        /// </summary>
        public IssuedCertificate Issue(CertificateSigningRequest csr, CertificateTemplate? template, char[]? password, IssueOutput? output) =>
            Issuance.Issue(csr, template, password, output);

        /// <summary>
        /// Issues many requests as one transaction of the ledger (a pipeline of Invoke-CaSign -Ca): each is checked and
        /// signed alone (a refused one gets its error in its outcome and the others go on), then all the rest are
        /// recorded under one hold of the CA lock with one append and flush of the ledger, and only then are the
        /// caller's files written. The one-request <see cref="Issue(CertificateSigningRequest, CertificateTemplate, char[], IssueOutput)"/> is this with one item.
        /// </summary>
        public IReadOnlyList<IssueOutcome> IssueBatch(IReadOnlyList<IssueRequest> requests, char[]? password = null) =>
            Issuance.IssueBatch(requests, password);

        /// <summary>
        /// Issues for a key with the names of the template (no CSR round trip), under the same policy and with the same
        /// ledger guarantee as the CSR overload.
        /// </summary>
        public IssuedCertificate Issue(PrivateKey subjectKey, CertificateTemplate template, char[]? password = null) =>
            Issuance.Issue(subjectKey, template, password);

        /// <summary>
        /// Runs a change under the CA lock (the ledger's), after sweeping temporary files of our exact naming that
        /// killed writers left in the CA's folders (every writer of those folders holds this lock, so any temporary
        /// file older than the moment it was taken is an orphan; a private key among them is deleted too).
        /// </summary>
        internal T UnderLock<T>(Func<T> work) => Ledger.WithLock(_ =>
        {
            SweepStaleTemporaryFiles();
            return work();
        });

        internal IReadOnlyList<string> SweepStaleTemporaryFiles()
        {
            DateTime before = Ledger is OpenSslIndexLedger index ? index.LockAcquiredUtc : DateTime.UtcNow;
            var folders = new HashSet<string>(StringComparer.Ordinal)
            {
                Folder, System.IO.Path.Combine(Folder, "private"), CertificatesFolder, System.IO.Path.GetDirectoryName(CrlPath)!,
                System.IO.Path.GetDirectoryName(_crlNumberPath)!, System.IO.Path.GetDirectoryName(KeyPath)!,
            };
            if (Layout == CaLayout.EasyRsa) folders.Add(System.IO.Path.Combine(Folder, "issued"));
            if (Ledger is OpenSslIndexLedger ledger) folders.Add(System.IO.Path.GetDirectoryName(ledger.IndexPath)!);
            var deleted = new List<string>();
            foreach (string folder in folders) deleted.AddRange(AtomicFileWriter.SweepStaleTemporaryFiles(folder, before));
            return deleted;
        }

        /// <summary>The DER copy written beside a PEM CRL: the same name with the extension .der.</summary>
        public static string DerPathFor(string pemPath) => CrlPublisher.DerPathFor(pemPath);

        /// <summary>The CRL at <see cref="CrlPath"/>, or null when none was made yet.</summary>
        public CertificateRevocationList? CurrentCrl() => _crls.Current();

        /// <summary>Why the CRL must be re-issued, or null when it is still good (see <see cref="CrlPublisher"/>).</summary>
        public string? CrlDueReason(int renewBeforeDays) => _crls.DueReason(renewBeforeDays);

        /// <summary>Signs and publishes a CRL of every revocation in the ledger (see <see cref="CrlPublisher"/>).</summary>
        public CertificateRevocationList NewCrl(int? nextUpdateDays = null, char[]? password = null, string? publishPath = null, bool force = false) =>
            _crls.Publish(nextUpdateDays, password, publishPath, force, null);

        /// <summary>As above, signed with <paramref name="scheme"/> (an RSA CA key: PKCS#1 v1.5 or RSASSA-PSS; null: the policy's signatureAlgorithm or the key's default).</summary>
        public CertificateRevocationList NewCrl(int? nextUpdateDays, char[]? password, string? publishPath, bool force, Keys.SignatureScheme? scheme) =>
            _crls.Publish(nextUpdateDays, password, publishPath, force, scheme);

        internal string CrlNumberPath => _crlNumberPath;

        /// <summary>The CA key as a signer, read (and checked against the certificate) at first use.</summary>
        internal ICertificateSigner Signer(char[]? password, Keys.SignatureScheme? scheme = null) => SigningKey.Signer(password, scheme);

        /// <summary>
        /// Marks a certificate revoked in the ledger (the CRL is made from it). A certificate on hold
        /// (CertificateHold) can be revoked for good with another reason, or released with RemoveFromCrl, which makes
        /// its line valid again and drops it from the next CRL.
        /// </summary>
        public LedgerEntry Revoke(string serialNumber, RevocationReason reason = RevocationReason.Unspecified, DateTimeOffset? revokedAt = null)
        {
            LedgerOutcome outcome = RevokeBatch(new[] { serialNumber }, reason, revokedAt)[0];
            return outcome.Entry ?? throw outcome.Error!;
        }

        /// <summary>
        /// Revokes many certificates with one change of the ledger (one lock hold, one rewrite of index.txt): per serial,
        /// in order, the new entry or the error that refused it (SerialNotFound, already revoked...) while the others go on.
        /// </summary>
        public IReadOnlyList<LedgerOutcome> RevokeBatch(IReadOnlyList<string> serialNumbers, RevocationReason reason = RevocationReason.Unspecified, DateTimeOffset? revokedAt = null)
        {
            DateTimeOffset at = revokedAt ?? Clock();
            var revocations = serialNumbers.Select(s => new LedgerRevocation(s, reason, at)).ToList();
            return UnderLock(() => Ledger.Revoke(revocations));
        }

        /// <summary>Revokes a certificate this CA issued (Revoke-Cert -Certificate). One from another issuer is InvalidArgument.</summary>
        public LedgerEntry Revoke(X509Certificate2 certificate, RevocationReason reason = RevocationReason.Unspecified, DateTimeOffset? revokedAt = null)
        {
            CheckIssuedHere(certificate);
            return Revoke(certificate.SerialNumber, reason, revokedAt);
        }

        /// <summary>InvalidArgument unless this CA issued <paramref name="certificate"/> (its issuer is this CA's subject).</summary>
        public void CheckIssuedHere(X509Certificate2 certificate)
        {
            if (!certificate.IssuerName.RawData.SequenceEqual(Certificate.SubjectName.RawData))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument,
                    $"The certificate '{certificate.Subject}' was issued by '{certificate.Issuer}', not by this CA ('{Certificate.Subject}').", null, certificate);
            }
        }

        /// <summary>The ledger, filtered.</summary>
        public IReadOnlyList<LedgerEntry> Entries(LedgerQuery? query = null)
        {
            if (query == null) return Ledger.Entries();
            DateTimeOffset now = Clock();
            // An expiry report reads only the window (a database answers it from its index); the filters below still decide.
            IReadOnlyList<LedgerEntry> all = query.ExpiringWithinDays is int window
                ? Ledger.ExpiringBetween(now, now.AddDays(window).AddTicks(1))
                : Ledger.Entries();
            string? serial = query.SerialNumber == null ? null : OpenSslIndexLedger.NormalizeSerial(query.SerialNumber);
            Regex? pattern = query.DnsName == null ? null
                : new Regex("^" + Regex.Escape(query.DnsName.Trim().TrimEnd('.')).Replace("\\*", ".*").Replace("\\?", ".") + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
            var result = new List<LedgerEntry>();
            foreach (LedgerEntry e in all)
            {
                if (serial != null && OpenSslIndexLedger.NormalizeSerial(e.SerialNumber) != serial) continue;
                LedgerStatus status = e.StatusAt(now);
                if (query.Status != null && status != query.Status) continue;
                if (query.ExpiringWithinDays is int days && (status != LedgerStatus.Valid || e.NotAfter > now.AddDays(days))) continue;
                if (pattern != null && !DnsNamesOf(e).Any(n => pattern.IsMatch(n))) continue;
                result.Add(e);
            }
            return result;
        }

        /// <summary>The ledger, filtered, as records that also read the certificate files (Get-IssuedCert).</summary>
        public IReadOnlyList<IssuedCertificateRecord> Records(LedgerQuery? query = null)
        {
            DateTimeOffset now = Clock();
            return Entries(query).Select(e => new IssuedCertificateRecord(this, e, now)).ToList();
        }

        /// <summary>One ledger entry as a record (Revoke-Cert -PassThru), without searching the ledger.</summary>
        public IssuedCertificateRecord Record(LedgerEntry entry) => new IssuedCertificateRecord(this, entry, Clock());

        /// <summary>The certificate file of a ledger entry, or null when it is missing or unreadable.</summary>
        internal X509Certificate2? LoadIssued(string serialNumber)
        {
            string file = CertificatePath(serialNumber);
            if (!File.Exists(file)) return null;
            try
            {
                return CaOpener.ReadCertificateFile(file)[0];
            }
            catch (PkiException)
            {
                return null;
            }
        }

        private IEnumerable<string> DnsNamesOf(LedgerEntry entry)
        {
            foreach (string part in entry.Subject.Split('/'))
            {
                if (part.StartsWith("CN=", StringComparison.Ordinal)) yield return part.Substring(3);
            }
            X509Certificate2? certificate = LoadIssued(entry.SerialNumber);
            if (certificate == null) yield break;
            foreach (string dns in ParsedCertificate.Parse(certificate.RawData).DnsNames) yield return dns;
        }

    }
}
