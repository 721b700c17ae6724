using System;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// Lets a private key ride with an <see cref="X509Certificate2"/> through the pipeline. RSA and ECDSA keys are
    /// attached the platform way (HasPrivateKey = true, usable by SslStream and Export-PfxCertificate); every key,
    /// Ed25519 included (which .NET cannot attach, dotnet/runtime#99388), is also remembered here for as long as the
    /// certificate object lives. A pipeline concern, so it lives in the cmdlet layer: the core returns keys as data.
    /// </summary>
    public static class CertificateKeys
    {
        private static readonly ConditionalWeakTable<X509Certificate2, PrivateKey> Keys = new ConditionalWeakTable<X509Certificate2, PrivateKey>();

        private static readonly ConditionalWeakTable<X509Certificate2, string> KeyFiles = new ConditionalWeakTable<X509Certificate2, string>();

        /// <summary>
        /// A certificate object carrying <paramref name="key"/>: a new object for RSA and ECDSA (the platform way), the
        /// same object when it is Ed25519 or the certificate already holds a platform key.
        /// </summary>
        public static X509Certificate2 Attach(X509Certificate2 certificate, PrivateKey key)
        {
            if (certificate == null) throw new ArgumentNullException(nameof(certificate));
            if (key == null) throw new ArgumentNullException(nameof(key));
            X509Certificate2 result = PlatformKeys.Attach(certificate, key);
            Remember(result, key);
            return result;
        }

        /// <summary>The private key of a certificate: one attached by PkiTools, else the platform's (store keys too).</summary>
        public static PrivateKey? Find(X509Certificate2 certificate)
        {
            if (Keys.TryGetValue(certificate, out PrivateKey? key)) return key;
            PrivateKey? platform = PlatformKeys.Find(certificate);
            return platform == null ? null : Remember(certificate, platform);
        }

        /// <summary>Records that the certificate's key sits encrypted in <paramref name="keyPath"/> (read when a password comes).</summary>
        public static void RememberKeyFile(X509Certificate2 certificate, string keyPath)
        {
            KeyFiles.Remove(certificate);
            KeyFiles.Add(certificate, keyPath);
        }

        /// <summary>The encrypted key file recorded for the certificate, or null.</summary>
        public static string? KeyFileOf(X509Certificate2 certificate) =>
            KeyFiles.TryGetValue(certificate, out string? path) ? path : null;

        private static PrivateKey Remember(X509Certificate2 certificate, PrivateKey key)
        {
            Keys.Remove(certificate);
            Keys.Add(certificate, key);
            return key;
        }
    }
}
