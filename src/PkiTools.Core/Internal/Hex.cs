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

        public static string Sha256(byte[] data)
        {
            using var sha = SHA256.Create();
            return Encode(sha.ComputeHash(data));
        }
    }
}
