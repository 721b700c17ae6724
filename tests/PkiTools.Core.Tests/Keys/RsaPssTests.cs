using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.Ca;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.Revocation;
using PkiTools.Core.Validation;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests
{
    /// <summary>
    /// RSA-PSS (issue 18): id-RSASSA-PSS keys read and written, RSASSA-PSS signatures made and verified, each checked
    /// against the openssl CLI both ways with files generated at test time.
    /// </summary>
    public sealed class RsaPssTests
    {
        private const string Sha256Oid = "2.16.840.1.101.3.4.2.1";

        /// <summary>
        /// openssl genpkey -algorithm RSA-PSS: without parameters ("none"), with SHA-256 and a 32-byte salt ("sha256",
        /// which OpenSSL writes with MGF1 on its default, SHA-1), or with MGF1 on SHA-256 too ("sha256-mgf").
        /// </summary>
        private static string GenPssKey(TempDir dir, string name, string parameters)
        {
            string path = dir.File(name);
            var args = new System.Collections.Generic.List<string> { "genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path };
            if (parameters != "none") args.AddRange(new[] { "-pkeyopt", "rsa_pss_keygen_md:sha256", "-pkeyopt", "rsa_pss_keygen_saltlen:32" });
            if (parameters == "sha256-mgf") args.AddRange(new[] { "-pkeyopt", "rsa_pss_keygen_mgf1_md:sha256" });
            OpenSsl.Ok(args.ToArray());
            return path;
        }

        [Theory]
        [InlineData("none")]
        [InlineData("sha256")]
        [InlineData("sha256-mgf")]
        public void Openssl_pss_keys_are_read_in_every_form_signed_with_and_written_back_as_rsassa_pss(string parameters)
        {
            using var dir = new TempDir();
            bool withParameters = parameters != "none";
            string pem = GenPssKey(dir, "pss.pem", parameters);
            string der = dir.File("pss.der");
            OpenSsl.Ok("pkey", "-in", pem, "-outform", "DER", "-out", der);
            string encrypted = dir.File("pss.enc.pem");
            OpenSsl.Ok("pkcs8", "-topk8", "-in", pem, "-v2", "aes-256-cbc", "-passout", "pass:secret", "-out", encrypted);
            string encryptedDer = dir.File("pss.enc.der");
            OpenSsl.Ok("pkcs8", "-topk8", "-in", pem, "-v2", "aes-256-cbc", "-passout", "pass:secret", "-outform", "DER", "-out", encryptedDer);

            PrivateKey fromPem = PrivateKey.Import(File.ReadAllBytes(pem));
            foreach (PrivateKey key in new[]
            {
                fromPem,
                PrivateKey.Import(File.ReadAllBytes(der)),
                PrivateKey.Import(File.ReadAllBytes(encrypted), "secret".ToCharArray()),
                PrivateKey.Import(File.ReadAllBytes(encryptedDer), "secret".ToCharArray()),
            })
            {
                Assert.Equal("Rsa2048", key.Algorithm);
                Assert.Equal(KeyType.Rsa, key.KeyType);
                Assert.True(key.PssOnly);
                Assert.Equal(withParameters, key.PssRestriction != null);
                Assert.Equal(fromPem.KeyId, key.KeyId);
                Assert.Contains("RSA-PSS only", key.ToString());
            }

            // The public key is the one openssl derives (id-RSASSA-PSS with the same parameters, byte for byte).
            string publicPem = OpenSsl.Ok("pkey", "-in", pem, "-pubout");
            Assert.Equal(Pem.Decode(publicPem).Single().Data, Pem.Decode(fromPem.PublicKeyPem).Single().Data);

            // Written back as PKCS#8 id-RSASSA-PSS (parameters kept), plain and encrypted: openssl checks and reads them.
            string ours = dir.File("ours.pem");
            File.WriteAllText(ours, fromPem.ExportPem());
            string check = OpenSsl.Ok("pkey", "-in", ours, "-check", "-noout", "-text");
            Assert.Contains("Key is valid", check);
            Assert.Contains("PSS parameter restrictions", check);
            if (withParameters)
            {
                Assert.Contains("Hash Algorithm: SHA2-256", check);
                Assert.Contains(parameters == "sha256" ? "Mask Algorithm: MGF1 with SHA1" : "Mask Algorithm: MGF1 with SHA2-256", check);
                Assert.Contains("Minimum Salt Length: 32", check);
            }
            else
            {
                Assert.Contains("No PSS parameter restrictions", check);
            }
            var info = PrivateKeyInfo.GetInstance(Asn1Object.FromByteArray(fromPem.ExportPkcs8()));
            Assert.Equal(RsaPssParameters.Oid, info.PrivateKeyAlgorithm.Algorithm.Id);
            Assert.Equal(withParameters, info.PrivateKeyAlgorithm.Parameters != null);
            string oursEncrypted = dir.File("ours.enc.pem");
            File.WriteAllText(oursEncrypted, fromPem.ExportPem(PrivateKeyFormat.Pkcs8, "secret".ToCharArray()));
            Assert.Contains("PSS parameter restrictions", OpenSsl.Ok("pkey", "-in", oursEncrypted, "-passin", "pass:secret", "-check", "-noout", "-text"));
            string oursDer = dir.File("ours.der");
            File.WriteAllBytes(oursDer, fromPem.ExportDer(PrivateKeyFormat.Pkcs8));
            OpenSsl.Ok("pkey", "-in", oursDer, "-inform", "DER", "-check", "-noout");

            // The key signs within its parameters (SHA-256; MGF1 as it says; its salt): openssl verifies.
            IssuedCertificate self = CertificateIssuer.SelfSign(fromPem, new CertificateTemplate { DnsNames = new[] { "pss.example" } });
            var p = RsassaPssParameters.GetInstance(X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(self.Der)).SignatureAlgorithm.Parameters);
            Assert.Equal(parameters == "sha256" ? "1.3.14.3.2.26" : Sha256Oid, AlgorithmIdentifier.GetInstance(p.MaskGenAlgorithm.Parameters).Algorithm.Id);
            string selfPath = dir.File("self.pem");
            File.WriteAllText(selfPath, self.Pem);
            Assert.Contains("OK", OpenSsl.Ok("verify", "-CAfile", selfPath, "-partial_chain", selfPath));
            Assert.True(ChainValidator.Validate(self.Certificate, new ChainValidationOptions { TrustedRoots = new[] { self.Certificate } }).IsValid);

            // PKCS#1 cannot say "PSS only": refused rather than silently widening what the key may do.
            var pkcs1 = Assert.Throws<PkiException>(() => fromPem.ExportPem(PrivateKeyFormat.Pkcs1));
            Assert.Equal(PkiErrorCode.InvalidArgument, pkcs1.Code);
        }

        [Fact]
        public void A_pss_key_signs_pss_by_default_and_refuses_pkcs1()
        {
            using var dir = new TempDir();
            PrivateKey key = PrivateKey.Import(File.ReadAllBytes(GenPssKey(dir, "pss.pem", "sha256-mgf")));
            IssuedCertificate cert = CertificateIssuer.SelfSign(key, new CertificateTemplate { DnsNames = new[] { "pss.example" } });
            var structure = X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(cert.Der));
            AssertPss(structure.SignatureAlgorithm, Sha256Oid, 32);
            Assert.Equal(RsaPssParameters.Oid, structure.SubjectPublicKeyInfo.Algorithm.Algorithm.Id);
            string path = dir.File("cert.pem");
            File.WriteAllText(path, cert.Pem);
            Assert.Contains("OK", OpenSsl.Ok("verify", "-CAfile", path, "-partial_chain", path));

            var refused = Assert.Throws<PkiException>(() => CertificateIssuer.SelfSign(key, new CertificateTemplate { DnsNames = new[] { "pss.example" }, SignatureScheme = SignatureScheme.RsaPkcs1 }));
            Assert.Equal(PkiErrorCode.SignatureAlgorithmMismatch, refused.Code);
            Assert.Contains("RSA-PSS", refused.Message);
            Assert.Throws<PkiException>(() => CertificateSigningRequest.Create(key, "CN=x", Array.Empty<string>(), Array.Empty<string>(), null, SignatureScheme.RsaPkcs1));
            // The key's parameters restrict the hash: SHA-384 is refused, as openssl refuses it.
            var sha384 = Assert.Throws<PkiException>(() => CertificateIssuer.SelfSign(key, new CertificateTemplate { DnsNames = new[] { "pss.example" }, HashAlgorithm = HashAlgorithmName.SHA384 }));
            Assert.Equal(PkiErrorCode.SignatureAlgorithmMismatch, sha384.Code);
            // ACME signs with RS256 (PKCS#1 v1.5): an RSA-PSS key cannot be an account key.
            Assert.Equal(PkiErrorCode.SignatureAlgorithmMismatch, Assert.Throws<PkiException>(() => new PkiTools.Core.Acme.AcmeJws(key)).Code);
        }

        [Theory]
        [InlineData(KeyAlgorithm.EcdsaP256)]
        [InlineData(KeyAlgorithm.Ed25519)]
        public void Rsa_schemes_with_other_keys_are_a_mismatch(KeyAlgorithm algorithm)
        {
            PrivateKey key = PrivateKey.Generate(algorithm);
            foreach (SignatureScheme scheme in new[] { SignatureScheme.RsaPss, SignatureScheme.RsaPkcs1 })
            {
                var ex = Assert.Throws<PkiException>(() => CertificateIssuer.SelfSign(key, new CertificateTemplate { DnsNames = new[] { "x.example" }, SignatureScheme = scheme }));
                Assert.Equal(PkiErrorCode.SignatureAlgorithmMismatch, ex.Code);
                Assert.Equal("SignatureAlgorithm", ex.Input);
            }
        }

        [Theory]
        [InlineData("SHA256", Sha256Oid, 32)]
        [InlineData("SHA384", "2.16.840.1.101.3.4.2.2", 48)]
        [InlineData("SHA512", "2.16.840.1.101.3.4.2.3", 64)]
        public void Our_pss_certificates_csrs_and_crls_verify_with_openssl(string hashName, string hashOid, int salt)
        {
            using var dir = new TempDir();
            var hash = new HashAlgorithmName(hashName);
            PrivateKey caKey = PrivateKey.Generate(KeyAlgorithm.Rsa2048);
            IssuedCertificate root = CertificateIssuer.SelfSign(caKey, new CertificateTemplate
            {
                Subject = "CN=PSS Root", Profile = CertificateProfile.RootCa, SignatureScheme = SignatureScheme.RsaPss, HashAlgorithm = hash,
            });
            AssertPss(X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(root.Der)).SignatureAlgorithm, hashOid, salt);
            var issuer = new CertificateIssuer(root.Certificate, caKey, null, hash, SignatureScheme.RsaPss);

            // A CSR signed with PSS by us: openssl req -verify; then issued (PSS) and verified by openssl.
            PrivateKey leafKey = PrivateKey.Generate(KeyAlgorithm.Rsa2048);
            CertificateSigningRequest csr = CertificateSigningRequest.Create(leafKey, null, new[] { "www.pss.example" }, Array.Empty<string>(), hash, SignatureScheme.RsaPss);
            Assert.True(CertificateSigningRequest.Parse(csr.GetEncoded()).SignatureValid);
            string csrPath = dir.File("leaf.csr");
            File.WriteAllText(csrPath, csr.Pem);
            Assert.Contains("verify OK", OpenSsl.Run("req", "-in", csrPath, "-verify", "-noout").All);
            IssuedCertificate leaf = issuer.Sign(csr, new CertificateTemplate());
            AssertPss(X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(leaf.Der)).SignatureAlgorithm, hashOid, salt);
            string rootPath = dir.File("root.pem"), leafPath = dir.File("leaf.pem");
            File.WriteAllText(rootPath, root.Pem);
            File.WriteAllText(leafPath, leaf.Pem);
            Assert.Contains("OK", OpenSsl.Ok("verify", "-CAfile", rootPath, leafPath));
            Assert.Contains("Signature Algorithm: rsassaPss", OpenSsl.Ok("x509", "-in", leafPath, "-noout", "-text"));

            // Our own validator agrees.
            ChainValidationResult result = ChainValidator.Validate(leaf.Certificate, new ChainValidationOptions { TrustedRoots = new[] { root.Certificate } });
            Assert.True(result.IsValid, string.Join("; ", result.Problems.Select(p => p.Message)));

            // A CRL signed with PSS: openssl crl -verify.
            CertificateRevocationList crl = CrlBuilder.Build(root.Certificate, caKey, new[] { new RevokedEntry(new byte[] { 0x42 }, DateTimeOffset.UtcNow) },
                1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(7), hash, SignatureScheme.RsaPss);
            Assert.True(crl.IsSignedBy(root.Certificate));
            string crlPath = dir.File("crl.pem");
            File.WriteAllText(crlPath, crl.Pem);
            Assert.Contains("verify OK", OpenSsl.Run("crl", "-in", crlPath, "-CAfile", rootPath, "-noout").All);
        }

        [Theory]
        [InlineData("-1")] // salt = hash length: the platform verifies
        [InlineData("max")] // the largest salt (openssl 3.0's default): BouncyCastle verifies
        [InlineData("20")]
        public void Openssl_pss_chains_and_csrs_are_accepted(string saltLength)
        {
            using var dir = new TempDir();
            string caKey = GenPssKey(dir, "ca.key", "none"), caCert = dir.File("ca.crt");
            OpenSsl.Ok("req", "-x509", "-key", caKey, "-out", caCert, "-subj", "/CN=OpenSSL PSS Root", "-days", "30", "-sha256",
                "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:" + saltLength,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
            string leafKey = dir.File("leaf.key"), leafCsr = dir.File("leaf.csr"), leafCert = dir.File("leaf.crt"), ext = dir.File("ext.cnf");
            OpenSsl.Ok("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", leafKey, "-out", leafCsr, "-subj", "/CN=leaf.pss.example", "-sha256",
                "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:" + saltLength);
            File.WriteAllText(ext, "subjectAltName=DNS:leaf.pss.example\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
            OpenSsl.Ok("x509", "-req", "-in", leafCsr, "-CA", caCert, "-CAkey", caKey, "-set_serial", "7", "-out", leafCert, "-days", "10", "-sha256",
                "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:" + saltLength, "-extfile", ext);

            // The openssl PSS CA (an RSA-PSS key) and its PSS-signed leaf validate.
            var root = new X509Certificate2(caCert);
            var leaf = new X509Certificate2(leafCert);
            ChainValidationResult result = ChainValidator.Validate(leaf, new ChainValidationOptions { TrustedRoots = new[] { root }, DnsName = "leaf.pss.example" });
            Assert.True(result.IsValid, string.Join("; ", result.Problems.Select(p => p.Message)));

            // The openssl PSS CSR verifies and is signed by our CA (PKCS#1 v1.5 by default, PSS when asked).
            CertificateSigningRequest csr = CertificateSigningRequest.Parse(File.ReadAllBytes(leafCsr));
            Assert.True(csr.SignatureValid);
            Assert.Equal("rsassaPss", csr.SignatureAlgorithm);
            PrivateKey ourCaKey = PrivateKey.Generate(KeyAlgorithm.Rsa2048);
            IssuedCertificate ourRoot = CertificateIssuer.SelfSign(ourCaKey, new CertificateTemplate { Subject = "CN=Our Root", Profile = CertificateProfile.RootCa });
            IssuedCertificate issued = new CertificateIssuer(ourRoot.Certificate, ourCaKey).Sign(csr, new CertificateTemplate { SignatureScheme = SignatureScheme.RsaPss });
            string ourRootPath = dir.File("our-root.pem"), issuedPath = dir.File("issued.pem");
            File.WriteAllText(ourRootPath, ourRoot.Pem);
            File.WriteAllText(issuedPath, issued.Pem);
            Assert.Contains("OK", OpenSsl.Ok("verify", "-CAfile", ourRootPath, issuedPath));

            // A request for an RSA-PSS key (id-RSASSA-PSS in its SubjectPublicKeyInfo): read, verified and issued with that key.
            string pssCsr = dir.File("pss-key.csr");
            OpenSsl.Ok("req", "-new", "-key", caKey, "-out", pssCsr, "-subj", "/CN=pss-key.example", "-addext", "subjectAltName=DNS:pss-key.example");
            CertificateSigningRequest forPssKey = CertificateSigningRequest.Parse(File.ReadAllBytes(pssCsr));
            Assert.True(forPssKey.SignatureValid);
            Assert.Equal("Rsa2048", forPssKey.KeyAlgorithm);
            IssuedCertificate pssKeyCert = new CertificateIssuer(ourRoot.Certificate, ourCaKey).Sign(forPssKey, new CertificateTemplate());
            Assert.Equal(RsaPssParameters.Oid, X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(pssKeyCert.Der)).SubjectPublicKeyInfo.Algorithm.Algorithm.Id);
            File.WriteAllText(issuedPath, pssKeyCert.Pem);
            Assert.Contains("OK", OpenSsl.Ok("verify", "-CAfile", ourRootPath, issuedPath));
        }

        [Fact]
        public void Unsupported_or_weak_pss_parameters_are_named()
        {
            using var dir = new TempDir();
            string caKey = dir.File("ca.key"), caCert = dir.File("ca.crt");
            OpenSsl.Ok("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", caCert, "-subj", "/CN=Root", "-days", "30", "-sha256",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
            var root = new X509Certificate2(caCert);

            // MGF1 with SHA-1 under SHA-256 (what OpenSSL's rsa_pss_keygen_md:sha256 keys demand): verified, not weak.
            X509Certificate2 mixed = OpenSslLeaf(dir, "mixed", caCert, caKey, "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_mgf1_md:sha1");
            ChainValidationResult r1 = ChainValidator.Validate(mixed, new ChainValidationOptions { TrustedRoots = new[] { root } });
            Assert.True(r1.IsValid, string.Join("; ", r1.Problems.Select(p => p.Message)));

            // Another mask generation function (id-mgf1 turned into id-pSpecified, same length): the reason is said.
            X509Certificate2 pss = OpenSslLeaf(dir, "pss", caCert, caKey, "-sha256", "-sigopt", "rsa_padding_mode:pss");
            Assert.True(ChainValidator.Validate(pss, new ChainValidationOptions { TrustedRoots = new[] { root } }).IsValid);
            X509Certificate2 otherMask = new X509Certificate2(ReplaceMgf1(pss.RawData));
            ChainValidationResult r2 = ChainValidator.Validate(otherMask, new ChainValidationOptions { TrustedRoots = new[] { root } });
            ChainProblem unsupported = Assert.Single(r2.Problems, p => p.Code == ChainProblemCode.SignatureInvalid);
            Assert.Contains("mask generation function", unsupported.Message);
            Assert.Contains("cannot be verified", unsupported.Message);

            // SHA-1 PSS: verified, and weak like sha1WithRSAEncryption.
            X509Certificate2 sha1 = OpenSslLeaf(dir, "sha1", caCert, caKey, "-sha1", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:20");
            ChainValidationResult r3 = ChainValidator.Validate(sha1, new ChainValidationOptions { TrustedRoots = new[] { root } });
            ChainProblem weak = Assert.Single(r3.Problems);
            Assert.Equal(ChainProblemCode.WeakSignatureAlgorithm, weak.Code);
            Assert.Contains("RSASSA-PSS with SHA-1", weak.Message);
            Assert.True(ChainValidator.Validate(sha1, new ChainValidationOptions { TrustedRoots = new[] { root }, AllowWeakSignatures = true }).IsValid);

            // Decoding: a trailer field other than 1 and an unknown mask generation function are refused in words.
            var trailer2 = new DerSequence(new DerTaggedObject(true, 3, DerInteger.ValueOf(2)));
            Assert.Null(RsaPssParameters.Decode(trailer2, out string? why));
            Assert.Contains("trailer field 2", why);
            var otherMgf = new DerSequence(new DerTaggedObject(true, 1, new AlgorithmIdentifier(new DerObjectIdentifier("1.2.3.4"))));
            Assert.Null(RsaPssParameters.Decode(otherMgf, out why));
            Assert.Contains("mask generation function", why);
            RsaPssParameters? defaults = RsaPssParameters.Decode(DerSequence.Empty, out _);
            Assert.NotNull(defaults);
            Assert.True(defaults!.IsWeak);
            Assert.Equal(20, defaults.SaltLength);
            Assert.Contains("carries no parameters", SignatureAlgorithm.UnsupportedReason(new AlgorithmIdentifier(new DerObjectIdentifier(RsaPssParameters.Oid))));
        }

        [Fact]
        public void A_pss_csr_with_unsupported_parameters_is_refused_as_unsupported()
        {
            using var dir = new TempDir();
            string csrPath = dir.File("pss.csr");
            OpenSsl.Ok("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.File("k.pem"), "-out", csrPath, "-subj", "/CN=pss.example",
                "-sha256", "-sigopt", "rsa_padding_mode:pss");
            byte[] der = Pem.Decode(File.ReadAllText(csrPath)).Single().Data;
            Assert.True(CertificateSigningRequest.Parse(der).SignatureValid);
            CertificateSigningRequest csr = CertificateSigningRequest.Parse(ReplaceMgf1(der));
            Assert.False(csr.SignatureValid);
            PrivateKey caKey = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            IssuedCertificate root = CertificateIssuer.SelfSign(caKey, new CertificateTemplate { Subject = "CN=Root", Profile = CertificateProfile.RootCa });
            var ex = Assert.Throws<PkiException>(() => new CertificateIssuer(root.Certificate, caKey).Sign(csr, new CertificateTemplate()));
            Assert.Equal(PkiErrorCode.UnsupportedAlgorithm, ex.Code);
            Assert.Contains("mask generation function", ex.Message);
        }

        [Fact]
        public void A_ca_keeps_its_signature_algorithm_in_policy_json_for_later_issuance_renewal_and_crls()
        {
            using var dir = new TempDir();
            string folder = dir.File("ca");
            CaDirectory.Create(folder, "CN=PSS CA", KeyAlgorithm.Rsa2048, 5, null, new CaPolicy { SignatureAlgorithm = SignatureScheme.RsaPss });
            Assert.Contains("\"signatureAlgorithm\": \"RsaPss\"", File.ReadAllText(Path.Combine(folder, "policy.json")));

            // Opened afresh, as Invoke-CaSign and Invoke-CertRenewal (CaRenewalIssuer: Issue with the old key) open it.
            CaDirectory ca = CaDirectory.Open(folder);
            Assert.Equal(SignatureScheme.RsaPss, ca.Policy.SignatureAlgorithm);
            PrivateKey subject = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            IssuedCertificate renewed = ca.Issue(subject, new CertificateTemplate { DnsNames = new[] { "renew.example" } });
            Assert.Equal(RsaPssParameters.Oid, renewed.Certificate.SignatureAlgorithm.Value);
            IssuedCertificate pkcs1 = ca.Issue(subject, new CertificateTemplate { DnsNames = new[] { "renew.example" }, SignatureScheme = SignatureScheme.RsaPkcs1 });
            Assert.Equal("1.2.840.113549.1.1.11", pkcs1.Certificate.SignatureAlgorithm.Value);
            Assert.Equal("rsassaPss", ca.NewCrl().SignatureAlgorithm);
            Assert.Equal("sha256WithRSAEncryption", ca.NewCrl(null, null, null, false, SignatureScheme.RsaPkcs1).SignatureAlgorithm);

            // policy.json: the setting is optional, case-insensitive, and a wrong value says what it takes.
            Assert.Null(CaPolicy.FromJson("{}").SignatureAlgorithm);
            Assert.Equal(SignatureScheme.RsaPkcs1, CaPolicy.FromJson("{\"signatureAlgorithm\": \"rsapkcs1\"}").SignatureAlgorithm);
            var bad = Assert.Throws<PkiException>(() => CaPolicy.FromJson("{\"signatureAlgorithm\": \"Pss\"}"));
            Assert.Contains("RsaPkcs1, RsaPss", bad.Message);
            Assert.DoesNotContain("signatureAlgorithm", new CaPolicy().ToJson());
        }

        /// <summary>The DER with every id-mgf1 (1.2.840.113549.1.1.8) turned into id-pSpecified (…1.9): an unknown mask function, same length.</summary>
        private static byte[] ReplaceMgf1(byte[] der)
        {
            byte[] mgf1 = { 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x08 };
            byte[] copy = (byte[])der.Clone();
            int found = 0;
            for (int i = 0; i + mgf1.Length <= copy.Length; i++)
            {
                if (copy.Skip(i).Take(mgf1.Length).SequenceEqual(mgf1))
                {
                    copy[i + mgf1.Length - 1] = 0x09;
                    found++;
                }
            }
            Assert.True(found > 0);
            return copy;
        }

        private static X509Certificate2 OpenSslLeaf(TempDir dir, string name, string caCert, string caKey, params string[] signing)
        {
            string key = dir.File(name + ".key"), csr = dir.File(name + ".csr"), cert = dir.File(name + ".crt"), ext = dir.File(name + ".cnf");
            OpenSsl.Ok("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + name + ".example");
            File.WriteAllText(ext, "subjectAltName=DNS:" + name + ".example\n");
            OpenSsl.Ok(new[] { "x509", "-req", "-in", csr, "-CA", caCert, "-CAkey", caKey, "-set_serial", "9", "-out", cert, "-days", "10", "-extfile", ext }.Concat(signing).ToArray());
            return new X509Certificate2(cert);
        }

        /// <summary>An RSASSA-PSS AlgorithmIdentifier with the hash, MGF1 on the same hash, the salt, and no trailer field (1 is the DEFAULT).</summary>
        private static void AssertPss(AlgorithmIdentifier id, string hashOid, int salt)
        {
            Assert.Equal(RsaPssParameters.Oid, id.Algorithm.Id);
            var p = RsassaPssParameters.GetInstance(id.Parameters);
            Assert.Equal(hashOid, p.HashAlgorithm.Algorithm.Id);
            Assert.Equal(PkcsObjectIdentifiers.IdMgf1, p.MaskGenAlgorithm.Algorithm);
            Assert.Equal(hashOid, AlgorithmIdentifier.GetInstance(p.MaskGenAlgorithm.Parameters).Algorithm.Id);
            Assert.Equal(salt, p.SaltLength.IntValueExact);
            Assert.Equal(1, p.TrailerField.IntValueExact);
            var sequence = (Asn1Sequence)id.Parameters;
            Assert.Equal(3, sequence.Count); // hash, MGF, salt written out; trailerField omitted as DER requires for its DEFAULT
        }
    }
}
