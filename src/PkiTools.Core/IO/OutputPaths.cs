using System;
using System.Linq;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.X509;

namespace PkiTools.Core.IO
{
    /// <summary>How -Path names the files a cmdlet writes: a stem, or a file name whose extension sets the stem.</summary>
    public static class OutputPaths
    {
        /// <summary>Certificate and key file names: ("x.crt", "x.key") from "x", "x.crt" or "x.pem".</summary>
        public static (string Certificate, string Key) CertificateAndKey(string path)
        {
            foreach (string ext in new[] { ".crt", ".pem", ".cer" })
            {
                if (path.EndsWith(ext, StringComparison.OrdinalIgnoreCase))
                {
                    return (path, path.Substring(0, path.Length - ext.Length) + ".key");
                }
            }
            return (path + ".crt", path + ".key");
        }

        /// <summary>The full-chain file beside a certificate: "x.fullchain.crt" from "x", "x.crt" or "x.pem".</summary>
        public static string FullChain(string path)
        {
            string certificate = CertificateAndKey(path).Certificate;
            return certificate.Substring(0, certificate.Length - System.IO.Path.GetExtension(certificate).Length) + ".fullchain.crt";
        }

        /// <summary>
        /// The file name (without extension) for a request's certificate in a folder: its CN, else its first DNS name or IP
        /// address, made safe (letters, digits, '.', '-', '_'; anything else becomes '_'), as easy-rsa names its files.
        /// InvalidArgument when the request names nothing.
        /// </summary>
        public static string NameFor(CertificateSigningRequest csr)
        {
            object? cn = X509Name.GetInstance(Asn1Object.FromByteArray(csr.SubjectDer)).GetValueList(X509Name.CN).Cast<object>().FirstOrDefault();
            string? text = cn?.ToString();
            return SafeName(!string.IsNullOrEmpty(text) ? text! : csr.DnsNames.FirstOrDefault() ?? csr.IpAddresses.FirstOrDefault() ?? "");
        }

        /// <summary>A name made safe for a file: letters, digits, '.', '-', '_' kept, anything else '_'; InvalidArgument when nothing is left.</summary>
        public static string SafeName(string name)
        {
            var safe = new StringBuilder();
            foreach (char c in name) safe.Append(char.IsLetterOrDigit(c) || c == '.' || c == '-' || c == '_' ? c : '_');
            if (safe.Length == 0 || safe.ToString().Trim('.').Length == 0)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "The certificate needs a file name: the request has no CN, no DNS name and no IP address.");
            }
            return safe.ToString();
        }

        /// <summary>CSR and key file names: ("x.csr", "x.key") from "x" or "x.csr".</summary>
        public static (string Csr, string Key) CsrAndKey(string path)
        {
            if (path.EndsWith(".csr", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".req", StringComparison.OrdinalIgnoreCase))
            {
                return (path, path.Substring(0, path.Length - 4) + ".key");
            }
            return (path + ".csr", path + ".key");
        }
    }
}
