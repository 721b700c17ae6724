using System;
using System.Collections.Generic;
using System.Formats.Asn1;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Ca
{
    /// <summary>
    /// CertificateBuilder's nameConstraints (CA certificates), cRLDistributionPoints and authorityInfoAccess: the DER
    /// read back with System.Formats.Asn1 and .NET's own extension types, and the text openssl prints.
    /// </summary>
    public class NameConstraintAndPublicationTests
    {
        private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

        private static X509Certificate2 Root(IReadOnlyList<string>? dns = null, IReadOnlyList<string>? ips = null, CertificateProfile profile = CertificateProfile.RootCa) =>
            CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate
            {
                Subject = "CN=Constrained",
                Profile = profile,
                DnsNames = profile == CertificateProfile.RootCa ? Array.Empty<string>() : new[] { "leaf.example" },
                PermittedDnsDomains = dns ?? Array.Empty<string>(),
                PermittedIpRanges = ips ?? Array.Empty<string>(),
            }, Now).Certificate;

        /// <summary>The subtrees of a nameConstraints extension as (GeneralName tag, value) pairs: [2] dNSName, [7] iPAddress.</summary>
        private static (List<(int Tag, byte[] Value)> Permitted, List<(int Tag, byte[] Value)> Excluded, bool Critical) Constraints(X509Certificate2 certificate)
        {
            X509Extension ext = certificate.Extensions.Cast<X509Extension>().Single(e => e.Oid!.Value == "2.5.29.30");
            var permitted = new List<(int, byte[])>();
            var excluded = new List<(int, byte[])>();
            var reader = new AsnReader(ext.RawData, AsnEncodingRules.DER);
            AsnReader seq = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            while (seq.HasData)
            {
                Asn1Tag tag = seq.PeekTag();
                AsnReader subtrees = seq.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, tag.TagValue, isConstructed: true));
                while (subtrees.HasData)
                {
                    AsnReader subtree = subtrees.ReadSequence();
                    Asn1Tag nameTag = subtree.PeekTag();
                    Assert.Equal(TagClass.ContextSpecific, nameTag.TagClass);
                    byte[] value = subtree.ReadOctetString(new Asn1Tag(TagClass.ContextSpecific, nameTag.TagValue));
                    Assert.False(subtree.HasData); // minimum 0 is DEFAULT (omitted), no maximum
                    (tag.TagValue == 0 ? permitted : excluded).Add((nameTag.TagValue, value));
                }
            }
            return (permitted, excluded, ext.Critical);
        }

        /// <summary>CRLDistributionPoints: for each DistributionPoint, the URIs of its fullName ([0] { [0] GeneralNames }).</summary>
        private static List<string[]> DistributionPointUris(byte[] der)
        {
            var points = new List<string[]>();
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            AsnReader seq = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            while (seq.HasData)
            {
                AsnReader point = seq.ReadSequence();
                AsnReader name = point.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true));
                AsnReader fullName = name.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true));
                Assert.False(name.HasData);
                Assert.False(point.HasData); // no reasons, no cRLIssuer
                var uris = new List<string>();
                while (fullName.HasData) uris.Add(fullName.ReadCharacterString(UniversalTagNumber.IA5String, new Asn1Tag(TagClass.ContextSpecific, 6)));
                points.Add(uris.ToArray());
            }
            return points;
        }

        private static (int, byte[]) Dns(string name) => (2, System.Text.Encoding.ASCII.GetBytes(name));

        private static (int, byte[]) Ip(string network, string mask) => (7, IPAddress.Parse(network).GetAddressBytes().Concat(IPAddress.Parse(mask).GetAddressBytes()).ToArray());

        private static void AssertSubtrees(IEnumerable<(int Tag, byte[] Value)> expected, IEnumerable<(int Tag, byte[] Value)> actual) =>
            Assert.Equal(expected.Select(e => $"{e.Tag}:{Convert.ToHexString(e.Value)}"), actual.Select(a => $"{a.Tag}:{Convert.ToHexString(a.Value)}"));

        [Fact]
        public void Dns_domains_and_ipv4_and_ipv6_ranges_are_permitted_subtrees_with_their_masks()
        {
            X509Certificate2 root = Root(
                new[] { "Corp.Example.", ".lab.example", "xn--bcher-kva.example", "local" },
                new[] { "10.0.0.0/8", "192.168.1.77/24", "172.16.0.0/12", "172.31.5.9", "0.0.0.0/0", "2001:db8::/32", "2001:db8:1:2::5/64", "2001:db8:ff::/65", "fd00::1" });
            var (permitted, excluded, critical) = Constraints(root);
            Assert.True(critical);
            AssertSubtrees(new[]
            {
                Dns("corp.example"), Dns("lab.example"), Dns("xn--bcher-kva.example"), Dns("local"),
                Ip("10.0.0.0", "255.0.0.0"),
                Ip("192.168.1.0", "255.255.255.0"), // host bits cleared
                Ip("172.16.0.0", "255.240.0.0"), // a mask that ends inside an octet
                Ip("172.31.5.9", "255.255.255.255"), // no prefix: one address
                Ip("0.0.0.0", "0.0.0.0"),
                Ip("2001:db8::", "ffff:ffff::"),
                Ip("2001:db8:1:2::", "ffff:ffff:ffff:ffff::"),
                Ip("2001:db8:ff::", "ffff:ffff:ffff:ffff:8000::"),
                Ip("fd00::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            }, permitted);
            Assert.Empty(excluded);

            using var tmp = new TempDir();
            File.WriteAllText(tmp.File("root.pem"), root.ExportCertificatePem());
            string text = OpenSsl.Ok("x509", "-in", tmp.File("root.pem"), "-noout", "-text");
            Assert.Contains("X509v3 Name Constraints: critical", text);
            foreach (string shown in new[] { "DNS:corp.example", "DNS:lab.example", "IP:10.0.0.0/255.0.0.0", "IP:172.16.0.0/255.240.0.0", "IP:2001:DB8:0:0:0:0:0:0/FFFF:FFFF:0:0:0:0:0:0", "IP:2001:DB8:FF:0:0:0:0:0/FFFF:FFFF:FFFF:FFFF:8000:0:0:0" })
            {
                Assert.Contains(shown, text);
            }
        }

        [Fact]
        public void Dns_domains_alone_exclude_every_ip_address()
        {
            var (permitted, excluded, _) = Constraints(Root(new[] { "corp.example" }));
            AssertSubtrees(new[] { Dns("corp.example") }, permitted);
            AssertSubtrees(new[] { Ip("0.0.0.0", "0.0.0.0"), Ip("::", "::") }, excluded);
        }

        [Fact]
        public void Ip_ranges_alone_leave_dns_names_unconstrained()
        {
            var (permitted, excluded, _) = Constraints(Root(null, new[] { "10.0.0.0/8" }));
            AssertSubtrees(new[] { Ip("10.0.0.0", "255.0.0.0") }, permitted);
            Assert.Empty(excluded);
        }

        [Fact]
        public void Without_constraints_there_is_no_extension_and_intermediates_take_them_too()
        {
            Assert.DoesNotContain(Root().Extensions.Cast<X509Extension>(), e => e.Oid!.Value == "2.5.29.30");
            var root = CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { Subject = "CN=Root", Profile = CertificateProfile.RootCa }, Now);
            var sub = new CertificateIssuer(root.Certificate).Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate
            {
                Subject = "CN=Sub", Profile = CertificateProfile.IntermediateCa, PermittedDnsDomains = new[] { "sub.example" },
            });
            AssertSubtrees(new[] { Dns("sub.example") }, Constraints(sub.Certificate).Permitted);
        }

        [Theory]
        [InlineData(CertificateProfile.TlsServer)]
        [InlineData(CertificateProfile.TlsClient)]
        [InlineData(CertificateProfile.TlsServerClient)]
        public void Constraints_on_a_leaf_profile_are_refused(CertificateProfile profile)
        {
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => Root(new[] { "corp.example" }, null, profile)).Code);
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => Root(null, new[] { "10.0.0.0/8" }, profile)).Code);
        }

        [Theory]
        [InlineData("*.corp.example")]
        [InlineData("corp..example")]
        [InlineData("-corp.example")]
        [InlineData("corp-.example")]
        [InlineData("a_b.example")]
        [InlineData("bücher.example")]
        [InlineData("corp.example/path")]
        [InlineData("")]
        [InlineData(" ")]
        [InlineData(".")]
        [InlineData("10.0.0.0/8 corp.example")]
        public void Invalid_domains_are_InvalidArgument(string domain)
        {
            var ex = Assert.Throws<PkiException>(() => Root(new[] { domain }));
            Assert.Equal(PkiErrorCode.InvalidArgument, ex.Code);
            Assert.Contains("not a DNS domain", ex.Message);
        }

        [Fact]
        public void Domain_length_limits_are_those_of_dns()
        {
            string label63 = new string('a', 63);
            Root(new[] { label63 + ".example" });
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => Root(new[] { label63 + "a.example" })).Code);
            string name253 = string.Join(".", Enumerable.Repeat(new string('b', 49), 5)) + "." + new string('c', 3); // 5*50 + 3 = 253
            Assert.Equal(253, name253.Length);
            Root(new[] { name253 });
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => Root(new[] { name253 + "d" })).Code);
        }

        [Theory]
        [InlineData("10.0.0.0/33")]
        [InlineData("10.0.0.0/-1")]
        [InlineData("10.0.0.0/8/9")]
        [InlineData("10.0.0.0/")]
        [InlineData("10.0.0.0/ 8")]
        [InlineData("10.0.0.0/0x8")]
        [InlineData("abc/8")]
        [InlineData("")]
        [InlineData("10.1/16")] // inet_aton would read 10.0.0.1
        [InlineData("010.0.0.0/8")] // inet_aton would read octal 8.0.0.0
        [InlineData("0x0a.0.0.0/8")]
        [InlineData("256.0.0.0/8")]
        [InlineData("2001:db8::/129")]
        [InlineData("2001:db8::g/32")]
        [InlineData("corp.example")]
        public void Invalid_cidr_ranges_are_InvalidArgument(string range)
        {
            var ex = Assert.Throws<PkiException>(() => Root(null, new[] { range }));
            Assert.Equal(PkiErrorCode.InvalidArgument, ex.Code);
            Assert.Contains("CIDR", ex.Message);
        }

        [Fact]
        public void Crl_distribution_points_and_ca_issuers_are_encoded_as_dotnet_and_openssl_read_them()
        {
            var root = CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { Subject = "CN=Root", Profile = CertificateProfile.RootCa }, Now);
            string[] cdp = { "http://pki.example/ca.crl", "ldap://ldap.example/cn=Root,dc=example?certificateRevocationList" };
            string[] aia = { "http://pki.example/ca.crt", "https://backup.example/ca.p7c" };
            var leaf = new CertificateIssuer(root.Certificate).Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate
            {
                DnsNames = new[] { "web.example" }, CrlDistributionPoints = cdp, AuthorityInfoAccess = aia,
            }).Certificate;

            // One distribution point whose full name lists every URI (RFC 5280: several names of one point are ways to
            // the same CRL), read back with System.Formats.Asn1 ...
            X509Extension crlDp = leaf.Extensions.Cast<X509Extension>().Single(e => e.Oid!.Value == "2.5.29.31");
            Assert.False(crlDp.Critical);
            Assert.Equal(cdp, DistributionPointUris(crlDp.RawData).Single());
            // ... and with a single URI, byte for byte what .NET's own builder makes.
            var single = new CertificateIssuer(root.Certificate).Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate
            {
                DnsNames = new[] { "one.example" }, CrlDistributionPoints = new[] { cdp[0] },
            }).Certificate;
            Assert.Equal(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension(new[] { cdp[0] }, critical: false).RawData,
                single.Extensions.Cast<X509Extension>().Single(e => e.Oid!.Value == "2.5.29.31").RawData);
            // caIssuers: one access description per URI, as .NET builds it.
            var access = leaf.Extensions.OfType<X509AuthorityInformationAccessExtension>().Single();
            Assert.False(access.Critical);
            Assert.Equal(aia, access.EnumerateCAIssuersUris().ToArray());
            Assert.Empty(access.EnumerateOcspUris());
            Assert.Equal(new X509AuthorityInformationAccessExtension(null, aia).RawData, access.RawData);

            using var tmp = new TempDir();
            File.WriteAllText(tmp.File("leaf.pem"), leaf.ExportCertificatePem());
            string text = OpenSsl.Ok("x509", "-in", tmp.File("leaf.pem"), "-noout", "-text");
            Assert.Contains("X509v3 CRL Distribution Points", text);
            Assert.Contains("Full Name:", text);
            Assert.Contains("URI:http://pki.example/ca.crl", text);
            Assert.Contains("URI:ldap://ldap.example/cn=Root,dc=example?certificateRevocationList", text);
            Assert.Contains("CA Issuers - URI:http://pki.example/ca.crt", text);
            Assert.Contains("CA Issuers - URI:https://backup.example/ca.p7c", text);

            // Neither extension without URIs.
            var plain = new CertificateIssuer(root.Certificate).Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { DnsNames = new[] { "plain.example" } }).Certificate;
            Assert.DoesNotContain(plain.Extensions.Cast<X509Extension>(), e => e.Oid!.Value == "2.5.29.31" || e.Oid!.Value == "1.3.6.1.5.5.7.1.1");
        }

        [Theory]
        [InlineData("ftp://pki.example/ca.crl")]
        [InlineData("mailto:pki@example.com")]
        [InlineData("pki.example/ca.crl")]
        [InlineData("/ca.crl")] // on Unix, System.Uri makes this file:///ca.crl
        [InlineData("C:\\pki\\ca.crl")]
        [InlineData("http://")]
        [InlineData("")]
        public void Publication_uris_must_be_absolute_http_https_ldap_or_file(string uri)
        {
            var root = CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { Subject = "CN=Root", Profile = CertificateProfile.RootCa }, Now);
            var issuer = new CertificateIssuer(root.Certificate);
            var key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            var cdp = Assert.Throws<PkiException>(() => issuer.Issue(key, new CertificateTemplate { DnsNames = new[] { "a.example" }, CrlDistributionPoints = new[] { uri } }));
            Assert.Equal(PkiErrorCode.InvalidArgument, cdp.Code);
            Assert.Equal("CrlDistributionPoint", cdp.Input); // the core names the option; the cmdlet layer renders -CrlDistributionPoint
            Assert.Equal("Check -CrlDistributionPoint.", cdp.Hint!.Render((name, value) => "-" + name));
            var aia = Assert.Throws<PkiException>(() => issuer.Issue(key, new CertificateTemplate { DnsNames = new[] { "a.example" }, AuthorityInfoAccess = new[] { uri } }));
            Assert.Equal(PkiErrorCode.InvalidArgument, aia.Code);
            Assert.Equal("AuthorityInfoAccess", aia.Input);
            // policy.json is checked the same way when it is read.
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => new PkiTools.Core.Ca.CaPolicy { CrlDistributionPoints = { uri } }.Validate()).Code);
        }

        [Fact]
        public void File_and_ldap_uris_are_accepted()
        {
            var root = CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { Subject = "CN=Root", Profile = CertificateProfile.RootCa }, Now);
            var leaf = new CertificateIssuer(root.Certificate).Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate
            {
                DnsNames = new[] { "a.example" }, CrlDistributionPoints = new[] { "file:///srv/pki/ca.crl", "ldap://ldap.example/cn=CA" },
            }).Certificate;
            Assert.Equal(new[] { "file:///srv/pki/ca.crl", "ldap://ldap.example/cn=CA" },
                DistributionPointUris(leaf.Extensions.Cast<X509Extension>().Single(e => e.Oid!.Value == "2.5.29.31").RawData).Single());
        }
    }
}
