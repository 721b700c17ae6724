using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Revocation;
using PkiTools.Core.Tests.Validation;
using PkiTools.Core.Validation;
using Xunit;

namespace PkiTools.Core.Tests.Revocation
{
    /// <summary>ChainValidationOptions.RevocationFlag: which certificates of the path are checked (X509RevocationFlag's names), and the trace.</summary>
    public sealed class RevocationFlagTests
    {
        private static readonly CrlTestPki Pki = new CrlTestPki();

        private static ChainValidationResult Validate(X509Certificate2 leaf, RevocationFlag? flag, params CertificateRevocationList[] crls) =>
            ChainValidator.Validate(leaf, new ChainValidationOptions
            {
                TrustedRoots = new[] { Pki.Root },
                Intermediates = new[] { Pki.Intermediate },
                At = ValidationPki.At,
                Crls = crls,
                RevocationFlag = flag,
            });

        private static (ChainProblemCode, int)[] Problems(ChainValidationResult r) => r.Problems.Select(p => (p.Code, p.Index)).ToArray();

        private static CertificateRevocationList IssuingCrl => CrlTestPki.Crl(Pki.Intermediate, new[] { Pki.RevokedLeaf });

        private static CertificateRevocationList RootCrl => CrlTestPki.Crl(Pki.Root, Array.Empty<X509Certificate2>());

        [Fact]
        public void The_default_is_ExcludeRoot_every_certificate_below_the_anchor()
        {
            Assert.Equal(RevocationFlag.ExcludeRoot, new ChainValidationOptions().EffectiveRevocationFlag);
            Assert.Equal(new[] { (ChainProblemCode.RevocationUnknown, 1) }, Problems(Validate(Pki.GoodLeaf, null, IssuingCrl)));
            Assert.Equal(Problems(Validate(Pki.GoodLeaf, null, IssuingCrl)), Problems(Validate(Pki.GoodLeaf, RevocationFlag.ExcludeRoot, IssuingCrl)));
            Assert.True(Validate(Pki.GoodLeaf, RevocationFlag.ExcludeRoot, IssuingCrl, RootCrl).IsValid);
        }

        [Fact]
        public void EndCertificateOnly_needs_only_the_issuing_CAs_crl()
        {
            Assert.True(Validate(Pki.GoodLeaf, RevocationFlag.EndCertificateOnly, IssuingCrl).IsValid);
            Assert.Equal(new[] { (ChainProblemCode.Revoked, 0) }, Problems(Validate(Pki.RevokedLeaf, RevocationFlag.EndCertificateOnly, IssuingCrl)));
            Assert.Equal(new[] { (ChainProblemCode.RevocationUnknown, 0) }, Problems(Validate(Pki.GoodLeaf, RevocationFlag.EndCertificateOnly, RootCrl)));
        }

        [Fact]
        public void EntireChain_checks_the_root_against_its_own_crl()
        {
            Assert.True(Validate(Pki.GoodLeaf, RevocationFlag.EntireChain, IssuingCrl, RootCrl).IsValid);
            Assert.Equal(new[] { (ChainProblemCode.RevocationUnknown, 1), (ChainProblemCode.RevocationUnknown, 2) },
                Problems(Validate(Pki.GoodLeaf, RevocationFlag.EntireChain, IssuingCrl)));
            CertificateRevocationList rootRevokesItself = CrlTestPki.Crl(Pki.Root, new[] { Pki.Root });
            Assert.Equal(new[] { (ChainProblemCode.Revoked, 2) }, Problems(Validate(Pki.GoodLeaf, RevocationFlag.EntireChain, IssuingCrl, rootRevokesItself)));
        }

        [Fact]
        public void EntireChain_with_an_intermediate_as_anchor_is_unknown_for_it()
        {
            ChainValidationResult r = ChainValidator.Validate(Pki.GoodLeaf, new ChainValidationOptions
            {
                TrustedRoots = new[] { Pki.Intermediate },
                At = ValidationPki.At,
                Crls = new[] { IssuingCrl },
                RevocationFlag = RevocationFlag.EntireChain,
            });
            ChainProblem p = Assert.Single(r.Problems);
            Assert.Equal((ChainProblemCode.RevocationUnknown, 1), (p.Code, p.Index));
            Assert.Contains("is not in the chain", p.Message);
        }

        [Fact]
        public void The_trace_names_the_checks_and_every_path_tried()
        {
            var lines = new List<string>();
            ChainValidator.Validate(Pki.GoodLeaf, new ChainValidationOptions
            {
                TrustedRoots = new[] { Pki.Root },
                Intermediates = new[] { Pki.Intermediate },
                At = ValidationPki.At,
                DnsName = "good.example",
                Purpose = CertificatePurpose.ServerAuth,
                MaxDepth = 2,
                Crls = new[] { IssuingCrl },
                RevocationFlag = RevocationFlag.EndCertificateOnly,
                Trace = lines.Add,
            });
            string checks = lines[0];
            Assert.StartsWith("Checks:", checks);
            foreach (string part in new[] { "Offline", "EndCertificateOnly", "good.example", "ServerAuth", "at most 2 intermediate", "1 CRL(s)" })
            {
                Assert.Contains(part, checks);
            }
            Assert.Matches(@"validity at \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", checks);
            Assert.Contains(lines, l => l.StartsWith("Path 1:", StringComparison.Ordinal) && l.Contains("reaches a trusted anchor"));
            Assert.Contains(lines, l => l.StartsWith("Revocation of 'CN=", StringComparison.Ordinal) && l.Contains("Not revoked") && l.Contains("CRL number"));
        }
    }
}
