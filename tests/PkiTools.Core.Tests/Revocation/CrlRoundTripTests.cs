using System;
using System.Collections.Generic;
using System.Linq;
using PkiTools.Core.Revocation;
using PkiTools.Core.Tests.Validation;
using Xunit;

namespace PkiTools.Core.Tests.Revocation
{
    public sealed class CrlRoundTripTests
    {
        private static readonly CrlTestPki Pki = new CrlTestPki();

        [Fact]
        public void Build_then_parse_keeps_every_field()
        {
            var entries = new List<RevokedEntry>();
            var reasons = Enum.GetValues(typeof(RevocationReason)).Cast<RevocationReason?>().Append(null).ToArray();
            for (int i = 0; i < reasons.Length; i++)
            {
                entries.Add(new RevokedEntry(new byte[] { 0x00, (byte)(0x80 + i), 0x01 }, ValidationPki.Days(-i), reasons[i]));
            }
            CertificateRevocationList crl = CrlBuilder.Build(Pki.Intermediate, entries, 4096, ValidationPki.Days(-1), ValidationPki.Days(6));
            CertificateRevocationList parsed = CertificateRevocationList.Parse(crl.GetEncoded());
            CertificateRevocationList fromPem = CertificateRevocationList.Parse(System.Text.Encoding.ASCII.GetBytes(crl.Pem));
            foreach (CertificateRevocationList c in new[] { crl, parsed, fromPem })
            {
                Assert.Equal(Pki.Intermediate.Subject, c.Issuer);
                Assert.Equal(ValidationPki.Days(-1), c.ThisUpdate);
                Assert.Equal(ValidationPki.Days(6), c.NextUpdate);
                Assert.Equal("4096", c.CrlNumber);
                Assert.Equal(entries.Count, c.RevokedCount);
                Assert.Equal(new System.Security.Cryptography.X509Certificates.X509SubjectKeyIdentifierExtension(
                    Pki.Intermediate.Extensions["2.5.29.14"]!, false).SubjectKeyIdentifier, c.AuthorityKeyId);
                for (int i = 0; i < entries.Count; i++)
                {
                    Assert.Equal(entries[i].SerialNumberHex, c.Entries[i].SerialNumberHex);
                    Assert.Equal(entries[i].RevocationDate, c.Entries[i].RevocationDate);
                    Assert.Equal(entries[i].Reason, c.Entries[i].Reason);
                }
                Assert.True(c.IsSignedBy(Pki.Intermediate));
                Assert.False(c.IsSignedBy(Pki.Root));
                Assert.Equal(RevocationReason.CaCompromise, c.Find(new byte[] { 0x82, 0x01 })!.Reason);
                Assert.Null(c.Find(new byte[] { 0x7F, 0x01 }));
            }
            Assert.Equal(crl.GetEncoded(), parsed.GetEncoded());
        }

        [Fact]
        public void Lookup_by_serial_finds_what_the_entry_list_holds()
        {
            // Serials of every length from 1 to 20 octets, high bit set or not, in an order that is not sorted.
            var rng = new Random(7);
            var entries = new List<RevokedEntry>();
            var seen = new HashSet<string>();
            while (entries.Count < 2000)
            {
                var serial = new byte[1 + rng.Next(20)];
                rng.NextBytes(serial);
                if (serial.Length == 20) serial[0] &= 0x7F;
                if (serial[0] == 0) serial[0] = 1;
                var entry = new RevokedEntry(serial, ValidationPki.Days(-1 - rng.Next(100)), rng.Next(3) == 0 ? null : RevocationReason.Superseded);
                if (seen.Add(entry.SerialNumberHex)) entries.Add(entry);
            }
            CertificateRevocationList crl = CertificateRevocationList.Parse(
                CrlBuilder.Build(Pki.Intermediate, entries, 9, ValidationPki.Days(-1), ValidationPki.Days(6)).GetEncoded());
            CertificateRevocationList listed = CertificateRevocationList.Parse(crl.GetEncoded());
            Assert.Equal(entries.Count, listed.Entries.Count); // the entry list read first: lookups then return its objects
            foreach (CertificateRevocationList c in new[] { crl, listed })
            {
                for (int i = 0; i < entries.Count; i++)
                {
                    RevokedEntry found = c.Find(entries[i].SerialNumber)!;
                    Assert.Equal(entries[i].SerialNumberHex, found.SerialNumberHex);
                    Assert.Equal(entries[i].RevocationDate, found.RevocationDate);
                    Assert.Equal(entries[i].Reason, found.Reason);
                    Assert.Equal(found.SerialNumberHex, c.Find(new byte[] { 0, 0 }.Concat(entries[i].SerialNumber).ToArray())!.SerialNumberHex);
                    byte[] other = entries[i].SerialNumber;
                    other[other.Length - 1] ^= 0x5A;
                    RevokedEntry? hit = c.Find(other); // only ever the entry with exactly that serial
                    if (hit != null) Assert.Equal(other.SkipWhile((b, k) => b == 0 && k < other.Length - 1).ToArray(), hit.SerialNumber);
                }
            }
            Assert.Equal(crl.Entries.Select(e => e.SerialNumberHex), entries.Select(e => e.SerialNumberHex));
            Assert.Same(listed.Entries[5], listed.Find(entries[5].SerialNumber));
        }

