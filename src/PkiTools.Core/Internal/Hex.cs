using System.Security.Cryptography;

namespace PkiTools.Core
{
    internal static class Hex
    {
        private const string Digits = "0123456789ABCDEF";

        public static string Encode(byte[] data)
        {
            var chars = new char[data.Length * 2];
            for (int i = 0; i < data.Length; i++)
            {
                chars[2 * i] = Digits[data[i] >> 4];
                chars[2 * i + 1] = Digits[data[i] & 0xF];
            }
            return new string(chars);
        }

        /// <summary>Even-length hex (either case) to bytes; callers pass normalized serials.</summary>
        public static byte[] Decode(string hex)
        {
            var bytes = new byte[hex.Length / 2];
            for (int i = 0; i < bytes.Length; i++) bytes[i] = System.Convert.ToByte(hex.Substring(2 * i, 2), 16);
            return bytes;
        }

        public static string Sha256(byte[] data) => Encode(Sha256Digest(data));

        /// <summary>SHA-256 of <paramref name="data"/> with this thread's hash object: creating one per call costs more
        /// than hashing a certificate (netstandard2.0 has no one-shot SHA256.HashData).</summary>
        public static byte[] Sha256Digest(byte[] data) => (_sha256 ??= SHA256.Create()).ComputeHash(data);

        [System.ThreadStatic]
        private static SHA256? _sha256;
    }
}
