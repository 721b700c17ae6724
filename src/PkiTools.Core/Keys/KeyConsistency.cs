using System;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;

namespace PkiTools.Core.Keys
{
    /// <summary>
    /// The checks OpenSSL's <c>pkey -check</c> makes on a private key, run on every key read before it is returned: a
    /// key whose parts do not fit together signs garbage (or fails later with a platform error), so it is refused as
    /// <see cref="PkiErrorCode.KeyInvalid"/> with a sentence saying which part is wrong. Weak but consistent keys pass.
    /// </summary>
    internal static class KeyConsistency
    {
        /// <summary>
        /// One Miller-Rabin round with a random base (after BouncyCastle's trial division) for p and q. n = p·q and the CRT
        /// relations already pin every part of the key, so this only has to catch a composite planted on purpose (passing
        /// with probability at most 1/4 per read); each round costs about 10 ms for a 2048-bit prime, and keys (a CA's on
        /// every issuance) are read often. OpenSSL's pkey -check runs the full test.
        /// </summary>
        private const int PrimeCertainty = 2;

        private static PkiException Invalid(string reason) => new PkiException(PkiErrorCode.KeyInvalid, "The RSA private key is inconsistent: " + reason + ".");

        /// <summary>n = p·q with p, q > 1 and prime; dP, dQ and qInv are the CRT values of d, p and q; e·d ≡ 1 mod λ(n).</summary>
        public static void CheckRsa(RsaPrivateKeyStructure k)
        {
            BigInteger n = k.Modulus, e = k.PublicExponent, d = k.PrivateExponent, p = k.Prime1, q = k.Prime2;
            if (n.SignValue <= 0 || e.SignValue <= 0 || d.SignValue <= 0) throw Invalid("the modulus, the public exponent and the private exponent must be positive");
            if (p.CompareTo(BigInteger.One) <= 0 || q.CompareTo(BigInteger.One) <= 0) throw Invalid("its primes p and q must both be greater than 1");
            if (!p.Multiply(q).Equals(n)) throw Invalid("the modulus is not the product of its primes p and q");
            if (!e.TestBit(0) || e.Equals(BigInteger.One)) throw Invalid("the public exponent must be odd and greater than 1");
            BigInteger p1 = p.Subtract(BigInteger.One), q1 = q.Subtract(BigInteger.One);
            if (!k.Exponent1.Equals(d.Mod(p1))) throw Invalid("its exponent dP is not d mod (p-1)");
            if (!k.Exponent2.Equals(d.Mod(q1))) throw Invalid("its exponent dQ is not d mod (q-1)");
            if (!k.Coefficient.Multiply(q).Mod(p).Equals(BigInteger.One)) throw Invalid("its coefficient qInv is not the inverse of q mod p");
            BigInteger lambda = p1.Divide(p1.Gcd(q1)).Multiply(q1);
            if (!e.Multiply(d).Mod(lambda).Equals(BigInteger.One)) throw Invalid("the private exponent d does not invert the public exponent e (e·d is not 1 mod λ(n))");
            if (!p.IsProbablePrime(PrimeCertainty)) throw Invalid("its prime p is not prime");
            if (!q.IsProbablePrime(PrimeCertainty)) throw Invalid("its prime q is not prime");
        }

        /// <summary>
        /// The private value is in [1, n-1], and the public point the key carries (when it carries one) lies on the curve
        /// and equals d·G. Returns d·G.
        /// </summary>
        public static ECPoint CheckEc(X9ECParameters curve, BigInteger d, DerBitString? publicKey)
        {
            if (d.SignValue <= 0 || d.CompareTo(curve.N) >= 0)
            {
                throw new PkiException(PkiErrorCode.KeyInvalid, "The EC private key is inconsistent: its private value is not between 1 and the order of the curve.");
            }
            ECPoint computed = curve.G.Multiply(d).Normalize();
            if (publicKey == null) return computed;
            ECPoint stored;
            try
            {
                stored = curve.Curve.DecodePoint(publicKey.GetOctets()).Normalize();
            }
            catch (ArgumentException ex)
            {
                throw new PkiException(PkiErrorCode.KeyInvalid, "The EC private key is inconsistent: its public point is not a point on its curve.", ex);
            }
            if (!stored.Equals(computed))
            {
                throw new PkiException(PkiErrorCode.KeyInvalid, "The EC private key is inconsistent: its public point is not the one its private value gives.");
            }
            return computed;
        }

        /// <summary>The Ed25519 public key a PKCS#8 v2 file carries beside the seed (when it carries one) is the seed's.</summary>
        public static void CheckEd25519(byte[] derivedPublicKey, DerBitString? storedPublicKey)
        {
            if (storedPublicKey == null) return;
            if (!Org.BouncyCastle.Utilities.Arrays.FixedTimeEquals(derivedPublicKey, storedPublicKey.GetOctets()))
            {
                throw new PkiException(PkiErrorCode.KeyInvalid, "The Ed25519 private key is inconsistent: the public key stored with it is not the one its private seed gives.");
            }
        }
    }
}