        [Fact]
        public void Empty_crl_has_no_revoked_list()
        {
            CertificateRevocationList crl = CrlBuilder.Build(Pki.Root, Array.Empty<RevokedEntry>(), 0, ValidationPki.Days(-1), ValidationPki.Days(6));
            Assert.Equal(0, crl.RevokedCount);
            Assert.Equal("0", crl.CrlNumber);
            Assert.True(crl.IsSignedBy(Pki.Root));
        }

        [Fact]
        public void Dates_after_2049_use_GeneralizedTime()
        {
            CertificateRevocationList crl = CrlBuilder.Build(Pki.Root, new[] { new RevokedEntry(new byte[] { 5 }, new DateTimeOffset(2051, 1, 2, 3, 4, 5, TimeSpan.Zero)) },
                1, ValidationPki.Days(-1), new DateTimeOffset(2060, 1, 1, 0, 0, 0, TimeSpan.Zero));
            Assert.Equal(new DateTimeOffset(2060, 1, 1, 0, 0, 0, TimeSpan.Zero), crl.NextUpdate);
            Assert.Equal(new DateTimeOffset(2051, 1, 2, 3, 4, 5, TimeSpan.Zero), crl.Entries[0].RevocationDate);
            Assert.Null(crl.Entries[0].Reason);
        }

        [Fact]
        public void A_leaf_cannot_sign_a_crl()
        {
            var ex = Assert.Throws<PkiException>(() => CrlBuilder.Build(Pki.GoodLeaf, Array.Empty<RevokedEntry>(), 1, ValidationPki.Days(-1), ValidationPki.Days(6)));
            Assert.Equal(PkiErrorCode.IssuerNotCa, ex.Code);
        }

        [Fact]
        public void Bad_arguments_are_refused()
        {
            Assert.Equal(PkiErrorCode.ValidityInvalid, Assert.Throws<PkiException>(() => CrlBuilder.Build(Pki.Root, Array.Empty<RevokedEntry>(), 1, ValidationPki.Days(1), ValidationPki.Days(1))).Code);
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => CrlBuilder.Build(Pki.Root, Array.Empty<RevokedEntry>(), -1, ValidationPki.Days(-1), ValidationPki.Days(1))).Code);
            var twice = new[] { new RevokedEntry(new byte[] { 1 }, ValidationPki.At), new RevokedEntry(new byte[] { 0, 1 }, ValidationPki.At) };
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => CrlBuilder.Build(Pki.Root, twice, 1, ValidationPki.Days(-1), ValidationPki.Days(1))).Code);
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => new RevokedEntry(new byte[] { 0 }, ValidationPki.At)).Code);
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => new RevokedEntry(new byte[21] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, ValidationPki.At)).Code);
        }

        [Fact]
        public void A_broken_signer_fails_the_self_check()
        {
            var signer = new BrokenSigner(Core.Keys.PrivateKey.Generate(Core.Keys.KeyAlgorithm.EcdsaP256));
            var ex = Assert.Throws<PkiException>(() => CrlBuilder.Build(Pki.Root, signer, Array.Empty<RevokedEntry>(), 1, ValidationPki.Days(-1), ValidationPki.Days(6)));
            Assert.Equal(PkiErrorCode.SignatureSelfCheckFailed, ex.Code);
        }

        [Fact]
        public void Pem_without_a_crl_block_is_CrlInvalid()
        {
            byte[] pem = System.Text.Encoding.ASCII.GetBytes(Core.Formats.Pem.Encode("CERTIFICATE", Pki.Root.RawData));
            Assert.Equal(PkiErrorCode.CrlInvalid, Assert.Throws<PkiException>(() => CertificateRevocationList.Parse(pem)).Code);
            Assert.Equal(PkiErrorCode.CrlInvalid, Assert.Throws<PkiException>(() => CertificateRevocationList.Parse(Pki.Root.RawData)).Code);
            Assert.Equal(PkiErrorCode.CrlInvalid, Assert.Throws<PkiException>(() => CertificateRevocationList.Parse(Array.Empty<byte>())).Code);
        }

        /// <summary>Signs with a key that is not the issuer's.</summary>
        private sealed class BrokenSigner : Core.X509.ICertificateSigner
        {
            private readonly Core.Keys.PrivateKey _key;

            public BrokenSigner(Core.Keys.PrivateKey key) => _key = key;

            public byte[] SignatureAlgorithm => _key.DefaultSignatureAlgorithm(null).IdentifierDer;

            public byte[] PublicKey => _key.SubjectPublicKeyInfo;

            public byte[] Sign(byte[] data) => _key.Sign(data, _key.DefaultSignatureAlgorithm(null));
        }
    }
}
