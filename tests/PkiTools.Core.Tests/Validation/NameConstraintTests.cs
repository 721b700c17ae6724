using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using PkiTools.Core.Formats;
using PkiTools.Core.Validation;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>nameConstraints on an intermediate, checked against the leaf's names; each case also against `openssl verify`.</summary>
    public class NameConstraintTests
    {
        private static readonly (X509Certificate2 Certificate, AsymmetricCipherKeyPair Key) Root = RawCertificates.Root("CN=NC Root");

        private static GeneralName Dns(string n) => new GeneralName(GeneralName.DnsName, n);

        private static GeneralName Ip(string address, int prefix)
        {
            byte[] a = IPAddress.Parse(address).GetAddressBytes();
            var mask = new byte[a.Length];
            for (int i = 0; i < prefix; i++) mask[i / 8] |= (byte)(0x80 >> (i % 8));
            return new GeneralName(GeneralName.IPAddress, new DerOctetString(a.Concat(mask).ToArray()));
        }

        private static GeneralName Dir(string dn) => new GeneralName(GeneralName.DirectoryName, new X509Name(dn));

        /// <summary>Root -> CA with the given subtrees -> leaf with the given subject and SANs.</summary>
        private static (X509Certificate2 Leaf, X509Certificate2 Ca) Chain(GeneralName[]? permitted, GeneralName[]? excluded, string leafSubject, params GeneralName[] sans)
        {
            AsymmetricCipherKeyPair key = RawCertificates.NewKey();
            X509Name caName = RawCertificates.Name("O=Corp, CN=Constrained CA");
            X509Certificate2 ca = RawCertificates.Build(caName, key.Public, RawCertificates.NameOf(Root.Certificate), Root.Key.Private, g =>
            {
                RawCertificates.CaWithKeyCertSign(g);
                g.AddExtension(X509Extensions.NameConstraints, true, new NameConstraints(
                    permitted == null ? null : new GeneralSubtrees(permitted.Select(n => new GeneralSubtree(n)).ToArray()),
                    excluded == null ? null : new GeneralSubtrees(excluded.Select(n => new GeneralSubtree(n)).ToArray())));
            });
            X509Certificate2 leaf = RawCertificates.Build(RawCertificates.Name(leafSubject), RawCertificates.NewKey().Public, caName, key.Private, g =>
            {
                g.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
                if (sans.Length > 0) g.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(sans));
            });
            return (leaf, ca);
        }

        public static TheoryData<string> Cases() => new TheoryData<string>(All.Keys);

        private static readonly Dictionary<string, (GeneralName[]? Permitted, GeneralName[]? Excluded, string Subject, GeneralName[] Sans, bool Valid)> All =
            new Dictionary<string, (GeneralName[]?, GeneralName[]?, string, GeneralName[], bool)>
            {
                ["dns-permitted"] = (new[] { Dns("corp.example") }, null, "CN=leaf", new[] { Dns("web.corp.example") }, true),
                ["dns-permitted-exact"] = (new[] { Dns("corp.example") }, null, "CN=leaf", new[] { Dns("corp.example") }, true),
                ["dns-permitted-label-boundary"] = (new[] { Dns("corp.example") }, null, "CN=leaf", new[] { Dns("evilcorp.example") }, false),
                ["dns-permitted-one-of-two-sans-outside"] = (new[] { Dns("corp.example") }, null, "CN=leaf", new[] { Dns("web.corp.example"), Dns("web.other.example") }, false),
                ["dns-permitted-wildcard-inside"] = (new[] { Dns("corp.example") }, null, "CN=leaf", new[] { Dns("*.corp.example") }, true),
                ["dns-excluded"] = (null, new[] { Dns("secret.corp.example") }, "CN=leaf", new[] { Dns("db.secret.corp.example") }, false),
                ["dns-excluded-other-name-ok"] = (null, new[] { Dns("secret.corp.example") }, "CN=leaf", new[] { Dns("web.corp.example") }, true),
                ["dns-case-insensitive"] = (new[] { Dns("Corp.Example") }, null, "CN=leaf", new[] { Dns("web.corp.example") }, true),
                ["ip-permitted"] = (new[] { Ip("192.0.2.0", 24) }, null, "CN=leaf", new[] { new GeneralName(GeneralName.IPAddress, "192.0.2.7") }, true),
                ["ip-outside"] = (new[] { Ip("192.0.2.0", 24) }, null, "CN=leaf", new[] { new GeneralName(GeneralName.IPAddress, "198.51.100.7") }, false),
                ["ip-excluded"] = (null, new[] { Ip("10.0.0.0", 8) }, "CN=leaf", new[] { new GeneralName(GeneralName.IPAddress, "10.1.2.3") }, false),
                ["ip-constraint-does-not-restrict-dns"] = (new[] { Ip("192.0.2.0", 24) }, null, "CN=leaf", new[] { Dns("web.corp.example") }, true),
                ["dn-permitted"] = (new[] { Dir("O=Corp") }, null, "O=Corp, CN=leaf", new[] { Dns("web.corp.example") }, true),
                ["dn-outside"] = (new[] { Dir("O=Corp") }, null, "O=Other, CN=leaf", new[] { Dns("web.corp.example") }, false),
            };

        private static ChainValidationResult Validate(X509Certificate2 leaf, X509Certificate2 ca) =>
            ChainValidator.Validate(leaf, new ChainValidationOptions { TrustedRoots = new[] { Root.Certificate }, Intermediates = new[] { ca }, At = ValidationPki.At });

        [Theory]
        [MemberData(nameof(Cases))]
        public void Constraint_case_matches_expectation_and_openssl(string name)
        {
            var c = All[name];
            var (leaf, ca) = Chain(c.Permitted, c.Excluded, c.Subject, c.Sans);
            ChainValidationResult result = Validate(leaf, ca);
            if (c.Valid)
            {
                Assert.True(result.IsValid, string.Join("\n", result.Problems));
            }
            else
            {
                Assert.Equal(new[] { (ChainProblemCode.NameConstraintViolation, 0) }, result.Problems.Select(p => (p.Code, p.Index)));
                Assert.Contains("Constrained CA", result.Problems[0].Message);
            }

            using var dir = new TempDir();
            File.WriteAllText(dir.File("root.pem"), Pem.Encode("CERTIFICATE", Root.Certificate.RawData));
            File.WriteAllText(dir.File("ca.pem"), Pem.Encode("CERTIFICATE", ca.RawData));
            File.WriteAllText(dir.File("leaf.pem"), Pem.Encode("CERTIFICATE", leaf.RawData));
            OpenSsl.Result openssl = OpenSsl.Run("verify", "-no-CApath", "-no-CAstore", "-CAfile", dir.File("root.pem"), "-untrusted", dir.File("ca.pem"),
                "-attime", ValidationPki.At.ToUnixTimeSeconds().ToString(), dir.File("leaf.pem"));
            Assert.True((openssl.ExitCode == 0) == c.Valid, $"{name}: openssl says {openssl.All}");
        }

        [Fact]
        public void Name_constraints_in_a_leaf_make_it_invalid()
        {
            X509Certificate2 leaf = RawCertificates.Build(RawCertificates.Name("CN=leaf"), RawCertificates.NewKey().Public, RawCertificates.NameOf(Root.Certificate), Root.Key.Private, g =>
            {
                g.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
                g.AddExtension(X509Extensions.NameConstraints, false, new NameConstraints(new GeneralSubtrees(new GeneralSubtree(Dns("corp.example"))), null));
            });
            ChainValidationResult result = ChainValidator.Validate(leaf, new ChainValidationOptions { TrustedRoots = new[] { Root.Certificate }, At = ValidationPki.At });
            Assert.Equal(new[] { (ChainProblemCode.CertificateInvalid, 0) }, result.Problems.Select(p => (p.Code, p.Index)));
        }

        [Fact]
        public void Constraint_on_an_unsupported_name_form_fails_closed_only_when_the_leaf_has_such_a_name()
        {
            var registered = new GeneralName(GeneralName.RegisteredID, "1.2.3.4");
            var (plain, ca1) = Chain(null, new[] { registered }, "CN=leaf", Dns("web.corp.example"));
            Assert.True(Validate(plain, ca1).IsValid);
            var (withId, ca2) = Chain(null, new[] { registered }, "CN=leaf", Dns("web.corp.example"), new GeneralName(GeneralName.RegisteredID, "1.2.3.5"));
            Assert.Equal(ChainProblemCode.NameConstraintViolation, Validate(withId, ca2).Problems.Single().Code);
        }

        [Theory]
        [InlineData("corp.example", "corp.example", true)]
        [InlineData("corp.example", "a.b.corp.example", true)]
        [InlineData("corp.example", "xcorp.example", false)]
        [InlineData(".corp.example", "corp.example", false)]
        [InlineData(".corp.example", "a.corp.example", true)]
        [InlineData("", "anything.example", true)]
        public void Dns_subtree(string constraint, string name, bool expected) =>
            Assert.Equal(expected, NameConstraintChecker.MatchesDns(constraint, name, forExclusion: false));

        [Fact]
        public void Wildcard_san_conflicts_with_an_excluded_host_it_covers() =>
            Assert.True(NameConstraintChecker.MatchesDns("secret.corp.example", "*.corp.example", forExclusion: true));
    }
}
