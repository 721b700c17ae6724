using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PkiTools.Core.Ca;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Ca
{
    /// <summary>A CA never issues what its own chain makes invalid: sub-CAs narrow their parent's names, leaves are validated before recording.</summary>
    public class CaChainAndNamesTests
    {
        private static CaPolicy Names(string[] dns, string[] ips) => new CaPolicy { PermittedDnsSuffixes = dns.ToList(), PermittedIpRanges = ips.ToList() };

        public static TheoryData<string[], string[], string[], string[], string[]?, string[]?> Narrowing => new TheoryData<string[], string[], string[], string[], string[]?, string[]?>
        {
            // parent DNS, parent IP, child DNS, child IP, expected DNS, expected IP (null: PolicyViolation)
            { new string[0], new string[0], new[] { "any.example" }, new string[0], new[] { "any.example" }, new string[0] },
            { new[] { "corp.example" }, new string[0], new string[0], new string[0], new[] { "corp.example" }, new string[0] },
            { new[] { "corp.example" }, new[] { "10.0.0.0/8" }, new string[0], new string[0], new[] { "corp.example" }, new[] { "10.0.0.0/8" } },
            { new[] { "corp.example" }, new string[0], new[] { "web.corp.example" }, new string[0], new[] { "web.corp.example" }, new string[0] },
            { new[] { "corp.example" }, new string[0], new[] { "corp.example" }, new string[0], new[] { "corp.example" }, new string[0] },
            { new[] { "corp.example" }, new string[0], new[] { "evil.example" }, new string[0], null, null },
            { new[] { "corp.example" }, new string[0], new[] { "xcorp.example" }, new string[0], null, null },
            { new[] { "corp.example" }, new string[0], new[] { "web.corp.example", "other.example" }, new string[0], null, null },
            { new[] { "corp.example" }, new string[0], new string[0], new[] { "10.0.0.0/8" }, null, null }, // the parent excludes every IP
            { new[] { "corp.example" }, new[] { "10.0.0.0/8" }, new string[0], new[] { "10.1.0.0/16" }, new[] { "corp.example" }, new[] { "10.1.0.0/16" } },
            { new[] { "corp.example" }, new[] { "10.0.0.0/8" }, new string[0], new[] { "192.168.0.0/16" }, null, null },
            { new[] { "corp.example" }, new[] { "10.0.0.0/8" }, new string[0], new[] { "0.0.0.0/0" }, null, null },
            { new[] { "corp.example" }, new[] { "10.0.0.0/8" }, new[] { "web.corp.example" }, new string[0], new[] { "web.corp.example" }, new string[0] },
            { new string[0], new[] { "10.0.0.0/8" }, new string[0], new[] { "10.2.3.0/24" }, new string[0], new[] { "10.2.3.0/24" } },
            { new string[0], new[] { "10.0.0.0/8" }, new string[0], new[] { "fd00::/8" }, null, null },
        };

        [Theory]
        [MemberData(nameof(Narrowing))]
        public void A_sub_ca_policy_only_narrows_the_parents_names(string[] parentDns, string[] parentIp, string[] childDns, string[] childIp, string[]? dns, string[]? ip)
        {
            CaPolicy child = Names(childDns, childIp);
            if (dns == null)
            {
                Assert.Equal(PkiErrorCode.PolicyViolation, Assert.Throws<PkiException>(() => child.NarrowNamesTo(Names(parentDns, parentIp), "CN=Parent")).Code);
                return;
            }
            child.NarrowNamesTo(Names(parentDns, parentIp), "CN=Parent");
            Assert.Equal(dns, child.PermittedDnsSuffixes);
            Assert.Equal(ip, child.PermittedIpRanges);
        }

        [Fact]
        public void Create_writes_the_inherited_names_into_the_sub_ca_and_refuses_wider_ones_without_writing()
        {
            using var tmp = new TempDir();
            CaDirectory root = CaDirectory.Create(tmp.File("root"), "CN=Root", pathLength: 1, policy: Names(new[] { "corp.example" }, new string[0]));
            CaDirectory sub = CaDirectory.Create(tmp.File("sub"), "CN=Sub", parent: root);
            Assert.Equal(new[] { "corp.example" }, CaPolicy.Load(Path.Combine(sub.Folder, CaPolicy.FileName)).PermittedDnsSuffixes);
            Assert.Contains("DNS:corp.example", OpenSsl.Ok("x509", "-in", Path.Combine(sub.Folder, "ca.crt"), "-noout", "-text"));
            var refused = Assert.Throws<PkiException>(() => CaDirectory.Create(tmp.File("wide"), "CN=Wide", parent: root, policy: Names(new[] { "evil.example" }, new string[0])));
            Assert.Equal(PkiErrorCode.PolicyViolation, refused.Code);
            Assert.Contains("evil.example", refused.Message);
            Assert.False(Directory.Exists(tmp.File("wide")));
            Assert.Single(root.Entries()); // only the sub-CA
        }

        [Fact]
        public void A_certificate_the_chain_would_reject_is_PolicyViolation_and_not_recorded()
        {
            using var tmp = new TempDir();
            CaDirectory root = CaDirectory.Create(tmp.File("root"), "CN=Root", pathLength: 1, policy: Names(new[] { "corp.example" }, new string[0]));
            CaDirectory sub = CaDirectory.Create(tmp.File("sub"), "CN=Sub", parent: root);
            // Someone loosened the sub-CA's policy.json; the root's name constraints still bind every certificate below it.
            File.WriteAllText(Path.Combine(sub.Folder, CaPolicy.FileName), "{}");
            CaDirectory loosened = CaDirectory.Open(sub.Folder);
            var refused = Assert.Throws<PkiException>(() => loosened.Issue(CaDirectoryTests.Csr("www.evil.example", new[] { "www.evil.example" })));
            Assert.Equal(PkiErrorCode.PolicyViolation, refused.Code);
            Assert.Contains("NameConstraint", refused.Message);
            Assert.Contains("CN=Root", refused.Message);
            Assert.Empty(loosened.Entries());
            Assert.Empty(Directory.GetFiles(loosened.CertificatesFolder));
            // Inside the names it still issues, and the result validates.
            var ok = loosened.Issue(CaDirectoryTests.Csr("www.corp.example", new[] { "www.corp.example" }));
            Assert.Single(loosened.Entries());
            Assert.NotNull(ok.Certificate);
        }
    
        [Fact]
        public void A_parent_whose_policy_names_nothing_passes_on_its_certificates_name_constraints()
        {
            using var tmp = new TempDir();
            CaDirectory root = CaDirectory.Create(tmp.File("root"), "CN=Root", pathLength: 1, policy: Names(new[] { "corp.example" }, new[] { "10.0.0.0/8", "fd00::/8" }));
            // As an adopted CA would be: the constraints are in ca.crt, policy.json says nothing.
            File.Delete(Path.Combine(root.Folder, CaPolicy.FileName));
            CaDirectory adopted = CaDirectory.Open(root.Folder);
            CaPolicy names = CaPolicy.PermittedNamesOf(adopted.Certificate)!;
            Assert.Equal(new[] { "corp.example" }, names.PermittedDnsSuffixes);
            Assert.Equal(new[] { "10.0.0.0/8", "fd00::/8" }, names.PermittedIpRanges);
            CaDirectory sub = CaDirectory.Create(tmp.File("sub"), "CN=Sub", parent: adopted);
            Assert.Equal(new[] { "corp.example" }, sub.Policy.PermittedDnsSuffixes);
            Assert.Equal(PkiErrorCode.PolicyViolation, Assert.Throws<PkiException>(() =>
                CaDirectory.Create(tmp.File("wide"), "CN=Wide", parent: adopted, policy: Names(new[] { "example.org" }, new string[0]))).Code);
            CaDirectory unconstrained = CaDirectory.Create(tmp.File("free"), "CN=Free Root");
            Assert.Null(CaPolicy.PermittedNamesOf(unconstrained.Certificate));
        }

        [Fact]
        public void The_issuance_check_decides_as_ChainValidator_Validate_does()
        {
            using var tmp = new TempDir();
            CaDirectory root = CaDirectory.Create(tmp.File("root"), "CN=Root", pathLength: 1, policy: Names(new[] { "corp.example" }, new string[0]));
            var key = PkiTools.Core.Keys.PrivateKey.Import(File.ReadAllBytes(Path.Combine(root.Folder, "private", "ca.key")), null);
            // A plain issuer with the CA's key: no policy and no chain check, so a certificate outside the constraints is made.
            var issuer = new PkiTools.Core.X509.CertificateIssuer(root.Certificate, key);
            var options = new PkiTools.Core.Validation.ChainValidationOptions { TrustedRoots = new[] { root.Certificate } };
            foreach (string name in new[] { "www.corp.example", "www.evil.example" })
            {
                var leaf = issuer.Sign(CaDirectoryTests.Csr(name, new[] { name }), new PkiTools.Core.X509.CertificateTemplate { Profile = PkiTools.Core.X509.CertificateProfile.TlsServer, ValidDays = 30 });
                var full = PkiTools.Core.Validation.ChainValidator.Validate(leaf.Certificate, options).Problems.Select(p => (p.Code, p.Index, p.Subject, p.Message)).ToList();
                var parsedOnly = PkiTools.Core.Validation.ChainValidator.ProblemsOf(PkiTools.Core.X509.ParsedCertificate.Parse(leaf.Der), options).Select(p => (p.Code, p.Index, p.Subject, p.Message)).ToList();
                Assert.Equal(full, parsedOnly);
                Assert.Equal(name.Contains("evil"), full.Count > 0);
            }
        }
    }
}
