using System;
using System.Collections.Generic;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using BcBasicConstraints = Org.BouncyCastle.Asn1.X509.BasicConstraints;
using BcKeyUsage = Org.BouncyCastle.Asn1.X509.KeyUsage;

namespace PkiTools.Core.X509
{
    /// <summary>
    /// A certificate parsed once with BouncyCastle, with the extensions PkiTools acts on decoded eagerly so that a
    /// malformed extension fails here, once, with <see cref="PkiErrorCode.CertificateInvalid"/>.
    /// </summary>
    internal sealed class ParsedCertificate
    {
        private PublicKeyInfo? _publicKey;
        private bool _publicKeyFailed;

        private ParsedCertificate(byte[] der, byte[] tbsDer, X509CertificateStructure structure)
        {
            Der = der;
            TbsDer = tbsDer;
            Structure = structure;
            TbsCertificateStructure tbs = structure.TbsCertificate;
            SubjectDer = tbs.Subject.GetDerEncoded();
            IssuerDer = tbs.Issuer.GetDerEncoded();
            Extensions = tbs.Extensions;
            if (Extensions != null)
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (DerObjectIdentifier oid in Extensions.ExtensionOids)
                {
                    if (!seen.Add(oid.Id)) HasDuplicateExtensions = true;
                }
                X509Extension? bc = Extensions.GetExtension(X509Extensions.BasicConstraints);
                if (bc != null)
                {
                    var value = BcBasicConstraints.GetInstance(bc.GetParsedValue());
                    IsCa = value.IsCA();
                    PathLength = value.PathLenConstraint == null ? (int?)null : (int)Math.Min(int.MaxValue, value.PathLenConstraint.LongValue);
                    HasBasicConstraints = true;
                }
                X509Extension? ku = Extensions.GetExtension(X509Extensions.KeyUsage);
                if (ku != null)
                {
                    KeyUsage = DerBitString.GetInstance(ku.GetParsedValue()).IntValue;
                }
                X509Extension? eku = Extensions.GetExtension(X509Extensions.ExtendedKeyUsage);
                if (eku != null)
                {
                    var list = new List<string>();
                    foreach (DerObjectIdentifier purpose in ExtendedKeyUsage.GetInstance(eku.GetParsedValue()).GetAllUsages())
                    {
                        list.Add(purpose.Id);
                    }
                    ExtendedKeyUsages = list;
                }
                X509Extension? ski = Extensions.GetExtension(X509Extensions.SubjectKeyIdentifier);
                if (ski != null)
                {
                    SubjectKeyId = Asn1OctetString.GetInstance(ski.GetParsedValue()).GetOctets();
                }
                X509Extension? aki = Extensions.GetExtension(X509Extensions.AuthorityKeyIdentifier);
                if (aki != null)
                {
                    AuthorityKeyId = AuthorityKeyIdentifier.GetInstance(aki.GetParsedValue()).KeyIdentifier?.GetOctets();
                }
                X509Extension? san = Extensions.GetExtension(X509Extensions.SubjectAlternativeName);
                if (san != null)
                {
                    Names.ReadSubjectAltNames(GeneralNames.GetInstance(san.GetParsedValue()), DnsNames, IpAddresses, OtherNames);
                    HasSubjectAltNames = true;
                }
            }
        }

        public byte[] Der { get; }

        /// <summary>The TBSCertificate exactly as encoded in <see cref="Der"/> (what the signature covers).</summary>
        public byte[] TbsDer { get; }

        public X509CertificateStructure Structure { get; }

        public TbsCertificateStructure Tbs => Structure.TbsCertificate;

        public byte[] SubjectDer { get; }

        public byte[] IssuerDer { get; }

        public string Subject => Names.Describe(SubjectDer);

        public string Issuer => Names.Describe(IssuerDer);

        public X509Extensions? Extensions { get; }

        public bool HasDuplicateExtensions { get; }

        public bool HasBasicConstraints { get; }

        public bool IsCa { get; }

        public int? PathLength { get; }

        /// <summary>The KeyUsage bits (BouncyCastle's KeyUsage flag values), or null when the extension is absent.</summary>
        public int? KeyUsage { get; }

        public IReadOnlyList<string>? ExtendedKeyUsages { get; }

        public byte[]? SubjectKeyId { get; }

        public byte[]? AuthorityKeyId { get; }

        public bool HasSubjectAltNames { get; }

        public List<string> DnsNames { get; } = new List<string>();

        public List<string> IpAddresses { get; } = new List<string>();

        public List<string> OtherNames { get; } = new List<string>();

        public DateTime NotBefore => Tbs.StartDate.ToDateTime();

        public DateTime NotAfter => Tbs.EndDate.ToDateTime();

        public bool IsSelfIssued => Arrays.AreEqual(SubjectDer, IssuerDer) || string.Equals(SubjectKey, IssuerKey, StringComparison.Ordinal);

        private string? _subjectKey, _issuerKey;

        /// <summary>The subject as RFC 5280 §7.1 compares names (<see cref="NameComparison.Key"/>), computed once.</summary>
        internal string SubjectKey => _subjectKey ??= NameComparison.Key(SubjectDer);

        /// <summary>The issuer as RFC 5280 §7.1 compares names, computed once.</summary>
        internal string IssuerKey => _issuerKey ??= NameComparison.Key(IssuerDer);

        public bool HasKeyUsage(int bit) => KeyUsage == null || (KeyUsage.Value & bit) != 0;

        public bool CanSignCertificates => IsCa && HasKeyUsage(BcKeyUsage.KeyCertSign);

        /// <summary>The subject public key, or null when it is malformed.</summary>
        public PublicKeyInfo? PublicKey
        {
            get
            {
                if (_publicKey == null && !_publicKeyFailed)
                {
                    try
                    {
                        _publicKey = PublicKeyInfo.Create(Tbs.SubjectPublicKeyInfo);
                    }
                    catch (Exception)
                    {
                        _publicKeyFailed = true;
                    }
                }
                return _publicKey;
            }
        }

        /// <summary>True when <paramref name="issuerKey"/> verifies this certificate's signature.</summary>
        public bool IsSignedBy(PublicKeyInfo issuerKey)
        {
            if (!Structure.SignatureAlgorithm.Equals(Tbs.Signature)) return false;
            if (Structure.Signature.PadBits != 0) return false; // not a whole number of bytes: no signature scheme here makes one
            return issuerKey.Verify(Structure.SignatureAlgorithm, TbsDer, Structure.Signature.GetOctets());
        }

        /// <summary>Parses DER; every failure is a <see cref="PkiException"/> with code CertificateInvalid.</summary>
        public static ParsedCertificate Parse(byte[] der)
        {
            try
            {
                byte[] tbs = DerReader.FirstElement(der) ?? throw new ArgumentException("not a DER SEQUENCE with a TBSCertificate");
                Asn1Object obj = Asn1Object.FromByteArray(der);
                return new ParsedCertificate(der, tbs, X509CertificateStructure.GetInstance(obj));
            }
            catch (PkiException)
            {
                throw;
            }
            catch (Exception ex)
            {
                throw new PkiException(PkiErrorCode.CertificateInvalid, "The certificate is malformed: " + PlainReason.Of(ex) + ".", ex);
            }
        }
    }

    internal static class Arrays
    {
        public static bool AreEqual(byte[]? a, byte[]? b)
        {
            if (ReferenceEquals(a, b)) return true;
            if (a == null || b == null || a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++)
            {
                if (a[i] != b[i]) return false;
            }
            return true;
        }
    }
}
