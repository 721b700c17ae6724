using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.Keys;
using PkiTools.Core.Revocation;
using PkiTools.Core.X509;
using BcExtension = Org.BouncyCastle.Asn1.X509.X509Extension;

namespace PkiTools.Core.Inspection
{
    /// <summary>What a <see cref="CertificateDetail"/> describes.</summary>
    public enum CertificateDetailKind
    {
        Certificate,
        Csr,
        Crl,
    }

    /// <summary>
    /// Everything <c>openssl x509 -text</c>, <c>openssl req -text</c> or <c>openssl crl -text</c> shows about one
    /// certificate, request or CRL, as a plain read-only object: version, serial, names, validity, public key, every
    /// extension decoded (unknown ones as OID + hex), signature algorithm and fingerprints. Made by <see cref="FromCertificate"/>,
    /// <see cref="FromCsr"/>, <see cref="FromCrl"/> or <see cref="Read"/> (files and bundles).
    /// </summary>
    public sealed class CertificateDetail
    {
        private readonly byte[] _der;

        private CertificateDetail(CertificateDetailKind kind, byte[] der, string? source)
        {
            Kind = kind;
            _der = der;
            Source = source;
            using (SHA1 sha1 = SHA1.Create()) Sha1Fingerprint = Hex.Encode(sha1.ComputeHash(der));
            Sha256Fingerprint = Hex.Sha256(der);
        }

        public CertificateDetailKind Kind { get; }

        /// <summary>The file it was read from, or null.</summary>
        public string? Source { get; private set; }

        /// <summary>The version as OpenSSL prints it first: 3 for an X.509 v3 certificate, 1 for a PKCS#10 request, 2 for a v2 CRL.</summary>
        public int Version { get; private set; }

        /// <summary>The certificate's serial number in upper-case hex without a sign byte (as <c>openssl x509 -serial</c>); null for CSRs and CRLs.</summary>
        public string? SerialNumber { get; private set; }

        /// <summary>The issuer (certificates, CRLs), as .NET writes names ("CN=Root, O=Corp").</summary>
        public string? Issuer { get; private set; }

        /// <summary>The subject (certificates, CSRs).</summary>
        public string? Subject { get; private set; }

        /// <summary>Start of validity, UTC (certificates).</summary>
        public DateTime? NotBefore { get; private set; }

        /// <summary>End of validity, UTC (certificates).</summary>
        public DateTime? NotAfter { get; private set; }

        /// <summary>When the CRL was issued (OpenSSL's "Last Update"), UTC.</summary>
        public DateTime? ThisUpdate { get; private set; }

        /// <summary>When the next CRL is due, UTC; null when the CRL does not say.</summary>
        public DateTime? NextUpdate { get; private set; }

        /// <summary>RSA, EC, Ed25519, or the OID of another key family (certificates, CSRs).</summary>
        public string? PublicKeyAlgorithm { get; private set; }

        /// <summary>Key size in bits (the modulus for RSA, the field for EC).</summary>
        public int? KeySize { get; private set; }

        /// <summary>The named curve of an EC key (P-256, P-384, P-521, secp256k1, or its OID).</summary>
        public string? Curve { get; private set; }

        /// <summary>The key in PkiTools' words (Rsa2048, EcdsaP256, Ed25519), as New-PrivateKey and the KeyAlgorithm property use.</summary>
        public string? KeyAlgorithm { get; private set; }

        /// <summary>sha256WithRSAEncryption, ecdsa-with-SHA256, Ed25519, ... or the OID.</summary>
        public string SignatureAlgorithm { get; private set; } = string.Empty;

        /// <summary>For a CSR: whether its self-signature verifies. Null for certificates and CRLs (they need their issuer).</summary>
        public bool? SignatureValid { get; private set; }

        /// <summary>Every extension in order (a CSR's requested extensions; a CRL's own extensions).</summary>
        public IReadOnlyList<ExtensionDetail> Extensions { get; private set; } = Array.Empty<ExtensionDetail>();

        /// <summary>A CSR's attributes other than the extension request ("challengePassword: ...").</summary>
        public IReadOnlyList<string> Attributes { get; private set; } = Array.Empty<string>();

        /// <summary>DNS names of the subjectAltName (certificates, CSRs).</summary>
        public IReadOnlyList<string> DnsNames { get; private set; } = Array.Empty<string>();

        /// <summary>IP addresses of the subjectAltName (certificates, CSRs).</summary>
        public IReadOnlyList<string> IpAddresses { get; private set; } = Array.Empty<string>();

        /// <summary>The CRL number in decimal, or null.</summary>
        public string? CrlNumber { get; private set; }

        /// <summary>The revoked certificates of a CRL, in CRL order (empty for certificates and CSRs).</summary>
        public IReadOnlyList<RevokedEntry> RevokedCertificates { get; private set; } = Array.Empty<RevokedEntry>();

