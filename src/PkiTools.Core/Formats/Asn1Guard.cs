using System;
using System.IO;
using Org.BouncyCastle.Asn1;

namespace PkiTools.Core.Formats
{
    /// <summary>
    /// Checks BER/DER shape before BouncyCastle parses it: BouncyCastle's parser recurses once per nesting level, and
    /// a stack overflow cannot be caught in .NET, so hostile nesting (100,000 SEQUENCE headers) is refused here, by
    /// an iterative walk, with a PkiException. Lengths are checked against the data, so nothing is read past the end.
    /// </summary>
    internal static class Asn1Guard
    {
        /// <summary>Deepest nesting accepted. Certificates nest about 8 levels, PFX and PKCS#7 wrappers a few more.</summary>
        public const int MaxDepth = 48;

        /// <summary>
        /// Walks the one TLV at <paramref name="offset"/> and returns the offset just after it; throws
        /// <paramref name="code"/> with "<paramref name="what"/> is malformed ..." when it is not well-formed BER.
        /// </summary>
        public static int CheckOne(byte[] data, int offset, int limit, PkiErrorCode code, string what)
        {
            string? problem = Walk(data, offset, limit, out int end);
            if (problem != null)
            {
                throw new PkiException(code, $"{what} is malformed ({problem}): the file is damaged or truncated.");
            }
            return end;
        }

        /// <summary>Checks, then parses, the first TLV of <paramref name="data"/> (trailing bytes are ignored).</summary>
        public static Asn1Object Parse(byte[] data, PkiErrorCode code, string what)
        {
            int end = CheckOne(data, 0, data.Length, code, what);
            try
            {
                using var input = new Asn1InputStream(new MemoryStream(data, 0, end, false), end);
                return input.ReadObject() ?? throw new EndOfStreamException("no data");
            }
            catch (Exception ex) when (!(ex is PkiException))
            {
                throw new PkiException(code, $"{what} is malformed: {PlainReason.Of(ex)}.", ex);
            }
        }

        private static string? Walk(byte[] data, int offset, int limit, out int end)
        {
            end = offset;
            var frameLimit = new int[MaxDepth];
            var frameIndefinite = new bool[MaxDepth];
            int depth = 0;
            int pos = offset;
            do
            {
                int currentLimit = depth == 0 ? limit : frameLimit[depth - 1];
                if (depth > 0 && frameIndefinite[depth - 1] && pos + 2 <= currentLimit && data[pos] == 0 && data[pos + 1] == 0)
                {
                    pos += 2; // end-of-contents
                    depth--;
                }
                else
                {
                    if (pos >= currentLimit) return "it ends inside an element";
                    byte tag = data[pos++];
                    if ((tag & 0x1F) == 0x1F)
                    {
                        int tagBytes = 0;
                        while (true)
                        {
                            if (pos >= currentLimit) return "it ends inside a tag";
                            byte b = data[pos++];
                            if (++tagBytes > 4) return "a tag number is too long";
                            if ((b & 0x80) == 0) break;
                        }
                    }
                    if (pos >= currentLimit) return "it ends inside a length";
                    int first = data[pos++];
                    bool constructed = (tag & 0x20) != 0;
                    if (first == 0x80)
                    {
                        if (!constructed) return "a primitive element has an indefinite length";
                        if (depth == MaxDepth) return $"it nests deeper than {MaxDepth} levels";
                        frameIndefinite[depth] = true;
                        frameLimit[depth] = currentLimit;
                        depth++;
                        continue;
                    }
                    long length;
                    if (first < 0x80)
                    {
                        length = first;
                    }
                    else
                    {
                        int n = first & 0x7F;
                        if (n > 4) return "a length is too large";
                        if (pos + n > currentLimit) return "it ends inside a length";
                        length = 0;
                        for (int k = 0; k < n; k++) length = (length << 8) | data[pos++];
                    }
                    if (length > currentLimit - pos) return "an element is longer than the data holding it";
                    if (constructed)
                    {
                        if (depth == MaxDepth) return $"it nests deeper than {MaxDepth} levels";
                        frameIndefinite[depth] = false;
                        frameLimit[depth] = pos + (int)length;
                        depth++;
                    }
                    else
                    {
                        pos += (int)length;
                    }
                }
                while (depth > 0 && !frameIndefinite[depth - 1] && pos == frameLimit[depth - 1]) depth--;
            }
            while (depth > 0);
            end = pos;
            return null;
        }
    }
}
