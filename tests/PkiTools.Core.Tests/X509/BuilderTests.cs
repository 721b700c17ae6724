using System;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;
using Xunit;

namespace PkiTools.Core.Tests
{
    public class BuilderTests
    {
        private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

        /// <summary>A signer that signs with a different key than the issuer certificate's (Go's test does the same).</summary>
        private sealed class WrongKeySigner : ICertificateSigner
        {
            private readonly PrivateKey _other = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            public byte[] SignatureAlgorithm => SignatureAlgorithmFor(_other);
            public byte[] PublicKey => _other.SubjectPublicKeyInfo;
            public byte[] Sign(byte[] data) => _other.Sign(data, Keys.SignatureAlgorithm.EcdsaSha256);
            private static byte[] SignatureAlgorithmFor(PrivateKey k) => Keys.SignatureAlgorithm.EcdsaSha256.IdentifierDer;
        }

        private static IssuedCertificate Root(KeyAlgorithm algorithm = KeyAlgorithm.EcdsaP256, int? pathLength = null) =>
            CertificateIssuer.SelfSign(PrivateKey.Generate(algorithm), new CertificateTemplate { Subject = "CN=Root", Profile = CertificateProfile.RootCa, PathLength = pathLength }, Now);

        [Fact]
        public void A_broken_signer_is_caught_before_anything_is_returned()
        {
            var root = Root();
            var issuer = new CertificateIssuer(root.Certificate, new WrongKeySigner()) { Clock = () => Now };
            var ex = Assert.Throws<PkiException>(() => issuer.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { DnsNames = new[] { "a.example" } }));
            Assert.Equal(PkiErrorCode.SignatureSelfCheckFailed, ex.Code);
        }

        [Fact]
        public void Serials_are_random_positive_and_at_least_64_bits()
        {
            var issuer = new CertificateIssuer(Root().Certificate) { Clock = () => Now };
            var key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            var serials = Enumerable.Range(0, 200).Select(_ => issuer.Issue(key, new CertificateTemplate { DnsNames = new[] { "a.example" } }).Certificate.SerialNumber).ToList();
            Assert.Equal(serials.Count, serials.Distinct().Count());
            Assert.All(serials, s =>
            {
                Assert.InRange(s.Length, 30, 34); // 15 to 17 octets of hex
                Assert.True(Convert.ToByte(s.Substring(0, 2), 16) < 0x80, "positive");
            });
        }

        [Fact]
        public void Explicit_serial_must_be_positive_and_short()
        {
            var key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            var ok = CertificateIssuer.SelfSign(key, new CertificateTemplate { DnsNames = new[] { "a.example" }, SerialNumber = new byte[] { 0x01, 0x02 } }, Now);
            Assert.Equal("0102", ok.Certificate.SerialNumber);
            var tooLong = Assert.Throws<PkiException>(() => CertificateIssuer.SelfSign(key, new CertificateTemplate { DnsNames = new[] { "a.example" }, SerialNumber = Enumerable.Repeat((byte)0x7F, 21).ToArray() }, Now));
            Assert.Equal(PkiErrorCode.InvalidArgument, tooLong.Code);
            var zero = Assert.Throws<PkiException>(() => CertificateIssuer.SelfSign(key, new CertificateTemplate { DnsNames = new[] { "a.example" }, SerialNumber = new byte[] { 0 } }, Now));
            Assert.Equal(PkiErrorCode.InvalidArgument, zero.Code);
        }

