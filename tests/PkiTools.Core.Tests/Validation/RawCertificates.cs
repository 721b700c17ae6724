using System;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>
    /// Certificates PkiTools' own issuer refuses to make (SHA-1, unknown critical extensions, malformed extensions,
    /// CAs without keyCertSign, cross-signing bombs), built directly with BouncyCastle.
    /// </summary>
    public static class RawCertificates
    {
        private static readonly SecureRandom Random = new SecureRandom();
        private static long _serial = 1000;

        public static AsymmetricCipherKeyPair NewKey()
        {
            var generator = new ECKeyPairGenerator();
            generator.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, Random));
            return generator.GenerateKeyPair();
        }

        public static X509Name Name(string dn) => new X509Name(dn);

        public static X509Name NameOf(X509Certificate2 certificate) => X509Name.GetInstance(Asn1Object.FromByteArray(certificate.SubjectName.RawData));

        /// <summary>A certificate valid (unless <paramref name="from"/> and <paramref name="to"/> say otherwise, in days) from 30 days before to 300 days after <see cref="ValidationPki.At"/>.</summary>
        public static X509Certificate2 Build(
            X509Name subject,
            AsymmetricKeyParameter subjectPublicKey,
            X509Name issuer,
            AsymmetricKeyParameter issuerPrivateKey,
            Action<X509V3CertificateGenerator>? extensions = null,
            string algorithm = "SHA256WITHECDSA",
            double from = -30,
            double to = 300)
        {
            var g = new X509V3CertificateGenerator();
            g.SetSerialNumber(BigInteger.ValueOf(System.Threading.Interlocked.Increment(ref _serial)));
            g.SetSubjectDN(subject);
            g.SetIssuerDN(issuer);
            g.SetNotBefore(ValidationPki.Days(from).UtcDateTime);
            g.SetNotAfter(ValidationPki.Days(to).UtcDateTime);
            g.SetPublicKey(subjectPublicKey);
            extensions?.Invoke(g);
            Org.BouncyCastle.X509.X509Certificate bc = g.Generate(new Asn1SignatureFactory(algorithm, issuerPrivateKey, Random));
            return new X509Certificate2(bc.GetEncoded());
        }

        public static void Ca(X509V3CertificateGenerator g) => g.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));

        public static void CaWithKeyCertSign(X509V3CertificateGenerator g)
        {
            Ca(g);
            g.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        }

        public static void ServerLeaf(X509V3CertificateGenerator g)
        {
            g.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
            g.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.DnsName, "raw.corp.example")));
            g.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth));
        }

        /// <summary>A self-signed CA (basicConstraints CA:TRUE, keyCertSign).</summary>
        public static (X509Certificate2 Certificate, AsymmetricCipherKeyPair Key) Root(string dn)
        {
            AsymmetricCipherKeyPair key = NewKey();
            return (Build(Name(dn), key.Public, Name(dn), key.Private, CaWithKeyCertSign), key);
        }
    }
}
