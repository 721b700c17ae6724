using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X500;
using Org.BouncyCastle.Utilities;

namespace PkiTools.Core.X509
{
    /// <summary>
    /// Distinguished-name comparison as RFC 5280 §7.1 asks: attribute values in a string type (PrintableString,
    /// UTF8String, and the older Teletex, BMP, Universal and IA5 strings) are compared after the LDAP string preparation of
    /// RFC 4518 (transcode, map, NFKC, case fold, insignificant space), so names that differ only in letter case,
    /// white space or string type match; other values compare by their DER; the attributes of a multi-valued RDN compare
    /// as a set. Names that do not parse compare by their DER only.
    /// </summary>
    internal static class NameComparison
    {
        /// <summary>True when the two DER names match (identical DER first, which is the common case).</summary>
        public static bool Equal(byte[] a, byte[] b) => Arrays.AreEqual(a, b) || string.Equals(Key(a), Key(b), StringComparison.Ordinal);

        /// <summary>
        /// A key that two names share exactly when they match: the prepared RDNs in order, each a sorted set of
        /// type=value pairs. A name that does not parse keys as its DER in hex, so it matches only itself.
        /// </summary>
        public static string Key(byte[] nameDer)
        {
            // Chains share their CAs' names: a bounded cache spares the parse (the same chain again, bulk validation).
            if (Cache.TryGetValue(nameDer, out string? cached)) return cached;
            string key = Compute(nameDer);
            if (Cache.Count >= CacheLimit) Cache.Clear();
            Cache[nameDer] = key;
            return key;
        }

        private const int CacheLimit = 20_000;

        private static readonly System.Collections.Concurrent.ConcurrentDictionary<byte[], string> Cache =
            new System.Collections.Concurrent.ConcurrentDictionary<byte[], string>(Validation.ByteArrayComparer.Instance);

        private static string Compute(byte[] nameDer) => ComputeAscii(nameDer) ?? ComputeParsed(nameDer);

        /// <summary>
        /// The key of the common name, read straight from the DER: one attribute per RDN, PrintableString, UTF8String or
        /// IA5String values of printable ASCII, where the preparation is only lower case and single spaces. Null for
        /// anything else (which <see cref="ComputeParsed"/> handles); both give the same key where both apply.
        /// </summary>
        internal static string? ComputeAscii(byte[] der)
        {
            int pos = 0;
            if (!Header(der, ref pos, 0x30, out int length) || pos + length != der.Length) return null;
            var sb = new StringBuilder(der.Length + 16);
            while (pos < der.Length)
            {
                if (!Header(der, ref pos, 0x31, out int setLength)) return null;
                int setEnd = pos + setLength;
                if (!Header(der, ref pos, 0x30, out int avaLength) || pos + avaLength != setEnd) return null;
                if (!Header(der, ref pos, 0x06, out int oidLength) || !Oid(der, pos, oidLength, sb)) return null;
                pos += oidLength;
                if (pos >= setEnd) return null;
                byte tag = der[pos];
                if ((tag != 0x13 && tag != 0x0C && tag != 0x16) || !Header(der, ref pos, tag, out int valueLength) || pos + valueLength != setEnd) return null;
                sb.Append('\u0001').Append('"');
                bool space = false, any = false;
                for (; pos < setEnd; pos++)
                {
                    byte b = der[pos];
                    if (b < 0x20 || b > 0x7E) return null;
                    if (b == 0x20)
                    {
                        space = any;
                        continue;
                    }
                    if (space) sb.Append(' ');
                    space = false;
                    any = true;
                    sb.Append(b >= (byte)'A' && b <= (byte)'Z' ? (char)(b + 32) : (char)b);
                }
                sb.Append('\u0003');
            }
            return sb.ToString();
        }

        /// <summary>A DER tag and definite length (short form, or long form up to 3 bytes) that fit in the buffer.</summary>
        private static bool Header(byte[] der, ref int pos, byte tag, out int length)
        {
            length = 0;
            if (pos + 2 > der.Length || der[pos] != tag) return false;
            int first = der[pos + 1];
            pos += 2;
            if (first < 0x80)
            {
                length = first;
            }
            else
            {
                int count = first & 0x7F;
                if (count == 0 || count > 3 || pos + count > der.Length) return false;
                for (int i = 0; i < count; i++) length = (length << 8) | der[pos++];
            }
            return pos + length <= der.Length;
        }

