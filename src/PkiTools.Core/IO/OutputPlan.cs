using System.Collections.Generic;
using System.IO;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Core.IO
{
    /// <summary>The files a cmdlet will write for a result, planned before ShouldProcess and written by <see cref="AtomicFileWriter"/>.</summary>
    public static class OutputPlan
    {
        /// <summary>"x.crt" (PEM) and, when the key is known and wanted, "x.key" (PKCS#8 PEM, owner-only).</summary>
        public static IReadOnlyList<OutputFile> CertificateAndKey(string path, IssuedCertificate issued, bool includeKey)
        {
            (string certificatePath, string keyPath) = OutputPaths.CertificateAndKey(path);
            var files = new List<OutputFile>();
            if (includeKey && issued.Key != null) files.Add(Key(keyPath, issued.Key));
            files.Add(new OutputFile(certificatePath, System.Text.Encoding.ASCII.GetBytes(issued.Pem), secret: false));
            return WithoutUnchanged(files);
        }

        /// <summary>"x.csr" (PEM) and, when wanted, "x.key".</summary>
        public static IReadOnlyList<OutputFile> CsrAndKey(string path, CertificateSigningRequest csr, bool includeKey)
        {
            (string csrPath, string keyPath) = OutputPaths.CsrAndKey(path);
            var files = new List<OutputFile>();
            PrivateKey? key = csr.GetPrivateKey();
            if (includeKey && key != null) files.Add(Key(keyPath, key));
            files.Add(new OutputFile(csrPath, System.Text.Encoding.ASCII.GetBytes(csr.Pem), secret: false));
            return WithoutUnchanged(files);
        }

        /// <summary>A key file at exactly <paramref name="path"/>.</summary>
        public static IReadOnlyList<OutputFile> KeyOnly(string path, PrivateKey key) => WithoutUnchanged(new List<OutputFile> { Key(path, key) });

        private static OutputFile Key(string path, PrivateKey key) =>
            new OutputFile(path, System.Text.Encoding.ASCII.GetBytes(key.ExportPem()), secret: true);

        /// <summary>
        /// Drops outputs whose file already holds exactly these bytes (New-Csr -Path x | Invoke-CaSign -Path x writes
        /// the same key twice): rewriting them is no change, so they are neither written nor refused.
        /// </summary>
        private static IReadOnlyList<OutputFile> WithoutUnchanged(List<OutputFile> files)
        {
            files.RemoveAll(f =>
            {
                try
                {
                    var info = new FileInfo(f.Path);
                    return info.Exists && info.Length == f.Content.Length && Arrays.AreEqual(File.ReadAllBytes(f.Path), f.Content);
                }
                catch (IOException)
                {
                    return false;
                }
                catch (System.UnauthorizedAccessException)
                {
                    return false;
                }
            });
            return files;
        }
    }
}
