using System;
using System.Collections.Generic;
using Org.BouncyCastle.Asn1;
using PkiTools.Core.Formats;
using PkiTools.Core.Revocation;
using PkiTools.Core.X509;

namespace PkiTools.Core.Inspection
{
    /// <summary>Splits a file into its certificates, requests and CRLs for <see cref="CertificateDetail.Read"/>.</summary>
    internal static class DetailReader
    {
        private enum DerKind
        {
            Certificate,
            Csr,
            Crl,
            Pkcs7,
            Pfx,
        }

        public static IReadOnlyList<CertificateDetail> Read(byte[] data, string? source, Action<PkiException> onError)
        {
            string where = source == null ? "The data" : $"'{source}'";
            if (data.Length > CertificateReader.MaxInputBytes)
            {
                throw new PkiException(PkiErrorCode.FileTooLarge, $"{where} is {data.Length:N0} bytes; inputs over {CertificateReader.MaxInputBytes:N0} bytes are refused.", null, source);
            }
            var result = new List<CertificateDetail>();
            if (Pem.LooksLikePem(data))
            {
                IReadOnlyList<PemBlock> blocks = Pem.Decode(System.Text.Encoding.UTF8.GetString(data));
                bool any = false;
                int index = 0;
                foreach (PemBlock block in blocks)
                {
                    index++;
                    string item = blocks.Count == 1 ? where : $"{where} (PEM block {index}, {block.Label})";
                    DerKind? kind = block.Label switch
                    {
                        "CERTIFICATE" or "X509 CERTIFICATE" or "TRUSTED CERTIFICATE" => DerKind.Certificate,
                        "CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST" => DerKind.Csr,
                        "X509 CRL" => DerKind.Crl,
                        "PKCS7" or "CERTIFICATE CHAIN" => DerKind.Pkcs7,
                        _ => null,
                    };
                    if (kind == null) continue; // keys, parameters: not shown, never echoed
                    any = true;
                    Add(result, kind.Value, block.Data, item, source, onError);
                }
                if (!any)
                {
                    throw new PkiException(PkiErrorCode.FormatUnknown,
                        $"{where} is PEM text with no CERTIFICATE, CERTIFICATE REQUEST, X509 CRL or PKCS7 block.", null, source);
                }
                return result;
            }
            Add(result, Classify(data, where, source), data, where, source, onError);
            return result;
        }

        private static void Add(List<CertificateDetail> result, DerKind kind, byte[] der, string where, string? source, Action<PkiException> onError)
        {
            try
            {
                switch (kind)
                {
                    case DerKind.Certificate:
                        Asn1Guard.CheckOne(der, 0, der.Length, PkiErrorCode.CertificateInvalid, where);
                        result.Add(CertificateDetail.FromCertificateDer(der, source));
                        break;
                    case DerKind.Csr:
                        result.Add(CertificateDetail.FromCsr(CertificateSigningRequest.Parse(der)).WithSource(source));
                        break;
                    case DerKind.Crl:
                        result.Add(CertificateDetail.FromCrl(CertificateRevocationList.ParseDer(der)).WithSource(source));
                        break;
                    case DerKind.Pkcs7:
                        foreach (byte[] certificate in Pkcs7Certificates.Read(der, where))
                        {
                            Add(result, DerKind.Certificate, certificate, where, source, onError);
                        }
                        break;
                    default:
                        throw new PkiException(PkiErrorCode.FormatUnknown,
                            $"{where} is a PFX/PKCS#12 file: its certificates can be shown only once they are read from it with its password.");
                }
            }
            catch (PkiException ex)
            {
                string message = ex.Message.IndexOf(where, StringComparison.Ordinal) >= 0 || where == "The data" ? ex.Message : $"{where}: {ex.Message}";
                onError(new PkiException(ex.Code, message, ex, ex.Target ?? source));
            }
            catch (Exception ex)
            {
                PkiErrorCode code = kind switch
                {
                    DerKind.Csr => PkiErrorCode.CsrInvalid,
                    DerKind.Crl => PkiErrorCode.CrlInvalid,
                    _ => PkiErrorCode.CertificateInvalid,
                };
                onError(new PkiException(code, $"{where} is malformed: {PlainReason.Of(ex)}.", ex, source));
            }
        }

        /// <summary>A CSR or CRL by its DER shape (see <see cref="Classify"/>), else null (a certificate, a bundle, or nothing known).</summary>
        internal static Formats.PkiFileKind? OtherKindOfDer(byte[] data)
        {
            try
            {
                return Classify(data, "The data", null) switch
                {
                    DerKind.Csr => Formats.PkiFileKind.CertificateRequest,
                    DerKind.Crl => Formats.PkiFileKind.Crl,
                    _ => null,
                };
            }
            catch (PkiException)
            {
                return null;
            }
        }

        /// <summary>
        /// Which structure a DER blob is, from its shape: Certificate, CertificationRequest and CertificateList are all
        /// SEQUENCE { SEQUENCE tbs, AlgorithmIdentifier, BIT STRING } and differ inside tbs: a certificate starts with
        /// [0] version or its serial followed by an AlgorithmIdentifier; a request is INTEGER 0, Name, SPKI, [0]
        /// attributes; a CRL has a time right after its issuer.
        /// </summary>
        private static DerKind Classify(byte[] data, string where, string? source)
        {
            PkiException unknown = new PkiException(PkiErrorCode.FormatUnknown,
                $"{where} is neither PEM nor DER of a certificate, certificate request, CRL or PKCS#7 bundle.", null, source);
            if (data.Length < 2 || data[0] != 0x30) throw unknown;
            Asn1Sequence outer;
            try
            {
                outer = Asn1Sequence.GetInstance(Asn1Guard.Parse(data, PkiErrorCode.FormatUnknown, where));
            }
            catch (Exception ex) when (!(ex is PkiException))
            {
                throw unknown;
            }
            if (outer.Count >= 1 && outer[0] is DerObjectIdentifier) return DerKind.Pkcs7;
            if (outer.Count >= 2 && outer[0] is DerInteger && outer[1] is Asn1Sequence) return DerKind.Pfx;
            if (outer.Count != 3 || !(outer[0] is Asn1Sequence tbs) || tbs.Count < 3) throw unknown;
            if (tbs[0] is Asn1TaggedObject) return DerKind.Certificate;
            int i = tbs[0] is DerInteger ? 1 : 0;
            // CRL: [version] signature issuer thisUpdate
            if (tbs.Count > i + 2 && (tbs[i + 2] is Asn1UtcTime || tbs[i + 2] is Asn1GeneralizedTime)) return DerKind.Crl;
            if (tbs.Count == 4 && tbs[0] is DerInteger && tbs[3] is Asn1TaggedObject) return DerKind.Csr;
            if (tbs.Count == 3 && tbs[0] is DerInteger) return DerKind.Csr; // attributes omitted (not DER-valid, but seen)
            return DerKind.Certificate;
        }
    }
}
