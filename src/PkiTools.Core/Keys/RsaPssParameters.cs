using System;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Oiw;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;

namespace PkiTools.Core.Keys
{
    /// <summary>
    /// RSASSA-PSS-params (RFC 4055 §3.1, RFC 8017 A.2.3): the hash, the MGF1 hash, the salt length and the trailer field
    /// of a PSS signature, or of the restriction an id-RSASSA-PSS key carries. Only MGF1 is known; SHA-1 is read (and
    /// counted as weak), SHA-256/384/512 are made. Decoding never throws: an unusable set gives a reason in words.
    /// </summary>
    internal sealed class RsaPssParameters : IEquatable<RsaPssParameters>
    {
        /// <summary>id-RSASSA-PSS, 1.2.840.113549.1.1.10: the algorithm of PSS signatures and of PSS-restricted keys.</summary>
        public const string Oid = "1.2.840.113549.1.1.10";

        private readonly Asn1Encodable? _source;

        public RsaPssParameters(HashAlgorithmName hash, HashAlgorithmName mgfHash, int saltLength, int trailerField = 1)
            : this(hash, mgfHash, saltLength, trailerField, null)
        {
        }

        private RsaPssParameters(HashAlgorithmName hash, HashAlgorithmName mgfHash, int saltLength, int trailerField, Asn1Encodable? source)
        {
            _source = source;
            Hash = hash;
            MgfHash = mgfHash;
            SaltLength = saltLength;
            TrailerField = trailerField;
        }

        /// <summary>The parameters PkiTools signs with for <paramref name="hash"/>: MGF1 with the same hash, salt = hash length.</summary>
        public static RsaPssParameters For(HashAlgorithmName hash) => new RsaPssParameters(hash, hash, HashLength(hash));

        public HashAlgorithmName Hash { get; }

        public HashAlgorithmName MgfHash { get; }

        public int SaltLength { get; }

        public int TrailerField { get; }

        /// <summary>
        /// SHA-1 as the message hash: verified only, and weak like sha1WithRSAEncryption. MGF1 with SHA-1 is not: it needs
        /// no collision resistance, and OpenSSL writes it under SHA-256 (genpkey -pkeyopt rsa_pss_keygen_md:sha256 alone).
        /// </summary>
        public bool IsWeak => Hash == HashAlgorithmName.SHA1;

        /// <summary>"RSASSA-PSS with SHA-256" (and the MGF1 hash and salt when they are not the usual ones).</summary>
        public string Name
        {
            get
            {
                string name = "RSASSA-PSS with " + HashWord(Hash);
                if (MgfHash != Hash) name += ", MGF1 with " + HashWord(MgfHash);
                if (SaltLength != HashLength(Hash)) name += ", salt " + SaltLength.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes";
                return name;
            }
        }

        /// <summary>
        /// RSASSA-PSS-params as DER: parameters read from a key are written back exactly as they were read; new ones spell
        /// out hashAlgorithm and maskGenAlgorithm with NULL hash parameters (as OpenSSL and .NET write them) and the salt
        /// length, leaving out only what equals its DEFAULT, as DER requires (trailerField 1; MGF1 with SHA-1, which only
        /// a key's own parameters can ask for).
        /// </summary>
        public Asn1Encodable ToAsn1()
        {
            if (_source != null) return _source;
            var v = new Asn1EncodableVector();
            if (Hash != HashAlgorithmName.SHA1) v.Add(new DerTaggedObject(true, 0, new AlgorithmIdentifier(HashOid(Hash), DerNull.Instance)));
            if (MgfHash != HashAlgorithmName.SHA1)
            {
                var mgfHash = new AlgorithmIdentifier(HashOid(MgfHash), DerNull.Instance);
                v.Add(new DerTaggedObject(true, 1, new AlgorithmIdentifier(PkcsObjectIdentifiers.IdMgf1, mgfHash)));
            }
            if (SaltLength != 20) v.Add(new DerTaggedObject(true, 2, DerInteger.ValueOf(SaltLength)));
            if (TrailerField != 1) v.Add(new DerTaggedObject(true, 3, DerInteger.ValueOf(TrailerField)));
            return new DerSequence(v);
        }

        /// <summary>The AlgorithmIdentifier of signatures made with these parameters.</summary>
        public AlgorithmIdentifier ToAlgorithmIdentifier() => new AlgorithmIdentifier(new DerObjectIdentifier(Oid), ToAsn1());

