using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509.Extension;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.Tests.Validation;
using PkiTools.Core.X509;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.Core.Tests.Fuzzing
{
    /// <summary>Valid inputs of every kind the parsers read, made once per test run: the seeds the fuzzer mutates.</summary>
    public sealed class FuzzSeeds
    {
        public static readonly char[] Password = "fuzz-pass-7".ToCharArray();

        public FuzzSeeds()
        {
            var (rootCert, rootKey) = RawCertificates.Root("CN=Fuzz Root, O=PkiTools");
            AsymmetricCipherKeyPair leafKey = RawCertificates.NewKey();
            X509Name rootName = RawCertificates.NameOf(rootCert);
            var rootKeyId = Org.BouncyCastle.X509.Extension.X509ExtensionUtilities.CreateSubjectKeyIdentifier(rootKey.Public);

            // An intermediate with name constraints and policies, and a leaf with every extension PkiTools reads.
            var intermediate = RawCertificates.Build(RawCertificates.Name("CN=Fuzz Issuing CA, O=PkiTools, C=DE"), leafKey.Public, rootName, rootKey.Private, g =>
            {
                g.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(2));
                g.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
                g.AddExtension(X509Extensions.SubjectKeyIdentifier, false, Org.BouncyCastle.X509.Extension.X509ExtensionUtilities.CreateSubjectKeyIdentifier(leafKey.Public));
                g.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(rootKeyId.GetKeyIdentifier()));
                g.AddExtension(X509Extensions.NameConstraints, true, new NameConstraints(
                    new GeneralSubtrees(new[]
                    {
                        new GeneralSubtree(new GeneralName(GeneralName.DnsName, "corp.example")),
                        new GeneralSubtree(new GeneralName(GeneralName.IPAddress, new DerOctetString(new byte[] { 10, 0, 0, 0, 255, 0, 0, 0 }))),
                    }),
                    new GeneralSubtrees(new[] { new GeneralSubtree(new GeneralName(GeneralName.DnsName, "bad.corp.example")) })));
                g.AddExtension(X509Extensions.CertificatePolicies, false, new DerSequence(new PolicyInformation(new DerObjectIdentifier("2.23.140.1.2.1"))));
            });
            AsymmetricCipherKeyPair serverKey = RawCertificates.NewKey();
            X509Name intermediateName = RawCertificates.NameOf(intermediate);
            var leaf = RawCertificates.Build(RawCertificates.Name("CN=web01.corp.example, OU=Web, O=PkiTools, L=Berlin, C=DE"), serverKey.Public, intermediateName, leafKey.Private, g =>
            {
                g.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
                g.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature | KeyUsage.KeyAgreement));
                g.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth, KeyPurposeID.id_kp_clientAuth));
                g.AddExtension(X509Extensions.SubjectKeyIdentifier, false, Org.BouncyCastle.X509.Extension.X509ExtensionUtilities.CreateSubjectKeyIdentifier(serverKey.Public));
                g.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(Org.BouncyCastle.X509.Extension.X509ExtensionUtilities.CreateSubjectKeyIdentifier(leafKey.Public).GetKeyIdentifier()));
                g.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(new[]
                {
                    new GeneralName(GeneralName.DnsName, "web01.corp.example"),
                    new GeneralName(GeneralName.DnsName, "*.web.corp.example"),
                    new GeneralName(GeneralName.IPAddress, new DerOctetString(IPAddress.Parse("10.1.2.3").GetAddressBytes())),
                    new GeneralName(GeneralName.IPAddress, new DerOctetString(IPAddress.Parse("2001:db8::1").GetAddressBytes())),
                    new GeneralName(GeneralName.Rfc822Name, "ops@corp.example"),
                    new GeneralName(GeneralName.UniformResourceIdentifier, "https://web01.corp.example/"),
                }));
                g.AddExtension(X509Extensions.CrlDistributionPoints, false, new CrlDistPoint(new[]
                {
                    new DistributionPoint(new DistributionPointName(new GeneralNames(new GeneralName(GeneralName.UniformResourceIdentifier, "http://crl.corp.example/ca.crl"))), null, null),
                }));
                g.AddExtension(X509Extensions.AuthorityInfoAccess, false, new AuthorityInformationAccess(
                    new AccessDescription(AccessDescription.IdADOcsp, new GeneralName(GeneralName.UniformResourceIdentifier, "http://ocsp.corp.example"))));
            });

            // An RSA-keyed certificate (signed by the EC root): RSA public keys in the SubjectPublicKeyInfo.
            PrivateKey rsa = PrivateKey.Generate(KeyAlgorithm.Rsa2048);
            var rsaLeaf = RawCertificates.Build(RawCertificates.Name("CN=rsa.corp.example"), PublicKeyFactory.CreateKey(rsa.SubjectPublicKeyInfo), rootName, rootKey.Private, RawCertificates.ServerLeaf);

            CertificatesDer = new[] { leaf.RawData, intermediate.RawData, rootCert.RawData, rsaLeaf.RawData };
            ManyExtensionsDer = leaf.RawData;

            PrivateKey ec = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            PrivateKey ed = PrivateKey.Generate(KeyAlgorithm.Ed25519);
            ChainPem = Pem.Encode("CERTIFICATE", leaf.RawData) + Pem.Encode("CERTIFICATE", intermediate.RawData) + Pem.Encode("CERTIFICATE", rootCert.RawData)
                + ec.ExportPem();

            var ecCsr = CertificateSigningRequest.Create(ec, "CN=web01.corp.example, O=PkiTools", new[] { "web01.corp.example", "web.corp.example" }, new[] { "10.0.0.1", "2001:db8::1" });
            var rsaCsr = CertificateSigningRequest.Create(rsa, "CN=rsa.corp.example", new[] { "rsa.corp.example" }, Array.Empty<string>());
            EcCsrs = new[] { ecCsr.GetEncoded(), Ascii(ecCsr.Pem) };
            RsaCsrs = new[] { rsaCsr.GetEncoded(), Ascii(rsaCsr.Pem) };

            byte[] ecPkcs8 = ec.ExportPkcs8();
            byte[] edPkcs8 = ed.ExportPkcs8();
            byte[] rsaPkcs8 = rsa.ExportPkcs8();
            byte[] ecEncrypted = PasswordBasedEncryption.EncryptPkcs8(ecPkcs8, Password, PbeScheme.Aes256Pbkdf2Sha256, 10);
            byte[] edEncrypted = PasswordBasedEncryption.EncryptPkcs8(edPkcs8, Password, PbeScheme.Aes256Pbkdf2Sha256, 10);
            byte[] ecLegacy = PasswordBasedEncryption.EncryptPkcs8(ecPkcs8, Password, PbeScheme.TripleDesSha1, 10);
            string sec1Pem = ec.ExportPem(PrivateKeyFormat.Sec1);
            string pkcs1Pem = rsa.ExportPem(PrivateKeyFormat.Pkcs1);
            CheapKeys = new[]
            {
                ecPkcs8, Ascii(Pem.Encode("PRIVATE KEY", ecPkcs8)),
                Pem.Decode(sec1Pem)[0].Data, Ascii(sec1Pem),
                edPkcs8, Ascii(Pem.Encode("PRIVATE KEY", edPkcs8)),
                ecEncrypted, Ascii(Pem.Encode("ENCRYPTED PRIVATE KEY", ecEncrypted)),
                edEncrypted, Ascii(Pem.Encode("ENCRYPTED PRIVATE KEY", ecLegacy)),
            };
            RsaKeys = new[]
            {
                rsaPkcs8, Ascii(Pem.Encode("PRIVATE KEY", rsaPkcs8)),
                Pem.Decode(pkcs1Pem)[0].Data, Ascii(pkcs1Pem),
            };
        }

        public byte[][] CertificatesDer { get; }

        public byte[] ManyExtensionsDer { get; }

        /// <summary>Three certificates and a PKCS#8 key, as one PEM bundle.</summary>
        public string ChainPem { get; }

        public byte[][] EcCsrs { get; }

        public byte[][] RsaCsrs { get; }

        /// <summary>EC (PKCS#8, SEC1), Ed25519 and encrypted PKCS#8 (PBES2 and legacy 3DES, 10 iterations), DER and PEM.</summary>
        public byte[][] CheapKeys { get; }

        /// <summary>RSA PKCS#8 and PKCS#1, DER and PEM: each successful import costs milliseconds, so fewer inputs.</summary>
        public byte[][] RsaKeys { get; }

        public static byte[] Ascii(string s) => System.Text.Encoding.ASCII.GetBytes(s);
    }

    /// <summary>
    /// Mutation fuzzing of every parser that reads untrusted bytes: only <see cref="PkiException"/> may come out.
    /// Run longer with PKITOOLS_FUZZ_ITERATIONS=1000000 (and PKITOOLS_FUZZ_SEED=n for other inputs).
    /// </summary>
    public class ParserFuzzTests : IClassFixture<FuzzSeeds>
    {
        private readonly FuzzSeeds _seeds;
        private readonly ITestOutputHelper _output;

        public ParserFuzzTests(FuzzSeeds seeds, ITestOutputHelper output)
        {
            _seeds = seeds;
            _output = output;
        }

        [Fact]
        public void Seeds_parse_unmutated()
        {
            Assert.Equal(4, Pem.Decode(_seeds.ChainPem).Count);
            foreach (byte[] der in _seeds.CertificatesDer) Assert.Single(CertificateReader.ReadCertificates(der));
            var parsed = ParsedCertificate.Parse(_seeds.ManyExtensionsDer);
            Assert.Equal(new[] { "web01.corp.example", "*.web.corp.example" }, parsed.DnsNames);
            Assert.NotNull(parsed.AuthorityKeyId);
            Assert.NotNull(parsed.SubjectKeyId);
            Assert.Equal(2, parsed.ExtendedKeyUsages!.Count);
            foreach (byte[] csr in _seeds.EcCsrs.Concat(_seeds.RsaCsrs)) Assert.True(CertificateSigningRequest.Parse(csr).SignatureValid);
            foreach (byte[] key in _seeds.CheapKeys.Concat(_seeds.RsaKeys)) PrivateKey.Import(key, FuzzSeeds.Password);
        }

        [Fact]
        public void Pem_decode_of_mutated_pem_throws_only_PkiException()
        {
            var fuzzer = new MutationFuzzer(1);
            FuzzRunner.Run("Pem.Decode", MutationFuzzer.Iterations,
                _ => fuzzer.MutatePem(_seeds.ChainPem),
                input => Pem.Decode(System.Text.Encoding.UTF8.GetString(input)),
                _output);
        }

        [Fact]
        public void ParsedCertificate_parse_of_mutated_der_throws_only_PkiException()
        {
            var fuzzer = new MutationFuzzer(2);
            FuzzRunner.Run("ParsedCertificate.Parse", MutationFuzzer.Iterations,
                i => fuzzer.MutateBinary(i % 2 == 0 ? _seeds.ManyExtensionsDer : fuzzer.Pick(_seeds.CertificatesDer)),
                input => ParsedCertificate.Parse(input),
                _output);
        }

        [Fact]
        public void CertificateReader_of_mutated_der_and_pem_throws_only_PkiException()
        {
            var fuzzer = new MutationFuzzer(3);
            FuzzRunner.Run("CertificateReader.ReadCertificates", MutationFuzzer.Iterations,
                i => i % 2 == 0 ? fuzzer.MutateBinary(fuzzer.Pick(_seeds.CertificatesDer)) : fuzzer.MutatePem(_seeds.ChainPem),
                input => CertificateReader.ReadCertificates(input, "fuzz.pem"),
                _output);
        }

        [Fact]
        public void Csr_parse_of_mutated_ec_and_rsa_requests_throws_only_PkiException()
        {
            var fuzzer = new MutationFuzzer(4);
            FuzzRunner.Run("CertificateSigningRequest.Parse", MutationFuzzer.Iterations,
                i =>
                {
                    byte[][] seeds = i % 4 == 3 ? _seeds.RsaCsrs : _seeds.EcCsrs;
                    return i % 2 == 0 ? fuzzer.MutateBinary(seeds[0]) : fuzzer.MutatePem(System.Text.Encoding.ASCII.GetString(seeds[1]));
                },
                input => CertificateSigningRequest.Parse(input),
                _output);
        }

        [Fact]
        public void PrivateKey_import_of_mutated_keys_throws_only_PkiException()
        {
            var fuzzer = new MutationFuzzer(5);
            FuzzRunner.Run("PrivateKey.Import", MutationFuzzer.Iterations,
                i =>
                {
                    byte[] seed = i % 8 == 7 ? fuzzer.Pick(_seeds.RsaKeys) : fuzzer.Pick(_seeds.CheapKeys);
                    return Pem.LooksLikePem(seed) ? fuzzer.MutatePem(System.Text.Encoding.ASCII.GetString(seed)) : fuzzer.MutateBinary(seed);
                },
                input => PrivateKey.Import(input, FuzzSeeds.Password),
                _output);
        }
    }
}
