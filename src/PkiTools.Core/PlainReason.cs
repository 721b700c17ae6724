using System;
using System.IO;
using System.Security.Cryptography;

namespace PkiTools.Core
{
    /// <summary>
    /// The one place a library's exception becomes words for a person. BouncyCastle's messages name its own types ("illegal object
    /// in GetInstance: Org.BouncyCastle.Asn1.DLSequence"), which tell a sysadmin nothing; the exception itself is
    /// always kept as the inner exception for whoever debugs.
    /// </summary>
    internal static class PlainReason
    {
        /// <summary>A lower-case phrase saying what is wrong with the data, without type names.</summary>
        public static string Of(Exception ex)
        {
            switch (ex)
            {
                case PkiException pki:
                    return pki.Message.TrimEnd('.');
                case EndOfStreamException _:
                    return "the data ends too early (it is truncated)";
                case IOException _:
                    return "the encoding is damaged (a length or tag does not fit the data)";
                case CryptographicException crypto when !NamesATypeOrIsEmpty(crypto.Message):
                    return crypto.Message.TrimEnd('.');
                case ArgumentException _:
                case InvalidCastException _:
                case FormatException _:
                case InvalidOperationException _:
                case IndexOutOfRangeException _:
                case NullReferenceException _:
                    return "its structure is not what the format requires (an element is missing, extra, or of the wrong kind)";
                default:
                    return NamesATypeOrIsEmpty(ex.Message)
                        ? "its structure is not what the format requires"
                        : ex.Message.TrimEnd('.');
            }
        }

        private static bool NamesATypeOrIsEmpty(string? message) =>
            string.IsNullOrWhiteSpace(message)
            || message!.IndexOf("Org.BouncyCastle", StringComparison.Ordinal) >= 0
            || message.IndexOf("System.", StringComparison.Ordinal) >= 0
            || message.IndexOf("GetInstance", StringComparison.OrdinalIgnoreCase) >= 0
            || message.IndexOf("(Parameter ", StringComparison.Ordinal) >= 0
            || message.IndexOf("Interop+", StringComparison.Ordinal) >= 0
            || message.IndexOf("Exception", StringComparison.Ordinal) >= 0
            // OpenSSL's error queue as .NET passes it on: "error:0680007B:asn1 encoding routines::header too long".
            || message.IndexOf("routines:", StringComparison.Ordinal) >= 0
            || message.StartsWith("error:", StringComparison.Ordinal);
    }
}
