using System;

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
