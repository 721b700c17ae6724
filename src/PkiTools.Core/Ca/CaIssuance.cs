using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.Formats;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;
using PkiTools.Core.Validation;
using PkiTools.Core.X509;

namespace PkiTools.Core.Ca
{
    /// <summary>One request of an issuance batch (<see cref="CaDirectory.IssueBatch"/>): the CSR, the template (null: the policy's default), where the caller's files go.</summary>
    public sealed class IssueRequest
    {
        public IssueRequest(CertificateSigningRequest csr, CertificateTemplate? template = null, IssueOutput? output = null)
        {
            Csr = csr;
            Template = template;
            Output = output;
        }

        public CertificateSigningRequest Csr { get; }

        public CertificateTemplate? Template { get; }

        public IssueOutput? Output { get; }
    }

    /// <summary>
    /// What became of one request of a batch: the certificate (issued, recorded, its files written), or the error. A
    /// request with an error and a <see cref="SerialNumber"/> was issued and recorded, but its files were not written.
    /// </summary>
    public sealed class IssueOutcome
    {
        public IssueOutcome(IssuedCertificate? certificate, string? serialNumber, PkiException? error)
        {
            Certificate = certificate;
            SerialNumber = serialNumber;
            Error = error;
        }

        public IssuedCertificate? Certificate { get; }

        /// <summary>The serial when the ledger recorded the certificate, else null.</summary>
        public string? SerialNumber { get; }

        public PkiException? Error { get; }
    }

    /// <summary>
    /// The issuance transaction of one CA: the caller's output files checked → policy → the CA key → a random serial
    /// unique in the ledger → sign → self-check against the CA's own chain → CA copy and ledger line under the CA lock
    /// → the caller's files. A request that fails before the ledger line leaves nothing behind.
    /// </summary>
    internal sealed class CaIssuance
    {
        private readonly CaDirectory _ca;
        private readonly CaSigningKey _key;

        public CaIssuance(CaDirectory ca, CaSigningKey key)
        {
            _ca = ca;
            _key = key;
        }

        /// <summary>
        /// The whole issuance transaction for one request (Invoke-CaSign -Ca): the batch form with one item.
        /// </summary>
        public IssuedCertificate Issue(CertificateSigningRequest csr, CertificateTemplate? template, char[]? password, IssueOutput? output) =>
            Single(IssueBatch(new[] { new IssueRequest(csr, template, output) }, password)[0]);

        /// <summary>
        /// The issuance transaction for many requests (a pipeline of Invoke-CaSign -Ca), one outcome per request in
        /// order. Each request alone: the caller's output files checked (FileExists unless forced, also when an earlier
        /// request of the batch claims the same file; the CA's own files never) → policy → serial → sign → self-check
        /// against the CA chain; a request refused there gets its error and leaves nothing behind. Then, for all the
        /// others at once under one hold of the CA lock: the CA copies (flushed to disk together) and one append of
        /// their ledger lines with one flush. Only then the caller's files, and the certificates are handed out. A
        /// failure writing a caller's files says the certificate was issued and recorded, with its serial.
        /// </summary>
        public IReadOnlyList<IssueOutcome> IssueBatch(IReadOnlyList<IssueRequest> requests, char[]? password)
        {
            var pending = new List<Pending>(requests.Count);
            foreach (IssueRequest request in requests)
            {
                CertificateSigningRequest csr = request.Csr;
                CertificateTemplate template = request.Template ?? new CertificateTemplate { Profile = _ca.Policy.DefaultProfile };
                pending.Add(new Pending(template, checkPolicy: true, request.Output, () =>
                {
                    var names = new List<string>(csr.DnsNames);
                    var ips = new List<string>(csr.IpAddresses);
                    foreach (string cn in CommonNames(X509Name.GetInstance(Asn1Object.FromByteArray(csr.SubjectDer)))) _ca.Policy.AddCommonName(cn, names, ips);
                    return (names, ips, _ca.Layout == CaLayout.EasyRsa ? EasyRsaName(csr) : null);
                }, t => _key.Issuer(password).Sign(csr, t)));
            }
            return Run(pending, password);
        }