        [Fact]
        public void Validity_is_backdated_five_minutes_and_nested_in_the_issuer()
        {
            var root = CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { Subject = "CN=Root", Profile = CertificateProfile.RootCa, ValidDays = 30 }, Now);
            Assert.Equal(Now.UtcDateTime.AddMinutes(-5), root.Certificate.NotBefore.ToUniversalTime());
            var issuer = new CertificateIssuer(root.Certificate) { Clock = () => Now.AddMinutes(1) };
            var leaf = issuer.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { DnsNames = new[] { "a.example" }, ValidDays = 90 });
            Assert.Equal(root.Certificate.NotAfter, leaf.Certificate.NotAfter);
            Assert.Contains(leaf.Warnings, w => w.Contains("clipped"));
            Assert.True(leaf.Certificate.NotBefore >= root.Certificate.NotBefore);
        }

        [Fact]
        public void An_expired_issuer_cannot_issue()
        {
            var root = CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { Subject = "CN=Root", Profile = CertificateProfile.RootCa, ValidDays = 1 }, Now);
            var issuer = new CertificateIssuer(root.Certificate) { Clock = () => Now.AddDays(3) };
            var ex = Assert.Throws<PkiException>(() => issuer.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { DnsNames = new[] { "a.example" } }));
            Assert.Equal(PkiErrorCode.ValidityInvalid, ex.Code);
            Assert.Contains("expired", ex.Message);
        }

        [Fact]
        public void Empty_subject_makes_the_SAN_critical()
        {
            var issuer = new CertificateIssuer(Root().Certificate) { Clock = () => Now };
            var cert = issuer.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { Subject = "", DnsNames = new[] { "a.example" } }).Certificate;
            Assert.Equal("", cert.Subject);
            Assert.True(cert.Extensions["2.5.29.17"]!.Critical);
            var noNames = Assert.Throws<PkiException>(() => issuer.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { Subject = "" }));
            Assert.Equal(PkiErrorCode.InvalidArgument, noNames.Code);
            var selfSigned = Assert.Throws<PkiException>(() => CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { Subject = "", DnsNames = new[] { "a.example" } }, Now));
            Assert.Equal(PkiErrorCode.InvalidArgument, selfSigned.Code);
        }

        [Fact]
        public void Weak_rsa_subject_keys_need_the_explicit_switch()
        {
            var issuer = new CertificateIssuer(Root().Certificate) { Clock = () => Now };
            using var rsa = System.Security.Cryptography.RSA.Create(1024);
            var weak = PrivateKey.FromRsa(rsa);
            var ex = Assert.Throws<PkiException>(() => issuer.Issue(weak, new CertificateTemplate { DnsNames = new[] { "old.example" } }));
            Assert.Equal(PkiErrorCode.WeakKey, ex.Code);
            var allowed = issuer.Issue(weak, new CertificateTemplate { DnsNames = new[] { "old.example" }, AllowWeakKey = true });
            Assert.Equal(1024, allowed.Certificate.GetRSAPublicKey()!.KeySize);
        }

        [Fact]
        public void Path_length_rules_are_checked_at_issuance()
        {
            var root = Root(pathLength: 0);
            var issuer = new CertificateIssuer(root.Certificate) { Clock = () => Now };
            var ex = Assert.Throws<PkiException>(() => issuer.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { Subject = "CN=Int", Profile = CertificateProfile.IntermediateCa }));
            Assert.Equal(PkiErrorCode.IssuerNotCa, ex.Code);
            var leafOnly = Assert.Throws<PkiException>(() => issuer.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { DnsNames = new[] { "a.example" }, PathLength = 1 }));
            Assert.Equal(PkiErrorCode.InvalidArgument, leafOnly.Code);
        }

        [Fact]
        public void Issued_certificates_load_in_dotnet_and_match_their_template()
        {
            var root = Root(KeyAlgorithm.Rsa2048);
            var issuer = new CertificateIssuer(root.Certificate) { Clock = () => Now };
            var leaf = issuer.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP384), new CertificateTemplate { DnsNames = new[] { "a.example", "*.b.example" }, IpAddresses = new[] { "::1" }, Profile = CertificateProfile.TlsServerClient });
            var cert = X509CertificateLoader.LoadCertificate(leaf.Der);
            Assert.Equal("1.2.840.113549.1.1.11", cert.SignatureAlgorithm.Value); // the issuer's RSA key signs with SHA-256
            var san = (X509SubjectAlternativeNameExtension)cert.Extensions["2.5.29.17"]!;
            Assert.Equal(new[] { "a.example", "*.b.example" }, san.EnumerateDnsNames().ToArray());
            Assert.Equal("::1", san.EnumerateIPAddresses().Single().ToString());
            var eku = (X509EnhancedKeyUsageExtension)cert.Extensions["2.5.29.37"]!;
            Assert.Equal(new[] { "1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2" }, eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value).ToArray());
            var aki = (X509AuthorityKeyIdentifierExtension)cert.Extensions["2.5.29.35"]!;
            var ski = (X509SubjectKeyIdentifierExtension)root.Certificate.Extensions["2.5.29.14"]!;
            Assert.Equal(ski.SubjectKeyIdentifier, Convert.ToHexString(aki.KeyIdentifier!.Value.Span));
        }
    }
}
