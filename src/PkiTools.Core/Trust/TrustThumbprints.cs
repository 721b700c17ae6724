using System.Linq;

namespace PkiTools.Core.Trust
{
    /// <summary>SHA-1 thumbprints as stores and X509Certificate2 spell them: 40 upper-case hex digits.</summary>
    public static class TrustThumbprints
    {
        /// <summary>"ab:cd ..." or "abcd..." as 40 upper-case hex digits; anything else is InvalidArgument.</summary>
        public static string Normalize(string thumbprint)
        {
            string hex = new string(thumbprint.Where(c => c != ':' && c != ' ' && c != '\u200e').ToArray()).ToUpperInvariant();
            if (hex.Length != 40 || !hex.All(c => (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"'{thumbprint}' is not a SHA-1 thumbprint (40 hex digits).", null, thumbprint,
                    new PkiHint("Give the certificate's Thumbprint property, or pipe the certificate itself."), "Thumbprint");
            }
            return hex;
        }
    }
}
