using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.Encoding;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;
using X509Extension = Org.BouncyCastle.Asn1.X509.X509Extension;

namespace PkiTools.Core.Revocation
{
    /// <summary>
    /// A parsed X.509 CRL (RFC 5280 section 5): who issued it, when, what it revokes. Read with <see cref="Parse"/>
    /// (PEM "X509 CRL" or DER) or made by <see cref="CrlBuilder"/>. Delta CRLs, indirect CRLs and issuing distribution
    /// points are not processed: a CRL that marks any of them critical is reported as unusable by the validator.
    /// </summary>
    public sealed class CertificateRevocationList
    {
        /// <summary>CRL extensions we process (critical or not).</summary>
        private static readonly HashSet<string> KnownCrlExtensions = new HashSet<string>(StringComparer.Ordinal)
        {
            "2.5.29.20", // cRLNumber
            "2.5.29.35", // authorityKeyIdentifier
        };

        /// <summary>CRL entry extensions we process (critical or not).</summary>
        private static readonly HashSet<string> KnownEntryExtensions = new HashSet<string>(StringComparer.Ordinal)
        {
            "2.5.29.21", // reasonCode
            "2.5.29.24", // invalidityDate
        };

        private readonly byte[] _der;
        private readonly Dictionary<string, RevokedEntry> _bySerial;
        private string? _pem;

        private CertificateRevocationList(byte[] der, byte[] tbsDer, CertificateList list)
        {
            _der = der;
            TbsDer = tbsDer;
            TbsCertificateList tbs = list.TbsCertList;
            if (!list.SignatureAlgorithm.Equals(tbs.Signature))
            {
                throw new ArgumentException("the signature algorithm inside and outside the signed part differ");
            }
            if (list.Signature.PadBits != 0) throw new ArgumentException("the signature is not a whole number of bytes");
            int version = tbs.Version;
            if (version != 1 && version != 2) throw new ArgumentException($"unknown CRL version {version}");
            SignatureAlgorithmId = list.SignatureAlgorithm;
            Signature = list.Signature.GetOctets();
            IssuerDer = tbs.Issuer.GetDerEncoded();
            Issuer = Names.Describe(IssuerDer);
            ThisUpdate = Utc(tbs.ThisUpdate);
            NextUpdate = tbs.NextUpdate == null ? (DateTimeOffset?)null : Utc(tbs.NextUpdate);
            SignatureAlgorithm = Keys.SignatureAlgorithm.NameOf(SignatureAlgorithmId.Algorithm.Id);

            X509Extensions? extensions = tbs.Extensions;
            if (extensions != null)
            {
                if (version != 2) throw new ArgumentException("a v1 CRL carries extensions");
                foreach (DerObjectIdentifier oid in extensions.ExtensionOids)
                {
                    X509Extension ext = extensions.GetExtension(oid);
                    if (ext.IsCritical && !KnownCrlExtensions.Contains(oid.Id)) UnsupportedCriticalExtension ??= oid.Id;
                }
                X509Extension? number = extensions.GetExtension(X509Extensions.CrlNumber);
                if (number != null)
                {
                    Org.BouncyCastle.Math.BigInteger n = DerInteger.GetInstance(number.GetParsedValue()).Value;
                    if (n.SignValue < 0) throw new ArgumentException("the CRL number is negative");
                    CrlNumberValue = System.Numerics.BigInteger.Parse(n.ToString(), CultureInfo.InvariantCulture);
                }
                X509Extension? aki = extensions.GetExtension(X509Extensions.AuthorityKeyIdentifier);
                if (aki != null)
                {
                    byte[]? id = AuthorityKeyIdentifier.GetInstance(aki.GetParsedValue()).GetKeyIdentifier();
                    if (id != null) AuthorityKeyId = Hex.Encode(id);
                }
            }

            var entries = new List<RevokedEntry>();
            _bySerial = new Dictionary<string, RevokedEntry>(StringComparer.Ordinal);
            foreach (CrlEntry e in tbs.GetRevokedCertificateEnumeration())
            {
                byte[] raw = e.UserCertificate.Value.ToByteArray();
                if ((raw[0] & 0x80) != 0) throw new ArgumentException("a revoked serial number is negative");
                byte[] serial = RevokedEntry.Canonical(raw);
                RevocationReason? reason = null;
                X509Extensions? entryExtensions = e.Extensions;
                if (entryExtensions != null)
                {
                    if (version != 2) throw new ArgumentException("a v1 CRL carries entry extensions");
                    foreach (DerObjectIdentifier oid in entryExtensions.ExtensionOids)
                    {
                        X509Extension ext = entryExtensions.GetExtension(oid);
                        if (ext.IsCritical && !KnownEntryExtensions.Contains(oid.Id)) UnsupportedCriticalExtension ??= oid.Id;
                    }
                    X509Extension? reasonExt = entryExtensions.GetExtension(X509Extensions.ReasonCode);
                    if (reasonExt != null)
                    {
                        int code = DerEnumerated.GetInstance(reasonExt.GetParsedValue()).IntValueExact;
                        if (!Enum.IsDefined(typeof(RevocationReason), code)) throw new ArgumentException($"unknown reason code {code}");
                        reason = (RevocationReason)code;
                    }
                }
                string hex = Hex.Encode(serial);
                var entry = new RevokedEntry(serial, hex, Utc(e.RevocationDate), reason);
                entries.Add(entry);
                if (!_bySerial.ContainsKey(hex)) _bySerial.Add(hex, entry);
            }
            Entries = entries;
        }

        /// <summary>The issuer's distinguished name.</summary>
        public string Issuer { get; }