        /// <summary>
        /// Issues for a key with the names of the template (no CSR round trip), under the same policy and with the same
        /// ledger guarantee as the CSR overload.
        /// </summary>
        public IssuedCertificate Issue(PrivateKey subjectKey, CertificateTemplate template, char[]? password = null) =>
            Single(Run(new[]
            {
                new Pending(template, checkPolicy: true, null, () =>
                {
                    var names = new List<string>(template.DnsNames);
                    var ips = new List<string>(template.IpAddresses);
                    if (template.Subject != null)
                    {
                        foreach (string cn in CommonNames(Names.ParseDistinguishedName(template.Subject))) _ca.Policy.AddCommonName(cn, names, ips);
                    }
                    string? easyRsaName = null;
                    if (_ca.Layout == CaLayout.EasyRsa)
                    {
                        string? cn = template.Subject == null ? null : CommonNames(Names.ParseDistinguishedName(template.Subject)).FirstOrDefault();
                        easyRsaName = SafeName(cn ?? template.DnsNames.FirstOrDefault() ?? template.IpAddresses.FirstOrDefault() ?? "");
                    }
                    return (names, ips, easyRsaName);
                }, t => _key.Issuer(password).Issue(subjectKey, t)),
            }, password)[0]);

        public IssuedCertificate IssueChecked(CertificateTemplate template, char[]? password, bool checkPolicy, Func<CertificateTemplate, IssuedCertificate> sign) =>
            Single(Run(new[] { new Pending(template, checkPolicy, null, () => (new List<string>(), new List<string>(), null), sign) }, password)[0]);

        /// <summary>Runs <paramref name="body"/> for 0..count-1 over all cores (in this thread alone for one item or one core).</summary>
        internal static void OnAllCores(int count, Action<int> body)
        {
            if (count > 1 && Environment.ProcessorCount > 1)
            {
                System.Threading.Tasks.Parallel.For(0, count, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, body);
                return;
            }
            for (int i = 0; i < count; i++) body(i);
        }

        private static IssuedCertificate Single(IssueOutcome outcome) => outcome.Certificate ?? throw outcome.Error!;

        /// <summary>One request on its way: what it asks for, then what was made for it.</summary>
        private sealed class Pending
        {
            public Pending(CertificateTemplate template, bool checkPolicy, IssueOutput? output,
                Func<(List<string> DnsNames, List<string> Ips, string? EasyRsaName)> names, Func<CertificateTemplate, IssuedCertificate> sign)
            {
                Template = template;
                CheckPolicy = checkPolicy;
                Output = output;
                Names = names;
                Sign = sign;
            }

            public CertificateTemplate Template { get; }
            public bool CheckPolicy { get; }
            public IssueOutput? Output { get; }
            public Func<(List<string> DnsNames, List<string> Ips, string? EasyRsaName)> Names { get; }
            public Func<CertificateTemplate, IssuedCertificate> Sign { get; }
            public string Serial { get; set; } = "";
            public IssuedCertificate? Issued { get; set; }
            public List<OutputFile> CaFiles { get; } = new List<OutputFile>();
            public LedgerEntry? Entry { get; set; }
            public PkiException? Error { get; set; }
            public bool Recorded { get; set; }
            public string? IssuedPath { get; set; }
            public DateTimeOffset Now { get; set; }
            public int? ValidDays { get; set; }
        }

