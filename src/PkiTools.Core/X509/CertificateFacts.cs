using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;

namespace PkiTools.Core.X509
{
    /// <summary>Facts about any X509Certificate2 (ours or not), for the extra properties the module adds to the type.</summary>
    public static class CertificateFacts
    {
        /// <summary>"DNS:web01.corp.example", "IP:127.0.0.1", "email:...", "URI:...".</summary>
        public static string[] SubjectAltNames(X509Certificate2 certificate)
        {
            ParsedCertificate? parsed = TryParse(certificate);
            if (parsed == null) return Array.Empty<string>();
            var names = new List<string>();
            foreach (string dns in parsed.DnsNames) names.Add("DNS:" + dns);
            foreach (string ip in parsed.IpAddresses) names.Add("IP:" + ip);
            names.AddRange(parsed.OtherNames);
            return names.ToArray();
        }

        /// <summary>The DNS names of the subjectAltName, in certificate order.</summary>
        public static string[] DnsNames(X509Certificate2 certificate) => TryParse(certificate)?.DnsNames.ToArray() ?? Array.Empty<string>();

        /// <summary>True when subject and issuer are the same name (a root, or a self-issued CA certificate): servers do not send these.</summary>
        public static bool IsSelfIssued(X509Certificate2 certificate) =>
            System.Linq.Enumerable.SequenceEqual(certificate.SubjectName.RawData, certificate.IssuerName.RawData);

        /// <summary>Rsa2048, EcdsaP256, Ed25519, ... or the algorithm OID.</summary>
        public static string KeyAlgorithm(X509Certificate2 certificate) => TryParse(certificate)?.PublicKey?.Algorithm ?? "(unknown)";

        /// <summary>Upper-case hex SHA-256 of the DER certificate.</summary>
        public static string Sha256Fingerprint(X509Certificate2 certificate) => Hex.Sha256(certificate.RawData);

        /// <summary>Whole days until NotAfter (negative once expired).</summary>
        public static int DaysUntilExpiry(X509Certificate2 certificate, DateTime now) =>
            (int)Math.Floor((certificate.NotAfter.ToUniversalTime() - now.ToUniversalTime()).TotalDays);

        /// <summary>True when <paramref name="key"/> is the private half of the certificate's public key.</summary>
        public static bool KeyMatches(X509Certificate2 certificate, Keys.PrivateKey key)
        {
            ParsedCertificate? parsed = TryParse(certificate);
            return parsed != null && Arrays.AreEqual(key.SubjectPublicKeyInfo, parsed.Tbs.SubjectPublicKeyInfo.GetDerEncoded());
        }

        private static ParsedCertificate? TryParse(X509Certificate2 certificate)
        {
            try
            {
                return ParsedCertificate.Parse(certificate.RawData);
            }
            catch (PkiException)
            {
                return null;
            }
        }
    }
}
