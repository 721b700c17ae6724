using System;

namespace PkiTools.Core.Formats
{
    /// <summary>Minimal DER TLV slicing for places where the exact original bytes matter (signed portions).</summary>
    internal static class DerReader
    {
        /// <summary>Offset and total length of the TLV starting at <paramref name="pos"/>; false when malformed.</summary>
        public static bool TryReadTlv(byte[] data, int pos, int limit, out int contentStart, out int contentLength)
        {
            contentStart = 0;
            contentLength = 0;
            if (pos + 2 > limit) return false;
            int i = pos + 1;
            if ((data[pos] & 0x1F) == 0x1F) return false; // high tag numbers do not occur in what we slice
            int first = data[i++];
            long len;
            if (first < 0x80)
            {
                len = first;
            }
            else
            {
                int n = first & 0x7F;
                if (n == 0 || n > 4 || i + n > limit) return false;
                len = 0;
                for (int k = 0; k < n; k++) len = (len << 8) | data[i++];
            }
            if (len > limit - i) return false;
            contentStart = i;
            contentLength = (int)len;
            return true;
        }

        /// <summary>The exact bytes of the first element inside the outer SEQUENCE (the TBS part of a signed structure).</summary>
        public static byte[]? FirstElement(byte[] der)
        {
            if (der.Length == 0 || der[0] != 0x30) return null;
            if (!TryReadTlv(der, 0, der.Length, out int outerStart, out int outerLength)) return null;
            if (outerStart + outerLength != der.Length) return null;
            int limit = outerStart + outerLength;
            if (!TryReadTlv(der, outerStart, limit, out int innerStart, out int innerLength)) return null;
            int end = innerStart + innerLength;
            var slice = new byte[end - outerStart];
            Buffer.BlockCopy(der, outerStart, slice, 0, slice.Length);
            return slice;
        }
    }
}
