using System.Linq;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using Xunit;

namespace PkiTools.Core.Tests.Formats
{
    /// <summary>Issue 11, hole 8: a PFX's total key-derivation work is counted from its parameters and refused before any is spent.</summary>
    public class PfxIterationBudgetTests
    {
        private static readonly char[] Password = "s3cret-pw".ToCharArray();

        /// <summary>A PFX of <paramref name="bags"/> encrypted bags (PBES2, PBKDF2 with <paramref name="iterations"/> each) and a SHA-256 MAC.</summary>
        private static byte[] ManyBags(int bags, int iterations, int macIterations)
        {
            var infos = new Asn1EncodableVector();
            for (int i = 0; i < bags; i++)
            {
                var prf = new AlgorithmIdentifier(PkcsObjectIdentifiers.IdHmacWithSha256, DerNull.Instance);
                var kdf = new KeyDerivationFunc(PkcsObjectIdentifiers.IdPbkdf2, new Pbkdf2Params(new byte[16], iterations, prf));
                var cipher = new EncryptionScheme(NistObjectIdentifiers.IdAes256Cbc, new DerOctetString(new byte[16]));
                var algorithm = new AlgorithmIdentifier(PkcsObjectIdentifiers.IdPbeS2, new PbeS2Parameters(kdf, cipher));
                infos.Add(new ContentInfo(PkcsObjectIdentifiers.EncryptedData, new EncryptedData(PkcsObjectIdentifiers.Data, algorithm, new DerOctetString(new byte[32]))));
            }
            byte[] authSafe = new DerSequence(infos).GetEncoded();
            var mac = new MacData(new DigestInfo(new AlgorithmIdentifier(NistObjectIdentifiers.IdSha256, DerNull.Instance), new byte[32]), new byte[16], macIterations);
            return new Pfx(new ContentInfo(PkcsObjectIdentifiers.Data, new DerOctetString(authSafe)), mac).GetEncoded();
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Many_moderate_bags_over_the_total_are_refused_before_any_derivation_runs(bool withPassword)
        {
            // 20 x 300,000 + 2,048: each count is fine on its own, the sum is not.
            byte[] pfx = ManyBags(20, 300_000, 2048);
            var meter = new Pkcs12.WorkMeter();
            var ex = Assert.Throws<PkiException>(() => Pkcs12.Read(pfx, withPassword ? Password : null, "many.pfx", meter));
            Assert.Equal(PkiErrorCode.UnsupportedAlgorithm, ex.Code);
            Assert.Equal(0, meter.Spent); // no key derivation ran, not even the MAC's
            Assert.Contains(withPassword ? "6,002,048" : "12,006,144", ex.Message);
            Assert.Contains("5,000,000", ex.Message);
            Assert.Contains("many.pfx", ex.Message);
            // Through the public reader too.
            Assert.Equal(PkiErrorCode.UnsupportedAlgorithm, Assert.Throws<PkiException>(() => CertificateFiles.Read(pfx, Password, "many.pfx")).Code);
        }

        [Fact]
        public void Legitimate_iteration_counts_still_read()
        {
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            foreach (PfxIterations iterations in new[] { new PfxIterations(600_000, 600_000, 600_000), PfxIterations.Modern, PfxIterations.Legacy, new PfxIterations(2000, 2000, 2000) })
            {
                byte[] pfx = CertificateFiles.WritePfx(chain.Leaf, chain.LeafKey, chain.Chain, Password, PfxCompatibility.Modern, "x", iterations);
                var meter = new Pkcs12.WorkMeter();
                Pkcs12.Contents read = Pkcs12.Read(pfx, Password, "ok.pfx", meter);
                Assert.Single(read.Keys);
                Assert.Equal(meter.Planned, meter.Spent);
                Assert.Equal((long)iterations.Key + iterations.Certificates + iterations.Mac, meter.Spent);
            }
        }
    }
}
