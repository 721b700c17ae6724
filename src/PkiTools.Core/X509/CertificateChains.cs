using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;

namespace PkiTools.Core.X509
{
    /// <summary>
    /// The issuer chain PkiTools knows for a certificate object (issuer first, up to the root): recorded when
    /// Invoke-CaSign issues it or Import-Cert reads it from a bundle or PFX, so Export-Cert -IncludeChain can write the
    /// full-chain file without being told the chain again.
    /// </summary>
    public static class CertificateChains
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
