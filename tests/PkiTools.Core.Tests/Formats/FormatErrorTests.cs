using System;
using System.Diagnostics;
using System.Linq;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using Xunit;

namespace PkiTools.Core.Tests.Formats
{
    /// <summary>Wrong, missing and damaged inputs fail with stable codes, fast, and only as PkiException.</summary>
    public class FormatErrorTests
    {
        private static readonly char[] Password = "s3cret-pw".ToCharArray();
        private static readonly PfxIterations Fast = new PfxIterations(100, 100, 100);

        private static byte[] Pfx(PfxCompatibility compatibility = PfxCompatibility.Modern)
        {
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            return CertificateFiles.WritePfx(chain.Leaf, chain.LeafKey, chain.Chain, Password, compatibility, "x", Fast);
        }

        private static PkiException Fails(byte[] data, char[]? password) => Assert.Throws<PkiException>(() => CertificateFiles.Read(data, password, "in.pfx"));

        [Theory]
        [InlineData(PfxCompatibility.Modern)]
        [InlineData(PfxCompatibility.Legacy)]
        public void Wrong_and_missing_passwords_are_told_apart(PfxCompatibility compatibility)
        {
            byte[] pfx = Pfx(compatibility);
            PkiException wrong = Fails(pfx, "guess-123".ToCharArray());
            Assert.Equal(PkiErrorCode.PasswordIncorrect, wrong.Code);
            Assert.Contains("wrong password, or the file is corrupt", wrong.Message);
            Assert.DoesNotContain("guess-123", wrong.Message);
            Assert.Equal("in.pfx", wrong.Target);
            Assert.Equal(PkiErrorCode.PasswordRequired, Fails(pfx, null).Code);
            Assert.Equal(PkiErrorCode.PasswordIncorrect, Fails(pfx, new char[0]).Code);
        }

        [Fact]
        public void A_broken_mac_is_password_incorrect()
        {
            byte[] pfx = Pfx();
            // MacData is the last element: SEQUENCE { DigestInfo { alg, OCTET STRING mac }, salt, iterations }.
            // The 32-byte MAC sits before the 16-byte salt and the INTEGER 100.
            int saltStart = pfx.Length - 3 - 16;
            int macByte = saltStart - 2 - 5;
            pfx[macByte] ^= 0x01;
            Assert.Equal(PkiErrorCode.PasswordIncorrect, Fails(pfx, Password).Code);
        }

        [Fact]
        public void Too_many_iterations_are_refused_without_doing_the_work()
        {
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            var original = Org.BouncyCastle.Asn1.Pkcs.Pfx.GetInstance(Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(Pfx()));
            var mac = original.MacData;
            byte[] pfx = new Org.BouncyCastle.Asn1.Pkcs.Pfx(original.AuthSafe, new Org.BouncyCastle.Asn1.Pkcs.MacData(mac.Mac, mac.GetSalt(), int.MaxValue)).GetEncoded();
            var watch = Stopwatch.StartNew();
            PkiException ex = Fails(pfx, Password);
            Assert.Equal(PkiErrorCode.UnsupportedAlgorithm, ex.Code);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
        }

        [Fact]
        public void A_truncated_pfx_fails_with_a_pki_exception_at_every_offset()
        {
            byte[] pfx = Pfx();
            var codes = new System.Collections.Generic.HashSet<PkiErrorCode>();
            for (int length = 0; length < pfx.Length; length += length < 64 ? 1 : 7)
            {
                byte[] cut = pfx.Take(length).ToArray();
                codes.Add(Fails(cut, Password).Code);
            }
            Assert.Subset(new System.Collections.Generic.HashSet<PkiErrorCode> { PkiErrorCode.FormatUnknown, PkiErrorCode.CertificateInvalid }, codes);
        }

        [Fact]
        public void Unknown_content_is_format_unknown_and_truncated_der_is_certificate_invalid()
        {
            Assert.Equal(PkiErrorCode.FormatUnknown, Assert.Throws<PkiException>(() => CertificateFiles.Detect(new byte[] { 1, 2, 3 })).Code);
            Assert.Equal(PkiErrorCode.FormatUnknown, Fails(System.Text.Encoding.ASCII.GetBytes("hello world"), null).Code);
            Assert.Equal(PkiErrorCode.FormatUnknown, Fails(new byte[0], null).Code);
            Assert.Equal(PkiErrorCode.FormatUnknown, Fails(System.Text.Encoding.ASCII.GetBytes(PrivateKey.Generate(KeyAlgorithm.EcdsaP256).ExportPem()), null).Code);
            byte[] der = CertificateFiles.WriteDer(TestChain.For(KeyAlgorithm.EcdsaP256).Leaf);
            Assert.Equal(PkiErrorCode.CertificateInvalid, Fails(der.Take(der.Length - 10).ToArray(), null).Code);
        }

        [Fact]
        public void A_ten_thousand_certificate_p7b_loads_without_hanging()
        {
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            var many = Enumerable.Repeat(chain.Leaf, 10_000).ToList();
            byte[] p7b = CertificateFiles.WriteP7b(many, pem: false);
            var watch = Stopwatch.StartNew();
            var read = CertificateFiles.Read(p7b, null);
            watch.Stop();
            Assert.Equal(10_000, read.Certificates.Count);
            // A hang detector, not a speed test (the benchmark measures it: about 1.7 s on the 2-core machine).
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        }

        [Theory]
        [InlineData(0x30)]
        [InlineData(0xA0)]
        [InlineData(0x24)]
        public void Deep_nesting_is_refused_without_a_stack_overflow(byte tag)
        {
            const int depth = 100_000;
            // Indefinite-length headers nest without lengths to compute: tag 0x80 ... 00 00.
            var data = new byte[depth * 4];
            for (int i = 0; i < depth; i++)
            {
                data[2 * i] = tag;
                data[2 * i + 1] = 0x80;
            }
            foreach (byte[] input in new[] { data, DefiniteNesting(tag, depth), Wrap(new byte[] { 0x30, 0x80 }, data) })
            {
                Assert.IsType<PkiException>(Record.Exception(() => CertificateFiles.Read(input, null)));
            }
            // Inside a P7B and a PFX, where the outer headers are right.
            byte[] p7b = DerWriter.Tlv(0x30, new byte[] { 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02 }, DerWriter.Tlv(0xA0, DefiniteNesting(tag, 20_000)));
            Assert.IsType<PkiException>(Record.Exception(() => CertificateFiles.Read(p7b, null)));
            byte[] pfx = DerWriter.Tlv(0x30, new byte[] { 0x02, 0x01, 0x03 }, DefiniteNesting(tag, 20_000));
            Assert.IsType<PkiException>(Record.Exception(() => CertificateFiles.Read(pfx, null)));
        }

        private static byte[] Wrap(byte[] header, byte[] inner) => header.Concat(inner).ToArray();

        /// <summary><paramref name="depth"/> nested definite-length headers around an empty core.</summary>
        private static byte[] DefiniteNesting(byte tag, int depth)
        {
            var buffer = new System.Collections.Generic.List<byte[]>();
            // Build inside-out with 4-byte long-form lengths so every header is 6 bytes.
            var output = new byte[depth * 6];
            int length = 0;
            for (int i = depth - 1; i >= 0; i--)
            {
                int pos = i * 6;
                output[pos] = tag;
                output[pos + 1] = 0x84;
                output[pos + 2] = (byte)(length >> 24);
                output[pos + 3] = (byte)(length >> 16);
                output[pos + 4] = (byte)(length >> 8);
                output[pos + 5] = (byte)length;
                length += 6;
            }
            return output;
        }
    }
}
