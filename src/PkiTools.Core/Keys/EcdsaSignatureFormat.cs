using System;
using PkiTools.Core.Formats;

namespace PkiTools.Core.Keys
{
    /// <summary>
    /// Converts ECDSA signatures between IEEE P1363 (r||s, what .NET produces on netstandard2.0) and the DER
    /// SEQUENCE { r INTEGER, s INTEGER } that X.509 carries. Written for hostile input: every length is checked.
    /// </summary>
    internal static class EcdsaSignatureFormat
    {
        public static byte[] P1363ToDer(byte[] p1363)
        {
            int half = p1363.Length / 2;
            byte[] r = IntegerContent(p1363, 0, half);
            byte[] s = IntegerContent(p1363, half, half);
            return DerWriter.Tlv(0x30, DerWriter.Tlv(0x02, r), DerWriter.Tlv(0x02, s));
        }

        /// <summary>DER to P1363 with each half <paramref name="fieldSize"/> bytes; null when the DER is malformed.</summary>
        public static byte[]? DerToP1363(byte[] der, int fieldSize)
        {
            int pos = 0;
            if (!ReadHeader(der, ref pos, 0x30, out int seqLen) || pos + seqLen != der.Length) return null;
            if (!ReadHeader(der, ref pos, 0x02, out int rLen)) return null;
            int rStart = pos;
            pos += rLen;
            if (!ReadHeader(der, ref pos, 0x02, out int sLen)) return null;
            int sStart = pos;
            pos += sLen;
            if (pos != der.Length) return null;
            var output = new byte[2 * fieldSize];
            if (!CopyUnsigned(der, rStart, rLen, output, 0, fieldSize)) return null;
            if (!CopyUnsigned(der, sStart, sLen, output, fieldSize, fieldSize)) return null;
            return output;
        }

        private static bool ReadHeader(byte[] der, ref int pos, byte tag, out int length)
        {
            length = 0;
            if (pos + 2 > der.Length || der[pos] != tag) return false;
            pos++;
            int b = der[pos++];
            if (b < 0x80)
            {
                length = b;
            }
            else
            {
                int n = b & 0x7F;
                if (n == 0 || n > 2 || pos + n > der.Length) return false;
                for (int i = 0; i < n; i++) length = (length << 8) | der[pos++];
                if (length < 0x80) return false; // not minimal
            }
            return length <= der.Length - pos;
        }

        private static bool CopyUnsigned(byte[] src, int start, int len, byte[] dst, int dstOffset, int size)
        {
            if (len == 0) return false;
            if ((src[start] & 0x80) != 0) return false; // negative
            while (len > 1 && src[start] == 0)
            {
                start++;
                len--;
            }
            if (len > size) return false;
            Buffer.BlockCopy(src, start, dst, dstOffset + size - len, len);
            return true;
        }

        private static byte[] IntegerContent(byte[] src, int offset, int length)
        {
            int start = offset;
            int end = offset + length;
            while (start < end - 1 && src[start] == 0) start++;
            bool pad = (src[start] & 0x80) != 0;
            var content = new byte[end - start + (pad ? 1 : 0)];
            Buffer.BlockCopy(src, start, content, pad ? 1 : 0, end - start);
            return content;
        }
    }
}
