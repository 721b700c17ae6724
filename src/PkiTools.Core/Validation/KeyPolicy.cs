using System;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Core.Validation
{
    /// <summary>Path-independent checks of one certificate for the validator: its key strength, its AIA encoding.</summary>
    internal static class KeyPolicy
    {
        private const string DsaOid = "1.2.840.10040.4.1";

        /// <summary>
        /// A description of the subject key when it is too weak to rely on ("an RSA key of 1024 bits"), else null: RSA
        /// under 2048 bits or not a whole number of bytes (CA/B Forum 6.1.5; no correct key generator makes those),
        /// DSA (no TLS client accepts it any more), elliptic curves under 256 bits. Unknown key types are left to the
        /// signature checks (a key that verifies nothing cannot issue anything).
        /// </summary>
        public static string? WeakKey(ParsedCertificate certificate)
        {
            try
            {
                AlgorithmIdentifier algorithm = certificate.Tbs.SubjectPublicKeyInfo.Algorithm;
                string oid = algorithm.Algorithm.Id;
                if (oid == PkcsObjectIdentifiers.RsaEncryption.Id || oid == RsaPssParameters.Oid) // an RSA-PSS key is an RSA key
                {
                    if (!(certificate.PublicKey is PublicKeyInfo rsa)) return null; // malformed: no signature verifies with it
                    if (rsa.KeySize < 2048) return $"an RSA key of {rsa.KeySize} bits (2048 or more are required)";
                    if (rsa.KeySize % 8 != 0) return $"an RSA key of {rsa.KeySize} bits, not a whole number of bytes, which no correct key generator makes";
                    return null;
                }
                if (oid == DsaOid) return "a DSA key";
                if (oid == X9ObjectIdentifiers.IdECPublicKey.Id && algorithm.Parameters is DerObjectIdentifier curve)
                {
                    if (Curves.BitsOf(curve.Id) > 0) return null;
                    X9ECParameters? parameters = Org.BouncyCastle.Asn1.X9.ECNamedCurveTable.GetByOid(curve);
                    if (parameters != null && parameters.Curve.FieldSize < 256)
                    {
                        return $"an elliptic-curve key on {Words.A(parameters.Curve.FieldSize + "-bit")} curve ({curve.Id})";
                    }
                }
                return null;
            }
            catch (Exception)
            {
                return null; // unreadable keys are the signature checks' business
            }
        }

        /// <summary>True when an authorityInfoAccess extension is present but is not a non-empty SEQUENCE of AccessDescription.</summary>
        public static bool MalformedAuthorityInfoAccess(ParsedCertificate certificate)
        {
            X509Extension? aia = certificate.Extensions?.GetExtension(X509Extensions.AuthorityInfoAccess);
            if (aia == null) return false;
            try
            {
                Asn1Sequence descriptions = Asn1Sequence.GetInstance(aia.GetParsedValue());
                if (descriptions.Count == 0) return true;
                foreach (Asn1Encodable description in descriptions)
                {
                    AccessDescription.GetInstance(description);
                }
                return false;
            }
            catch (Exception)
            {
                return true;
            }
        }
    }
}
