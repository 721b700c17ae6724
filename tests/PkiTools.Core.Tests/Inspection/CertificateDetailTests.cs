using System;
using System.Collections.Generic;
using System.Linq;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.Formats;
using PkiTools.Core.Inspection;
using PkiTools.Core.Revocation;
using PkiTools.Core.Tests.Fuzzing;
using PkiTools.Core.Tests.Revocation;
using PkiTools.Core.Tests.Validation;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.Core.Tests
{
    /// <summary>CertificateDetail and ExtensionText: what each kind of input becomes, OpenSSL's wording for the rarer forms, and hostile input.</summary>
    public class CertificateDetailTests : IClassFixture<FuzzSeeds>
    {
        private readonly FuzzSeeds _seeds;
        private readonly ITestOutputHelper _output;

        public CertificateDetailTests(FuzzSeeds seeds, ITestOutputHelper output)
        {
            _seeds = seeds;
            _output = output;
        }

        private static (IReadOnlyList<CertificateDetail> Details, List<PkiException> Errors) Read(byte[] data)
        {
            var errors = new List<PkiException>();
            return (CertificateDetail.Read(data, "x", errors.Add), errors);
        }

        private static byte[] Crl()
        {
            var pki = new CrlTestPki();
            var entries = new[] { new RevokedEntry(new byte[] { 0x0A, 0x01 }, ValidationPki.Days(-2), RevocationReason.CaCompromise) };
            return CrlBuilder.Build(pki.Intermediate, entries, 4660, ValidationPki.Days(-1), ValidationPki.Days(6)).GetEncoded();
        }

        [Fact]
        public void Der_of_each_kind_is_recognised_by_its_shape()
        {
            Assert.Equal(CertificateDetailKind.Certificate, Read(_seeds.CertificatesDer[0]).Details.Single().Kind);
            Assert.Equal(CertificateDetailKind.Csr, Read(_seeds.EcCsrs[0]).Details.Single().Kind);
            CertificateDetail crl = Read(Crl()).Details.Single();
            Assert.Equal((CertificateDetailKind.Crl, "4660", 2), (crl.Kind, crl.CrlNumber, crl.Version));
            Assert.Equal("CA Compromise", ExtensionText.ReasonText((int)crl.RevokedCertificates.Single().Reason!));
            Assert.Equal(new[] { "X509v3 Authority Key Identifier", "X509v3 CRL Number" }, crl.Extensions.Select(e => e.Name).OrderBy(n => n));

            byte[] p7b = CertificateFiles.WriteP7b(_seeds.CertificatesDer.Take(3).Select(d => CertificateReader.FromDer(d)).ToList(), pem: false);
            Assert.Equal(3, Read(p7b).Details.Count);
            Assert.Equal(PkiErrorCode.FormatUnknown, Assert.Throws<PkiException>(() => Read(new byte[] { 0x30, 0x03, 0x02, 0x01, 0x05 })).Code);
            Assert.Equal(PkiErrorCode.FormatUnknown, Assert.Throws<PkiException>(() => Read(new byte[] { 0x04, 0x00 })).Code);
        }

        [Fact]
        public void A_pem_bundle_keeps_its_good_items_and_reports_each_bad_one()
        {
            string good = Pem.Encode("CERTIFICATE", _seeds.CertificatesDer[1]);
            string text = _seeds.ChainPem + Pem.Encode("CERTIFICATE", new byte[] { 0x30, 0x00 }) + Pem.Encode("X509 CRL", new byte[] { 0x30, 0x00 })
                + Pem.Encode("CERTIFICATE REQUEST", new byte[] { 0x30, 0x00 }) + good;
            var (details, errors) = Read(FuzzSeeds.Ascii(text));
            Assert.Equal(4, details.Count); // three chain certificates (the key is skipped) and the last one
            Assert.Equal(new[] { PkiErrorCode.CertificateInvalid, PkiErrorCode.CrlInvalid, PkiErrorCode.CsrInvalid }, errors.Select(e => e.Code));
            Assert.All(errors, e => Assert.Equal("x", e.Target));
            Assert.Contains("PEM block 5", errors[0].Message);
        }

        [Fact]
        public void Rarer_extension_forms_read_as_openssl_writes_them()
        {
            var aki = new AuthorityKeyIdentifier(new byte[] { 1, 2 }, new GeneralNames(new GeneralName(new X509Name("CN=Issuer, O=Corp"))), Org.BouncyCastle.Math.BigInteger.ValueOf(0x1234));
            Assert.Equal("01:02\nDirName:CN = Issuer, O = Corp\nserial:12:34", ExtensionText.Describe("2.5.29.35", aki.GetDerEncoded()));

            var nc = new NameConstraints(
                new GeneralSubtrees(new[] { new GeneralSubtree(new GeneralName(GeneralName.IPAddress, new DerOctetString(Enumerable.Repeat((byte)0x20, 16).Concat(Enumerable.Repeat((byte)0xFF, 4)).Concat(new byte[12]).ToArray()))) }),
                new GeneralSubtrees(new[] { new GeneralSubtree(new GeneralName(GeneralName.Rfc822Name, "corp.example")) }));
            Assert.Equal("Permitted:\n  IP:2020:2020:2020:2020:2020:2020:2020:2020/FFFF:FFFF:0:0:0:0:0:0\nExcluded:\n  email:corp.example", ExtensionText.Describe("2.5.29.30", nc.GetDerEncoded()));

            var policies = new DerSequence(new PolicyInformation(new DerObjectIdentifier("2.5.29.32.0"), new DerSequence(
                new PolicyQualifierInfo("http://pki.example/cps"),
                new PolicyQualifierInfo(PolicyQualifierID.IdQtUnotice, new UserNotice(null, "Internal use only")))));
            Assert.Equal("Policy: X509v3 Any Policy\n  CPS: http://pki.example/cps\n  User Notice:\n    Explicit Text: Internal use only", ExtensionText.Describe("2.5.29.32", policies.GetDerEncoded()));

            Assert.Equal("CA:FALSE", ExtensionText.Describe("2.5.29.19", new DerSequence().GetDerEncoded()));
            Assert.Equal("(malformed) 04:01:00", ExtensionText.Describe("2.5.29.17", new byte[] { 0x04, 0x01, 0x00 }));
            Assert.Equal("30:00", ExtensionText.Describe("1.2.3.4", new byte[] { 0x30, 0x00 }));
            Assert.Equal("1.2.3.4", ExtensionText.NameOf("1.2.3.4"));
        }

        [Fact]
        public void Mutated_inputs_give_only_PkiException_and_every_item_error_has_an_item_code()
        {
            byte[] crl = Crl();
            var fuzzer = new MutationFuzzer(41);
            var codes = new HashSet<PkiErrorCode> { PkiErrorCode.CertificateInvalid, PkiErrorCode.CsrInvalid, PkiErrorCode.CrlInvalid, PkiErrorCode.FormatUnknown };
            FuzzRunner.Run("CertificateDetail.Read", MutationFuzzer.Share(0.25),
                i => (i % 5) switch
                {
                    0 => fuzzer.MutateBinary(fuzzer.Pick(_seeds.CertificatesDer)),
                    1 => fuzzer.MutateBinary(_seeds.EcCsrs[0]),
                    2 => fuzzer.MutateBinary(crl),
                    3 => fuzzer.MutatePem(System.Text.Encoding.ASCII.GetString(_seeds.EcCsrs[1]) + Pem.Encode("X509 CRL", crl)),
                    _ => fuzzer.MutatePem(_seeds.ChainPem),
                },
                input =>
                {
                    foreach (CertificateDetail d in CertificateDetail.Read(input, "fuzz", e =>
                    {
                        if (!codes.Contains(e.Code)) throw new InvalidOperationException("unexpected item error code " + e.Code, e);
                    }))
                    {
                        _ = d.ToString() + string.Join("", d.Extensions.Select(e => e.ToString()));
                    }
                },
                _output);
        }
    }
}