        /// <summary>Upper-case hex SHA-1 of the DER encoding (a certificate's Thumbprint).</summary>
        public string Sha1Fingerprint { get; }

        /// <summary>Upper-case hex SHA-256 of the DER encoding.</summary>
        public string Sha256Fingerprint { get; }

        /// <summary>The extension with this OID, or null.</summary>
        public ExtensionDetail? GetExtension(string oid) => Extensions.FirstOrDefault(e => e.Oid == oid);

        /// <summary>A copy of the DER encoding.</summary>
        public byte[] GetEncoded() => (byte[])_der.Clone();

        public override string ToString() => Kind switch
        {
            CertificateDetailKind.Certificate => $"Certificate {Subject} (serial {SerialNumber})",
            CertificateDetailKind.Csr => $"CSR {Subject}",
            _ => $"CRL {Issuer} #{CrlNumber ?? "-"} ({RevokedCertificates.Count} revoked)",
        };

        /// <summary>The detail of a certificate.</summary>
        public static CertificateDetail FromCertificate(X509Certificate2 certificate)
        {
            if (certificate == null) throw new ArgumentNullException(nameof(certificate));
            return FromCertificateDer(certificate.RawData, null);
        }

        /// <summary>The detail of a parsed CSR.</summary>
        public static CertificateDetail FromCsr(CertificateSigningRequest csr)
        {
            if (csr == null) throw new ArgumentNullException(nameof(csr));
            return Guarded(PkiErrorCode.CsrInvalid, "request", () => CsrDetail(csr));
        }

        private static CertificateDetail CsrDetail(CertificateSigningRequest csr)
        {
            byte[] der = csr.GetEncoded();
            var detail = new CertificateDetail(CertificateDetailKind.Csr, der, null);
            CertificationRequestInfo info = CertificationRequest.GetInstance(Asn1Object.FromByteArray(der)).GetCertificationRequestInfo();
            detail.Version = info.Version.IntValueExact + 1;
            detail.Subject = csr.Subject;
            detail.SetKey(info.SubjectPublicKeyInfo);
            detail.SignatureAlgorithm = csr.SignatureAlgorithm;
            detail.SignatureValid = csr.SignatureValid;
            detail.DnsNames = csr.DnsNames;
            detail.IpAddresses = csr.IpAddresses;
            var extensions = new List<ExtensionDetail>();
            var attributes = new List<string>();
            if (info.Attributes != null)
            {
                foreach (Asn1Encodable element in info.Attributes)
                {
                    var attribute = AttributePkcs.GetInstance(element);
                    string type = attribute.AttrType.Id;
                    foreach (Asn1Encodable value in attribute.AttrValues)
                    {
                        if (type == "1.2.840.113549.1.9.14" || type == "1.3.6.1.4.1.311.2.1.14")
                        {
                            extensions.AddRange(Decode(X509Extensions.GetInstance(value)));
                        }
                        else
                        {
                            attributes.Add(AttributeName(type) + ": " + (value is IAsn1String s ? s.GetString() : ExtensionText.ColonHex(value.GetDerEncoded())));
                        }
                    }
                }
            }
            detail.Extensions = extensions;
            detail.Attributes = attributes;
            return detail;
        }

        /// <summary>The detail of a parsed CRL.</summary>
        public static CertificateDetail FromCrl(CertificateRevocationList crl)
        {
            if (crl == null) throw new ArgumentNullException(nameof(crl));
            return Guarded(PkiErrorCode.CrlInvalid, "CRL", () => CrlDetail(crl));
        }

        private static CertificateDetail CrlDetail(CertificateRevocationList crl)
        {
            byte[] der = crl.GetEncoded();
            var detail = new CertificateDetail(CertificateDetailKind.Crl, der, null);
            TbsCertificateList tbs = CertificateList.GetInstance(Asn1Object.FromByteArray(der)).TbsCertList;
            detail.Version = tbs.Version;
            detail.Issuer = crl.Issuer;
            detail.ThisUpdate = crl.ThisUpdate.UtcDateTime;
            detail.NextUpdate = crl.NextUpdate?.UtcDateTime;
            detail.SignatureAlgorithm = crl.SignatureAlgorithm;
            detail.CrlNumber = crl.CrlNumber;
            detail.RevokedCertificates = crl.Entries;
            detail.Extensions = tbs.Extensions == null ? Array.Empty<ExtensionDetail>() : Decode(tbs.Extensions);
            return detail;
        }

