using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.Formats;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

using PkiTools.Core.Revocation;
using PkiTools.Core.Validation;

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
        private readonly object _keyGate = new object();
        private CertificateIssuer? _issuer;
        private PrivateKey? _key;
        private readonly List<string> _notes = new List<string>();
        private readonly CrlPublisher _crls;

        private readonly string _certificatesFolder;
        private readonly string _crlPath;
        private readonly string _crlNumberPath;

        private CaDirectory(string path, CaLayout layout, X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain, string keyPath, CaPolicy policy,
            ICaLedger ledger, string certificatesFolder, string crlPath, string crlNumberPath, string serialPath, string? configPath, string policyPath,
            CaEnvironment? environment)
        {
            _certificatesFolder = certificatesFolder;
            _crlPath = crlPath;
            _crlNumberPath = crlNumberPath;
            _crls = new CrlPublisher(this);
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
            OwnFiles = own.Where(f => f.Item1.Length > 0).Select(f => (System.IO.Path.GetFullPath(f.Item1), f.Item2)).ToList();
        }

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
                if (Layout == CaLayout.PkiTools && File.Exists(cnf))
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
            DateTimeOffset? now = null)
        {
            if (validYears < 1 || validYears > 100) throw new PkiException(PkiErrorCode.InvalidArgument, "The CA lifetime in years must be between 1 and 100.", null, validYears, new PkiHint("Give {0} from 1 to 100.", "ValidYears"), "ValidYears");
            policy ??= new CaPolicy();
            policy.Validate();
            string full = System.IO.Path.GetFullPath(path);
            if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            {
                throw new PkiException(PkiErrorCode.FileExists, $"The folder '{full}' is not empty: a new CA needs a new or empty folder.", null, full);
            }
            if (parent != null)
            {
                // The parent's permitted names: its policy.json's, else (an adopted CA) its certificate's name constraints.
                bool policyNames = parent.Policy.PermittedDnsSuffixes.Count + parent.Policy.PermittedIpRanges.Count > 0;
                CaPolicy? parentNames = policyNames ? parent.Policy : CaPolicy.PermittedNamesOf(parent.Certificate);
                if (parentNames != null) policy.NarrowNamesTo(parentNames, parent.Subject);
            }
            DateTimeOffset when = now ?? parent?.Clock() ?? DateTimeOffset.UtcNow;
            PrivateKey key = PrivateKey.Generate(keyAlgorithm);
            IssuedCertificate caCertificate;
            var chain = new List<X509Certificate2>();
            if (parent == null)
            {
                caCertificate = CertificateIssuer.SelfSign(key, new CertificateTemplate
                {
                    Subject = subject, Profile = CertificateProfile.RootCa, PathLength = pathLength, NotAfter = when.AddYears(validYears),
                    PermittedDnsDomains = policy.PermittedDnsSuffixes, PermittedIpRanges = policy.PermittedIpRanges,
                }, when);
            }
            else
            {
                var template = new CertificateTemplate
                {
                    Subject = subject, Profile = CertificateProfile.IntermediateCa, PathLength = pathLength, NotAfter = when.AddYears(validYears),
                    PermittedDnsDomains = policy.PermittedDnsSuffixes, PermittedIpRanges = policy.PermittedIpRanges,
                };
                caCertificate = parent.IssueChecked(template, parentPassword, checkPolicy: false, sign: t => parent.Issuer(parentPassword).Issue(key, t));
                chain.Add(parent.Certificate);
                chain.AddRange(parent.Chain);
            }

            // Modes set explicitly whatever the umask: folders 0755, private/ 0700, files 0644 (the key 0600).
            bool existed = Directory.Exists(full);
            CaFiles.CreateFolder(full);
            if (!existed) CaFiles.SetMode(full, 0x1ED);
            CaFiles.CreateFolder(System.IO.Path.Combine(full, "private"), ownerOnly: true);
            foreach (string folder in new[] { "certs", "crl" }) CaFiles.CreateFolder(System.IO.Path.Combine(full, folder));
            var serial = new byte[16];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(serial);
            serial[0] &= 0x7F;
            serial[0] |= 0x10;
            var files = new List<OutputFile>
            {
                new OutputFile(System.IO.Path.Combine(full, "private", "ca.key"), Ascii(key.ExportPem(PrivateKeyFormat.Pkcs8, password)), secret: true),
                new OutputFile(System.IO.Path.Combine(full, "ca.crt"), Ascii(caCertificate.Pem), secret: false),
                new OutputFile(System.IO.Path.Combine(full, "index.txt"), Array.Empty<byte>(), secret: false),
                new OutputFile(System.IO.Path.Combine(full, "index.txt.attr"), Ascii("unique_subject = no\n"), secret: false),
                new OutputFile(System.IO.Path.Combine(full, "serial"), Ascii(Hex.Encode(serial) + "\n"), secret: false),
                new OutputFile(System.IO.Path.Combine(full, "crlnumber"), Ascii("01\n"), secret: false),
                new OutputFile(System.IO.Path.Combine(full, "openssl.cnf"), Ascii(OpenSslCaConfig.Write(full, keyAlgorithm, policy)), secret: false),
                new OutputFile(System.IO.Path.Combine(full, CaPolicy.FileName), Ascii(policy.ToJson()), secret: false),
            };
            if (parent != null)
            {
                chain.Insert(0, caCertificate.Certificate);
                files.Add(new OutputFile(System.IO.Path.Combine(full, "chain.pem"), CertificateFiles.WritePem(chain), secret: false));
            }
            AtomicFileWriter.WriteAll(files, overwrite: false, caOwned: true);
            // The first CRL (number 1, empty) from the key still in memory: relying parties that check revocation find a
            // current CRL from the first certificate on, and the key is not decrypted a second time. That instance is
            // dropped: the CA returned is opened afresh, without its key, like any other (-CaPassword still applies).
            CaDirectory signer = Open(full);
            signer.UseKey(key);
            signer.Clock = () => when;
            signer.NewCrl();
            CaDirectory created = Open(full);
            created._notes.AddRange(caCertificate.Warnings); // e.g. the lifetime clipped to the parent's
            return created;
        }

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
        public static CaDirectory Open(string path, CaEnvironment? environment)
        {
            string full = System.IO.Path.GetFullPath(path);
            if (File.Exists(full)) return OpenConfig(full, environment);
            if (!File.Exists(System.IO.Path.Combine(full, "index.txt")) && Directory.Exists(System.IO.Path.Combine(full, "demoCA")))
            {
                full = System.IO.Path.Combine(full, "demoCA");
            }
            string F(params string[] parts) => System.IO.Path.Combine(new[] { full }.Concat(parts).ToArray());
            CaLayout layout;
            string certificatePath, keyPath;
            // A CA whose key is elsewhere (an offline root) still opens: listing and revoking need no key; signing
            // then says IssuerKeyMissing.
            bool hasLedger = File.Exists(F("index.txt"));
            if (File.Exists(F("ca.crt")) && (File.Exists(F("private", "ca.key")) || hasLedger))
            {
                bool ours = File.Exists(F(CaPolicy.FileName)) || Directory.Exists(F("certs"));
                bool easyRsa = Directory.Exists(F("certs_by_serial")) || Directory.Exists(F("issued")) || File.Exists(F("openssl-easyrsa.cnf"));
                layout = easyRsa && !ours ? CaLayout.EasyRsa : CaLayout.PkiTools;
                certificatePath = F("ca.crt");
                keyPath = F("private", "ca.key");
            }
            else if (File.Exists(F("cacert.pem")) && (File.Exists(F("private", "cakey.pem")) || hasLedger))
            {
                layout = CaLayout.OpenSsl;
                certificatePath = F("cacert.pem");
                keyPath = F("private", "cakey.pem");
            }
            else
            {
                throw new PkiException(PkiErrorCode.CaNotFound,
                    $"'{full}' is not a CA directory: expected ca.crt and private/ca.key (PkiTools or an easy-rsa pki) or cacert.pem and private/cakey.pem (openssl ca).", null, full);
            }
            string certificatesFolder = F(layout switch { CaLayout.EasyRsa => "certs_by_serial", CaLayout.OpenSsl => "newcerts", _ => "certs" });
            string crl = layout == CaLayout.PkiTools ? F("crl", "ca.crl") : F("crl.pem");
            if (!hasLedger && environment?.Ledger == null)
            {
                // A ledger that is gone is not an empty one: a CRL from it would un-revoke, issuance would fork it.
                var evidence = IssuanceEvidence(layout, F("serial"), F("crlnumber"), crl, F("index.txt"),
                    layout == CaLayout.EasyRsa ? new[] { certificatesFolder, F("issued") } : new[] { certificatesFolder });
                if (evidence != null) throw MissingLedger(F("index.txt"), full, evidence);
                if (layout != CaLayout.PkiTools)
                {
                    throw new PkiException(PkiErrorCode.CaNotFound, $"'{full}' has no index.txt: initialise it (easyrsa init-pki / touch index.txt) first.", null, full);
                }
            }
            IReadOnlyList<X509Certificate2> certificates = ReadCertificateFile(certificatePath);
            X509Certificate2 certificate = certificates[0];
            IReadOnlyList<X509Certificate2> chain = ReadChain(F("chain.pem"), certificate);
            CaPolicy policy = CaPolicy.Load(F(CaPolicy.FileName));
            ICaLedger ledger = environment?.Ledger ?? new OpenSslIndexLedger(F("index.txt"));
            return new CaDirectory(full, layout, certificate, chain, keyPath, policy, ledger, certificatesFolder, crl, F("crlnumber"), F("serial"),
                layout == CaLayout.PkiTools ? F("openssl.cnf") : null, F(CaPolicy.FileName), environment);
        }

        /// <summary>The issuers above the CA certificate (issuer first) from chain.pem, as data; empty for a root or without chain.pem.</summary>
        private static IReadOnlyList<X509Certificate2> ReadChain(string chainPath, X509Certificate2 certificate)
        {
            if (!File.Exists(chainPath)) return Array.Empty<X509Certificate2>();
            IReadOnlyList<X509Certificate2> bundle = ReadCertificateFile(chainPath);
            var above = new List<X509Certificate2>();
            X509Certificate2 current = certificate;
            var rest = bundle.Where(c => !c.RawData.SequenceEqual(certificate.RawData)).ToList();
            while (!CertificateFacts.IsSelfIssued(current))
            {
                X509Certificate2? issuer = rest.FirstOrDefault(c => c.SubjectName.RawData.SequenceEqual(current.IssuerName.RawData) && !above.Contains(c));
                if (issuer == null) break;
                above.Add(issuer);
                current = issuer;
            }
            return above;
        }

        /// <summary>
        /// What shows that a CA folder has issued (so a missing index.txt is a lost ledger, not a new one): certificate
        /// files, a CRL, a crlnumber past PkiTools' start (New-Ca signs CRL 1 and leaves 02), or the .old files openssl ca
        /// (and easy-rsa through it) leaves when it advances serial, crlnumber or the database. Null when nothing does.
        /// </summary>
        internal static string? IssuanceEvidence(CaLayout layout, string serialPath, string crlNumberPath, string crlPath, string indexPath, IEnumerable<string> certificateFolders)
        {
            foreach (string folder in certificateFolders)
            {
                if (!Directory.Exists(folder)) continue;
                string? file = Directory.EnumerateFiles(folder).FirstOrDefault(f => !AtomicFileWriter.TemporaryName.IsMatch(System.IO.Path.GetFileName(f)));
                if (file != null) return $"it holds issued certificates ('{file}')";
            }
            if (File.Exists(crlPath)) return $"it has published a CRL ('{crlPath}')";
            foreach (string old in new[] { serialPath + ".old", crlNumberPath + ".old", indexPath + ".old" })
            {
                if (File.Exists(old)) return $"openssl ca has advanced its files ('{old}')";
            }
            if (layout == CaLayout.PkiTools && File.Exists(crlNumberPath))
            {
                try
                {
                    if (CrlPublisher.ReadCrlNumber(crlNumberPath) > 1) return $"its CRL number is past the first ('{crlNumberPath}')";
                }
                catch (PkiException)
                {
                    return $"its crlnumber file is there ('{crlNumberPath}')";
                }
            }
            return null;
        }

        private static PkiException MissingLedger(string indexPath, string folder, string evidence) =>
            new PkiException(PkiErrorCode.LedgerCorrupt,
                $"The ledger '{indexPath}' is missing, but the CA in '{folder}' has issued: {evidence}. An empty ledger would un-revoke every revoked certificate in the next CRL, so the CA is not opened. Restore index.txt from a backup (openssl ca refuses here too).",
                null, indexPath);

        /// <summary>An openssl ca set up by its config file: the paths come from the default_ca section.</summary>
        private static CaDirectory OpenConfig(string configPath, CaEnvironment? environment)
        {
            OpenSslCaConfig config = OpenSslCaConfig.Read(configPath);
            string crl = config.Crl ?? System.IO.Path.Combine(config.Directory, "crl.pem");
            string crlNumber = config.CrlNumber ?? System.IO.Path.Combine(config.Directory, "crlnumber");
            if (!File.Exists(config.Database) && environment?.Ledger == null && File.Exists(config.Certificate))
            {
                string? evidence = IssuanceEvidence(CaLayout.OpenSsl, config.Serial ?? System.IO.Path.Combine(config.Directory, "serial"), crlNumber, crl, config.Database, new[] { config.NewCertsDirectory });
                if (evidence != null) throw MissingLedger(config.Database, config.Directory, evidence);
            }
            foreach (string required in new[] { config.Certificate, config.PrivateKey, config.Database })
            {
                if (!File.Exists(required))
                {
                    throw new PkiException(PkiErrorCode.CaNotFound, $"'{configPath}' names '{required}', which does not exist.", null, required);
                }
            }
            X509Certificate2 certificate = ReadCertificateFile(config.Certificate)[0];
            CaPolicy policy = CaPolicy.Load(System.IO.Path.Combine(config.Directory, CaPolicy.FileName));
            return new CaDirectory(config.Directory, CaLayout.OpenSsl, certificate, Array.Empty<X509Certificate2>(), config.PrivateKey, policy,
                environment?.Ledger ?? new OpenSslIndexLedger(config.Database), config.NewCertsDirectory, crl, crlNumber,
                config.Serial ?? System.IO.Path.Combine(config.Directory, "serial"), configPath, System.IO.Path.Combine(config.Directory, CaPolicy.FileName), environment);
        }

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
        public IssuedCertificate Issue(CertificateSigningRequest csr, CertificateTemplate? template, char[]? password, IssueOutput? output)
        {
            template ??= new CertificateTemplate { Profile = Policy.DefaultProfile };
            var names = new List<string>(csr.DnsNames);
            var ips = new List<string>(csr.IpAddresses);
            foreach (string cn in CommonNames(X509Name.GetInstance(Asn1Object.FromByteArray(csr.SubjectDer)))) Policy.AddCommonName(cn, names, ips);
            string? easyRsaName = Layout == CaLayout.EasyRsa ? EasyRsaName(csr) : null;
            return IssueChecked(template, password, checkPolicy: true, names, ips, t => Issuer(password).Sign(csr, t), easyRsaName, output);
        }

        /// <summary>
        /// Issues for a key with the names of the template (no CSR round trip), under the same policy and with the same
        /// ledger guarantee as the CSR overload.
        /// </summary>
        public IssuedCertificate Issue(PrivateKey subjectKey, CertificateTemplate template, char[]? password = null)
        {
            var names = new List<string>(template.DnsNames);
            var ips = new List<string>(template.IpAddresses);
            if (template.Subject != null)
            {
                foreach (string cn in CommonNames(Names.ParseDistinguishedName(template.Subject))) Policy.AddCommonName(cn, names, ips);
            }
            string? easyRsaName = null;
            if (Layout == CaLayout.EasyRsa)
            {
                string? cn = template.Subject == null ? null : CommonNames(Names.ParseDistinguishedName(template.Subject)).FirstOrDefault();
                easyRsaName = SafeName(cn ?? template.DnsNames.FirstOrDefault() ?? template.IpAddresses.FirstOrDefault() ?? "");
            }
            return IssueChecked(template, password, checkPolicy: true, names, ips, t => Issuer(password).Issue(subjectKey, t), easyRsaName, null);
        }

        private IssuedCertificate IssueChecked(CertificateTemplate template, char[]? password, bool checkPolicy, Func<CertificateTemplate, IssuedCertificate> sign) =>
            IssueChecked(template, password, checkPolicy, new List<string>(), new List<string>(), sign, null, null);

        private IssuedCertificate IssueChecked(CertificateTemplate template, char[]? password, bool checkPolicy, List<string> dnsNames, List<string> ips,
            Func<CertificateTemplate, IssuedCertificate> sign, string? easyRsaName, IssueOutput? output)
        {
            DateTimeOffset now = Clock();
            int? validDays = template.ValidDays;
            if (template.NotAfter == null && validDays == null)
            {
                validDays = Math.Min(Profiles.DefaultValidDays(template.Profile), checkPolicy ? Policy.MaxValidityDays : int.MaxValue);
            }
            if (checkPolicy)
            {
                int days = template.NotAfter is DateTimeOffset end ? (int)Math.Ceiling((end - now).TotalDays) : validDays!.Value;
                Policy.Check(template.Profile, dnsNames, ips, days);
            }
            Issuer(password); // the key first: a wrong password must not cost a serial
            string? issuedPath = easyRsaName == null ? null : System.IO.Path.Combine(Folder, "issued", easyRsaName + ".crt");
            if (issuedPath != null && File.Exists(issuedPath))
            {
                throw new PkiException(PkiErrorCode.FileExists, $"easy-rsa already has a certificate named '{easyRsaName}' ({issuedPath}); revoke or rename it first.", null, issuedPath);
            }

            // (a) The caller's output files are checked first: nothing is issued or recorded for a request whose files
            // cannot be written (an existing file without Force, one of the CA's own files ever).
            output?.Check(this);
            // (b) A random serial unique in the ledger and on disk.
            string serial = ReserveSerial();
            // (c) Sign.
            IssuedCertificate issued = sign(template.With(
                serialNumber: Hex.Decode(serial),
                validDays: template.NotAfter == null ? validDays : null,
                crlDistributionPoints: template.CrlDistributionPoints.Count == 0 ? Policy.CrlDistributionPoints : null,
                authorityInfoAccess: template.AuthorityInfoAccess.Count == 0 ? Policy.AuthorityInfoAccess : null));
            // (d) The CA's own chain must accept what it just signed (name constraints of the CAs above, validity
            // nesting, pathLen, EKUs): a certificate the chain makes invalid is never recorded or handed out.
            CheckAgainstChain(issued, template, now);
            // (e) The CA copy and (f) the ledger line, under the CA lock (stale temporary files of killed writers are
            // swept first); only then (g) the caller's files, and the certificate is handed out.
            var files = new List<OutputFile> { new OutputFile(CertificatePath(serial), Ascii(issued.Pem), secret: false) };
            if (issuedPath != null) files.Add(new OutputFile(issuedPath, Ascii(issued.Pem), secret: false));
            var tbs = X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(issued.Der));
            var entry = new LedgerEntry(LedgerStatus.Valid, new DateTimeOffset(tbs.EndDate.ToDateTime(), TimeSpan.Zero), null, null, serial, "unknown", OpenSslNames.OneLine(tbs.Subject));
            UnderLock(() =>
            {
                if (Ledger.SerialExists(serial) || File.Exists(CertificatePath(serial)))
                {
                    throw new PkiException(PkiErrorCode.SerialConflict, $"Another process issued serial {serial} at the same moment; nothing was issued. Try again.", null, serial);
                }
                CaFiles.CreateFolder(CertificatesFolder);
                if (issuedPath != null) CaFiles.CreateFolder(System.IO.Path.GetDirectoryName(issuedPath)!);
                AtomicFileWriter.WriteAll(files, overwrite: false, caOwned: true);
                try
                {
                    Ledger.Append(entry);
                }
                catch (Exception)
                {
                    foreach (OutputFile f in files) TryDelete(f.FilePath);
                    throw;
                }
                return true;
            });
            output?.Write(this, issued, serial);
            return issued;
        }

        /// <summary>
        /// Runs a change under the CA lock (the ledger's), after sweeping temporary files of our exact naming that
        /// killed writers left in the CA's folders (every writer of those folders holds this lock, so any temporary
        /// file older than the moment it was taken is an orphan; a private key among them is deleted too).
        /// </summary>
        private T UnderLock<T>(Func<T> work) => Ledger.WithLock(_ =>
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

        private byte[]? _spki;

        private void CheckAgainstChain(IssuedCertificate issued, CertificateTemplate template, DateTimeOffset now)
        {
            // CertificateBuilder verified the signature with this CA certificate's key before returning: the validator
            // need not verify it again (about a third of the cost of the check).
            _spki ??= ParsedCertificate.Parse(Certificate.RawData).Tbs.SubjectPublicKeyInfo.GetDerEncoded();
            SignatureCache.RememberVerified(issued.Der, _spki);
            IReadOnlyList<X509Certificate2> above = Chain;
            X509Certificate2 anchor = above.Count > 0 ? above[above.Count - 1] : Certificate;
            var intermediates = new List<X509Certificate2>(above.Count + 1);
            if (!ReferenceEquals(anchor, Certificate)) intermediates.Add(Certificate);
            for (int i = 0; i < above.Count - 1; i++) intermediates.Add(above[i]);
            // The leaf as parsed DER: an X509Certificate2 of it (a second parse, serialised across threads in OpenSSL 3)
            // is built only if a problem must name it, so bulk issuance that never asks for .Certificate does not pay it.
            ParsedCertificate leaf = ParsedCertificate.Parse(issued.Der);
            DateTimeOffset notBefore = new DateTimeOffset(DateTime.SpecifyKind(leaf.NotBefore, DateTimeKind.Utc));
            IReadOnlyList<ChainProblem> problems = ChainValidator.ProblemsOf(leaf, new ChainValidationOptions
            {
                TrustedRoots = new[] { anchor },
                Intermediates = intermediates,
                At = notBefore > now ? notBefore : now,
                AllowWeakSignatures = template.AllowWeakKey,
            });
            if (problems.Count == 0) return;
            string reasons = string.Join(" ", problems.Select(p => $"{p.Code} ({p.Subject}): {p.Message}"));
            throw new PkiException(PkiErrorCode.PolicyViolation,
                $"The CA '{Subject}' refused to issue '{issued.Certificate.Subject}': its own chain (up to '{anchor.Subject}') would not accept it. {reasons} Nothing was recorded.", null, Folder);
        }

        /// <summary>The DER copy written beside a PEM CRL: the same name with the extension .der.</summary>
        public static string DerPathFor(string pemPath) => CrlPublisher.DerPathFor(pemPath);

        /// <summary>The CRL at <see cref="CrlPath"/>, or null when none was made yet.</summary>
        public CertificateRevocationList? CurrentCrl() => _crls.Current();

        /// <summary>Why the CRL must be re-issued, or null when it is still good (see <see cref="CrlPublisher"/>).</summary>
        public string? CrlDueReason(int renewBeforeDays) => _crls.DueReason(renewBeforeDays);

        /// <summary>Signs and publishes a CRL of every revocation in the ledger (see <see cref="CrlPublisher"/>).</summary>
        public CertificateRevocationList NewCrl(int? nextUpdateDays = null, char[]? password = null, string? publishPath = null, bool force = false) =>
            _crls.Publish(nextUpdateDays, password, publishPath, force);

        internal string CrlNumberPath => _crlNumberPath;

        /// <summary>The CA key as a signer, read (and checked against the certificate) at first use.</summary>
        internal ICertificateSigner Signer(char[]? password)
        {
            Issuer(password);
            return new KeySigner(_key!, null);
        }


        /// <summary>
        /// Marks a certificate revoked in the ledger (the CRL is made from it). A certificate on hold
        /// (CertificateHold) can be revoked for good with another reason, or released with RemoveFromCrl, which makes
        /// its line valid again and drops it from the next CRL.
        /// </summary>
        public LedgerEntry Revoke(string serialNumber, RevocationReason reason = RevocationReason.Unspecified, DateTimeOffset? revokedAt = null)
        {
            DateTimeOffset at = revokedAt ?? Clock();
            return UnderLock(() => Ledger.Revoke(serialNumber, reason, at));
        }

        /// <summary>Revokes a certificate this CA issued (Revoke-Cert -Certificate). One from another issuer is InvalidArgument.</summary>
        public LedgerEntry Revoke(X509Certificate2 certificate, RevocationReason reason = RevocationReason.Unspecified, DateTimeOffset? revokedAt = null)
        {
            if (!certificate.IssuerName.RawData.SequenceEqual(Certificate.SubjectName.RawData))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument,
                    $"The certificate '{certificate.Subject}' was issued by '{certificate.Issuer}', not by this CA ('{Certificate.Subject}').", null, certificate);
            }
            return Revoke(certificate.SerialNumber, reason, revokedAt);
        }

        /// <summary>The ledger, filtered.</summary>
        public IReadOnlyList<LedgerEntry> Entries(LedgerQuery? query = null)
        {
            IReadOnlyList<LedgerEntry> all = Ledger.Entries();
            if (query == null) return all;
            DateTimeOffset now = Clock();
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

        /// <summary>The certificate file of a ledger entry, or null when it is missing or unreadable.</summary>
        internal X509Certificate2? LoadIssued(string serialNumber)
        {
            string file = CertificatePath(serialNumber);
            if (!File.Exists(file)) return null;
            try
            {
                return ReadCertificateFile(file)[0];
            }
            catch (PkiException)
            {
                return null;
            }
        }

        /// <summary>A certificate file of the CA directory (openssl ca's text dump before the PEM block is skipped by the reader).</summary>
        private static IReadOnlyList<X509Certificate2> ReadCertificateFile(string path) =>
            CertificateReader.ReadCertificates(CertificateReader.ReadFile(path), path);

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

        private string ReserveSerial()
        {
            var bytes = new byte[16];
            for (int attempt = 0; attempt < 100; attempt++)
            {
                FillRandom(bytes);
                bytes[0] &= 0x7F; // positive
                if (bytes[0] == 0) bytes[0] = 0x01; // 16 octets always: 120+ random bits
                string serial = Hex.Encode(bytes);
                if (!Ledger.SerialExists(serial) && !File.Exists(CertificatePath(serial))) return serial;
            }
            throw new PkiException(PkiErrorCode.SerialConflict, "No unused serial number was found in 100 attempts: the random source is broken.");
        }

        private CertificateIssuer Issuer(char[]? password)
        {
            lock (_keyGate)
            {
                if (_issuer != null) return _issuer;
                PrivateKey key;
                if (!File.Exists(KeyPath))
                {
                    throw new PkiException(PkiErrorCode.IssuerKeyMissing,
                        $"The CA key '{KeyPath}' is missing, so this CA cannot sign (certificates or CRLs). Restore the key file (or copy it back from offline storage) and try again.", null, KeyPath);
                }
                try
                {
                    key = PrivateKey.Import(CertificateReader.ReadFile(KeyPath), password);
                }
                catch (PkiException ex) when (ex.Target == null)
                {
                    // The key's own hint names Password, which the CA cmdlets call CaPassword (ParentPassword in New-Ca).
                    (string reason, PkiHint? hint) = ex.Code switch
                    {
                        PkiErrorCode.PasswordRequired => ($"The CA key '{KeyPath}' is encrypted.",
                            new PkiHint($"Give its password with {{0}} or {{1}} (an owner-only file), or as the systemd credential '{PasswordFile.DefaultCredentialName}' (LoadCredential=, or another name with {{2}}); for the parent ({{3}}) of a new sub-CA, {{4}} or {{5}}.",
                                "CaPassword", "CaPasswordFile", "CaPasswordCredential", "Parent", "ParentPassword", "ParentPasswordFile")),
                        PkiErrorCode.PasswordIncorrect => ($"The password of the CA key '{KeyPath}' is incorrect (or the file is corrupt).",
                            new PkiHint("Check {0}, {1} or the systemd credential ({2} or {3} for the parent ({4}) of a new sub-CA).", "CaPassword", "CaPasswordFile", "ParentPassword", "ParentPasswordFile", "Parent")),
                        _ => ($"The CA key '{KeyPath}': {ex.Reason}", ex.Hint),
                    };
                    throw new PkiException(ex.Code, reason, ex, KeyPath, hint);
                }
                return UseKey(key);
            }
        }

        private CertificateIssuer UseKey(PrivateKey key)
        {
            lock (_keyGate)
            {
                if (!CertificateFacts.KeyMatches(Certificate, key))
                {
                    throw new PkiException(PkiErrorCode.KeyMismatch, $"The CA key '{KeyPath}' does not belong to the CA certificate.", null, KeyPath);
                }
                _key = key;
                _issuer = new CertificateIssuer(Certificate, key, Chain) { Clock = () => Clock() };
                return _issuer;
            }
        }

        private static IEnumerable<string> CommonNames(X509Name name)
        {
            foreach (object v in name.GetValueList(X509Name.CN)) yield return v.ToString()!;
        }

        /// <summary>easy-rsa names files after the request: the CN (or first DNS name), made safe as a file name.</summary>
        private static string EasyRsaName(CertificateSigningRequest csr)
        {
            string? cn = CommonNames(X509Name.GetInstance(Asn1Object.FromByteArray(csr.SubjectDer))).FirstOrDefault();
            return SafeName(!string.IsNullOrEmpty(cn) ? cn! : csr.DnsNames.FirstOrDefault() ?? csr.IpAddresses.FirstOrDefault() ?? "");
        }

        private static string SafeName(string name)
        {
            var safe = new StringBuilder();
            foreach (char c in name) safe.Append(char.IsLetterOrDigit(c) || c == '.' || c == '-' || c == '_' ? c : '_');
            if (safe.Length == 0 || safe.ToString().Trim('.').Length == 0)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "easy-rsa needs a name for the certificate: the request has no CN and no DNS name.");
            }
            return safe.ToString();
        }

        private static byte[] Ascii(string s) => System.Text.Encoding.ASCII.GetBytes(s);

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception)
            {
                // best effort: an orphan certificate file is harmless
            }
        }
    }
}
