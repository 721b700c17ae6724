using System.Security.Cryptography;

namespace PkiTools.Core.Keys
{
    /// <summary>The named curves we generate and the OIDs that identify them.</summary>
    internal static class Curves
    {
        public const string P256Oid = "1.2.840.10045.3.1.7";
        public const string P384Oid = "1.3.132.0.34";
        public const string P521Oid = "1.3.132.0.35";

        /// <summary>Field size in bits of a curve, or 0 when the curve is unknown to us.</summary>
        public static int BitsOf(string oid) => oid switch
        {
            P256Oid => 256,
            P384Oid => 384,
            P521Oid => 521,
            "1.3.132.0.10" => 256, // secp256k1
            "1.3.36.3.3.2.8.1.1.7" => 256, // brainpoolP256r1
            "1.3.36.3.3.2.8.1.1.11" => 384, // brainpoolP384r1
            "1.3.36.3.3.2.8.1.1.13" => 512, // brainpoolP512r1
            _ => 0,
        };

        public static ECCurve ToCurve(string oid) => oid switch
        {
            P256Oid => ECCurve.NamedCurves.nistP256,
            P384Oid => ECCurve.NamedCurves.nistP384,
            P521Oid => ECCurve.NamedCurves.nistP521,
            _ => ECCurve.CreateFromValue(oid),
        };

        /// <summary>The display name used in key descriptions: EcdsaP256, EcdsaP384, EcdsaP521, else Ecdsa + OID.</summary>
        public static string Describe(string? oid) => oid switch
        {
            P256Oid => "EcdsaP256",
            P384Oid => "EcdsaP384",
            P521Oid => "EcdsaP521",
            "1.3.132.0.10" => "EcdsaSecp256k1",
            _ => "Ecdsa(" + oid + ")",
        };

        /// <summary>Our name for a key of this family and size, matching <see cref="KeyAlgorithm"/> where one fits.</summary>
        public static string DescribeKey(KeyType type, int size, string? curveOid) => type switch
        {
            KeyType.Rsa => "Rsa" + size,
            KeyType.Ecdsa => Describe(curveOid),
            _ => "Ed25519",
        };
    }
}