        private IReadOnlyList<IssueOutcome> Run(IReadOnlyList<Pending> items, char[]? password)
        {
            // One hold of the CA lock for the batch (stale temporary files of killed writers are swept first): the
            // serials are drawn against a ledger no one else can change meanwhile, so its lookups read nothing from disk.
            try
            {
                _ca.UnderLock(() =>
                {
                    // (a)-(d) each request alone: nothing is written for it yet, so a refusal leaves nothing behind.
                    var claimed = new HashSet<string>(StringComparer.Ordinal);
                    var serials = new HashSet<string>(StringComparer.Ordinal);
                    foreach (Pending item in items)
                    {
                        try
                        {
                            Prepare(item, password, claimed, serials);
                        }
                        catch (PkiException ex)
                        {
                            item.Error = ex;
                        }
                    }
                    // A ledger that looks serials up in one call was asked nothing per request: the drawn serials now,
                    // at once, and any already recorded drawn again (one at a time, as for any other ledger).
                    if (_ca.Ledger is ILedgerSerialLookup lookup)
                    {
                        List<Pending> drawn = items.Where(i => i.Error == null).ToList();
                        var taken = new HashSet<string>(lookup.ExistingSerials(drawn.Select(i => i.Serial).ToList()), StringComparer.Ordinal);
                        foreach (Pending item in drawn.Where(i => taken.Contains(OpenSslIndexLedger.NormalizeSerial(i.Serial))))
                        {
                            serials.Remove(item.Serial);
                            item.Serial = ReserveSerial(serials, askLedger: true);
                            serials.Add(item.Serial);
                        }
                    }
                    // Signing and the self-check are pure computation: over all cores for a batch.
                    List<Pending> toSign = items.Where(i => i.Error == null).ToList();
                    OnAllCores(toSign.Count, i => SignChecked(toSign[i]));
                    // (e) the CA copies and (f) the ledger lines of all the others at once.
                    List<Pending> ready = items.Where(i => i.Error == null).ToList();
                    if (ready.Count > 0) Record(ready);
                    return true;
                });
            }
            catch (PkiException ex)
            {
                // The lock or the ledger could not be had (LockTimeout, an unreadable ledger): nothing of the batch was recorded.
                foreach (Pending item in items)
                {
                    if (!item.Recorded) item.Error ??= ex;
                }
            }
            // (g) the caller's files, written only now that the ledger lists their certificates.
            List<Pending> withFiles = items.Where(i => i.Recorded && i.Output != null).ToList();
            var plans = new IReadOnlyList<OutputFile>?[withFiles.Count];
            void PlanOne(int i)
            {
                Pending item = withFiles[i];
                try
                {
                    IReadOnlyList<OutputFile> files = item.Output!.Plan(item.Issued!);
                    foreach (OutputFile file in files) _ca.RefuseOwnFile(file.FilePath);
                    plans[i] = files;
                }
                catch (PkiException ex)
                {
                    item.Error = item.Output!.AfterRecording(_ca, ex, item.Serial);
                }
            }
            // The key files' encodings (a PKCS#8 export each, encrypted with -Password) over all cores.
            OnAllCores(withFiles.Count, PlanOne);
            var groups = new List<FileGroup>(withFiles.Count);
            for (int i = 0; i < withFiles.Count; i++)
            {
                if (plans[i] != null) groups.Add(new FileGroup(plans[i]!, withFiles[i].Output!.Force, caOwned: false));
            }
            PkiException?[] written = AtomicFileWriter.WriteGroups(groups);
            for (int i = 0, g = 0; i < withFiles.Count; i++)
            {
                if (plans[i] == null) continue;
                PkiException? error = written[g++];
                if (error == null) withFiles[i].Output!.Written = plans[i]!;
                else withFiles[i].Error = withFiles[i].Output!.AfterRecording(_ca, error, withFiles[i].Serial);
            }
            return items.Select(i => new IssueOutcome(i.Error == null ? i.Issued : null, i.Recorded ? i.Serial : null, i.Error)).ToList();
        }

