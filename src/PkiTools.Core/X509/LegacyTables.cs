using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;

// TRANSITIONAL (issue 11): the process-wide tables now live in the cmdlet layer
// (src/PkiTools/Infrastructure/CertificateKeys.cs, CertificateChains.cs). These internal copies remain only for
// Ca/*, X509/CertificateIssuer.cs and X509/IssuedCertificate.cs (owned by the ca branch), and for the legacy
// CertificateReader/OutputPlan overloads Invoke-CaSign still calls. The cmdlet layer mirrors its writes here and
// falls back to these on reads, so both views agree. The integrator deletes this file at merge.
namespace PkiTools.Core.X509
{
    /// <summary>
    /// Lets a private key ride with an <see cref="X509Certificate2"/>. RSA and ECDSA keys are attached the platform
    /// way (HasPrivateKey = true, usable by SslStream and Export-PfxCertificate); every key, Ed25519 included (which
    /// .NET cannot attach, dotnet/runtime#99388), is also remembered here for as long as the certificate object lives.
    /// </summary>
    internal static class CertificateKeys
    {
        private static readonly ConditionalWeakTable<X509Certificate2, PrivateKey> Keys = new ConditionalWeakTable<X509Certificate2, PrivateKey>();

        private static readonly ConditionalWeakTable<X509Certificate2, string> KeyFiles = new ConditionalWeakTable<X509Certificate2, string>();

        // CopyWithPrivateKey exists on every runtime we load in (.NET Framework 4.7.2+, .NET Core 2.0+) but not in
        // the netstandard2.0 surface, so it is bound once by reflection.
        private static readonly Func<X509Certificate2, RSA, X509Certificate2>? CopyWithRsa =
            Bind<RSA>(typeof(RSACertificateExtensions));

        private static readonly Func<X509Certificate2, ECDsa, X509Certificate2>? CopyWithEcdsa =
            Bind<ECDsa>(typeof(ECDsaCertificateExtensions));

        /// <summary>A certificate object carrying <paramref name="key"/> (a new object for RSA and ECDSA).</summary>
        public static X509Certificate2 Attach(X509Certificate2 certificate, PrivateKey key)
        {
            X509Certificate2 result = certificate;
            if (key.Rsa != null && CopyWithRsa != null)
            {
                result = CopyWithRsa(certificate, key.Rsa);
            }
            else if (key.Ecdsa != null && CopyWithEcdsa != null)
            {
                result = CopyWithEcdsa(certificate, key.Ecdsa);
            }
            Keys.Remove(result);
            Keys.Add(result, key);
            return result;
        }

        /// <summary>The private key of a certificate: one attached by PkiTools, else the platform's (store keys too).</summary>
        public static PrivateKey? Find(X509Certificate2 certificate)
        {
            if (Keys.TryGetValue(certificate, out PrivateKey? key)) return key;
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

        /// <summary>The key recorded in this table only (no platform lookup), for the cmdlet layer's bridge.</summary>
        internal static PrivateKey? FindAttached(X509Certificate2 certificate) => Keys.TryGetValue(certificate, out PrivateKey? key) ? key : null;

        /// <summary>Records that the certificate's key sits encrypted in <paramref name="keyPath"/> (read when a password comes).</summary>
        public static void RememberKeyFile(X509Certificate2 certificate, string keyPath)
        {
            KeyFiles.Remove(certificate);
            KeyFiles.Add(certificate, keyPath);
        }

        /// <summary>The encrypted key file recorded for the certificate, or null.</summary>
        public static string? KeyFileOf(X509Certificate2 certificate) => KeyFiles.TryGetValue(certificate, out string? path) ? path : null;

        internal static PrivateKey Remember(X509Certificate2 certificate, PrivateKey key)
        {
            Keys.Remove(certificate);
            Keys.Add(certificate, key);
            return key;
        }

        private static Func<X509Certificate2, TKey, X509Certificate2>? Bind<TKey>(Type extensions)
        {
            MethodInfo? method = extensions.GetMethod("CopyWithPrivateKey", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(X509Certificate2), typeof(TKey) }, null);
            return method == null ? null : (Func<X509Certificate2, TKey, X509Certificate2>)Delegate.CreateDelegate(typeof(Func<X509Certificate2, TKey, X509Certificate2>), method);
        }
    }

