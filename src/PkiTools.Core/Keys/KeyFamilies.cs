using System.Collections.Generic;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Math;

namespace PkiTools.Core.Keys
{
    /// <summary>
    /// Key families PkiTools recognises but does not use (DSA, Diffie-Hellman, X25519, X448, Ed448), named in words
    /// wherever they turn up (a key file, a CSR, a certificate), and EC curves given by explicit parameters.
    /// </summary>
    internal static class KeyFamilies
    {
        /// <summary>What PkiTools works with, for the end of a refusal.</summary>
        public const string Supported = "PkiTools works with RSA, ECDSA (P-256, P-384, P-521) and Ed25519 keys";

        private static readonly Dictionary<string, string> Unused = new Dictionary<string, string>
        {
            ["1.2.840.10040.4.1"] = "DSA",
            ["1.3.14.3.2.12"] = "DSA",
            ["1.2.840.113549.1.3.1"] = "Diffie-Hellman (DH)",
            ["1.2.840.10046.2.1"] = "Diffie-Hellman (X9.42 DH)",
            ["1.3.101.110"] = "X25519",
            ["1.3.101.111"] = "X448",
            ["1.3.101.113"] = "Ed448",
        };

        /// <summary>The family's name in words ("DSA", "X25519") for a key algorithm OID we do not use, else null.</summary>
        public static string? UnusedName(string oid) => Unused.TryGetValue(oid, out string? name) ? name : null;

        /// <summary>UnsupportedAlgorithm for a private key of a family we recognise but do not use; nothing for others.</summary>
        public static void RefuseUnusedPrivateKey(DerObjectIdentifier algorithm)
        {
            if (UnusedName(algorithm.Id) is string name) throw UnusedKey("The private key", name);
        }

        /// <summary>"The private key is a DSA key, which PkiTools does not use; PkiTools works with ...".</summary>
        public static PkiException UnusedKey(string what, string name) =>
            new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"{what} is {Words.A(name)} key, which PkiTools does not use; {Supported}.");

        /// <summary>Named curves an explicit parameter set may spell out (the curves PkiTools reads keys on).</summary>
        private static readonly string[] NamedCandidates = { Curves.P256Oid, Curves.P384Oid, Curves.P521Oid, "1.3.132.0.10" };

        /// <summary>
        /// The named curve whose parameters <paramref name="explicitCurve"/> spells out (OpenSSL's ec_param_enc:explicit
        /// writes P-256 that way), as OpenSSL reads it; UnsupportedAlgorithm for any other curve.
        /// </summary>
        public static DerObjectIdentifier NamedCurveOf(X9ECParameters explicitCurve)
        {
            var g = explicitCurve.G.Normalize();
            foreach (string oid in NamedCandidates)
            {
                X9ECParameters named = ECNamedCurveTable.GetByOid(new DerObjectIdentifier(oid));
                var ng = named.G.Normalize();
                if (named.Curve.Field.Characteristic.Equals(explicitCurve.Curve.Field.Characteristic)
                    && named.Curve.Field.Dimension == explicitCurve.Curve.Field.Dimension
                    && named.Curve.A.ToBigInteger().Equals(explicitCurve.Curve.A.ToBigInteger())
                    && named.Curve.B.ToBigInteger().Equals(explicitCurve.Curve.B.ToBigInteger())
                    && named.N.Equals(explicitCurve.N)
                    && (explicitCurve.H == null || explicitCurve.H.Equals(named.H ?? BigInteger.One))
                    && ng.AffineXCoord.ToBigInteger().Equals(g.AffineXCoord.ToBigInteger())
                    && ng.AffineYCoord.ToBigInteger().Equals(g.AffineYCoord.ToBigInteger()))
                {
                    return new DerObjectIdentifier(oid);
                }
            }
            throw new PkiException(PkiErrorCode.UnsupportedAlgorithm,
                "The EC key spells out the parameters of its curve instead of naming it, and they are not those of P-256, P-384, P-521 or secp256k1; PkiTools works with named curves only.");
        }
    }
}
