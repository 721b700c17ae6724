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

        public static string Sha256(byte[] data)
        {
            using var sha = SHA256.Create();
            return Encode(sha.ComputeHash(data));
        }
    }
}
