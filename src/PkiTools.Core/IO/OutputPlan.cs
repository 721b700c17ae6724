using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Core.IO
{
    /// <summary>The files a cmdlet will write for a result, planned before ShouldProcess and written by <see cref="AtomicFileWriter"/>.</summary>
    public static partial class OutputPlan
    {
        /// <summary>"x.crt" (PEM) and, when the key is known and wanted, "x.key" (PKCS#8 PEM, owner-only).</summary>
        public static IReadOnlyList<OutputFile> CertificateAndKey(string path, IssuedCertificate issued, bool includeKey, char[]? keyPassword = null)
        {
            (string certificatePath, string keyPath) = OutputPaths.CertificateAndKey(path);
            var files = new List<OutputFile>();
            if (includeKey && issued.Key != null && !HoldsKey(keyPath, issued.Key, keyPassword)) files.Add(Key(keyPath, issued.Key, keyPassword));
            files.Add(new OutputFile(certificatePath, System.Text.Encoding.ASCII.GetBytes(issued.Pem), secret: false));
            return WithoutUnchanged(files);
        }

        /// <summary>
        /// "x.fullchain.crt": the certificate followed by its known issuers, without the self-signed root (what nginx's
        /// ssl_certificate and HAProxy want from a server). Nothing when <paramref name="issuers"/> (issuer first) is empty.
        /// </summary>
        public static IReadOnlyList<OutputFile> FullChain(string path, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate,
            IReadOnlyList<System.Security.Cryptography.X509Certificates.X509Certificate2> issuers)
        {
            var chain = issuers.Where(c => !CertificateFacts.IsSelfIssued(c)).ToList();
            if (chain.Count == 0) return Array.Empty<OutputFile>();
            chain.Insert(0, certificate);
            return WithoutUnchanged(new List<OutputFile> { new OutputFile(OutputPaths.FullChain(path), Formats.CertificateFiles.WritePem(chain), secret: false) });
        }

        /// <summary>"x.csr" (PEM) and, when wanted, "x.key".</summary>
        public static IReadOnlyList<OutputFile> CsrAndKey(string path, CertificateSigningRequest csr, bool includeKey, char[]? keyPassword = null)
        {
            (string csrPath, string keyPath) = OutputPaths.CsrAndKey(path);
            var files = new List<OutputFile>();
            PrivateKey? key = csr.GetPrivateKey();
            if (includeKey && key != null && !HoldsKey(keyPath, key, keyPassword)) files.Add(Key(keyPath, key, keyPassword));
            files.Add(new OutputFile(csrPath, System.Text.Encoding.ASCII.GetBytes(csr.Pem), secret: false));
            return WithoutUnchanged(files);
        }

        /// <summary>A key file at exactly <paramref name="path"/> (PEM in <paramref name="format"/>, encrypted PKCS#8 with a password).</summary>
        public static IReadOnlyList<OutputFile> KeyOnly(string path, PrivateKey key, char[]? password = null, PrivateKeyFormat format = PrivateKeyFormat.Pkcs8) =>
            WithoutUnchanged(new List<OutputFile> { Key(path, key, password, format) });

        /// <summary>One file with exactly these bytes; <paramref name="secret"/> files are created owner-only.</summary>
        public static IReadOnlyList<OutputFile> Single(string path, byte[] content, bool secret) =>
            WithoutUnchanged(new List<OutputFile> { new OutputFile(path, content, secret) });

        private static OutputFile Key(string path, PrivateKey key, char[]? password, PrivateKeyFormat format = PrivateKeyFormat.Pkcs8) =>
            new OutputFile(path, System.Text.Encoding.ASCII.GetBytes(key.ExportPem(format, password)), secret: true);

        /// <summary>
        /// True when <paramref name="path"/> already holds this key (New-Csr -Path x | Invoke-CaSign -Path x writes the
        /// key twice; encrypted, the bytes differ every time, so the key itself is compared).
        /// </summary>
        private static bool HoldsKey(string path, PrivateKey key, char[]? password)
        {
            try
            {
                if (!File.Exists(path)) return false;
                byte[] existing = Formats.CertificateReader.ReadFile(path);
                // Same key and same protection: an unencrypted file does not satisfy -Password, nor the reverse.
                bool encrypted = System.Text.Encoding.ASCII.GetString(existing).IndexOf("ENCRYPTED", StringComparison.Ordinal) >= 0;
                return encrypted == (password != null) && PrivateKey.Import(existing, password).KeyId == key.KeyId;
            }
            catch (PkiException)
            {
                return false; // anything else there is refused (FileExists) or replaced (-Force) as usual
            }
        }

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
                    var info = new FileInfo(f.FilePath);
                    return info.Exists && info.Length == f.Content.Length && Arrays.AreEqual(File.ReadAllBytes(f.FilePath), f.Content);
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