        public DateTimeOffset ThisUpdate { get; }

        /// <summary>When the next CRL is due; null when the CRL does not say (RFC 5280 requires it, old CAs omit it).</summary>
        public DateTimeOffset? NextUpdate { get; }

        /// <summary>The cRLNumber in decimal (as openssl crl -text prints it), or null when the CRL has none.</summary>
        public string? CrlNumber => CrlNumberValue?.ToString(CultureInfo.InvariantCulture);

        /// <summary>The cRLNumber, or null when the CRL has none.</summary>
        public System.Numerics.BigInteger? CrlNumberValue { get; }

        /// <summary>The authorityKeyIdentifier's key identifier in upper-case hex, or null.</summary>
        public string? AuthorityKeyId { get; }

        /// <summary>Sha256WithRsa, EcdsaSha256, Ed25519, ... or the OID of an algorithm we do not know.</summary>
        public string SignatureAlgorithm { get; }

        public int RevokedCount => Entries.Count;

        /// <summary>The revoked certificates, in CRL order.</summary>
        public IReadOnlyList<RevokedEntry> Entries { get; }

        /// <summary>The CRL in PEM ("X509 CRL").</summary>
        public string Pem => _pem ??= Encoding.Pem.Encode("X509 CRL", _der);

        internal byte[] IssuerDer { get; }

        internal byte[] TbsDer { get; }

        internal AlgorithmIdentifier SignatureAlgorithmId { get; }

        internal byte[] Signature { get; }

        /// <summary>The OID of the first critical extension (of the CRL or an entry) we do not process, or null.</summary>
        internal string? UnsupportedCriticalExtension { get; }

        /// <summary>The DER encoding (a copy).</summary>
        public byte[] GetEncoded() => (byte[])_der.Clone();

        /// <summary>The entry for a serial number (big-endian; leading zero bytes ignored), or null when it is not listed.</summary>
        public RevokedEntry? Find(byte[] serialNumber)
        {
            if (serialNumber == null) throw new ArgumentNullException(nameof(serialNumber));
            return _bySerial.TryGetValue(Hex.Encode(RevokedEntry.Canonical(serialNumber)), out RevokedEntry? e) ? e : null;
        }

        /// <summary>The entry for the certificate's serial number, or null when it is not listed.</summary>
        public RevokedEntry? Find(X509Certificate2 certificate)
        {
            if (certificate == null) throw new ArgumentNullException(nameof(certificate));
            byte[] littleEndian = certificate.GetSerialNumber();
            Array.Reverse(littleEndian);
            return Find(littleEndian);
        }

        /// <summary>True when the CRL's signature verifies with <paramref name="issuer"/>'s public key and names it as issuer.</summary>
        public bool IsSignedBy(X509Certificate2 issuer)
        {
            if (issuer == null) throw new ArgumentNullException(nameof(issuer));
            try
            {
                ParsedCertificate parsed = ParsedCertificate.Parse(issuer.RawData);
                return Arrays.AreEqual(parsed.SubjectDer, IssuerDer) && parsed.PublicKey is PublicKeyInfo key && IsSignedBy(key);
            }
            catch (PkiException)
            {
                return false;
            }
        }

        internal bool IsSignedBy(PublicKeyInfo key) => key.Verify(SignatureAlgorithmId, TbsDer, Signature);

        public override string ToString() => $"CRL {Issuer} #{CrlNumber ?? "-"} ({RevokedCount} revoked, next update {NextUpdate?.UtcDateTime.ToString("u", CultureInfo.InvariantCulture) ?? "none"})";

        /// <summary>Reads a CRL from PEM ("X509 CRL") or DER. Anything malformed is a PkiException with code CrlInvalid.</summary>
        public static CertificateRevocationList Parse(byte[] data)
        {
            if (data == null) throw new ArgumentNullException(nameof(data));
            byte[] der = data;
            if (Encoding.Pem.LooksLikePem(data))
            {
                IReadOnlyList<PemBlock> blocks;
                try
                {
                    blocks = Encoding.Pem.Decode(System.Text.Encoding.UTF8.GetString(data));
                }
                catch (PkiException ex)
                {
                    throw new PkiException(PkiErrorCode.CrlInvalid, "The CRL file is not valid PEM: " + ex.Message, ex);
                }
                PemBlock? block = null;
                foreach (PemBlock b in blocks)
                {
                    if (b.Label == "X509 CRL")
                    {
                        block = b;
                        break;
                    }
                }
                der = block?.Data ?? throw new PkiException(PkiErrorCode.CrlInvalid,
                    "The PEM text holds no 'X509 CRL' block" + (blocks.Count > 0 ? $" (it holds '{blocks[0].Label}')" : string.Empty) + ".");
            }
            return ParseDer(der);
        }

        internal static CertificateRevocationList ParseDer(byte[] der)
        {
            try
            {
                byte[] tbs = DerReader.FirstElement(der) ?? throw new ArgumentException("not a DER SEQUENCE holding a TBSCertList");
                Asn1Object obj = Asn1Guard.Parse(der, PkiErrorCode.CrlInvalid, "The CRL");
                return new CertificateRevocationList(der, tbs, CertificateList.GetInstance(obj));
            }
            catch (PkiException ex) when (ex.Code == PkiErrorCode.CrlInvalid)
            {
                throw;
            }
            catch (Exception ex)
            {
                throw new PkiException(PkiErrorCode.CrlInvalid, "The CRL is malformed: " + ex.Message, ex);
            }
        }

        private static DateTimeOffset Utc(Time time) => new DateTimeOffset(DateTime.SpecifyKind(time.ToDateTime(), DateTimeKind.Utc));
    }
}
