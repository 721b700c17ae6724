using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace PkiTools.Core.Keys
{
    /// <summary>A signature algorithm we can produce or check: its OID, hash and key family.</summary>
    internal sealed class SignatureAlgorithm
    {
        private static readonly Dictionary<string, SignatureAlgorithm> ByOid = new Dictionary<string, SignatureAlgorithm>(StringComparer.Ordinal);

        public static readonly SignatureAlgorithm Md5WithRsa = Add("1.2.840.113549.1.1.4", "md5WithRSAEncryption", KeyType.Rsa, HashAlgorithmName.MD5, weak: true);
        public static readonly SignatureAlgorithm Sha1WithRsa = Add("1.2.840.113549.1.1.5", "sha1WithRSAEncryption", KeyType.Rsa, HashAlgorithmName.SHA1, weak: true);
        public static readonly SignatureAlgorithm Sha256WithRsa = Add("1.2.840.113549.1.1.11", "sha256WithRSAEncryption", KeyType.Rsa, HashAlgorithmName.SHA256);
        public static readonly SignatureAlgorithm Sha384WithRsa = Add("1.2.840.113549.1.1.12", "sha384WithRSAEncryption", KeyType.Rsa, HashAlgorithmName.SHA384);
        public static readonly SignatureAlgorithm Sha512WithRsa = Add("1.2.840.113549.1.1.13", "sha512WithRSAEncryption", KeyType.Rsa, HashAlgorithmName.SHA512);
        public static readonly SignatureAlgorithm RsaPss = Add("1.2.840.113549.1.1.10", "rsassaPss", KeyType.Rsa, default, pss: true);
        public static readonly SignatureAlgorithm EcdsaSha1 = Add("1.2.840.10045.4.1", "ecdsa-with-SHA1", KeyType.Ecdsa, HashAlgorithmName.SHA1, weak: true);
        public static readonly SignatureAlgorithm EcdsaSha256 = Add("1.2.840.10045.4.3.2", "ecdsa-with-SHA256", KeyType.Ecdsa, HashAlgorithmName.SHA256);
        public static readonly SignatureAlgorithm EcdsaSha384 = Add("1.2.840.10045.4.3.3", "ecdsa-with-SHA384", KeyType.Ecdsa, HashAlgorithmName.SHA384);
        public static readonly SignatureAlgorithm EcdsaSha512 = Add("1.2.840.10045.4.3.4", "ecdsa-with-SHA512", KeyType.Ecdsa, HashAlgorithmName.SHA512);
        public static readonly SignatureAlgorithm Ed25519 = Add("1.3.101.112", "Ed25519", KeyType.Ed25519, default);

        private SignatureAlgorithm(string oid, string name, KeyType keyType, HashAlgorithmName hash, bool weak, bool pss, RsaPssParameters? pssParameters = null)
        {
            PssParameters = pssParameters;
            Oid = oid;
            Name = name;
            KeyType = keyType;
            Hash = hash;
            IsWeak = weak;
            IsPss = pss;
            // PKCS#1 v1.5 RSA identifiers carry an explicit NULL; ECDSA and EdDSA carry no parameters (RFC 5758, RFC 8410).
            var id = new DerObjectIdentifier(oid);
            // RSASSA-PSS carries its RSASSA-PSS-params explicitly (RFC 4055 §3.1: required with a signature value).
            Identifier = pssParameters != null ? pssParameters.ToAlgorithmIdentifier()
                : keyType == KeyType.Rsa && !pss ? new AlgorithmIdentifier(id, DerNull.Instance) : new AlgorithmIdentifier(id);
            IdentifierDer = Identifier.GetDerEncoded();
        }

        public string Oid { get; }
        public string Name { get; }
        public KeyType KeyType { get; }
        public HashAlgorithmName Hash { get; }
        public bool IsWeak { get; }
        public bool IsPss { get; }

        /// <summary>The parameters of an RSASSA-PSS algorithm made with <see cref="ForPss"/>; null for the bare OID entry and every other algorithm.</summary>
        public RsaPssParameters? PssParameters { get; }
        public AlgorithmIdentifier Identifier { get; }
        public byte[] IdentifierDer { get; }

        private static SignatureAlgorithm Add(string oid, string name, KeyType keyType, HashAlgorithmName hash, bool weak = false, bool pss = false)
        {
            var alg = new SignatureAlgorithm(oid, name, keyType, hash, weak, pss);
            ByOid[oid] = alg;
            return alg;
        }

        public static SignatureAlgorithm? FromOid(string oid) => ByOid.TryGetValue(oid, out var a) ? a : null;

        /// <summary>RSASSA-PSS with <paramref name="parameters"/> (not registered by OID: the OID alone does not say the hash).</summary>
        public static SignatureAlgorithm ForPss(RsaPssParameters parameters) =>
            new SignatureAlgorithm(RsaPssParameters.Oid, parameters.Name, KeyType.Rsa, parameters.Hash, parameters.IsWeak, pss: true, parameters);

        /// <summary>
        /// DSA signature algorithms (FIPS 186, RFC 3279/5758): verified only, never made, and always weak (no TLS client
        /// accepts DSA any more); their names by OID.
        /// </summary>
        internal static readonly System.Collections.Generic.IReadOnlyDictionary<string, string> DsaSignatures = new System.Collections.Generic.Dictionary<string, string>
        {
            ["1.2.840.10040.4.3"] = "dsa-with-SHA1",
            ["2.16.840.1.101.3.4.3.1"] = "dsa-with-SHA224",
            ["2.16.840.1.101.3.4.3.2"] = "dsa-with-SHA256",
            ["2.16.840.1.101.3.4.3.3"] = "dsa-with-SHA384",
            ["2.16.840.1.101.3.4.3.4"] = "dsa-with-SHA512",
        };

        /// <summary>The name of a weak signature algorithm (MD5, SHA-1, DSA), or null for a strong or unknown one.</summary>
        internal static string? WeakName(string oid) =>
            FromOid(oid) is SignatureAlgorithm a ? (a.IsWeak ? a.Name : null) : DsaSignatures.TryGetValue(oid, out string? dsa) ? dsa : null;

        /// <summary>
        /// The name of a weak signature algorithm, or null: as <see cref="WeakName(string)"/>, and RSASSA-PSS with SHA-1
        /// (as its hash or MGF1 hash, the defaults of empty RSASSA-PSS-params) counts as weak like sha1WithRSAEncryption.
        /// </summary>
        internal static string? WeakName(AlgorithmIdentifier id)
        {
            if (id.Algorithm.Id != RsaPssParameters.Oid) return WeakName(id.Algorithm.Id);
            RsaPssParameters? p = id.Parameters == null ? null : RsaPssParameters.Decode(id.Parameters, out _);
            return p != null && p.IsWeak ? p.Name : null;
        }

        /// <summary>
        /// Why a signature with this AlgorithmIdentifier cannot be verified by PkiTools, in words ("RSASSA-PSS with the
        /// trailer field 2 is not supported"), or null when it can be (or the algorithm is simply unknown).
        /// </summary>
        internal static string? UnsupportedReason(AlgorithmIdentifier id)
        {
            if (id.Algorithm.Id != RsaPssParameters.Oid) return null;
            if (id.Parameters == null) return "its RSASSA-PSS signature algorithm carries no parameters (RFC 4055 requires them with a signature)";
            return RsaPssParameters.Decode(id.Parameters, out string? reason) == null ? reason : null;
        }

        /// <summary>Human name of an algorithm OID, known or not.</summary>
        public static string NameOf(string oid) => FromOid(oid)?.Name ?? (DsaSignatures.TryGetValue(oid, out string? dsa) ? dsa : oid);

        /// <summary>The default signature algorithm for a key: SHA-256 for RSA and P-256, SHA-384 for P-384, SHA-512 for P-521.</summary>
        public static SignatureAlgorithm For(KeyType keyType, int keySize, HashAlgorithmName? hash = null)
        {
            switch (keyType)
            {
                case KeyType.Ed25519:
                    return Ed25519;
                case KeyType.Rsa:
                    string rsaHash = hash?.Name ?? "SHA256";
                    return rsaHash switch
                    {
                        "SHA256" => Sha256WithRsa,
                        "SHA384" => Sha384WithRsa,
                        "SHA512" => Sha512WithRsa,
                        _ => throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"Hash algorithm {rsaHash} is not allowed for signing; use SHA256, SHA384 or SHA512."),
                    };
                default:
                    string ecHash = hash?.Name ?? (keySize >= 521 ? "SHA512" : keySize >= 384 ? "SHA384" : "SHA256");
                    return ecHash switch
                    {
                        "SHA256" => EcdsaSha256,
                        "SHA384" => EcdsaSha384,
                        "SHA512" => EcdsaSha512,
                        _ => throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"Hash algorithm {ecHash} is not allowed for signing; use SHA256, SHA384 or SHA512."),
                    };
            }
        }
    }
}
