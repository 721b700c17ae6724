using System;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;

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

        // CopyWithPrivateKey exists on every runtime we load in (.NET Framework 4.7.2+, .NET Core 2.0+) but not in
        // the netstandard2.0 surface, so it is bound once by reflection.
        private static readonly Func<X509Certificate2, RSA, X509Certificate2>? CopyWithRsa =
            Bind<RSA>(typeof(RSACertificateExtensions));

        private static readonly Func<X509Certificate2, ECDsa, X509Certificate2>? CopyWithEcdsa =
            Bind<ECDsa>(typeof(ECDsaCertificateExtensions));

        /// <summary>
        /// A certificate object carrying <paramref name="key"/>: a new object for RSA and ECDSA (the platform way), the
        /// same object when it is Ed25519 or the certificate already holds a platform key.
        /// </summary>
        public static X509Certificate2 Attach(X509Certificate2 certificate, PrivateKey key)
        {
            if (certificate == null) throw new ArgumentNullException(nameof(certificate));
            if (key == null) throw new ArgumentNullException(nameof(key));
            X509Certificate2 result = certificate;
            if (!certificate.HasPrivateKey)
            {
                if (key.Rsa != null && CopyWithRsa != null)
                {
                    result = CopyWithRsa(certificate, key.Rsa);
                }
                else if (key.Ecdsa != null && CopyWithEcdsa != null)
                {
                    result = CopyWithEcdsa(certificate, key.Ecdsa);
                }
            }
            Remember(result, key);
            return result;
        }

        /// <summary>The private key of a certificate: one attached by PkiTools, else the platform's (store keys too).</summary>
        public static PrivateKey? Find(X509Certificate2 certificate)
        {
            if (Keys.TryGetValue(certificate, out PrivateKey? key)) return key;
            // TRANSITIONAL (issue 11): keys the ca branch's core code still attaches in its internal table.
            if (LegacyBridge.FindKey(certificate) is PrivateKey legacy) return Remember(certificate, legacy);
            if (!certificate.HasPrivateKey) return null;
            try
            {
                RSA? rsa = certificate.GetRSAPrivateKey();
                if (rsa != null) return Remember(certificate, PrivateKey.FromRsa(rsa));
                ECDsa? ecdsa = certificate.GetECDsaPrivateKey();
                if (ecdsa != null) return Remember(certificate, PrivateKey.FromECDsa(ecdsa));
            }
            catch (CryptographicException)
            {
                // A key the platform lists but cannot open (a missing key container): treated as absent.
            }
            return null;
        }

        /// <summary>Records that the certificate's key sits encrypted in <paramref name="keyPath"/> (read when a password comes).</summary>
        public static void RememberKeyFile(X509Certificate2 certificate, string keyPath)
        {
            KeyFiles.Remove(certificate);
            KeyFiles.Add(certificate, keyPath);
            LegacyBridge.RememberKeyFile(certificate, keyPath);
        }

        /// <summary>The encrypted key file recorded for the certificate, or null.</summary>
        public static string? KeyFileOf(X509Certificate2 certificate) =>
            KeyFiles.TryGetValue(certificate, out string? path) ? path : LegacyBridge.KeyFileOf(certificate);

        private static PrivateKey Remember(X509Certificate2 certificate, PrivateKey key)
        {
            Keys.Remove(certificate);
            Keys.Add(certificate, key);
            LegacyBridge.RememberKey(certificate, key);
            return key;
        }

        private static Func<X509Certificate2, TKey, X509Certificate2>? Bind<TKey>(Type extensions)
        {
            MethodInfo? method = extensions.GetMethod("CopyWithPrivateKey", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(X509Certificate2), typeof(TKey) }, null);
            return method == null ? null : (Func<X509Certificate2, TKey, X509Certificate2>)Delegate.CreateDelegate(typeof(Func<X509Certificate2, TKey, X509Certificate2>), method);
        }
    }
}
