using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Core.Formats
{
    /// <summary>Certificate file formats (the -Format of Export-Cert; the names are a user contract).</summary>
    public enum CertificateFormat
    {
        /// <summary>PEM text: CERTIFICATE blocks, optionally followed by a private key block.</summary>
        Pem,
        /// <summary>One DER certificate (.cer, .der, .crt).</summary>
        Der,
        /// <summary>PKCS#12 (.pfx, .p12): certificate, chain and key under a password.</summary>
        Pfx,
        /// <summary>Certificates-only PKCS#7 (.p7b, .p7c), DER or PEM ("PKCS7").</summary>
        P7b,
    }

    /// <summary>The kinds of PKI file a certificate reader can be handed by mistake (<see cref="CertificateFiles.OtherKindOf"/>).</summary>
    public enum PkiFileKind
    {
        /// <summary>A certificate signing request (PKCS#10).</summary>
        CertificateRequest,
        /// <summary>A certificate revocation list.</summary>
        Crl,
    }

    /// <summary>The algorithms a PFX is written with (-PfxCompatibility).</summary>
    public enum PfxCompatibility
    {
        /// <summary>AES-256-CBC with PBKDF2-HMAC-SHA256 for key and certificates, HMAC-SHA256 MAC: OpenSSL 3, Windows 10 1709+/Server 2019+, Java 8u301+, .NET.</summary>
        Modern,
        /// <summary>3DES with the PKCS#12 SHA-1 KDF, SHA-1 MAC, 2048 iterations: Windows Server 2016 and older, old Java and appliances.</summary>
        Legacy,
    }

    /// <summary>
    /// Reads certificate files of any supported format, told apart by content (never by extension), and writes each
    /// format explicitly. Every failure is a <see cref="PkiException"/>; hostile input is capped (size, count, nesting,
    /// key-derivation work) so it fails quickly instead of hanging or crashing.
    /// </summary>
    public static class CertificateFiles
    {
        /// <summary>Most certificates one file may hold.</summary>
        public const int MaxCertificates = 100_000;

        /// <summary>
        /// Every certificate in <paramref name="data"/>, leaf first, then its issuers, then any others in file order.
        /// A private key in the file (PEM key block, PFX key bag) is matched to the certificate it belongs to and
        /// returned beside it (<see cref="CertificateFileContents.KeyOf"/>); nothing is attached to the certificate objects.
        /// </summary>
        /// <param name="data">The file's bytes.</param>
        /// <param name="password">Password of a PFX or encrypted key; null when none was given.</param>
        /// <param name="source">The file name, used in error messages and as the exception target.</param>
        public static CertificateFileContents Read(byte[] data, char[]? password, string? source = null)
        {
            if (data == null) throw new ArgumentNullException(nameof(data));
            string where = source == null ? "The data" : $"'{source}'";
            try
            {
                if (data.Length > CertificateReader.MaxInputBytes)
                {
                    throw new PkiException(PkiErrorCode.FileTooLarge, $"{where} is {data.Length:N0} bytes; inputs over {CertificateReader.MaxInputBytes:N0} bytes are refused.");
                }
                switch (Detect(data, where))
                {
                    case CertificateFormat.Pem:
                    case CertificateFormat.P7b when Pem.LooksLikePem(data):
                        return ReadPem(data, password, where);
                    case CertificateFormat.Der:
                        {
                            try
                            {
                                Asn1Guard.CheckOne(data, 0, data.Length, PkiErrorCode.CertificateInvalid, where);
                                return new CertificateFileContents(new[] { CertificateFromDer(data, where) });
                            }
                            catch (PkiException ex) when (ex.Code == PkiErrorCode.CertificateInvalid && OtherKindOf(data) is PkiFileKind kind)
                            {
                                throw WrongKind(where, kind, ex);
                            }
                        }
                    case CertificateFormat.P7b:
                        return new CertificateFileContents(Order(ReadP7b(data, where), null));
                    default:
                        Pkcs12.Contents contents = Pkcs12.Read(data, password, where);
                        return Combine(contents.Certificates, contents.Keys, where);
                }
            }
            catch (PkiException ex) when (ex.Target == null && source != null)
            {
                throw new PkiException(ex.Code, ex.Reason, ex.InnerException, source, ex.Hint, ex.Input);
            }
        }

        /// <summary>The format of <paramref name="data"/>, from its content; FormatUnknown when it is none of them.</summary>
        public static CertificateFormat Detect(byte[] data) => Detect(data, "The data");

        private static CertificateFormat Detect(byte[] data, string where)
        {
            if (data == null) throw new ArgumentNullException(nameof(data));
            if (Pem.LooksLikePem(data))
            {
                bool p7b = false;
                PkiFileKind? other = null;
                foreach (PemBlock block in Pem.Decode(System.Text.Encoding.UTF8.GetString(data)))
                {
                    if (IsCertificateLabel(block.Label)) return CertificateFormat.Pem;
                    if (IsPkcs7Label(block.Label)) p7b = true;
                    other ??= KindOfLabel(block.Label);
                }
                if (p7b) return CertificateFormat.P7b;
                if (other is PkiFileKind kind) throw WrongKind(where, kind, null);
                throw new PkiException(PkiErrorCode.FormatUnknown, $"{where} is PEM text with no CERTIFICATE or PKCS7 block (a key or CSR file?).");
            }
            // DER: peek at the headers only, so that a truncated file is still recognised (and then reported as damaged).
            if (ReadHeader(data, 0, out int outer) && data[0] == 0x30 && ReadHeader(data, outer, out int inner))
            {
                byte first = data[outer];
                if (first == 0x02 && inner < data.Length && data[outer + 1] == 0x01 && data[inner] == 0x03) return CertificateFormat.Pfx; // version 3
                if (first == 0x06 && Pkcs7Certificates.IsSignedDataOid(data, outer)) return CertificateFormat.P7b;
                if (first == 0x30 && inner < data.Length && (data[inner] == 0xA0 || data[inner] == 0x02)) return CertificateFormat.Der;
            }
            throw new PkiException(PkiErrorCode.FormatUnknown,
                $"{where} is not a certificate file PkiTools can read: expected PEM, a DER certificate, PFX/PKCS#12 or PKCS#7 (.p7b).");
        }

        /// <summary>Certificates as PEM (in the order given: leaf, then chain), then the key as PKCS#8 (encrypted when <paramref name="keyPassword"/> is given).</summary>
        public static byte[] WritePem(IReadOnlyList<X509Certificate2> certificates, PrivateKey? key = null, char[]? keyPassword = null)
        {
            RequireCertificates(certificates);
            if (key != null) RequireMatch(certificates[0], key);
            var sb = new System.Text.StringBuilder();
            foreach (X509Certificate2 certificate in certificates)
            {
                sb.Append(Pem.Encode("CERTIFICATE", certificate.RawData));
            }
            if (key != null) sb.Append(key.ExportPem(PrivateKeyFormat.Pkcs8, keyPassword));
            return System.Text.Encoding.ASCII.GetBytes(sb.ToString());
        }

        /// <summary>The certificate's DER encoding.</summary>
        public static byte[] WriteDer(X509Certificate2 certificate)
        {
            if (certificate == null) throw new PkiException(PkiErrorCode.InvalidArgument, "No certificate to write.");
            return (byte[])certificate.RawData.Clone();
        }

        /// <summary>
        /// A PFX holding <paramref name="certificate"/>, its <paramref name="key"/> (when given) and <paramref name="chain"/>.
        /// With a password: Modern is PBES2 AES-256-CBC + PBKDF2-HMAC-SHA256 and an HMAC-SHA256 MAC; Legacy is 3DES with a
        /// SHA-1 MAC. A null password writes an unprotected PFX (no encryption, no MAC): only for an explicit -NoPassword.
        /// </summary>
        public static byte[] WritePfx(X509Certificate2 certificate, PrivateKey? key, IReadOnlyList<X509Certificate2> chain, char[]? password,
            PfxCompatibility compatibility, string? friendlyName = null)
            => WritePfx(certificate, key, chain, password, compatibility, friendlyName,
                compatibility == PfxCompatibility.Legacy ? PfxIterations.Legacy : PfxIterations.Modern);

        internal static byte[] WritePfx(X509Certificate2 certificate, PrivateKey? key, IReadOnlyList<X509Certificate2>? chain, char[]? password,
            PfxCompatibility compatibility, string? friendlyName, PfxIterations iterations)
        {
            if (certificate == null) throw new PkiException(PkiErrorCode.InvalidArgument, "No certificate to write.");
            if (compatibility != PfxCompatibility.Modern && compatibility != PfxCompatibility.Legacy)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"Unknown PFX compatibility '{compatibility}'.");
            }
            if (key != null) RequireMatch(certificate, key);
            return Pkcs12.Write(certificate, key, chain ?? Array.Empty<X509Certificate2>(), password, compatibility, friendlyName, iterations);
        }

        /// <summary>A certificates-only PKCS#7 (degenerate SignedData), DER or PEM ("PKCS7"), certificates in the order given.</summary>
        public static byte[] WriteP7b(IReadOnlyList<X509Certificate2> certificates, bool pem)
        {
            RequireCertificates(certificates);
            byte[] der = Pkcs7Certificates.Write(certificates);
            return pem ? System.Text.Encoding.ASCII.GetBytes(Pem.Encode("PKCS7", der)) : der;
        }

        // ---------------------------------------------------------------- helpers

        /// <summary>
        /// Whether <paramref name="data"/> is a CSR or a CRL (PEM by its label, DER by its shape) rather than a
        /// certificate: what a certificate reader was handed by mistake. Null for anything else.
        /// </summary>
        public static PkiFileKind? OtherKindOf(byte[] data)
        {
            if (data == null) return null;
            try
            {
                if (Pem.LooksLikePem(data))
                {
                    foreach (PemBlock block in Pem.Decode(System.Text.Encoding.UTF8.GetString(data)))
                    {
                        if (IsCertificateLabel(block.Label)) return null;
                        if (KindOfLabel(block.Label) is PkiFileKind kind) return kind;
                    }
                    return null;
                }
                return Inspection.DetailReader.OtherKindOfDer(data);
            }
            catch (PkiException)
            {
                return null;
            }
        }

        private static PkiFileKind? KindOfLabel(string label) => label switch
        {
            "X509 CRL" => PkiFileKind.Crl,
            "CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST" => PkiFileKind.CertificateRequest,
            _ => null,
        };

        private static PkiException WrongKind(string where, PkiFileKind kind, Exception? inner) => new PkiException(PkiErrorCode.WrongFileType,
            kind == PkiFileKind.Crl
                ? $"{where} is a certificate revocation list (CRL), not a certificate."
                : $"{where} is a certificate signing request (CSR), not a certificate.", inner);

        internal static X509Certificate2 CertificateFromDer(byte[] der, string where)
        {
            Asn1Guard.CheckOne(der, 0, der.Length, PkiErrorCode.CertificateInvalid, $"A certificate in {where}");
            try
            {
                return CertificateReader.FromDer(der, where);
            }
            catch (PkiException ex) when (ex.Code == PkiErrorCode.CertificateInvalid)
            {
                throw new PkiException(PkiErrorCode.CertificateInvalid, $"A certificate in {where} could not be read: {ex.Message}", ex);
            }
        }

        private static CertificateFileContents ReadPem(byte[] data, char[]? password, string where)
        {
            var certificates = new List<X509Certificate2>();
            var keys = new List<PrivateKey>();
            foreach (PemBlock block in Pem.Decode(System.Text.Encoding.UTF8.GetString(data)))
            {
                if (IsCertificateLabel(block.Label))
                {
                    if (certificates.Count >= MaxCertificates) throw TooMany(where);
                    certificates.Add(CertificateFromDer(block.Data, where));
                }
                else if (IsPkcs7Label(block.Label))
                {
                    foreach (X509Certificate2 certificate in ReadP7b(block.Data, where))
                    {
                        if (certificates.Count >= MaxCertificates) throw TooMany(where);
                        certificates.Add(certificate);
                    }
                }
                else if (block.Label == "PRIVATE KEY" || block.Label == "ENCRYPTED PRIVATE KEY" || block.Label == "RSA PRIVATE KEY" || block.Label == "EC PRIVATE KEY")
                {
                    if (keys.Count >= 16) throw new PkiException(PkiErrorCode.KeyInvalid, $"{where} holds more than 16 private keys; refused.");
                    Asn1Guard.CheckOne(block.Data, 0, block.Data.Length, PkiErrorCode.KeyInvalid, $"The {block.Label} block in {where}");
                    try
                    {
                        keys.Add(PrivateKey.Import(System.Text.Encoding.ASCII.GetBytes(Pem.Encode(block.Label, block.Data)), password));
                    }
                    catch (PkiException ex) when (ex.Code == PkiErrorCode.FormatUnknown)
                    {
                        throw new PkiException(PkiErrorCode.KeyInvalid, $"The {block.Label} block in {where} is malformed.", ex);
                    }
                }
            }
            if (certificates.Count == 0)
            {
                throw new PkiException(PkiErrorCode.FormatUnknown, $"{where} holds no certificate.");
            }
            return Combine(certificates, keys, where);
        }

        private static List<X509Certificate2> ReadP7b(byte[] data, string where)
        {
            var result = new List<X509Certificate2>();
            foreach (byte[] der in Pkcs7Certificates.Read(data, where)) result.Add(CertificateFromDer(der, where));
            return result;
        }

        /// <summary>Pairs each key with the certificate it belongs to, then orders leaf first.</summary>
        private static CertificateFileContents Combine(List<X509Certificate2> certificates, List<PrivateKey> keys, string where)
        {
            if (certificates.Count == 0)
            {
                throw new PkiException(PkiErrorCode.CertificateInvalid, $"{where} holds no certificate{(keys.Count > 0 ? ", only a private key" : "")}.");
            }
            int? leaf = null;
            var pairs = new List<KeyValuePair<X509Certificate2, PrivateKey>>();
            if (keys.Count > 0)
            {
                var spkis = new byte[certificates.Count][];
                for (int i = 0; i < certificates.Count; i++) spkis[i] = SubjectPublicKeyInfo(certificates[i]);
                foreach (PrivateKey key in keys)
                {
                    int match = -1;
                    for (int i = 0; i < certificates.Count && match < 0; i++)
                    {
                        if (Arrays.AreEqual(spkis[i], key.SubjectPublicKeyInfo)) match = i;
                    }
                    if (match < 0)
                    {
                        throw new PkiException(PkiErrorCode.KeyMismatch, $"The private key in {where} ({key.Algorithm}) belongs to none of the certificates in it.");
                    }
                    pairs.Add(new KeyValuePair<X509Certificate2, PrivateKey>(certificates[match], key));
                    leaf ??= match;
                }
            }
            return new CertificateFileContents(Order(certificates, leaf), pairs);
        }

        /// <summary>
        /// Leaf first: the certificate with a key, else the first that issued none of the others; then its issuers by
        /// name; then the rest in file order. Linear in the number of certificates (bundles of 10,000 exist).
        /// </summary>
        internal static IReadOnlyList<X509Certificate2> Order(List<X509Certificate2> certificates, int? leaf)
        {
            int n = certificates.Count;
            if (n <= 1) return certificates;
            var subjects = new string[n];
            var issuers = new string[n];
            var issuerNames = new HashSet<string>(StringComparer.Ordinal);
            var bySubject = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < n; i++)
            {
                subjects[i] = Convert.ToBase64String(certificates[i].SubjectName.RawData);
                issuers[i] = Convert.ToBase64String(certificates[i].IssuerName.RawData);
                if (issuers[i] != subjects[i]) issuerNames.Add(issuers[i]);
                if (!bySubject.ContainsKey(subjects[i])) bySubject.Add(subjects[i], i);
            }
            if (leaf == null)
            {
                for (int i = 0; i < n && leaf == null; i++)
                {
                    if (!issuerNames.Contains(subjects[i])) leaf = i;
                }
                leaf ??= 0;
            }
            var used = new bool[n];
            var result = new List<X509Certificate2>(n);
            int current = leaf.Value;
            while (!used[current])
            {
                used[current] = true;
                result.Add(certificates[current]);
                if (issuers[current] == subjects[current] || !bySubject.TryGetValue(issuers[current], out int next)) break;
                current = next;
            }
            for (int i = 0; i < n; i++)
            {
                if (!used[i]) result.Add(certificates[i]);
            }
            return result;
        }

        private static byte[] SubjectPublicKeyInfo(X509Certificate2 certificate) =>
            ParsedCertificate.Parse(certificate.RawData).Tbs.SubjectPublicKeyInfo.GetDerEncoded();

        private static void RequireMatch(X509Certificate2 certificate, PrivateKey key)
        {
            if (!Arrays.AreEqual(SubjectPublicKeyInfo(certificate), key.SubjectPublicKeyInfo))
            {
                throw new PkiException(PkiErrorCode.KeyMismatch, $"The private key ({key.Algorithm} {key.KeyId}) does not belong to the certificate {certificate.Subject} ({certificate.Thumbprint}).", null, certificate);
            }
        }

        private static void RequireCertificates(IReadOnlyList<X509Certificate2> certificates)
        {
            if (certificates == null || certificates.Count == 0) throw new PkiException(PkiErrorCode.InvalidArgument, "No certificate to write.");
            foreach (X509Certificate2 certificate in certificates)
            {
                if (certificate == null) throw new PkiException(PkiErrorCode.InvalidArgument, "The certificate list has an empty (null) entry.");
            }
        }

        private static bool IsCertificateLabel(string label) => label == "CERTIFICATE" || label == "TRUSTED CERTIFICATE" || label == "X509 CERTIFICATE";

        private static bool IsPkcs7Label(string label) => label == "PKCS7" || label == "CMS" || label == "PKCS #7 SIGNED DATA";

        private static PkiException TooMany(string where) =>
            new PkiException(PkiErrorCode.CertificateInvalid, $"{where} holds more than {MaxCertificates:N0} certificates; refused.");

        /// <summary>Header of the TLV at <paramref name="pos"/>: where its content starts. Lengths are not checked against the data.</summary>
        private static bool ReadHeader(byte[] data, int pos, out int contentStart)
        {
            contentStart = 0;
            if (pos + 2 > data.Length || (data[pos] & 0x1F) == 0x1F) return false;
            int first = data[pos + 1];
            int i = pos + 2;
            if (first == 0x80 || first < 0x80)
            {
                contentStart = i;
                return true;
            }
            int n = first & 0x7F;
            if (n > 4 || i + n > data.Length) return false;
            contentStart = i + n;
            return true;
        }
    }
}
