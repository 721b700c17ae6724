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

        private static string Compute(byte[] nameDer)
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
