using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Revocation;
using PkiTools.Core.Tests.Validation;
using PkiTools.Core.Validation;
using PkiTools.Tests;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.Core.Tests.Revocation
{
    /// <summary>Our CRLs read by `openssl crl`, and `openssl verify -crl_check` agreeing with ChainValidator.</summary>
    public sealed class CrlOpenSslInteropTests
    {
        private static readonly CrlTestPki Pki = new CrlTestPki();
        private readonly ITestOutputHelper _output;

        public CrlOpenSslInteropTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void Openssl_crl_text_shows_number_aki_reasons_and_dates()
        {
            using var dir = new TempDir();
            var entries = new[]
            {
                new RevokedEntry(new byte[] { 0x0A, 0xBC }, new DateTimeOffset(2026, 5, 20, 10, 11, 12, TimeSpan.Zero), RevocationReason.KeyCompromise),
                new RevokedEntry(new byte[] { 0x0B }, new DateTimeOffset(2026, 5, 21, 0, 0, 0, TimeSpan.Zero), RevocationReason.CessationOfOperation),
                new RevokedEntry(new byte[] { 0x0C }, new DateTimeOffset(2026, 5, 22, 0, 0, 0, TimeSpan.Zero)),
            };
            CertificateRevocationList crl = CrlBuilder.Build(Pki.Intermediate, entries, 4660, new DateTimeOffset(2026, 5, 31, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 6, 7, 0, 0, 0, TimeSpan.Zero));
            string path = CrlTestPki.WriteCrls(dir.File("crl.pem"), crl);
            string text = OpenSsl.Ok("crl", "-in", path, "-noout", "-text");
            _output.WriteLine(text);
            Assert.Contains("Version 2", text);
            Assert.Contains("X509v3 CRL Number: \n                4660", text.Replace("\r", string.Empty));
            string ski = new X509SubjectKeyIdentifierExtension(Pki.Intermediate.Extensions["2.5.29.14"]!, false).SubjectKeyIdentifier!;
            string akiColons = string.Join(":", Enumerable.Range(0, ski.Length / 2).Select(i => ski.Substring(2 * i, 2)));
            Assert.Contains(akiColons, text);
            Assert.Contains("Last Update: May 31 00:00:00 2026 GMT", text);
            Assert.Contains("Next Update: Jun  7 00:00:00 2026 GMT", text);
            Assert.Contains("Serial Number: 0ABC", text);
            Assert.Contains("Revocation Date: May 20 10:11:12 2026 GMT", text);
            Assert.Contains("Key Compromise", text);
            Assert.Contains("Cessation Of Operation", text);

            string der = dir.File("crl.der");
            File.WriteAllBytes(der, crl.GetEncoded());
            Assert.Contains("crlNumber=0x1234", OpenSsl.Ok("crl", "-in", der, "-inform", "DER", "-noout", "-crlnumber"));
        }

        [Fact]
        public void Openssl_crl_verify_accepts_our_crls()
        {
            using var dir = new TempDir();
            foreach ((X509Certificate2 issuer, string name) in new[] { (Pki.Root, "root"), (Pki.Intermediate, "int") })
            {
                CertificateRevocationList crl = CrlTestPki.Crl(issuer, new[] { Pki.RevokedLeaf });
                string crlPath = CrlTestPki.WriteCrls(dir.File(name + ".crl.pem"), crl);
                string ca = CrlTestPki.WritePem(dir.File(name + ".pem"), issuer);
                OpenSsl.Result r = OpenSsl.Run("crl", "-in", crlPath, "-noout", "-verify", "-CAfile", ca);
                Assert.True(r.ExitCode == 0 && r.All.Contains("verify OK"), r.ToString());
                string other = CrlTestPki.WritePem(dir.File(name + ".other.pem"), issuer == Pki.Root ? Pki.Intermediate : Pki.Root);
                Assert.DoesNotContain("verify OK", OpenSsl.Run("crl", "-in", crlPath, "-noout", "-verify", "-CAfile", other).All);
            }
        }

        [Theory]
        [InlineData(Core.Keys.KeyAlgorithm.Rsa2048)]
        [InlineData(Core.Keys.KeyAlgorithm.EcdsaP384)]
        [InlineData(Core.Keys.KeyAlgorithm.Ed25519)]
        public void Crls_signed_with_every_key_type_verify_in_openssl(Core.Keys.KeyAlgorithm algorithm)
        {
            using var dir = new TempDir();
            var key = Core.Keys.PrivateKey.Generate(algorithm);
            X509Certificate2 ca = ValidationPki.SelfSignedRoot("CN=CRL " + algorithm, key).Certificate;
            CertificateRevocationList crl = CrlBuilder.Build(ca, key, new[] { new RevokedEntry(new byte[] { 0x42 }, ValidationPki.Days(-1), RevocationReason.Superseded) },
                9, ValidationPki.Days(-1), ValidationPki.Days(6));
            Assert.True(crl.IsSignedBy(ca));
            string crlPath = CrlTestPki.WriteCrls(dir.File("crl.pem"), crl);
            OpenSsl.Result r = OpenSsl.Run("crl", "-in", crlPath, "-noout", "-verify", "-CAfile", CrlTestPki.WritePem(dir.File("ca.pem"), ca));
            Assert.True(r.ExitCode == 0 && r.All.Contains("verify OK"), r.ToString());
        }

        public static IEnumerable<object[]> AgreementCases() => new[] { "revoked-leaf", "good-leaf", "revoked-intermediate", "expired-crl", "not-yet-valid-crl", "tampered-crl", "other-ca-same-name-crl", "no-crl-for-leaf" }.Select(n => new object[] { n });

        [Theory]
        [MemberData(nameof(AgreementCases))]
        public void Openssl_verify_agrees_with_ChainValidator(string name)
        {
            using var dir = new TempDir();
            // Offline mode checks every certificate below the anchor, as openssl -crl_check_all does: a root CRL is always given.
            var crls = new List<CertificateRevocationList>();
            if (name != "revoked-intermediate") crls.Add(CrlTestPki.Crl(Pki.Root, Array.Empty<X509Certificate2>()));
            X509Certificate2 leaf = Pki.GoodLeaf;
            ChainProblemCode? expected = null;
            int expectedIndex = 0;
            string? opensslSays = null;
            switch (name)
            {
                case "revoked-leaf":
                    leaf = Pki.RevokedLeaf;
                    crls.Add(CrlTestPki.Crl(Pki.Intermediate, new[] { Pki.RevokedLeaf }));
                    expected = ChainProblemCode.Revoked;
                    opensslSays = "certificate revoked";
                    break;
                case "good-leaf":
                    crls.Add(CrlTestPki.Crl(Pki.Intermediate, new[] { Pki.RevokedLeaf }));
                    break;
                case "revoked-intermediate":
                    crls.Add(CrlTestPki.Crl(Pki.Intermediate, Array.Empty<X509Certificate2>()));
                    crls.Add(CrlTestPki.Crl(Pki.Root, new[] { Pki.Intermediate }, RevocationReason.CaCompromise));
                    expected = ChainProblemCode.Revoked;
                    expectedIndex = 1;
                    opensslSays = "certificate revoked";
                    break;
                case "expired-crl":
                    crls.Add(CrlTestPki.Crl(Pki.Intermediate, Array.Empty<X509Certificate2>(), fromDays: -10, toDays: -1));
                    expected = ChainProblemCode.RevocationUnknown;
                    opensslSays = "CRL has expired";
                    break;
                case "not-yet-valid-crl":
                    crls.Add(CrlTestPki.Crl(Pki.Intermediate, Array.Empty<X509Certificate2>(), fromDays: 1, toDays: 8));
                    expected = ChainProblemCode.RevocationUnknown;
                    opensslSays = "CRL is not yet valid";
                    break;
                case "tampered-crl":
                    // The right issuer name and AKI, a signature that does not verify.
                    byte[] der = CrlTestPki.Crl(Pki.Intermediate, Array.Empty<X509Certificate2>()).GetEncoded();
                    der[der.Length - 5] ^= 0x01;
                    crls.Add(CertificateRevocationList.Parse(der));
                    expected = ChainProblemCode.RevocationUnknown;
                    opensslSays = "CRL signature failure";
                    break;
                case "other-ca-same-name-crl":
                    // Another CA with the intermediate's name signs a CRL (OpenSSL skips it by its AKI: "unable to get certificate CRL").
                    X509Certificate2 impostor = ValidationPki.SelfSignedRoot(Pki.Intermediate.Subject).Certificate;
                    crls.Add(CrlTestPki.Crl(impostor, Array.Empty<X509Certificate2>()));
                    expected = ChainProblemCode.RevocationUnknown;
                    opensslSays = "unable to get certificate CRL";
                    break;
                case "no-crl-for-leaf":
                    expected = ChainProblemCode.RevocationUnknown;
                    opensslSays = "unable to get certificate CRL";
                    break;
            }

            ChainValidationResult result = ChainValidator.Validate(leaf, new ChainValidationOptions
            {
                TrustedRoots = new[] { Pki.Root },
                Intermediates = new[] { Pki.Intermediate },
                At = ValidationPki.At,
                Crls = crls,
            });
            foreach (ChainProblem p in result.Problems) _output.WriteLine("ours: " + p);

            string root = CrlTestPki.WritePem(dir.File("root.pem"), Pki.Root);
            string inter = CrlTestPki.WritePem(dir.File("int.pem"), Pki.Intermediate);
            string leafPath = CrlTestPki.WritePem(dir.File("leaf.pem"), leaf);
            string crlPath = CrlTestPki.WriteCrls(dir.File("crls.pem"), crls.ToArray());
            OpenSsl.Result r = OpenSsl.Run("verify", "-crl_check_all", "-CRLfile", crlPath, "-CAfile", root, "-untrusted", inter,
                "-attime", CrlTestPki.Epoch(ValidationPki.At), leafPath);
            _output.WriteLine("openssl: " + r);

            if (expected == null)
            {
                Assert.True(r.ExitCode == 0, r.ToString());
                Assert.True(result.IsValid, string.Join("\n", result.Problems));
                return;
            }
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains(opensslSays!, r.All);
            Assert.Equal(new[] { (expected.Value, expectedIndex) }, result.Problems.Select(p => (p.Code, p.Index)).ToArray());
            if (expected == ChainProblemCode.Revoked)
            {
                ChainProblem revoked = result.Problems.First(p => p.Code == ChainProblemCode.Revoked);
                Assert.Contains(name == "revoked-leaf" ? "KeyCompromise" : "CaCompromise", revoked.Message);
                Assert.Contains(ValidationPki.Days(-2).ToString("yyyy-MM-dd"), revoked.Message);
            }
        }
    }
}