        /// <summary>Appends an OID's dotted form (as BouncyCastle writes it); false for a malformed or oversized one.</summary>
        private static bool Oid(byte[] der, int pos, int length, StringBuilder sb)
        {
            if (length == 0 || (der[pos + length - 1] & 0x80) != 0) return false;
            long value = 0;
            bool first = true;
            for (int i = pos; i < pos + length; i++)
            {
                if (value == 0 && der[i] == 0x80) return false; // non-minimal encoding
                if (value > (long.MaxValue >> 8)) return false;
                value = (value << 7) | (long)(der[i] & 0x7F);
                if ((der[i] & 0x80) != 0) continue;
                if (first)
                {
                    long arc = value < 40 ? 0 : value < 80 ? 1 : 2;
                    sb.Append(arc).Append('.').Append(value - arc * 40);
                    first = false;
                }
                else
                {
                    sb.Append('.').Append(value);
                }
                value = 0;
            }
            return true;
        }

        internal static string ComputeParsed(byte[] nameDer)
        {
            try
            {
                var sb = new StringBuilder(nameDer.Length + 16);
                foreach (Asn1Encodable rdn in Asn1Sequence.GetInstance(Asn1Object.FromByteArray(nameDer)))
                {
                    sb.Append(RdnKey(Asn1Set.GetInstance(rdn))).Append('\u0003');
                }
                return sb.ToString();
            }
            catch (Exception ex) when (ex is ArgumentException || ex is InvalidCastException || ex is System.IO.IOException || ex is InvalidOperationException)
            {
                return "\u0004" + Org.BouncyCastle.Utilities.Encoders.Hex.ToHexString(nameDer);
            }
        }

        /// <summary>One relative distinguished name's key: its type=value pairs, prepared, as a sorted set.</summary>
        public static string RdnKey(Asn1Set rdn)
        {
            if (rdn.Count == 1) return Attribute(AttributeTypeAndValue.GetInstance(rdn[0]));
            var parts = new List<string>(rdn.Count);
            foreach (Asn1Encodable ava in rdn) parts.Add(Attribute(AttributeTypeAndValue.GetInstance(ava)));
            parts.Sort(StringComparer.Ordinal);
            return string.Join("\u0002", parts);
        }

        private static string Attribute(AttributeTypeAndValue ava)
        {
            string? prepared = Prepare(ava.Value);
            return ava.Type.Id + "\u0001" + (prepared != null ? "\"" + prepared : "#" + Org.BouncyCastle.Utilities.Encoders.Hex.ToHexString(ava.Value.ToAsn1Object().GetDerEncoded()));
        }

        /// <summary>RFC 4518 preparation of a string value (case folded, as caseIgnoreMatch), or null for a non-string value.</summary>
        public static string? Prepare(Asn1Encodable value)
        {
            Asn1Object asn1 = value.ToAsn1Object();
            if (!(asn1 is IAsn1String text) || asn1 is DerBitString) return null;
            // BouncyCastle renders a UniversalString as "#hex": it is UCS-4, big-endian.
            string s = asn1 is DerUniversalString universal ? new UTF32Encoding(bigEndian: true, byteOrderMark: false).GetString(universal.GetOctets()) : text.GetString();
            // 2.2 Map: characters mapped to nothing (soft hyphen, joiners, variation selectors, controls) and to a space.
            var mapped = new StringBuilder(s.Length);
            foreach (char c in s)
            {
                if (c == '\u00AD' || c == '\u1806' || c == '\u034F' || (c >= '\u180B' && c <= '\u180D') || (c >= '\uFE00' && c <= '\uFE0F') || c == '\uFFFC' || c == '\u200B') continue;
                if (c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == '\u0085') { mapped.Append(' '); continue; }
                if (char.IsControl(c)) continue;
                if (char.IsWhiteSpace(c)) { mapped.Append(' '); continue; }
                mapped.Append(c);
            }
            // 2.3 Normalize (NFKC) with case folding, as caseIgnoreMatch asks.
            // Upper then lower case approximates Unicode case folding (the long s and the Kelvin sign fold with s and k);
            // RFC 3454 table B.2 also folds the sharp s to "ss", which no single-character case mapping does.
            string folded = mapped.ToString().Normalize(NormalizationForm.FormKC).ToUpperInvariant().ToLowerInvariant().Replace("\u00DF", "ss").Replace("\u1E9E", "ss");
            // 2.6.1 Insignificant space: none at the ends, one between words.
            var result = new StringBuilder(folded.Length);
            bool space = false;
            foreach (char c in folded)
            {
                if (c == ' ')
                {
                    space = result.Length > 0;
                    continue;
                }
                if (space) result.Append(' ');
                space = false;
                result.Append(c);
            }
            return result.ToString();
        }
    }
}
