using System;
using System.Collections.Concurrent;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Core.Validation
{
    /// <summary>
    /// Process-wide memo of signature checks, keyed by the exact bytes involved (the whole child certificate and the
    /// issuer's SubjectPublicKeyInfo, compared in full, never by hash alone), and of imported platform public keys.
    /// Importing an EC key costs more than verifying with it (.NET validates the point with a scalar multiplication),
    /// so re-validating chains under the same CAs is several times faster. Results are a pure function of the key
    /// bytes, so caching cannot change an outcome; the path builder's budgets still count every check as made.
    /// Bounded: a full table is simply cleared.
    /// </summary>
    internal static class SignatureCache
    {
        private const int MaxKeys = 256;
        private const int MaxResults = 4096;

        private static readonly ConcurrentDictionary<byte[], PublicKeyInfo?> Keys = new ConcurrentDictionary<byte[], PublicKeyInfo?>(ByteArrayComparer.Instance);
        private static readonly ConcurrentDictionary<ResultKey, bool> Results = new ConcurrentDictionary<ResultKey, bool>();
        private static int _resultCount;
        private static int _keyCount;

        /// <summary>
        /// True when the key in <paramref name="issuerSpki"/> verifies <paramref name="child"/>'s signature.
        /// <paramref name="issuerCertificate"/>, when given, is a certificate whose SubjectPublicKeyInfo is exactly
        /// <paramref name="issuerSpki"/>: a key seen for the first time is then taken from it rather than imported.
        /// </summary>
        public static bool IsSignedBy(ParsedCertificate child, byte[] issuerSpki, System.Security.Cryptography.X509Certificates.X509Certificate2? issuerCertificate = null)
        {
            var key = new ResultKey(child.Der, issuerSpki);
            if (Results.TryGetValue(key, out bool known)) return known;
            PublicKeyInfo? publicKey = KeyFor(issuerSpki, issuerCertificate);
            bool ok = publicKey != null && child.IsSignedBy(publicKey);
            MakeRoom(Results, ref _resultCount, MaxResults);
            Results[key] = ok;
            return ok;
        }

        /// <summary>
        /// Records a signature that was just verified elsewhere (the CA's self-check in CertificateBuilder, with the
        /// issuer certificate's own key), so the chain check that follows issuance does not verify it a second time.
        /// </summary>
        public static void RememberVerified(byte[] childDer, byte[] issuerSpki)
        {
            MakeRoom(Results, ref _resultCount, MaxResults);
            Results[new ResultKey(childDer, issuerSpki)] = true;
        }

        private static PublicKeyInfo? KeyFor(byte[] spki, System.Security.Cryptography.X509Certificates.X509Certificate2? source)
        {
            if (Keys.TryGetValue(spki, out PublicKeyInfo? cached)) return cached;
            PublicKeyInfo? created;
            try
            {
                created = PublicKeyInfo.Create(SubjectPublicKeyInfo.GetInstance(spki));
                if (source != null) created.AdoptPlatformKeyOf(source);
            }
            catch (Exception)
            {
                created = null; // a malformed key verifies nothing
            }
            MakeRoom(Keys, ref _keyCount, MaxKeys);
            return Keys.GetOrAdd(spki, created);
        }

        /// <summary>
        /// Counts one more entry and clears a full table. ConcurrentDictionary.Count takes every lock of the table, so
        /// an approximate count of our own is kept instead.
        /// </summary>
        private static void MakeRoom<TKey, TValue>(ConcurrentDictionary<TKey, TValue> table, ref int count, int max) where TKey : notnull
        {
            if (System.Threading.Interlocked.Increment(ref count) <= max) return;
            table.Clear();
            System.Threading.Interlocked.Exchange(ref count, 1);
        }

        private readonly struct ResultKey : IEquatable<ResultKey>
        {
            private readonly byte[] _child;
            private readonly byte[] _issuerSpki;
            private readonly int _hash;

            public ResultKey(byte[] child, byte[] issuerSpki)
            {
                _child = child;
                _issuerSpki = issuerSpki;
                _hash = unchecked((ByteArrayComparer.Instance.GetHashCode(child) * 397) ^ ByteArrayComparer.Instance.GetHashCode(issuerSpki));
            }

            public bool Equals(ResultKey other) =>
                _hash == other._hash && Arrays.AreEqual(_child, other._child) && Arrays.AreEqual(_issuerSpki, other._issuerSpki);

            public override bool Equals(object? obj) => obj is ResultKey k && Equals(k);

            public override int GetHashCode() => _hash;
        }
    }
}