        /// <summary>
        /// Reads RSASSA-PSS-params; <paramref name="parameters"/> null means absent (a key without restriction: the caller
        /// decides). Null with <paramref name="reason"/> set when the parameters are malformed or use what PkiTools does not
        /// support (another mask generation function than MGF1, a hash other than SHA-1/256/384/512, a trailer field other than 1).
        /// </summary>
        public static RsaPssParameters? Decode(Asn1Encodable? parameters, out string? reason)
        {
            reason = null;
            RsassaPssParameters p;
            try
            {
                p = RsassaPssParameters.GetInstance(parameters is DerNull ? throw new ArgumentException("NULL") : parameters);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is InvalidCastException || ex is InvalidOperationException)
            {
                reason = "its RSASSA-PSS parameters are malformed";
                return null;
            }
            if (p == null)
            {
                reason = "its RSASSA-PSS parameters are missing";
                return null;
            }
            HashAlgorithmName? hash = HashOf(p.HashAlgorithm);
            if (hash == null)
            {
                reason = $"RSASSA-PSS with the hash {p.HashAlgorithm.Algorithm.Id} is not supported (SHA-1, SHA-256, SHA-384 and SHA-512 are)";
                return null;
            }
            if (!p.MaskGenAlgorithm.Algorithm.Equals(PkcsObjectIdentifiers.IdMgf1))
            {
                reason = $"RSASSA-PSS with the mask generation function {p.MaskGenAlgorithm.Algorithm.Id} is not supported (MGF1 is)";
                return null;
            }
            HashAlgorithmName? mgfHash;
            try
            {
                mgfHash = HashOf(AlgorithmIdentifier.GetInstance(p.MaskGenAlgorithm.Parameters));
            }
            catch (Exception ex) when (ex is ArgumentException || ex is InvalidCastException || ex is NullReferenceException)
            {
                mgfHash = null;
            }
            if (mgfHash == null)
            {
                reason = "its RSASSA-PSS MGF1 hash is missing or not supported";
                return null;
            }
            int salt, trailer;
            try
            {
                salt = p.SaltLength.IntValueExact;
                trailer = p.TrailerField.IntValueExact;
            }
            catch (ArithmeticException)
            {
                reason = "its RSASSA-PSS salt length or trailer field is out of range";
                return null;
            }
            if (salt < 0 || salt > 1024)
            {
                reason = "its RSASSA-PSS salt length is out of range";
                return null;
            }
            if (trailer != 1)
            {
                reason = $"RSASSA-PSS with the trailer field {trailer} is not supported (RFC 4055 allows only 1)";
                return null;
            }
            return new RsaPssParameters(hash.Value, mgfHash.Value, salt, trailer, parameters);
        }

        public static int HashLength(HashAlgorithmName hash) => hash.Name switch
        {
            "SHA1" => 20,
            "SHA384" => 48,
            "SHA512" => 64,
            _ => 32,
        };

        public static string HashWord(HashAlgorithmName hash) => hash.Name switch
        {
            "SHA1" => "SHA-1",
            "SHA256" => "SHA-256",
            "SHA384" => "SHA-384",
            "SHA512" => "SHA-512",
            _ => hash.Name ?? "?",
        };

        internal static DerObjectIdentifier HashOid(HashAlgorithmName hash) => hash.Name switch
        {
            "SHA1" => OiwObjectIdentifiers.IdSha1,
            "SHA256" => NistObjectIdentifiers.IdSha256,
            "SHA384" => NistObjectIdentifiers.IdSha384,
            "SHA512" => NistObjectIdentifiers.IdSha512,
            _ => throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"Hash algorithm {hash.Name} is not allowed for signing; use SHA256, SHA384 or SHA512."),
        };

        /// <summary>The hash of an AlgorithmIdentifier whose parameters are NULL or absent (RFC 4055 accepts both), or null.</summary>
        private static HashAlgorithmName? HashOf(AlgorithmIdentifier? id)
        {
            if (id == null || !(id.Parameters == null || id.Parameters is DerNull)) return null;
            string oid = id.Algorithm.Id;
            if (oid == OiwObjectIdentifiers.IdSha1.Id) return HashAlgorithmName.SHA1;
            if (oid == NistObjectIdentifiers.IdSha256.Id) return HashAlgorithmName.SHA256;
            if (oid == NistObjectIdentifiers.IdSha384.Id) return HashAlgorithmName.SHA384;
            if (oid == NistObjectIdentifiers.IdSha512.Id) return HashAlgorithmName.SHA512;
            return null;
        }

        public bool Equals(RsaPssParameters? other) =>
            other != null && Hash == other.Hash && MgfHash == other.MgfHash && SaltLength == other.SaltLength && TrailerField == other.TrailerField;

        public override bool Equals(object? obj) => Equals(obj as RsaPssParameters);

        public override int GetHashCode() => (Hash.Name ?? "").GetHashCode() ^ ((MgfHash.Name ?? "").GetHashCode() * 31) ^ (SaltLength * 7919);
    }
}
