using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Core.Formats
{
    /// <summary>
    /// What a certificate file held, as data: the certificates (leaf first, then its issuers, then any others), the
    /// private keys found with them, the chain of the first certificate among the others, and the path of an encrypted
    /// key that was found but not yet unlocked. The core attaches nothing to the certificate objects; the cmdlet layer
    /// decides what rides along the pipeline.
    /// </summary>
    public sealed class CertificateFileContents
    {
        private readonly IReadOnlyList<KeyValuePair<X509Certificate2, PrivateKey>> _keys;
        private IReadOnlyList<X509Certificate2>? _chain;

        internal CertificateFileContents(IReadOnlyList<X509Certificate2> certificates, IReadOnlyList<KeyValuePair<X509Certificate2, PrivateKey>>? keys = null,
            string? encryptedKeyPath = null)
        {
            Certificates = certificates;
            _keys = keys ?? Array.Empty<KeyValuePair<X509Certificate2, PrivateKey>>();
            EncryptedKeyPath = encryptedKeyPath;
        }

        /// <summary>Every certificate, leaf first, then its issuers by name, then the rest in file order.</summary>
        public IReadOnlyList<X509Certificate2> Certificates { get; }

        /// <summary>The first certificate (the leaf).</summary>
        public X509Certificate2 Leaf => Certificates[0];

        /// <summary>Each key found, with the certificate (an element of <see cref="Certificates"/>) it belongs to.</summary>
        public IReadOnlyList<KeyValuePair<X509Certificate2, PrivateKey>> Keys => _keys;

        /// <summary>The leaf's private key, when the file (or its sibling key file) held it.</summary>
        public PrivateKey? Key => KeyOf(Leaf);

        /// <summary>
        /// The key file that belongs to the leaf but is encrypted and was read without a password; null otherwise.
        /// <see cref="CertificateReader.ReadKeyFile"/> reads it once the password is known.
        /// </summary>
        public string? EncryptedKeyPath { get; }

        /// <summary>
        /// The leaf's issuers found in the file, issuer first: its issuer among the others, that one's issuer, and so on
        /// up to a self-signed certificate. Empty for a single certificate or a bundle of unrelated certificates.
        /// </summary>
        public IReadOnlyList<X509Certificate2> Chain => _chain ??= ChainOf(Certificates);

        /// <summary>The key found for <paramref name="certificate"/> (the same object as in <see cref="Certificates"/>), or null.</summary>
        public PrivateKey? KeyOf(X509Certificate2 certificate)
        {
            foreach (KeyValuePair<X509Certificate2, PrivateKey> pair in _keys)
            {
                if (ReferenceEquals(pair.Key, certificate)) return pair.Value;
            }
            return null;
        }

        /// <summary>The issuers of <paramref name="certificates"/>[0] among the others, issuer first (name chaining, no signature check).</summary>
        public static IReadOnlyList<X509Certificate2> ChainOf(IReadOnlyList<X509Certificate2> certificates)
        {
            if (certificates == null || certificates.Count < 2) return Array.Empty<X509Certificate2>();
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
            return chain;
        }
    }
}