        private void Prepare(Pending item, char[]? password, HashSet<string> claimed, HashSet<string> serials)
        {
            CertificateTemplate template = item.Template;
            (List<string> dnsNames, List<string> ips, string? easyRsaName) = item.Names();
            DateTimeOffset now = _ca.Clock();
            int? validDays = template.ValidDays;
            if (template.NotAfter == null && validDays == null)
            {
                validDays = Math.Min(Profiles.DefaultValidDays(template.Profile), item.CheckPolicy ? _ca.Policy.MaxValidityDays : int.MaxValue);
            }
            if (item.CheckPolicy)
            {
                int days = template.NotAfter is DateTimeOffset end ? (int)Math.Ceiling((end - now).TotalDays) : validDays!.Value;
                _ca.Policy.Check(template.Profile, dnsNames, ips, days);
            }
            _key.Issuer(password); // the key first: a wrong password must not cost a serial
            string? issuedPath = easyRsaName == null ? null : System.IO.Path.Combine(_ca.Folder, "issued", easyRsaName + ".crt");
            if (issuedPath != null && (File.Exists(issuedPath) || claimed.Contains(issuedPath)))
            {
                throw new PkiException(PkiErrorCode.FileExists, $"easy-rsa already has a certificate named '{easyRsaName}' ({issuedPath}); revoke or rename it first.", null, issuedPath);
            }

            // (a) The caller's output files are checked first: nothing is issued or recorded for a request whose files
            // cannot be written (an existing file without Force, a file an earlier request of the batch writes, one
            // of the CA's own files ever).
            item.Output?.Check(_ca, claimed);
            // (b) A random serial unique in the ledger, on disk and in the batch.
            item.Serial = ReserveSerial(serials, askLedger: !(_ca.Ledger is ILedgerSerialLookup));
            serials.Add(item.Serial);
            if (issuedPath != null) claimed.Add(issuedPath);
            if (item.Output != null && !item.Output.Force) foreach (string target in item.Output.KnownTargets) claimed.Add(target);
            item.IssuedPath = issuedPath;
            item.Now = now;
            item.ValidDays = validDays;
        }

        /// <summary>(c) Sign and (d) the self-check of one prepared request; safe to run for several requests at once.</summary>
        private void SignChecked(Pending item)
        {
            try
            {
                CertificateTemplate template = item.Template;
                // (c) Sign.
                IssuedCertificate issued = item.Sign(template.With(
                    serialNumber: Hex.Decode(item.Serial),
                    validDays: template.NotAfter == null ? item.ValidDays : null,
                    crlDistributionPoints: template.CrlDistributionPoints.Count == 0 ? _ca.Policy.CrlDistributionPoints : null,
                    authorityInfoAccess: template.AuthorityInfoAccess.Count == 0 ? _ca.Policy.AuthorityInfoAccess : null));
                // (d) The CA's own chain must accept what it just signed (name constraints of the CAs above, validity
                // nesting, pathLen, EKUs): a certificate the chain makes invalid is never recorded or handed out.
                CheckAgainstChain(issued, template, item.Now);
                byte[] pem = CaFiles.Ascii(issued.Pem);
                item.CaFiles.Add(new OutputFile(_ca.CertificatePath(item.Serial), pem, secret: false));
                if (item.IssuedPath != null) item.CaFiles.Add(new OutputFile(item.IssuedPath, pem, secret: false));
                var tbs = X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(issued.Der));
                item.Entry = new LedgerEntry(LedgerStatus.Valid, new DateTimeOffset(tbs.EndDate.ToDateTime(), TimeSpan.Zero), null, null, item.Serial, "unknown", OpenSslNames.OneLine(tbs.Subject));
                item.Issued = issued;
            }
            catch (PkiException ex)
            {
                item.Error = ex;
            }
        }

