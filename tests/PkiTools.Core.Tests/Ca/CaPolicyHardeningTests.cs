using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using PkiTools.Core.Ca;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Ca
{
    /// <summary>
    /// Issue 11, holes 2 and 3: policy.json that is hostile (nesting that would overflow the stack, a key given twice),
    /// and subject CNs that a CA limited to DNS suffixes issued unchecked because they did not look like host names.
    /// </summary>
    public class CaPolicyHardeningTests
    {
        /// <summary>The CNs that a CA limited to corp.example issued before (no SAN requested).</summary>
        public static readonly TheoryData<string> HostileCommonNames = new TheoryData<string>
        {
            "www.bank.com\0.corp.example",
            "evil.com/.corp.example",
            "\u00C9VIL.corp.example",
            ".evil.com",
            "evil.com ",
            "evil\uFF0Ecom",
            "evil\u3002com",
            "evil\uFF61com",
            "web01.corp.example\n",
            " web01.corp.example",
            "web01.corp.example.",
        };

        /// <summary>A CSR whose subject is exactly one CN (UTF8String, any characters) and that asks for no SAN.</summary>
        internal static CertificateSigningRequest CsrWithRawCn(string cn)
        {
            var generator = new ECKeyPairGenerator();
            generator.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, new SecureRandom()));
            AsymmetricCipherKeyPair pair = generator.GenerateKeyPair();
            var rdn = new DerSet(new DerSequence(X509Name.CN, new DerUtf8String(cn)));
            X509Name subject = X509Name.GetInstance(new DerSequence(rdn));
            var request = new Pkcs10CertificationRequest(new Asn1SignatureFactory("SHA256WITHECDSA", pair.Private), subject, pair.Public, null);
            return CertificateSigningRequest.Parse(request.GetEncoded());
        }

        private static CaDirectory CorpCa(TempDir tmp) =>
            CaDirectory.Create(tmp.File("ca"), "CN=Corp Root", policy: new CaPolicy { PermittedDnsSuffixes = { "corp.example" } });

        private static string[] Ledger(CaDirectory ca) =>
            File.ReadAllLines(Path.Combine(ca.Folder, "index.txt")).Where(l => l.Length > 0).ToArray();

        [Fact]
        public void A_policy_json_nested_30000_deep_is_InvalidArgument_naming_the_file_not_a_stack_overflow()
        {
            // In-process on purpose: a stack overflow cannot be caught and would end the test host (and a cron job's
            // PowerShell over every CA); bounded parsing must throw instead.
            string deep = new string('[', 30000) + new string(']', 30000);
            foreach (string json in new[] { deep, "{\"permittedDnsSuffixes\": " + deep + "}", string.Concat(Enumerable.Repeat("{\"a\": ", 30000)) })
            {
                var ex = Assert.Throws<PkiException>(() => CaPolicy.FromJson(json, "/srv/ca/policy.json"));
                Assert.Equal(PkiErrorCode.InvalidArgument, ex.Code);
                Assert.Contains("/srv/ca/policy.json", ex.Message);
                Assert.Contains("64", ex.Message);
            }

            // Through a CA folder, as Get-Ca and Invoke-CaSign read it.
            using var tmp = new TempDir();
            var ca = CorpCa(tmp);
            string file = Path.Combine(ca.Folder, CaPolicy.FileName);
            File.WriteAllText(file, "{\"permittedDnsSuffixes\": " + deep + "}");
            var open = Assert.Throws<PkiException>(() => CaDirectory.Open(ca.Folder));
            Assert.Equal(PkiErrorCode.InvalidArgument, open.Code);
            Assert.Contains(file, open.Message);
        }

        [Fact]
        public void Nesting_up_to_the_limit_is_read_and_a_normal_policy_still_round_trips()
        {
            // 64 levels are parsed (and then refused for their meaning, not their depth).
            string sixtyFour = "{\"permittedDnsSuffixes\": " + new string('[', 63) + new string(']', 63) + "}";
            var ex = Assert.Throws<PkiException>(() => CaPolicy.FromJson(sixtyFour, "p.json"));
            Assert.DoesNotContain("nest", ex.Message);
            var policy = new CaPolicy { PermittedDnsSuffixes = { "corp.example" }, PermittedIpRanges = { "10.0.0.0/8" }, MaxValidityDays = 90 };
            Assert.Equal(policy.ToJson(), CaPolicy.FromJson(policy.ToJson(), "p.json").ToJson());
        }

        [Theory]
        [InlineData("{\"permittedDnsSuffixes\": [\"corp.example\"], \"permittedDnsSuffixes\": []}", "permittedDnsSuffixes")]
        [InlineData("{\"maxValidityDays\": 90, \"allowedProfiles\": [\"TlsServer\"], \"maxValidityDays\": 3650}", "maxValidityDays")]
        [InlineData("{\"permittedIpRanges\": [], \"permittedIpRanges\": [\"0.0.0.0/0\"]}", "permittedIpRanges")]
        [InlineData("{\"a\": {\"x\": 1, \"x\": 2}}", "'x'")]
        public void A_key_given_twice_is_InvalidArgument_naming_the_key(string json, string key)
        {
            var ex = Assert.Throws<PkiException>(() => CaPolicy.FromJson(json, "/srv/ca/policy.json"));
            Assert.Equal(PkiErrorCode.InvalidArgument, ex.Code);
            Assert.Contains(key, ex.Message);
            Assert.Contains("twice", ex.Message);
            Assert.Contains("/srv/ca/policy.json", ex.Message);
        }

        [Theory]
        [MemberData(nameof(HostileCommonNames))]
        public void A_cn_that_could_be_read_as_another_host_is_refused_by_a_ca_limited_to_dns_suffixes(string cn)
        {
            using var tmp = new TempDir();
            var ca = CorpCa(tmp);
            var ex = Assert.Throws<PkiException>(() => ca.Issue(CsrWithRawCn(cn)));
            Assert.Equal(PkiErrorCode.PolicyViolation, ex.Code);
            Assert.Contains("Nothing was issued", ex.Message);
            Assert.False(ex.Message.IndexOf('\0') >= 0, "the message shows control characters escaped");
            Assert.Empty(Ledger(ca));
        }

        [Theory]
        [InlineData("CN=evil\uFF0Ecom")]
        [InlineData("CN=.evil.com")]
        [InlineData("CN=\u00C9VIL.corp.example")]
        [InlineData("CN=evil.com/.corp.example")]
        public void The_key_overload_checks_the_cn_the_same_way(string subject)
        {
            using var tmp = new TempDir();
            var ca = CorpCa(tmp);
            var template = new CertificateTemplate { Subject = subject, Profile = CertificateProfile.TlsClient };
            Assert.Equal(PkiErrorCode.PolicyViolation, Assert.Throws<PkiException>(() => ca.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), template)).Code);
            Assert.Empty(Ledger(ca));
        }

        [Theory]
        [InlineData("web01.corp.example")]
        [InlineData("WEB01.Corp.Example")]
        [InlineData("*.corp.example")]
        [InlineData("corp.example")]
        [InlineData("Backup Agent")]
        [InlineData("Jane Doe")]
        [InlineData("web01")]
        public void Host_names_inside_the_suffix_and_cns_that_are_clearly_not_host_names_still_issue(string cn)
        {
            using var tmp = new TempDir();
            var ca = CorpCa(tmp);
            var issued = ca.Issue(CsrWithRawCn(cn), new CertificateTemplate { Profile = CertificateProfile.TlsClient });
            Assert.Contains("CN=" + cn, issued.Certificate.Subject);
            Assert.Single(Ledger(ca));
        }

        [Theory]
        [InlineData("www.evil.com")]
        [InlineData("corp.example.evil.com")]
        public void A_well_formed_cn_outside_the_suffix_is_refused_as_before(string cn)
        {
            using var tmp = new TempDir();
            var ca = CorpCa(tmp);
            Assert.Equal(PkiErrorCode.PolicyViolation, Assert.Throws<PkiException>(() => ca.Issue(CsrWithRawCn(cn))).Code);
        }

        [Theory]
        [InlineData("Backup Agent", true)]
        [InlineData("Jane Doe", true)]
        [InlineData("web01", true)]
        [InlineData("", true)]
        [InlineData("web01.corp.example", false)]
        [InlineData("Jane Doe.", false)]
        [InlineData(" Jane Doe", false)]
        [InlineData("Jane\tDoe", false)]
        [InlineData("J\u00F6ran Svensson", false)]
        [InlineData("evil\uFF0Ecom", false)]
        [InlineData("evil/com", false)]
        public void What_is_clearly_not_a_host_name(string cn, bool clearlyNot)
        {
            Assert.Equal(clearlyNot, CaPolicy.IsClearlyNotHostName(cn));
        }

        [Fact]
        public void A_ca_without_dns_limits_issues_these_cns_as_before()
        {
            using var tmp = new TempDir();
            var ca = CaDirectory.Create(tmp.File("ca"), "CN=Open Root");
            ca.Issue(CsrWithRawCn("evil.com "), new CertificateTemplate { Profile = CertificateProfile.TlsClient });
            Assert.Single(Ledger(ca));
        }
    }
}
