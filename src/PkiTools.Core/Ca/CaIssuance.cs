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
        /// The whole issuance transaction for one request (Invoke-CaSign -Ca): the caller's output files checked
        /// (FileExists unless forced; the CA's own files never) → policy → serial → sign → self-check against the CA
        /// chain → CA copy → ledger line → the caller's files written. A failure writing the caller's files after the
        /// ledger line says the certificate was issued and recorded, with its serial.
        /// </summary>
        public IssuedCertificate Issue(CertificateSigningRequest csr, CertificateTemplate? template, char[]? password, IssueOutput? output)
        {
            template ??= new CertificateTemplate { Profile = _ca.Policy.DefaultProfile };
            var names = new List<string>(csr.DnsNames);
            var ips = new List<string>(csr.IpAddresses);
            foreach (string cn in CommonNames(X509Name.GetInstance(Asn1Object.FromByteArray(csr.SubjectDer)))) _ca.Policy.AddCommonName(cn, names, ips);
            string? easyRsaName = _ca.Layout == CaLayout.EasyRsa ? EasyRsaName(csr) : null;
            return IssueChecked(template, password, checkPolicy: true, names, ips, t => _key.Issuer(password).Sign(csr, t), easyRsaName, output);
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
                foreach (string cn in CommonNames(Names.ParseDistinguishedName(template.Subject))) _ca.Policy.AddCommonName(cn, names, ips);
            }
            string? easyRsaName = null;
            if (_ca.Layout == CaLayout.EasyRsa)
            {
                string? cn = template.Subject == null ? null : CommonNames(Names.ParseDistinguishedName(template.Subject)).FirstOrDefault();
                easyRsaName = SafeName(cn ?? template.DnsNames.FirstOrDefault() ?? template.IpAddresses.FirstOrDefault() ?? "");
            }
            return IssueChecked(template, password, checkPolicy: true, names, ips, t => _key.Issuer(password).Issue(subjectKey, t), easyRsaName, null);
        }

        public IssuedCertificate IssueChecked(CertificateTemplate template, char[]? password, bool checkPolicy, Func<CertificateTemplate, IssuedCertificate> sign) =>
            IssueChecked(template, password, checkPolicy, new List<string>(), new List<string>(), sign, null, null);

        private IssuedCertificate IssueChecked(CertificateTemplate template, char[]? password, bool checkPolicy, List<string> dnsNames, List<string> ips,
            Func<CertificateTemplate, IssuedCertificate> sign, string? easyRsaName, IssueOutput? output)
        {
            DateTimeOffset now = _ca.Clock();
            int? validDays = template.ValidDays;
            if (template.NotAfter == null && validDays == null)
            {
                validDays = Math.Min(Profiles.DefaultValidDays(template.Profile), checkPolicy ? _ca.Policy.MaxValidityDays : int.MaxValue);
            }
            if (checkPolicy)
            {
                int days = template.NotAfter is DateTimeOffset end ? (int)Math.Ceiling((end - now).TotalDays) : validDays!.Value;
                _ca.Policy.Check(template.Profile, dnsNames, ips, days);
            }
            _key.Issuer(password); // the key first: a wrong password must not cost a serial
            string? issuedPath = easyRsaName == null ? null : System.IO.Path.Combine(_ca.Folder, "issued", easyRsaName + ".crt");
            if (issuedPath != null && File.Exists(issuedPath))
            {
                throw new PkiException(PkiErrorCode.FileExists, $"easy-rsa already has a certificate named '{easyRsaName}' ({issuedPath}); revoke or rename it first.", null, issuedPath);
            }

            // (a) The caller's output files are checked first: nothing is issued or recorded for a request whose files
            // cannot be written (an existing file without Force, one of the CA's own files ever).
            output?.Check(_ca);
            // (b) A random serial unique in the ledger and on disk.
            string serial = ReserveSerial();
            // (c) Sign.
            IssuedCertificate issued = sign(template.With(
                serialNumber: Hex.Decode(serial),
                validDays: template.NotAfter == null ? validDays : null,
                crlDistributionPoints: template.CrlDistributionPoints.Count == 0 ? _ca.Policy.CrlDistributionPoints : null,
                authorityInfoAccess: template.AuthorityInfoAccess.Count == 0 ? _ca.Policy.AuthorityInfoAccess : null));
            // (d) The CA's own chain must accept what it just signed (name constraints of the CAs above, validity
            // nesting, pathLen, EKUs): a certificate the chain makes invalid is never recorded or handed out.
            CheckAgainstChain(issued, template, now);
            // (e) The CA copy and (f) the ledger line, under the CA lock (stale temporary files of killed writers are
            // swept first); only then (g) the caller's files, and the certificate is handed out.
            var files = new List<OutputFile> { new OutputFile(_ca.CertificatePath(serial), CaFiles.Ascii(issued.Pem), secret: false) };
            if (issuedPath != null) files.Add(new OutputFile(issuedPath, CaFiles.Ascii(issued.Pem), secret: false));
            var tbs = X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(issued.Der));
            var entry = new LedgerEntry(LedgerStatus.Valid, new DateTimeOffset(tbs.EndDate.ToDateTime(), TimeSpan.Zero), null, null, serial, "unknown", OpenSslNames.OneLine(tbs.Subject));
            _ca.UnderLock(() =>
            {
                if (_ca.Ledger.SerialExists(serial) || File.Exists(_ca.CertificatePath(serial)))
                {
                    throw new PkiException(PkiErrorCode.SerialConflict, $"Another process issued serial {serial} at the same moment; nothing was issued. Try again.", null, serial);
                }
                CaFiles.CreateFolder(_ca.CertificatesFolder);
                if (issuedPath != null) CaFiles.CreateFolder(System.IO.Path.GetDirectoryName(issuedPath)!);
                AtomicFileWriter.WriteAll(files, overwrite: false, caOwned: true);
                try
                {
                    _ca.Ledger.Append(entry);
                }
                catch (Exception)
                {
                    foreach (OutputFile f in files) TryDelete(f.FilePath);
                    throw;
                }
                return true;
            });
            output?.Write(_ca, issued, serial);
            return issued;
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


        private string ReserveSerial()
        {
            var bytes = new byte[16];
            for (int attempt = 0; attempt < 100; attempt++)
            {
                _ca.FillRandom(bytes);
                bytes[0] &= 0x7F; // positive
                if (bytes[0] == 0) bytes[0] = 0x01; // 16 octets always: 120+ random bits
                string serial = Hex.Encode(bytes);
                if (!_ca.Ledger.SerialExists(serial) && !File.Exists(_ca.CertificatePath(serial))) return serial;
            }
            throw new PkiException(PkiErrorCode.SerialConflict, "No unused serial number was found in 100 attempts: the random source is broken.");
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
