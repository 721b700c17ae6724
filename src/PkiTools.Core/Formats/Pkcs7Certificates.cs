using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;

namespace PkiTools.Core.Formats
{
    /// <summary>
    /// Certificates-only PKCS#7 / CMS (.p7b): a SignedData with no signers. Written by hand so that the certificate
    /// order is kept (a DER SET OF would be sorted) and each certificate's bytes are copied exactly.
    /// </summary>
    internal static class Pkcs7Certificates
    {
        private static readonly byte[] SignedDataOid = { 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02 };
        private static readonly byte[] DataOid = { 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01 };

        public static byte[] Write(IReadOnlyList<X509Certificate2> certificates)
        {
            var certs = new MemoryStream();
            foreach (X509Certificate2 certificate in certificates)
            {
                byte[] raw = certificate.RawData;
                certs.Write(raw, 0, raw.Length);
            }
            byte[] signedData = DerWriter.Tlv(0x30,
                new byte[] { 0x02, 0x01, 0x01 },          // version 1
                new byte[] { 0x31, 0x00 },                // digestAlgorithms: none
                DerWriter.Tlv(0x30, DataOid),                       // encapContentInfo: id-data, no content
                DerWriter.Tlv(0xA0, certs.ToArray()),               // [0] IMPLICIT certificates
                new byte[] { 0x31, 0x00 });               // signerInfos: none
            return DerWriter.Tlv(0x30, SignedDataOid, DerWriter.Tlv(0xA0, signedData));
        }

        public static List<byte[]> Read(byte[] data, string where)
        {
            Asn1Object root = Asn1Guard.Parse(data, PkiErrorCode.CertificateInvalid, where);
            try
            {
                var info = ContentInfo.GetInstance(root);
                if (!info.ContentType.Equals(PkcsObjectIdentifiers.SignedData))
                {
                    throw new PkiException(PkiErrorCode.FormatUnknown, $"{where} is PKCS#7 of type {info.ContentType.Id}, not a certificate bundle (SignedData).");
                }
                var signedData = SignedData.GetInstance(info.Content);
                var result = new List<byte[]>();
                if (signedData.Certificates != null)
                {
                    if (signedData.Certificates.Count > CertificateFiles.MaxCertificates)
                    {
                        throw new PkiException(PkiErrorCode.CertificateInvalid, $"{where} holds {signedData.Certificates.Count:N0} certificates; more than {CertificateFiles.MaxCertificates:N0} are refused.");
                    }
                    foreach (Asn1Encodable element in signedData.Certificates)
                    {
                        // Only plain certificates (a SEQUENCE); attribute and other certificate choices are tagged and skipped.
                        if (element.ToAsn1Object() is Asn1Sequence sequence)
                        {
                            result.Add(sequence.GetEncoded(Asn1Encodable.DL));
                        }
                    }
                }
                if (result.Count == 0)
                {
                    throw new PkiException(PkiErrorCode.CertificateInvalid, $"{where} is a PKCS#7 file with no certificates in it.");
                }
                return result;
            }
            catch (Exception ex) when (!(ex is PkiException))
            {
                throw new PkiException(PkiErrorCode.CertificateInvalid, $"{where} is not a well-formed PKCS#7 (.p7b) file (damaged or truncated): {PlainReason.Of(ex)}.", ex);
            }
        }

        internal static bool IsSignedDataOid(byte[] data, int offset) => Matches(data, offset, SignedDataOid);

        private static bool Matches(byte[] data, int offset, byte[] expected)
        {
            if (offset < 0 || offset + expected.Length > data.Length) return false;
            for (int i = 0; i < expected.Length; i++)
            {
                if (data[offset + i] != expected[i]) return false;
            }
            return true;
        }
    }
}
