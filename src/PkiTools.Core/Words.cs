using System;
using System.Globalization;

namespace PkiTools.Core
{
    /// <summary>Small helpers that keep messages grammatical and unambiguous: "an EcdsaP256 key", dates in UTC as yyyy-MM-dd HH:mm:ss UTC.</summary>
    internal static class Words
    {
        /// <summary>"a" or "an" followed by <paramref name="word"/>, by how the word is spoken: "an EcdsaP256", "an Rsa2048" (ar-es-ay), "a Pem", "an 8-bit".</summary>
        public static string A(string word) => (NeedsAn(word) ? "an " : "a ") + word;

        /// <summary>The text with its first letter upper-case, for a sentence that starts with <see cref="A"/>.</summary>
        public static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text.Substring(1);

        private static bool NeedsAn(string word)
        {
            if (string.IsNullOrEmpty(word)) return false;
            char first = word[0];
            if (char.IsDigit(first))
            {
                // 8, 80, 800, 8000...: "eight"; 11 and 18, 11xx and 18xx: "eleven", "eighteen".
                int digits = 0;
                while (digits < word.Length && char.IsDigit(word[digits])) digits++;
                if (first == '8') return true;
                return (digits == 2 || digits == 4) && (word.StartsWith("11", StringComparison.Ordinal) || word.StartsWith("18", StringComparison.Ordinal));
            }
            if ("AEIOUaeiou".IndexOf(first) >= 0) return !word.StartsWith("Uni", StringComparison.OrdinalIgnoreCase) && !word.StartsWith("Use", StringComparison.OrdinalIgnoreCase);
            // Initialisms are spelled out: RSA, SHA, MD5, X509, HTTP. Our enum names spell them as words (Rsa2048).
            bool initialism = (word.Length > 1 && char.IsUpper(word[0]) && (char.IsUpper(word[1]) || char.IsDigit(word[1])))
                || word.StartsWith("Rsa", StringComparison.Ordinal);
            return initialism && "FHLMNRSX".IndexOf(char.ToUpperInvariant(first)) >= 0;
        }

        /// <summary>
        /// An instant as "2026-12-05 09:10:00 UTC". A DateTime of kind Local (X509Certificate2.NotAfter, DateTime.Now) is
        /// converted; Utc and Unspecified ones (the core computes in UTC) are taken as UTC.
        /// </summary>
        public static string Date(DateTime value) =>
            (value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value).ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

        /// <summary>An instant as "2026-12-05 09:10:00 UTC".</summary>
        public static string Date(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

        /// <summary>An instant as "2026-12-05 09:10:00 UTC", or "none".</summary>
        public static string Date(DateTimeOffset? value) => value is DateTimeOffset v ? Date(v) : "none";
    }
}