        /// <summary>The CA copies and the ledger lines of <paramref name="ready"/>; the caller holds the CA lock.</summary>
        private void Record(List<Pending> ready)
        {
            var groups = new List<FileGroup>(ready.Count);
            var writing = new List<Pending>(ready.Count);
            HashSet<string>? recorded = _ca.Ledger is ILedgerSerialLookup lookup
                ? new HashSet<string>(lookup.ExistingSerials(ready.Select(i => i.Serial).ToList()), StringComparer.Ordinal)
                : null;
            foreach (Pending item in ready)
            {
                if ((recorded != null ? recorded.Contains(OpenSslIndexLedger.NormalizeSerial(item.Serial)) : _ca.Ledger.SerialExists(item.Serial)) || File.Exists(_ca.CertificatePath(item.Serial)))
                {
                    item.Error = new PkiException(PkiErrorCode.SerialConflict, $"Another process issued serial {item.Serial} at the same moment; nothing was issued. Try again.", null, item.Serial);
                    continue;
                }
                groups.Add(new FileGroup(item.CaFiles, overwrite: false, caOwned: true));
                writing.Add(item);
            }
            if (writing.Count == 0) return;
            CaFiles.CreateFolder(_ca.CertificatesFolder);
            if (_ca.Layout == CaLayout.EasyRsa) CaFiles.CreateFolder(System.IO.Path.Combine(_ca.Folder, "issued"));
            PkiException?[] errors = AtomicFileWriter.WriteGroups(groups);
            var recording = new List<Pending>(writing.Count);
            for (int i = 0; i < writing.Count; i++)
            {
                if (errors[i] != null) writing[i].Error = errors[i];
                else recording.Add(writing[i]);
            }
            if (recording.Count == 0) return;
            try
            {
                _ca.Ledger.Append(recording.Select(i => i.Entry!).ToList());
            }
            catch (PkiException ex)
            {
                foreach (Pending item in recording)
                {
                    foreach (OutputFile f in item.CaFiles) TryDelete(f.FilePath);
                    item.Error = ex;
                }
                return;
            }
            catch (Exception)
            {
                foreach (Pending item in recording)
                {
                    foreach (OutputFile f in item.CaFiles) TryDelete(f.FilePath);
                }
                throw;
            }
            foreach (Pending item in recording) item.Recorded = true;
        }

        private byte[]? _spki;

        private void CheckAgainstChain(IssuedCertificate issued, CertificateTemplate template, DateTimeOffset now)
        {
            // CertificateBuilder verified the signature with this CA certificate's key before returning: the validator
            // need not verify it again (about a third of the cost of the check).
            _spki ??= ParsedCertificate.Parse(_ca.Certificate.RawData).Tbs.SubjectPublicKeyInfo.GetDerEncoded();
            SignatureCache.RememberVerified(issued.Der, _spki);
            IReadOnlyList<X509Certificate2> above = _ca.Chain;
            X509Certificate2 anchor = above.Count > 0 ? above[above.Count - 1] : _ca.Certificate;
            var intermediates = new List<X509Certificate2>(above.Count + 1);
            if (!ReferenceEquals(anchor, _ca.Certificate)) intermediates.Add(_ca.Certificate);
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
                $"The CA '{_ca.Subject}' refused to issue '{issued.Certificate.Subject}': its own chain (up to '{anchor.Subject}') would not accept it. {reasons} Nothing was recorded.", null, _ca.Folder);
        }


        /// <summary>A random serial not in <paramref name="batch"/>, nor on disk, nor (with <paramref name="askLedger"/>) in the ledger.</summary>
        private string ReserveSerial(HashSet<string> batch, bool askLedger)
        {
            var bytes = new byte[16];
            for (int attempt = 0; attempt < 100; attempt++)
            {
                _ca.FillRandom(bytes);
                bytes[0] &= 0x7F; // positive
                if (bytes[0] == 0) bytes[0] = 0x01; // 16 octets always: 120+ random bits
                string serial = Hex.Encode(bytes);
                if (!batch.Contains(serial) && !(askLedger && _ca.Ledger.SerialExists(serial)) && !File.Exists(_ca.CertificatePath(serial))) return serial;
            }
            throw new PkiException(PkiErrorCode.SerialConflict, "No unused serial number was found in 100 attempts: the random source is broken.");
        }

        private static IEnumerable<string> CommonNames(X509Name name)
        {
            foreach (object v in name.GetValueList(X509Name.CN)) yield return v.ToString()!;
        }

        /// <summary>easy-rsa names files after the request: the CN (or first DNS name), made safe as a file name.</summary>
        private static string EasyRsaName(CertificateSigningRequest csr) => OutputPaths.NameFor(csr);

        private static string SafeName(string name) => OutputPaths.SafeName(name);

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
