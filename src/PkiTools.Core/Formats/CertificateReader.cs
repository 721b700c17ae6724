using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.X509;

namespace PkiTools.Core.Formats
{
    /// <summary>Reads input files with a size cap, and certificates from PEM (one or many) or DER.</summary>
    public static partial class CertificateReader
    {
        /// <summary>Inputs larger than this are refused before they are read (16 MiB).</summary>
        public const long MaxInputBytes = 16L * 1024 * 1024;

        public static byte[] ReadFile(string path)
        {
            try
            {
                var info = new FileInfo(path);
                if (!info.Exists)
                {
                    throw new PkiException(PkiErrorCode.FileNotFound, $"The file '{path}' does not exist.", null, path);
                }
                if (info.Length > MaxInputBytes)
                {
                    throw new PkiException(PkiErrorCode.FileTooLarge, $"The file '{path}' is {info.Length:N0} bytes; inputs over {MaxInputBytes:N0} bytes are refused.", null, path);
                }
                return File.ReadAllBytes(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new PkiException(PkiErrorCode.FileReadFailed, $"Could not read '{path}': {ex.Message}", ex, path);
            }
        }

        /// <summary>Every certificate in PEM text (CERTIFICATE blocks) or a single DER certificate.</summary>
        public static IReadOnlyList<X509Certificate2> ReadCertificates(byte[] data, string? source = null)
        {
            var result = new List<X509Certificate2>();
            string where = source == null ? "The data" : $"'{source}'";
            if (Pem.LooksLikePem(data))
            {
                foreach (PemBlock block in Pem.Decode(System.Text.Encoding.UTF8.GetString(data)))
                {
                    if (block.Label == "CERTIFICATE" || block.Label == "TRUSTED CERTIFICATE" || block.Label == "X509 CERTIFICATE")
                    {
                        result.Add(FromDer(block.Data, where));
                    }
                }
                if (result.Count == 0)
                {
                    throw new PkiException(PkiErrorCode.FormatUnknown, $"{where} holds no PEM CERTIFICATE block.", null, source);
                }
                return result;
            }
            if (data.Length == 0 || data[0] != 0x30)
            {
                throw new PkiException(PkiErrorCode.FormatUnknown, $"{where} is neither PEM nor a DER certificate.", null, source);
            }
            result.Add(FromDer(data, where));
            return result;
        }

        /// <summary>
        /// A certificate and its private key from files: <paramref name="path"/> is a certificate file (PEM or DER) or the
        /// stem a self-signed certificate was written to ("./root" for root.crt + root.key). The key is taken from a PEM
        /// key block in the same file, else from the sibling .key file; one that does not match is refused. An
        /// encrypted key and no password: the result has no key but names the key file
        /// (<see cref="CertificateFileContents.EncryptedKeyPath"/>; <see cref="ReadKeyFile"/> reads it once the password is known).
        /// </summary>
        public static CertificateFileContents ReadCertificateAndKey(string path, char[]? password = null)
        {
            string certificatePath = !File.Exists(path) && File.Exists(path + ".crt") ? path + ".crt" : path;
            byte[] data = ReadFile(certificatePath);
            X509Certificate2 certificate = ReadCertificates(data, certificatePath)[0];
            var single = new[] { certificate };
            string keyPath = Pem.LooksLikePem(data) && System.Text.Encoding.UTF8.GetString(data).IndexOf("PRIVATE KEY-----", StringComparison.Ordinal) >= 0
                ? certificatePath
                : IO.OutputPaths.CertificateAndKey(certificatePath).Key;
            if (!File.Exists(keyPath)) return new CertificateFileContents(single);
            if (password == null && System.Text.Encoding.UTF8.GetString(ReadFile(keyPath)).IndexOf("ENCRYPTED", StringComparison.Ordinal) >= 0)
            {
                return new CertificateFileContents(single, null, keyPath);
            }
            Keys.PrivateKey key = ReadKeyFile(keyPath, certificate, password);
            return new CertificateFileContents(single, new[] { new KeyValuePair<X509Certificate2, Keys.PrivateKey>(certificate, key) });
        }

        /// <summary>The private key in <paramref name="keyPath"/>, decrypted with <paramref name="password"/>; KeyMismatch when it does not belong to <paramref name="certificate"/>.</summary>
        public static Keys.PrivateKey ReadKeyFile(string keyPath, X509Certificate2 certificate, char[]? password)
        {
            Keys.PrivateKey key;
            try
            {
                key = Keys.PrivateKey.Import(ReadFile(keyPath), password);
            }
            catch (PkiException ex) when (ex.Target == null)
            {
                throw new PkiException(ex.Code, $"'{keyPath}': {ex.Reason}", ex, keyPath, ex.Hint, ex.Input);
            }
            if (!CertificateFacts.KeyMatches(certificate, key))
            {
                throw new PkiException(PkiErrorCode.KeyMismatch, $"The private key in '{keyPath}' does not belong to the certificate.", null, keyPath);
            }
            return key;
        }

        /// <summary>A certificate from DER, checked by our parser first so that hostile input fails with CertificateInvalid.</summary>
        public static X509Certificate2 FromDer(byte[] der, string? where = null)
        {
            ParsedCertificate.Parse(der);
            try
            {
                return new X509Certificate2(der);
            }
            catch (CryptographicException ex)
            {
                throw new PkiException(PkiErrorCode.CertificateInvalid, $"{where ?? "The data"} is not a certificate the platform can load: {PlainReason.Of(ex)}.", ex);
            }
        }
    }
}