    /// <summary>
    /// The issuer chain PkiTools knows for a certificate object (issuer first, up to the root): recorded when
    /// Invoke-CaSign issues it or Import-Cert reads it from a bundle or PFX, so Export-Cert -IncludeChain can write the
    /// full-chain file without being told the chain again.
    /// </summary>
    internal static class CertificateChains
    {
        private static readonly ConditionalWeakTable<X509Certificate2, X509Certificate2[]> Chains = new ConditionalWeakTable<X509Certificate2, X509Certificate2[]>();

        public static void Remember(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> issuers)
        {
            var copy = new X509Certificate2[issuers.Count];
            for (int i = 0; i < copy.Length; i++) copy[i] = issuers[i];
            Chains.Remove(certificate);
            Chains.Add(certificate, copy);
        }

        /// <summary>
        /// Records the chain of the first certificate of a file from the others: its issuer among them, that one's
        /// issuer, and so on up to a self-signed certificate (a bundle of unrelated CA certificates records nothing).
        /// </summary>
        public static void RememberFromBundle(IReadOnlyList<X509Certificate2> certificates)
        {
            if (certificates.Count < 2) return;
            var chain = new List<X509Certificate2>();
            X509Certificate2 current = certificates[0];
            while (chain.Count < certificates.Count - 1 && !Arrays.AreEqual(current.SubjectName.RawData, current.IssuerName.RawData))
            {
                X509Certificate2? issuer = null;
                for (int i = 1; i < certificates.Count && issuer == null; i++)
                {
                    if (!chain.Contains(certificates[i]) && Arrays.AreEqual(certificates[i].SubjectName.RawData, current.IssuerName.RawData)) issuer = certificates[i];
                }
                if (issuer == null) break;
                chain.Add(issuer);
                current = issuer;
            }
            if (chain.Count > 0) Remember(certificates[0], chain);
        }

        /// <summary>The known issuers of <paramref name="certificate"/>, issuer first; empty when none are known.</summary>
        public static IReadOnlyList<X509Certificate2> Issuers(X509Certificate2 certificate) =>
            Chains.TryGetValue(certificate, out X509Certificate2[]? chain) ? chain : Array.Empty<X509Certificate2>();

        /// <summary>The issuer followed by the issuer's own known chain.</summary>
        internal static X509Certificate2[] Above(X509Certificate2 issuer)
        {
            IReadOnlyList<X509Certificate2> above = Issuers(issuer);
            var chain = new X509Certificate2[above.Count + 1];
            chain[0] = issuer;
            for (int i = 0; i < above.Count; i++) chain[i + 1] = above[i];
            return chain;
        }
    }
}

namespace PkiTools.Core.Formats
{
    // TRANSITIONAL (issue 11): the table-based forms Invoke-CaSign still calls; delete with this file at merge.
    public static partial class CertificateReader
    {
        /// <summary>Legacy form of <see cref="ReadCertificateAndKey"/> that attaches the key through the internal table.</summary>
        public static X509Certificate2 ReadWithKey(string path, char[]? password = null)
        {
            CertificateFileContents read = ReadCertificateAndKey(path, password);
            X509Certificate2 certificate = read.Leaf;
            if (read.Key != null) return X509.CertificateKeys.Attach(certificate, read.Key);
            if (read.EncryptedKeyPath != null) X509.CertificateKeys.RememberKeyFile(certificate, read.EncryptedKeyPath);
            return certificate;
        }

        /// <summary>Legacy: adds the encrypted key <see cref="ReadWithKey"/> found for <paramref name="certificate"/>.</summary>
        public static X509Certificate2 UnlockKey(X509Certificate2 certificate, char[] password)
        {
            string? keyPath = X509.CertificateKeys.KeyFileOf(certificate);
            return keyPath == null || X509.CertificateKeys.Find(certificate) != null
                ? certificate
                : X509.CertificateKeys.Attach(certificate, ReadKeyFile(keyPath, certificate, password));
        }
    }
}

namespace PkiTools.Core.IO
{
    // TRANSITIONAL (issue 11): the table-based overload Invoke-CaSign still calls; delete with this file at merge.
    public static partial class OutputPlan
    {
        /// <summary>Legacy form of <see cref="FullChain(string, X509Certificate2, IReadOnlyList{X509Certificate2})"/> reading the chain from the internal table.</summary>
        public static IReadOnlyList<OutputFile> FullChain(string path, X509Certificate2 certificate) =>
            FullChain(path, certificate, X509.CertificateChains.Issuers(certificate));
    }
}
