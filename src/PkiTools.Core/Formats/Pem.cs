using System;
using System.Collections.Generic;
using System.Text;

namespace PkiTools.Core.Formats
{
    /// <summary>One PEM block: its label (CERTIFICATE, PRIVATE KEY, ...) and the DER bytes it carries.</summary>
    public sealed class PemBlock
    {
        public PemBlock(string label, byte[] data)
        {
            Label = label;
            Data = data;
        }

        public string Label { get; }
        public byte[] Data { get; }
    }

    /// <summary>RFC 7468 PEM: strict enough to refuse garbage, lax enough for what OpenSSL and Windows write.</summary>
    public static class Pem
    {
        private const string Begin = "-----BEGIN ";
        private const string End = "-----END ";
        private const string Dashes = "-----";

        public static string Encode(string label, byte[] der) => System.Text.Encoding.ASCII.GetString(EncodeBytes(label, der));

        /// <summary>
        /// The PEM text as ASCII bytes, written straight into one array (a 4 MB CRL costs its 5.4 MB of PEM and no
        /// intermediate strings).
        /// </summary>
        internal static byte[] EncodeBytes(string label, byte[] der)
        {
            string header = Begin + label + Dashes + "\n", footer = End + label + Dashes + "\n";
            int lines = (der.Length + 47) / 48;
            int b64 = (der.Length + 2) / 3 * 4;
            var result = new byte[header.Length + b64 + lines + footer.Length];
            int pos = 0;
            foreach (char c in header) result[pos++] = (byte)c;
            var chars = new char[64];
            for (int i = 0; i < der.Length; i += 48)
            {
                int n = Convert.ToBase64CharArray(der, i, Math.Min(48, der.Length - i), chars, 0);
                for (int k = 0; k < n; k++) result[pos++] = (byte)chars[k];
                result[pos++] = (byte)'\n';
            }
            foreach (char c in footer) result[pos++] = (byte)c;
            return result;
        }

        /// <summary>
        /// True when the bytes are PEM: a header at the start (after white space or a UTF-8 BOM), or at the start of a
        /// later line after lines of plain text, as <c>openssl ca</c> writes certificates (its text dump first, unless
        /// -notext) and OpenSSL reads them. Binary data (DER) never qualifies: a control byte before the header does.
        /// </summary>
        public static bool LooksLikePem(byte[] data)
        {
            int i = 0;
            if (data.Length >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) i = 3;
            int lineStart = i;
            for (; i < data.Length; i++)
            {
                byte b = data[i];
                if (b == '\n')
                {
                    lineStart = i + 1;
                    continue;
                }
                if (i == lineStart && (b == ' ' || b == '\t' || b == '\r'))
                {
                    lineStart = i + 1; // indentation before a header
                    continue;
                }
                if (i == lineStart && StartsWith(data, i, Begin)) return true;
                if (b < 0x20 && b != '\t' && b != '\r') return false; // binary
            }
            return false;
        }

        private static bool StartsWith(byte[] data, int at, string prefix)
        {
            if (data.Length - at < prefix.Length) return false;
            for (int k = 0; k < prefix.Length; k++)
            {
                if (data[at + k] != prefix[k]) return false;
            }
            return true;
        }

        /// <summary>
        /// Every PEM block in the text, in order. Text outside blocks (OpenSSL's "Bag Attributes", comments) is ignored.
        /// A block with no END line, mismatched labels or bad base64 is an error, not skipped.
        /// </summary>
        public static IReadOnlyList<PemBlock> Decode(string text)
        {
            var blocks = new List<PemBlock>();
            int pos = 0;
            while (true)
            {
                int begin = text.IndexOf(Begin, pos, StringComparison.Ordinal);
                if (begin < 0) break;
                int labelStart = begin + Begin.Length;
                int labelEnd = text.IndexOf(Dashes, labelStart, StringComparison.Ordinal);
                int lineEnd = text.IndexOf('\n', labelStart);
                if (labelEnd < 0 || (lineEnd >= 0 && labelEnd > lineEnd))
                {
                    throw new PkiException(PkiErrorCode.FormatUnknown, "The PEM text has a malformed BEGIN line.");
                }
                string label = text.Substring(labelStart, labelEnd - labelStart);
                string endMarker = End + label + Dashes;
                int bodyStart = labelEnd + Dashes.Length;
                int end = text.IndexOf(endMarker, bodyStart, StringComparison.Ordinal);
                if (end < 0)
                {
                    throw new PkiException(PkiErrorCode.FormatUnknown,
                        $"The PEM block '{label}' has no matching END line: the file is truncated or its labels do not match.");
                }
                blocks.Add(new PemBlock(label, DecodeBody(text, bodyStart, end, label)));
                pos = end + endMarker.Length;
            }
            return blocks;
        }

        private static byte[] DecodeBody(string text, int start, int end, string label)
        {
            var sb = new StringBuilder(end - start);
            // Skip RFC 1421 headers (Proc-Type, DEK-Info): lines with a colon before the base64 body.
            int i = start;
            bool inHeaders = true;
            while (i < end)
            {
                int nl = text.IndexOf('\n', i);
                if (nl < 0 || nl > end) nl = end;
                string line = text.Substring(i, nl - i).Trim();
                i = nl + 1;
                if (line.Length == 0) continue;
                if (inHeaders && line.IndexOf(':') >= 0) continue;
                inHeaders = false;
                sb.Append(line);
            }
            try
            {
                byte[] data = Convert.FromBase64String(sb.ToString());
                if (data.Length == 0)
                {
                    throw new PkiException(PkiErrorCode.FormatUnknown, $"The PEM block '{label}' is empty.");
                }
                return data;
            }
            catch (FormatException ex)
            {
                throw new PkiException(PkiErrorCode.FormatUnknown, $"The PEM block '{label}' is not valid base64.", ex);
            }
        }
    }
}
