using System;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PkiTools.Core.Formats;
using PkiTools.Core.IO;

namespace PkiTools.Core.Trust
{
    /// <summary>What the stores that drive a program (security, certutil, keytool) share: the PEM file it reads, thumbprints, write checks.</summary>
    internal static class TrustStoreFiles
    {
        /// <summary>SHA-1 of DER as upper-case hex: <see cref="X509Certificate2.Thumbprint"/> of those bytes.</summary>
        internal static string Sha1Hex(byte[] der)
        {
            using var sha1 = SHA1.Create();
            return Hex.Encode(sha1.ComputeHash(der));
        }

        internal static bool SameThumbprint(byte[] der, string thumbprint) => string.Equals(Sha1Hex(der), thumbprint, StringComparison.OrdinalIgnoreCase);

        /// <summary>
        /// Whether this process may write <paramref name="file"/>: it is opened for writing and closed at once, nothing is
        /// changed. False only for a denial (another user's file); a missing or busy file is left for the program to report.
        /// </summary>
        internal static bool MayWrite(string file)
        {
            try
            {
                using (new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete)) { }
                return true;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
            catch (IOException)
            {
                return true;
            }
        }

        /// <summary>A certificate written as PEM to a new file in the temporary folder for a program to read; deleted on dispose.</summary>
        internal sealed class TemporaryPem : IDisposable
        {
            public TemporaryPem(X509Certificate2 certificate)
            {
                FilePath = Path.Combine(Path.GetTempPath(), SystemTrustStore.FileStem(certificate) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8) + ".pem");
                AtomicFileWriter.Write(FilePath, Encoding.ASCII.GetBytes(Pem.Encode("CERTIFICATE", certificate.RawData)), secret: false, overwrite: false);
            }

            public string FilePath { get; }

            public void Dispose()
            {
                try { File.Delete(FilePath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }
}