        internal static CertificateDetail FromCertificateDer(byte[] der, string? source)
        {
            ParsedCertificate parsed = ParsedCertificate.Parse(der);
            TbsCertificateStructure tbs = parsed.Tbs;
            var detail = new CertificateDetail(CertificateDetailKind.Certificate, (byte[])der.Clone(), source)
            {
                Version = tbs.Version,
                SerialNumber = SerialHex(tbs.SerialNumber.Value),
                Issuer = parsed.Issuer,
                Subject = parsed.Subject,
                NotBefore = DateTime.SpecifyKind(parsed.NotBefore.ToUniversalTime(), DateTimeKind.Utc),
                NotAfter = DateTime.SpecifyKind(parsed.NotAfter.ToUniversalTime(), DateTimeKind.Utc),
                SignatureAlgorithm = Keys.SignatureAlgorithm.NameOf(parsed.Structure.SignatureAlgorithm.Algorithm.Id),
                DnsNames = parsed.DnsNames.ToArray(),
                IpAddresses = parsed.IpAddresses.ToArray(),
                Extensions = parsed.Extensions == null ? Array.Empty<ExtensionDetail>() : Decode(parsed.Extensions),
            };
            detail.SetKey(tbs.SubjectPublicKeyInfo);
            return detail;
        }

        /// <summary>A structure our parser accepted but BouncyCastle's does not is reported with the kind's code, never as a raw exception.</summary>
        private static CertificateDetail Guarded(PkiErrorCode code, string what, Func<CertificateDetail> make)
        {
            try
            {
                return make();
            }
            catch (Exception ex) when (!(ex is PkiException))
            {
                throw new PkiException(code, $"The {what} cannot be decoded: {PlainReason.Of(ex)}.", ex);
            }
        }

        internal CertificateDetail WithSource(string? source)
        {
            Source = source;
            return this;
        }

        private void SetKey(SubjectPublicKeyInfo spki)
        {
            string oid = spki.Algorithm.Algorithm.Id;
            PublicKeyAlgorithm = oid switch
            {
                "1.2.840.113549.1.1.1" => "RSA",
                "1.2.840.10045.2.1" => "EC",
                "1.3.101.112" => "Ed25519",
                "1.3.101.113" => "Ed448",
                "1.2.840.10040.4.1" => "DSA",
                _ => oid,
            };
            try
            {
                PublicKeyInfo key = PublicKeyInfo.Create(spki);
                KeyAlgorithm = key.Algorithm;
                KeySize = key.KeySize;
                if (key.CurveOid != null) Curve = CurveName(key.CurveOid);
            }
            catch (Exception)
            {
                KeyAlgorithm = "(malformed key)";
            }
        }

        private static string CurveName(string oid) => oid switch
        {
            Curves.P256Oid => "P-256",
            Curves.P384Oid => "P-384",
            Curves.P521Oid => "P-521",
            "1.3.132.0.10" => "secp256k1",
            "1.3.36.3.3.2.8.1.1.7" => "brainpoolP256r1",
            "1.3.36.3.3.2.8.1.1.11" => "brainpoolP384r1",
            "1.3.36.3.3.2.8.1.1.13" => "brainpoolP512r1",
            _ => oid,
        };

        private static string AttributeName(string oid) => oid switch
        {
            "1.2.840.113549.1.9.7" => "challengePassword",
            "1.2.840.113549.1.9.2" => "unstructuredName",
            _ => oid,
        };

        private static IReadOnlyList<ExtensionDetail> Decode(X509Extensions extensions)
        {
            var list = new List<ExtensionDetail>();
            foreach (DerObjectIdentifier oid in extensions.ExtensionOids)
            {
                BcExtension ext = extensions.GetExtension(oid);
                list.Add(new ExtensionDetail(oid.Id, ext.IsCritical, ext.Value.GetOctets()));
            }
            return list;
        }

        private static string SerialHex(Org.BouncyCastle.Math.BigInteger serial)
        {
            string hex = serial.Abs().ToString(16).ToUpperInvariant();
            if (hex.Length % 2 == 1) hex = "0" + hex;
            return serial.SignValue < 0 ? "-" + hex : hex;
        }

        /// <summary>
        /// Every certificate, request and CRL in a file's bytes, in file order: PEM with any mix of CERTIFICATE,
        /// CERTIFICATE REQUEST and X509 CRL blocks (key blocks are skipped), PKCS#7 bundles, or one DER structure.
        /// A bad item is reported to <paramref name="onError"/> (CertificateInvalid, CsrInvalid, CrlInvalid) and the
        /// others are still returned; input that is none of these throws FormatUnknown.
        /// </summary>
        public static IReadOnlyList<CertificateDetail> Read(byte[] data, string? source, Action<PkiException> onError)
        {
            if (data == null) throw new ArgumentNullException(nameof(data));
            if (onError == null) throw new ArgumentNullException(nameof(onError));
            return DetailReader.Read(data, source, onError);
        }
    }
}
