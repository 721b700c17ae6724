using System;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;

namespace PkiTools.Core.X509
{
    /// <summary>
    /// The platform's own way of holding a key in an <see cref="X509Certificate2"/> (HasPrivateKey, usable by SslStream
    /// and Export-PfxCertificate): data on the object, no table. RSA and ECDSA only; .NET cannot hold an Ed25519 key
    /// (dotnet/runtime#99388), which is why the cmdlet layer also keeps its own table for the pipeline.
    /// </summary>
    public static class PlatformKeys
    {
        // CopyWithPrivateKey exists on every runtime we load in (.NET Framework 4.7.2+, .NET Core 2.0+) but not in
        // the netstandard2.0 surface, so it is bound once by reflection.
        private static readonly Func<X509Certificate2, RSA, X509Certificate2>? CopyWithRsa = Bind<RSA>(typeof(RSACertificateExtensions));

        private static readonly Func<X509Certificate2, ECDsa, X509Certificate2>? CopyWithEcdsa = Bind<ECDsa>(typeof(ECDsaCertificateExtensions));

        /// <summary>
        /// A certificate object holding <paramref name="key"/> the platform way: a new object for RSA and ECDSA, the same
        /// object when the key is Ed25519 or the certificate already holds a platform key.
        /// </summary>
        public static X509Certificate2 Attach(X509Certificate2 certificate, PrivateKey key)
        {
            if (certificate == null) throw new ArgumentNullException(nameof(certificate));
            if (key == null) throw new ArgumentNullException(nameof(key));
            if (certificate.HasPrivateKey) return certificate;
            // An RSA-PSS key stays out: .NET takes only rsaEncryption keys into a certificate (the module's table carries it, as Ed25519).
            if (key.Rsa != null && !key.PssOnly && CopyWithRsa != null) return CopyWithRsa(certificate, key.Rsa);
            if (key.Ecdsa != null && CopyWithEcdsa != null) return CopyWithEcdsa(certificate, key.Ecdsa);
            return certificate;
        }

        /// <summary>The key the platform holds for the certificate (store keys too), or null; one it lists but cannot open counts as absent.</summary>
        public static PrivateKey? Find(X509Certificate2 certificate)
        {
            if (certificate == null) throw new ArgumentNullException(nameof(certificate));
            if (!certificate.HasPrivateKey) return null;
            try
            {
                RSA? rsa = certificate.GetRSAPrivateKey();
                if (rsa != null) return PrivateKey.FromRsa(rsa);
                ECDsa? ecdsa = certificate.GetECDsaPrivateKey();
                if (ecdsa != null) return PrivateKey.FromECDsa(ecdsa);
            }
            catch (CryptographicException)
            {
                // A missing key container: treated as absent.
            }
            return null;
        }

        private static Func<X509Certificate2, TKey, X509Certificate2>? Bind<TKey>(Type extensions)
        {
            MethodInfo? method = extensions.GetMethod("CopyWithPrivateKey", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(X509Certificate2), typeof(TKey) }, null);
            return method == null ? null : (Func<X509Certificate2, TKey, X509Certificate2>)Delegate.CreateDelegate(typeof(Func<X509Certificate2, TKey, X509Certificate2>), method);
        }
    }
}
