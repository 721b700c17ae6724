using System;
using PkiTools.Core.Formats;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Core.Revocation
{
    /// <summary>
    /// Builds and signs v2 CRLs (RFC 5280 section 5) with authorityKeyIdentifier and cRLNumber, and a reasonCode per
    /// entry that has a reason. The TBSCertList is written as DER directly into one pre-sized buffer (100,000 entries
    /// in a few tens of milliseconds); the signature is verified against the issuer's public key before returning.
    /// </summary>
    public static class CrlBuilder
    {
        private static readonly byte[] OidAki = { 0x06, 0x03, 0x55, 0x1D, 0x23 };
        private static readonly byte[] OidCrlNumber = { 0x06, 0x03, 0x55, 0x1D, 0x14 };
        private static readonly byte[] OidReasonCode = { 0x06, 0x03, 0x55, 0x1D, 0x15 };

        /// <summary>Signs with the issuer certificate's own private key (attached by PkiTools or held by the platform).</summary>
        public static CertificateRevocationList Build(X509Certificate2 issuer, IReadOnlyList<RevokedEntry> entries,
            System.Numerics.BigInteger crlNumber, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate, HashAlgorithmName? hash = null, SignatureScheme? scheme = null)
        {
            if (issuer == null) throw new ArgumentNullException(nameof(issuer));
            CheckIssuer(issuer);
            return Build(issuer, CertificateIssuer.SignerFor(issuer, hash, scheme), entries, crlNumber, thisUpdate, nextUpdate);
        }

        /// <summary>Signs with <paramref name="key"/>, the issuer certificate's private key given explicitly (Ed25519 keys travel only this way).</summary>
        public static CertificateRevocationList Build(X509Certificate2 issuer, PrivateKey key, IReadOnlyList<RevokedEntry> entries,
            System.Numerics.BigInteger crlNumber, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate, HashAlgorithmName? hash = null, SignatureScheme? scheme = null)
        {
            if (issuer == null) throw new ArgumentNullException(nameof(issuer));
            CheckIssuer(issuer);
            return Build(issuer, CertificateIssuer.MatchingSigner(issuer, key, hash, scheme), entries, crlNumber, thisUpdate, nextUpdate);
        }

        /// <summary>Signs with an external signer (a store key, an HSM, a test's broken signer).</summary>
        public static CertificateRevocationList Build(X509Certificate2 issuer, ICertificateSigner signer, IReadOnlyList<RevokedEntry> entries,
            System.Numerics.BigInteger crlNumber, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate)
        {
            if (entries == null) throw new ArgumentNullException(nameof(entries));
            var serials = new RevokedSerial[entries.Count];
            for (int i = 0; i < serials.Length; i++)
            {
                RevokedEntry e = entries[i] ?? throw new ArgumentException("An entry is null.", nameof(entries));
                serials[i] = new RevokedSerial(e.SerialNumberHex, e.RevocationDate, e.Reason);
            }
            return Build(issuer, signer, serials, crlNumber, thisUpdate, nextUpdate);
        }

        /// <summary>
        /// One revoked serial as the encoder takes it: no object per entry, the serial as canonical upper-case hex (a
        /// ledger's own string, or <see cref="RevokedEntry.SerialNumberHex"/>) written straight into the DER.
        /// </summary>
        internal readonly struct RevokedSerial
        {
            public RevokedSerial(string canonicalHex, DateTimeOffset revocationDate, RevocationReason? reason)
            {
                Hex = canonicalHex;
                RevokedUtc = Truncate(revocationDate.UtcDateTime);
                Reason = reason;
            }

            public string Hex { get; }

            public DateTime RevokedUtc { get; }

            public RevocationReason? Reason { get; }

            /// <summary>Content length of the INTEGER: the magnitude, plus a zero byte when its top bit is set.</summary>
            public int IntegerLength => Hex.Length / 2 + (HexValue(Hex[0]) >= 8 ? 1 : 0);
        }

        /// <summary>
        /// Encodes <paramref name="entries"/> (checked: canonical positive serials of at most 20 octets, no duplicates)
        /// into the TBSCertList in one pass, signs, checks the signature against the issuer's key.
        /// </summary>
        [System.Runtime.CompilerServices.MethodImpl((System.Runtime.CompilerServices.MethodImplOptions)512)] // AggressiveOptimization: a hot loop, optimised at first call
        internal static CertificateRevocationList Build(X509Certificate2 issuer, ICertificateSigner signer, RevokedSerial[] entries,
            System.Numerics.BigInteger crlNumber, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate)
        {
            if (issuer == null) throw new ArgumentNullException(nameof(issuer));
            if (signer == null) throw new ArgumentNullException(nameof(signer));
            if (entries == null) throw new ArgumentNullException(nameof(entries));
            ParsedCertificate parsed = CheckIssuer(issuer);
            if (crlNumber.Sign < 0 || crlNumber.ToByteArray().Length > 20)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"The CRL number must be between 0 and 2^159-1 (RFC 5280 5.2.3); got {crlNumber}.");
            }
            DateTime from = Truncate(thisUpdate.UtcDateTime), to = Truncate(nextUpdate.UtcDateTime);
            if (from >= to)
            {
                throw new PkiException(PkiErrorCode.ValidityInvalid, $"thisUpdate ({PkiTools.Core.Words.Date(from)}) must be earlier than nextUpdate ({PkiTools.Core.Words.Date(to)}).");
            }
            PublicKeyInfo publicKey = parsed.PublicKey ?? throw new PkiException(PkiErrorCode.CertificateInvalid, "The issuer certificate's public key is malformed.", null, issuer);
            byte[] keyId = parsed.SubjectKeyId ?? CertificateBuilder.KeyIdentifier(parsed.Tbs.SubjectPublicKeyInfo.GetDerEncoded());
            byte[] algorithm = signer.SignatureAlgorithm;
            byte[] issuerName = parsed.SubjectDer;

            // revokedCertificates: each entry is SEQUENCE { serial INTEGER, revocationDate Time, [crlEntryExtensions] }.
            var seen = new HashSet<string>(StringComparer.Ordinal);
            long entriesLength = 0;
            for (int i = 0; i < entries.Length; i++)
            {
                string hex = entries[i].Hex;
                CheckSerial(hex);
                if (!seen.Add(hex))
                {
                    throw new PkiException(PkiErrorCode.InvalidArgument, $"The serial number {hex} is listed twice.");
                }
                entriesLength += DerWriter.Tlv(EntryContentLength(entries[i]));
            }
            seen = null;
            if (entriesLength > 1 << 30) throw new PkiException(PkiErrorCode.InvalidArgument, "Too many entries for one CRL.");

            byte[] crlNumberDer = IntegerContent(crlNumber);
            int akiValue = DerWriter.Tlv(DerWriter.Tlv(keyId.Length)); // SEQUENCE { [0] keyIdentifier }
            int akiExt = DerWriter.Tlv(OidAki.Length + DerWriter.Tlv(akiValue));
            int numberExt = DerWriter.Tlv(OidCrlNumber.Length + DerWriter.Tlv(DerWriter.Tlv(crlNumberDer.Length)));
            int extensions = DerWriter.Tlv(DerWriter.Tlv(akiExt + numberExt)); // [0] EXPLICIT SEQUENCE OF Extension
            long tbsContent = 3 /* version */ + algorithm.Length + issuerName.Length + TimeLength(from) + TimeLength(to)
                + (entries.Length > 0 ? DerWriter.Tlv((int)entriesLength) : 0) + extensions;
            var w = new DerWriter(DerWriter.Tlv((int)tbsContent));
            w.Header(0x30, (int)tbsContent);
            w.Raw(new byte[] { 0x02, 0x01, 0x01 });
            w.Raw(algorithm);
            w.Raw(issuerName);
            w.Time(from);
            w.Time(to);
            if (entries.Length > 0)
            {
                w.Header(0x30, (int)entriesLength);
                for (int i = 0; i < entries.Length; i++)
                {
                    RevokedSerial e = entries[i];
                    w.Header(0x30, EntryContentLength(e));
                    WriteInteger(w, e);
                    w.Time(e.RevokedUtc);
                    if (e.Reason is RevocationReason reason)
                    {
                        w.Header(0x30, 12);
                        w.Header(0x30, 10);
                        w.Raw(OidReasonCode);
                        w.Header(0x04, 3);
                        w.Header(0x0A, 1);
                        w.Byte((byte)reason);
                    }
                }
            }
            w.Header(0xA0, DerWriter.Tlv(akiExt + numberExt));
            w.Header(0x30, akiExt + numberExt);
            w.Header(0x30, OidAki.Length + DerWriter.Tlv(akiValue));
            w.Raw(OidAki);
            w.Header(0x04, akiValue);
            w.Header(0x30, DerWriter.Tlv(keyId.Length));
            w.Header(0x80, keyId.Length);
            w.Raw(keyId);
            w.Header(0x30, OidCrlNumber.Length + DerWriter.Tlv(DerWriter.Tlv(crlNumberDer.Length)));
            w.Raw(OidCrlNumber);
            w.Header(0x04, DerWriter.Tlv(crlNumberDer.Length));
            w.Header(0x02, crlNumberDer.Length);
            w.Raw(crlNumberDer);
            byte[] tbs = w.ToArray();

            byte[] signature = signer.Sign(tbs);
            AlgorithmIdentifier algorithmId = AlgorithmIdentifier.GetInstance(algorithm);
            if (!publicKey.Verify(algorithmId, tbs, signature))
            {
                throw new PkiException(PkiErrorCode.SignatureSelfCheckFailed,
                    "The CRL signature just produced does not verify with the issuer's public key: the signing key does not match the issuer certificate, or the signer is broken. No CRL was written.");
            }
            int outerContent = tbs.Length + algorithm.Length + DerWriter.Tlv(signature.Length + 1);
            var outer = new DerWriter(DerWriter.Tlv(outerContent));
            outer.Header(0x30, outerContent);
            outer.Raw(tbs);
            outer.Raw(algorithm);
            outer.Header(0x03, signature.Length + 1);
            outer.Byte(0);
            outer.Raw(signature);
            return CertificateRevocationList.ParseDer(outer.ToArray());
        }

        private static ParsedCertificate CheckIssuer(X509Certificate2 issuer)
        {
            ParsedCertificate parsed = ParsedCertificate.Parse(issuer.RawData);
            if (!parsed.IsCa || !parsed.HasKeyUsage(Org.BouncyCastle.Asn1.X509.KeyUsage.CrlSign))
            {
                throw new PkiException(PkiErrorCode.IssuerNotCa,
                    $"The issuer '{parsed.Subject}' may not sign CRLs: it needs basicConstraints CA:TRUE and, when it has a key usage, cRLSign.",
                    null, issuer);
            }
            return parsed;
        }

        private static int EntryContentLength(RevokedSerial e) =>
            DerWriter.Tlv(e.IntegerLength) + TimeLength(e.RevokedUtc) + (e.Reason != null ? 14 : 0);

        private static void WriteInteger(DerWriter w, RevokedSerial e)
        {
            string hex = e.Hex;
            int length = e.IntegerLength;
            w.Header(0x02, length);
            if (length > hex.Length / 2) w.Byte(0);
            for (int i = 0; i < hex.Length; i += 2) w.Byte((byte)((HexValue(hex[i]) << 4) | HexValue(hex[i + 1])));
        }

        /// <summary>A revoked serial must be canonical hex (even length, upper case, no leading zero octet), positive, at most 20 octets.</summary>
        private static void CheckSerial(string hex)
        {
            bool canonical = hex.Length >= 2 && hex.Length % 2 == 0 && !(hex[0] == '0' && hex[1] == '0' && hex.Length > 2);
            for (int i = 0; canonical && i < hex.Length; i++) canonical = HexValue(hex[i]) >= 0;
            if (!canonical) throw new PkiException(PkiErrorCode.InvalidArgument, $"'{hex}' is not a serial number in canonical hex.");
            if (hex == "00") throw new PkiException(PkiErrorCode.InvalidArgument, "A revoked serial number must be positive (it is zero).");
            if (hex.Length > 40 || (hex.Length == 40 && HexValue(hex[0]) >= 8))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "A revoked serial number must be at most 20 octets (RFC 5280 4.1.2.2).");
            }
        }

        /// <summary>The value of an upper-case hex digit, or -1.</summary>
        private static int HexValue(char c) => c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

        private static byte[] IntegerContent(System.Numerics.BigInteger value)
        {
            byte[] le = value.ToByteArray(); // two's complement, little-endian, minimal
            Array.Reverse(le);
            return le;
        }

        /// <summary>UTCTime (13 characters) for 1950-2049, GeneralizedTime (15) otherwise (RFC 5280 5.1.2.4).</summary>
        private static int TimeLength(DateTime utc) => utc.Year >= 1950 && utc.Year < 2050 ? 15 : 17;

        private static DateTime Truncate(DateTime utc) => new DateTime(utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
    }
}
