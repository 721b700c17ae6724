using System;

namespace PkiTools.Core.Formats
{
    /// <summary>
    /// Writes DER into a buffer sized in advance (callers compute lengths with <see cref="Tlv(int)"/>), for the structures we
    /// build by hand because size or exact bytes matter: CRLs with 100,000 entries, P7B bundles, ECDSA signatures.
    /// </summary>
    internal sealed class DerWriter
    {
        private readonly byte[] _buffer;
        private int _pos;

        public DerWriter(int size) => _buffer = new byte[size];

        /// <summary>Length of a TLV with <paramref name="contentLength"/> bytes of content.</summary>
        public static int Tlv(int contentLength) => 1 + LengthOfLength(contentLength) + contentLength;

        /// <summary>One TLV wrapping the concatenated <paramref name="parts"/>.</summary>
        public static byte[] Tlv(byte tag, params byte[][] parts)
        {
            int length = 0;
            foreach (byte[] part in parts) length += part.Length;
            var w = new DerWriter(Tlv(length));
            w.Header(tag, length);
            foreach (byte[] part in parts) w.Raw(part);
            return w.ToArray();
        }

        private static int LengthOfLength(int length) => length < 0x80 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : length < 0x1000000 ? 4 : 5;

        public void Byte(byte b) => _buffer[_pos++] = b;

        public void Raw(byte[] data) => Raw(data, 0, data.Length);

        public void Raw(byte[] data, int offset, int count)
        {
            Buffer.BlockCopy(data, offset, _buffer, _pos, count);
            _pos += count;
        }

        public void Header(byte tag, int length)
        {
            _buffer[_pos++] = tag;
            int n = LengthOfLength(length);
            if (n == 1)
            {
                _buffer[_pos++] = (byte)length;
                return;
            }
            _buffer[_pos++] = (byte)(0x80 | (n - 1));
            for (int k = n - 2; k >= 0; k--) _buffer[_pos++] = (byte)(length >> (8 * k));
        }

        /// <summary>UTCTime for 1950-2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5), in whole seconds.</summary>
        public void Time(DateTime utc)
        {
            bool utcTime = utc.Year >= 1950 && utc.Year < 2050;
            Header(utcTime ? (byte)0x17 : (byte)0x18, utcTime ? 13 : 15);
            if (utcTime) Digits(utc.Year % 100, 2);
            else Digits(utc.Year, 4);
            Digits(utc.Month, 2);
            Digits(utc.Day, 2);
            Digits(utc.Hour, 2);
            Digits(utc.Minute, 2);
            Digits(utc.Second, 2);
            _buffer[_pos++] = (byte)'Z';
        }

        private void Digits(int value, int count)
        {
            for (int k = count - 1; k >= 0; k--)
            {
                _buffer[_pos + k] = (byte)('0' + value % 10);
                value /= 10;
            }
            _pos += count;
        }

        public byte[] ToArray()
        {
            if (_pos != _buffer.Length) throw new InvalidOperationException($"DER size mismatch: wrote {_pos} of {_buffer.Length} bytes.");
            return _buffer;
        }
    }
}
