using System.Linq;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;
using Xunit;

namespace PkiTools.Core.Tests.Formats
{
    /// <summary>Export then import through each format keeps the thumbprints and the key.</summary>
    public class RoundTripTests
    {
        private static readonly char[] Password = "round trip".ToCharArray();

        public static TheoryData<KeyAlgorithm, string> Cases()
        {
            var data = new TheoryData<KeyAlgorithm, string>();
            foreach (KeyAlgorithm algorithm in new[] { KeyAlgorithm.EcdsaP256, KeyAlgorithm.Rsa2048, KeyAlgorithm.Ed25519 })
            {
                foreach (string format in new[] { "PfxModern", "PfxLegacy", "PfxNoPassword", "Pem", "PemEncryptedKey", "Der", "P7bPem", "P7bDer" })
                {
                    data.Add(algorithm, format);
                }
            }
            return data;
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Certificate_and_key_survive_a_round_trip(KeyAlgorithm algorithm, string format)
        {
            TestChain chain = TestChain.For(algorithm);
            var fast = new PfxIterations(1000, 1000, 1000);
            (byte[] data, bool hasKey, int count, CertificateFormat detected) = format switch
            {
                "PfxModern" => (CertificateFiles.WritePfx(chain.Leaf, chain.LeafKey, chain.Chain, Password, PfxCompatibility.Modern, "rt", fast), true, 3, CertificateFormat.Pfx),
                "PfxLegacy" => (CertificateFiles.WritePfx(chain.Leaf, chain.LeafKey, chain.Chain, Password, PfxCompatibility.Legacy), true, 3, CertificateFormat.Pfx),
                "PfxNoPassword" => (CertificateFiles.WritePfx(chain.Leaf, chain.LeafKey, new[] { chain.Leaf }, null, PfxCompatibility.Modern), true, 1, CertificateFormat.Pfx),
                "Pem" => (CertificateFiles.WritePem(chain.All, chain.LeafKey), true, 3, CertificateFormat.Pem),
                "PemEncryptedKey" => (CertificateFiles.WritePem(new[] { chain.Leaf }, chain.LeafKey, Password), true, 1, CertificateFormat.Pem),
                "Der" => (CertificateFiles.WriteDer(chain.Leaf), false, 1, CertificateFormat.Der),
                "P7bPem" => (CertificateFiles.WriteP7b(chain.All, pem: true), false, 3, CertificateFormat.P7b),
                _ => (CertificateFiles.WriteP7b(chain.All, pem: false), false, 3, CertificateFormat.P7b),
            };
            Assert.Equal(detected, CertificateFiles.Detect(data));
            var read = CertificateFiles.Read(data, Password);
            Assert.Equal(chain.All.Take(count).Select(c => c.Thumbprint), read.Certificates.Select(c => c.Thumbprint));
            PrivateKey? key = read.Key;
            if (hasKey)
            {
                Assert.NotNull(key);
                Assert.Equal(chain.LeafKey.KeyId, key!.KeyId);
            }
            else
            {
                Assert.Null(key);
            }
            for (int i = 1; i < read.Certificates.Count; i++) Assert.Null(read.KeyOf(read.Certificates[i]));
        }

        [Fact]
        public void Writers_refuse_a_key_that_is_not_the_certificates()
        {
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            PrivateKey other = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            Assert.Equal(PkiErrorCode.KeyMismatch, Assert.Throws<PkiException>(() => CertificateFiles.WritePfx(chain.Leaf, other, chain.Chain, Password, PfxCompatibility.Modern)).Code);
            Assert.Equal(PkiErrorCode.KeyMismatch, Assert.Throws<PkiException>(() => CertificateFiles.WritePem(chain.All, other)).Code);
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => CertificateFiles.WriteP7b(new System.Security.Cryptography.X509Certificates.X509Certificate2[0], false)).Code);
        }

        [Fact]
        public void A_pem_key_that_matches_no_certificate_is_a_key_mismatch()
        {
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            byte[] pem = System.Text.Encoding.ASCII.GetBytes(System.Text.Encoding.ASCII.GetString(CertificateFiles.WritePem(chain.Chain))
                + PrivateKey.Generate(KeyAlgorithm.EcdsaP256).ExportPem());
            Assert.Equal(PkiErrorCode.KeyMismatch, Assert.Throws<PkiException>(() => CertificateFiles.Read(pem, null, "bundle.pem")).Code);
        }
    }
}
