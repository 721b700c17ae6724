using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// The issuer chain PkiTools knows for a certificate object (issuer first, up to the root): recorded when
    /// Invoke-CaSign issues it or Import-Cert reads it from a bundle or PFX, so Export-Cert -IncludeChain can write the
    /// full-chain file without being told the chain again. A pipeline concern, so it lives in the cmdlet layer.
    /// </summary>
    public static class CertificateChains
    {
        private static readonly ConditionalWeakTable<X509Certificate2, X509Certificate2[]> Chains = new ConditionalWeakTable<X509Certificate2, X509Certificate2[]>();

        /// <summary>Records <paramref name="issuers"/> (issuer first) as the chain of <paramref name="certificate"/>; an empty list records nothing.</summary>
        public static void Remember(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> issuers)
        {
            if (issuers == null || issuers.Count == 0) return;
            var copy = new X509Certificate2[issuers.Count];
            for (int i = 0; i < copy.Length; i++) copy[i] = issuers[i];
            Chains.Remove(certificate);
            Chains.Add(certificate, copy);
        }

        /// <summary>The known issuers of <paramref name="certificate"/>, issuer first; empty when none are known.</summary>
        public static IReadOnlyList<X509Certificate2> Issuers(X509Certificate2 certificate) =>
            Chains.TryGetValue(certificate, out X509Certificate2[]? chain) ? chain : Array.Empty<X509Certificate2>();
    }
}
