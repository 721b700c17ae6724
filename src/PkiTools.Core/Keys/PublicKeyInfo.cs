using System;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace PkiTools.Core.Keys
{
    /// <summary>
    /// A public key read from a SubjectPublicKeyInfo (of a certificate or CSR): what it is, and signature
    /// verification with the platform's crypto (BouncyCastle for Ed25519 and RSA-PSS).
    /// </summary>
    internal sealed class PublicKeyInfo
    {
        private readonly SubjectPublicKeyInfo _spki;
        // Imported platform keys, one per concurrent user: .NET does not promise that one RSA/ECDsa object may verify
        // on several threads at once, and a lock would serialise bulk issuance on the issuer's key.
        private readonly ConcurrentBag<AsymmetricAlgorithm> _platformKeys = new ConcurrentBag<AsymmetricAlgorithm>();
        private volatile bool _platformFailed;

        private PublicKeyInfo(SubjectPublicKeyInfo spki, KeyType? type, int size, string? curveOid, bool pssOnly = false, RsaPssParameters? pssRestriction = null)
        {
            _spki = spki;
            PssOnly = pssOnly;
            PssRestriction = pssRestriction;
            KeyType = type;
            KeySize = size;
            CurveOid = curveOid;
        }

        /// <summary>Null for key families we cannot use (DSA, X25519, ...).</summary>
        public KeyType? KeyType { get; }

        public int KeySize { get; }

        public string? CurveOid { get; }

        /// <summary>An id-RSASSA-PSS key (RFC 4055): it verifies RSASSA-PSS signatures only.</summary>
        public bool PssOnly { get; }

        /// <summary>The RSASSA-PSS-params of a PSS key that carries them: signatures must use its hashes and at least its salt length.</summary>
        public RsaPssParameters? PssRestriction { get; }

        /// <summary>Rsa2048, EcdsaP256, Ed25519; DSA, X25519 ... in words for families we recognise and do not use; else the algorithm OID.</summary>
        public string Algorithm => KeyType is KeyType t ? Curves.DescribeKey(t, KeySize, CurveOid)
            : KeyFamilies.UnusedName(_spki.Algorithm.Algorithm.Id) ?? (ExplicitCurve ? "ECDSA on an explicit curve" : _spki.Algorithm.Algorithm.Id);

        private bool ExplicitCurve => _spki.Algorithm.Algorithm.Equals(X9ObjectIdentifiers.IdECPublicKey) && !(_spki.Algorithm.Parameters is DerObjectIdentifier);

        public byte[] Der => _spki.GetDerEncoded();

        /// <summary>Reads a SubjectPublicKeyInfo; malformed keys of a known family throw, unknown families give KeyType null.</summary>
        public static PublicKeyInfo Create(SubjectPublicKeyInfo spki)
        {
            DerObjectIdentifier alg = spki.Algorithm.Algorithm;
            if (alg.Equals(PkcsObjectIdentifiers.RsaEncryption))
            {
                var rsa = RsaPublicKeyStructure.GetInstance(spki.ParsePublicKey());
                if (rsa.Modulus.SignValue <= 0 || rsa.PublicExponent.SignValue <= 0)
                {
                    throw new ArgumentException("RSA public key has a non-positive modulus or exponent.");
                }
                return new PublicKeyInfo(spki, Keys.KeyType.Rsa, rsa.Modulus.BitLength, null);
            }
            if (alg.Id == RsaPssParameters.Oid)
            {
                var rsa = RsaPublicKeyStructure.GetInstance(spki.ParsePublicKey());
                if (rsa.Modulus.SignValue <= 0 || rsa.PublicExponent.SignValue <= 0)
                {
                    throw new ArgumentException("RSA public key has a non-positive modulus or exponent.");
                }
                // Parameters absent: any PSS signature; present: a restriction we must be able to read (else the family is unusable).
                RsaPssParameters? restriction = null;
                if (spki.Algorithm.Parameters != null)
                {
                    restriction = RsaPssParameters.Decode(spki.Algorithm.Parameters, out string? reason);
                    if (restriction == null) return new PublicKeyInfo(spki, null, 0, null);
                }
                return new PublicKeyInfo(spki, Keys.KeyType.Rsa, rsa.Modulus.BitLength, null, pssOnly: true, restriction);
            }
            if (alg.Equals(X9ObjectIdentifiers.IdECPublicKey))
            {
                if (!(spki.Algorithm.Parameters is DerObjectIdentifier curve))
                {
                    return new PublicKeyInfo(spki, null, 0, null); // explicit or implicit curve parameters: refused by RFC 5480
                }
                int bits = Curves.BitsOf(curve.Id);
                return new PublicKeyInfo(spki, bits == 0 ? (KeyType?)null : Keys.KeyType.Ecdsa, bits, curve.Id);
            }
            if (alg.Equals(EdECObjectIdentifiers.id_Ed25519))
            {
                if (spki.PublicKey.GetOctets().Length != 32 || spki.Algorithm.Parameters != null)
                {
                    throw new ArgumentException("Ed25519 public key is not 32 bytes or has parameters.");
                }
                return new PublicKeyInfo(spki, Keys.KeyType.Ed25519, 256, null);
            }
            return new PublicKeyInfo(spki, null, 0, null);
        }

        /// <summary>
        /// True when <paramref name="signature"/> is a valid signature of <paramref name="data"/> under this key with
        /// the algorithm named by <paramref name="algorithmId"/>. Never throws for bad signatures, keys or parameters.
        /// </summary>
        public bool Verify(AlgorithmIdentifier algorithmId, byte[] data, byte[] signature)
        {
            if (SignatureAlgorithm.DsaSignatures.ContainsKey(algorithmId.Algorithm.Id)) return VerifyDsa(algorithmId, data, signature);
            SignatureAlgorithm? alg = SignatureAlgorithm.FromOid(algorithmId.Algorithm.Id);
            if (alg == null || KeyType != alg.KeyType) return false;
            try
            {
                switch (alg.KeyType)
                {
                    case Keys.KeyType.Rsa:
                        if (alg.IsPss) return VerifyPss(algorithmId, data, signature);
                        if (PssOnly || !RsaParametersAreNullOrAbsent(algorithmId)) return false;
                        RSA rsa = RentRsa();
                        try
                        {
                            return rsa.VerifyData(data, signature, alg.Hash, RSASignaturePadding.Pkcs1);
                        }
                        finally
                        {
                            _platformKeys.Add(rsa);
                        }
                    case Keys.KeyType.Ecdsa:
                        if (algorithmId.Parameters != null) return false;
                        return VerifyEcdsa(alg, data, signature);
                    default:
                        if (algorithmId.Parameters != null) return false;
                        var signer = new Ed25519Signer();
                        signer.Init(false, new Ed25519PublicKeyParameters(_spki.PublicKey.GetOctets()));
                        signer.BlockUpdate(data, 0, data.Length);
                        return signer.VerifySignature(signature);
                }
            }
            catch (Exception ex) when (ex is CryptographicException || ex is ArgumentException || ex is InvalidOperationException || ex is PlatformNotSupportedException || ex is CryptoException)
            {
                return false;
            }
        }

        /// <summary>
        /// DSA through BouncyCastle (legacy only: a chain with it is weak unless weak signatures are allowed). The key
        /// must carry its own domain parameters; inheriting them from the issuer (RFC 3279 §2.3.2) is not supported.
        /// </summary>
        private bool VerifyDsa(AlgorithmIdentifier algorithmId, byte[] data, byte[] signature)
        {
            if (!_spki.Algorithm.Algorithm.Equals(X9ObjectIdentifiers.IdDsa) || _spki.Algorithm.Parameters == null || algorithmId.Parameters != null) return false;
            try
            {
                ISigner signer = SignerUtilities.GetSigner(algorithmId.Algorithm);
                signer.Init(false, PublicKeyFactory.CreateKey(_spki));
                signer.BlockUpdate(data, 0, data.Length);
                return signer.VerifySignature(signature);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is InvalidOperationException || ex is CryptoException || ex is InvalidCastException || ex is System.IO.IOException || ex is SecurityUtilityException)
            {
                return false;
            }
        }

        /// <summary>
        /// Takes the public key of the certificate this SubjectPublicKeyInfo came from as one of the platform keys, so
        /// that the first verification needs no import: .NET hands out the key OpenSSL (or CNG) decoded with the
        /// certificate in about 3 µs, where importing the coordinates costs about 100 µs for P-256 (OpenSSL checks the
        /// point's order on import). The caller guarantees that <paramref name="certificate"/> carries exactly this
        /// SubjectPublicKeyInfo. Best effort: any failure leaves the ordinary import path in place.
        /// </summary>
        public void AdoptPlatformKeyOf(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
        {
            if (PssOnly) return; // .NET reads rsaEncryption keys only from a certificate
            try
            {
                AsymmetricAlgorithm? key = KeyType switch
                {
                    Keys.KeyType.Ecdsa => System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions.GetECDsaPublicKey(certificate),
                    Keys.KeyType.Rsa => System.Security.Cryptography.X509Certificates.RSACertificateExtensions.GetRSAPublicKey(certificate),
                    _ => null,
                };
                if (key != null) _platformKeys.Add(key);
            }
            catch (Exception ex) when (ex is CryptographicException || ex is ArgumentException || ex is InvalidOperationException || ex is PlatformNotSupportedException || ex is NotSupportedException)
            {
                // A disposed or unusual certificate object: the key is imported from the SubjectPublicKeyInfo instead.
            }
        }

        private static bool RsaParametersAreNullOrAbsent(AlgorithmIdentifier id) =>
            id.Parameters == null || id.Parameters is DerNull;

        private bool VerifyEcdsa(SignatureAlgorithm alg, byte[] data, byte[] signature)
        {
            int fieldBytes = (KeySize + 7) / 8;
            byte[]? p1363 = EcdsaSignatureFormat.DerToP1363(signature, fieldBytes);
            if (p1363 == null) return false;
            ECDsa? platform = RentEcdsa();
            if (platform != null)
            {
                try
                {
                    return platform.VerifyData(data, p1363, alg.Hash);
                }
                finally
                {
                    _platformKeys.Add(platform);
                }
            }
            // Curves the platform lacks: BouncyCastle.
            ISigner bc = SignerUtilities.GetSigner(alg.Oid);
            bc.Init(false, PublicKeyFactory.CreateKey(_spki));
            bc.BlockUpdate(data, 0, data.Length);
            return bc.VerifySignature(signature);
        }

        /// <summary>
        /// RSASSA-PSS: the parameters must be present and readable (MGF1, SHA-1/256/384/512, trailer field 1),
        /// and within the key's own restriction (same hashes, at least its salt length, RFC 4055 §3.1). MGF1 on the same
        /// hash with a salt as long as it (what PkiTools, .NET and openssl's rsa_pss_saltlen:digest make) is verified by the
        /// platform; any other salt or MGF1 hash by BouncyCastle's PssSigner.
        /// </summary>
        private bool VerifyPss(AlgorithmIdentifier algorithmId, byte[] data, byte[] signature)
        {
            if (algorithmId.Parameters == null) return false; // RFC 4055: required with a signature
            RsaPssParameters? p = RsaPssParameters.Decode(algorithmId.Parameters, out _);
            if (p == null) return false;
            if (PssRestriction is RsaPssParameters r && (r.Hash != p.Hash || r.MgfHash != p.MgfHash || p.SaltLength < r.SaltLength)) return false;
            if (p.MgfHash == p.Hash && p.SaltLength == RsaPssParameters.HashLength(p.Hash))
            {
                RSA rsa = RentRsa();
                try
                {
                    return rsa.VerifyData(data, signature, p.Hash, RSASignaturePadding.Pss);
                }
                finally
                {
                    _platformKeys.Add(rsa);
                }
            }
            IDigest digest = DigestUtilities.GetDigest(RsaPssParameters.HashOid(p.Hash));
            IDigest mgfDigest = DigestUtilities.GetDigest(RsaPssParameters.HashOid(p.MgfHash));
            var signer = new PssSigner(new RsaBlindedEngine(), digest, mgfDigest, p.SaltLength);
            var k = RsaPublicKeyStructure.GetInstance(_spki.ParsePublicKey());
            signer.Init(false, new RsaKeyParameters(false, k.Modulus, k.PublicExponent));
            signer.BlockUpdate(data, 0, data.Length);
            return signer.VerifySignature(signature);
        }

        private RSA RentRsa()
        {
            if (_platformKeys.TryTake(out AsymmetricAlgorithm? pooled)) return (RSA)pooled;
            var k = RsaPublicKeyStructure.GetInstance(_spki.ParsePublicKey());
            var rsa = RSA.Create();
            rsa.ImportParameters(new RSAParameters { Modulus = k.Modulus.ToByteArrayUnsigned(), Exponent = k.PublicExponent.ToByteArrayUnsigned() });
            return rsa;
        }

        /// <summary>A platform key for this EC public key, or null when the platform cannot take it (BouncyCastle then verifies).</summary>
        private ECDsa? RentEcdsa()
        {
            if (_platformFailed) return null;
            if (_platformKeys.TryTake(out AsymmetricAlgorithm? pooled)) return (ECDsa)pooled;
            byte[] point = _spki.PublicKey.GetOctets();
            int n = (KeySize + 7) / 8;
            if (point.Length != 1 + 2 * n || point[0] != 0x04)
            {
                // Compressed points and malformed encodings go to BouncyCastle, which validates them.
                _platformFailed = true;
                return null;
            }
            var x = new byte[n];
            var y = new byte[n];
            Buffer.BlockCopy(point, 1, x, 0, n);
            Buffer.BlockCopy(point, 1 + n, y, 0, n);
            try
            {
                return ECDsa.Create(new ECParameters { Curve = Curves.ToCurve(CurveOid!), Q = new ECPoint { X = x, Y = y } });
            }
            catch (Exception ex) when (ex is CryptographicException || ex is PlatformNotSupportedException || ex is ArgumentException)
            {
                _platformFailed = true;
                return null;
            }
        }
    }
}
