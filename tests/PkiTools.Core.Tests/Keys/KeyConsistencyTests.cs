using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Math;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.Core.Tests.KeyFiles
{
    /// <summary>
    /// Keys made by the real openssl at test time, in every form (PKCS#8 PEM/DER, traditional PEM/DER, encrypted
    /// PKCS#8, key-only PFX), for every algorithm openssl writes; keys with damaged parts built from openssl's output.
    /// Each reads, or is refused with the expected code, and <c>openssl pkey -check</c> agrees on which are consistent.
    /// </summary>
    public sealed class OpenSslKeyCorpus : IDisposable
    {
        public const string Password = "corpus-pw";

        public OpenSslKeyCorpus()
        {
            Dir = new TempDir();
            Gen("rsa", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048");
            Gen("rsa1024", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024");
            Gen("p256", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256");
            Gen("p384x", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-pkeyopt", "ec_param_enc:explicit");
            Gen("p256x", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-pkeyopt", "ec_param_enc:explicit");
            Gen("k1x", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1", "-pkeyopt", "ec_param_enc:explicit");
            Gen("brainpoolx", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:brainpoolP256r1", "-pkeyopt", "ec_param_enc:explicit");
            Gen("ed25519", "-algorithm", "Ed25519");
            Gen("x25519", "-algorithm", "X25519");
            Gen("x448", "-algorithm", "X448");
            Gen("ed448", "-algorithm", "Ed448");
            Gen("dh", "-algorithm", "DH", "-pkeyopt", "group:ffdhe2048");
            OpenSsl.Ok("genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "pbits:2048", "-out", Dir.File("dsa.params"));
            OpenSsl.Ok("genpkey", "-paramfile", Dir.File("dsa.params"), "-out", Dir.File("dsa.p8.pem"));
            OpenSsl.Ok("req", "-new", "-key", Dir.File("dsa.p8.pem"), "-subj", "/CN=dsa.example", "-out", Dir.File("dsa.csr"));
            foreach (string name in new[] { "rsa", "rsa1024", "p256", "p256x", "p384x", "k1x", "brainpoolx", "ed25519", "x25519", "x448", "ed448", "dh", "dsa" })
            {
                string pem = Dir.File(name + ".p8.pem");
                OpenSsl.Ok("pkey", "-in", pem, "-outform", "DER", "-out", Dir.File(name + ".p8.der"));
                OpenSsl.Ok("pkcs8", "-topk8", "-in", pem, "-v2", "aes-256-cbc", "-passout", "pass:" + Password, "-out", Dir.File(name + ".enc.pem"));
            }
            // Traditional forms: PKCS#1, SEC1 (explicit curves stay explicit) and OpenSSL's own DSA form, PEM and DER.
            foreach (var (name, tool) in new[] { ("rsa", "rsa"), ("rsa1024", "rsa"), ("p256", "ec"), ("p256x", "ec"), ("k1x", "ec"), ("brainpoolx", "ec"), ("dsa", "dsa") })
            {
                string[] traditional = tool == "rsa" ? new[] { "-traditional" } : Array.Empty<string>(); // ec and dsa write their own forms
                OpenSsl.Ok(new[] { tool, "-in", Dir.File(name + ".p8.pem"), "-out", Dir.File(name + ".trad.pem") }.Concat(traditional).ToArray());
                OpenSsl.Ok(new[] { tool, "-in", Dir.File(name + ".p8.pem"), "-outform", "DER", "-out", Dir.File(name + ".trad.der") }.Concat(traditional).ToArray());
            }
            OpenSsl.Ok("pkcs12", "-export", "-nocerts", "-inkey", Dir.File("rsa.p8.pem"), "-passout", "pass:" + Password, "-out", Dir.File("rsa.keyonly.pfx"));
            OpenSsl.Ok("pkcs12", "-export", "-nocerts", "-inkey", Dir.File("p256.p8.pem"), "-passout", "pass:" + Password, "-out", Dir.File("p256.keyonly.pfx"));
            OpenSsl.Ok("req", "-x509", "-new", "-key", Dir.File("p256.p8.pem"), "-subj", "/CN=pfx.example", "-days", "2", "-out", Dir.File("p256.crt"));
            OpenSsl.Ok("pkcs12", "-export", "-in", Dir.File("p256.crt"), "-inkey", Dir.File("p256.p8.pem"), "-passout", "pass:" + Password, "-out", Dir.File("p256.withcert.pfx"));
            OpenSsl.Ok("pkey", "-in", Dir.File("rsa.p8.pem"), "-pubout", "-outform", "DER", "-out", Dir.File("rsa.pub.der"));
            OpenSsl.Ok("pkey", "-in", Dir.File("rsa.p8.pem"), "-pubout", "-out", Dir.File("rsa.pub.pem"));
            Damaged();
        }

        public TempDir Dir { get; }

        private void Gen(string name, params string[] args) =>
            OpenSsl.Ok(new[] { "genpkey" }.Concat(args).Concat(new[] { "-out", Dir.File(name + ".p8.pem") }).ToArray());

        /// <summary>Keys whose parts do not fit, re-encoded from openssl's DER: one RSA part changed at a time, an EC public point that is not d·G or not on the curve.</summary>
        private void Damaged()
        {
            var rsa = RsaPrivateKeyStructure.GetInstance(Asn1Object.FromByteArray(File.ReadAllBytes(Dir.File("rsa.trad.der"))));
            BigInteger two = BigInteger.Two;
            WriteRsa("bad-prime", rsa.Modulus, rsa.PublicExponent, rsa.PrivateExponent, rsa.Prime1, rsa.Prime2.Add(two), rsa.Exponent1, rsa.Exponent2, rsa.Coefficient);
            WriteRsa("bad-q2", rsa.Modulus, rsa.PublicExponent, rsa.PrivateExponent, rsa.Prime1, two, rsa.Exponent1, rsa.Exponent2, rsa.Coefficient);
            WriteRsa("bad-dp", rsa.Modulus, rsa.PublicExponent, rsa.PrivateExponent, rsa.Prime1, rsa.Prime2, rsa.Exponent1.Add(two), rsa.Exponent2, rsa.Coefficient);
            WriteRsa("bad-qinv", rsa.Modulus, rsa.PublicExponent, rsa.PrivateExponent, rsa.Prime1, rsa.Prime2, rsa.Exponent1, rsa.Exponent2, rsa.Coefficient.Add(BigInteger.One));
            WriteRsa("bad-d", rsa.Modulus, rsa.PublicExponent, rsa.PrivateExponent.Add(two), rsa.Prime1, rsa.Prime2, rsa.Exponent1, rsa.Exponent2, rsa.Coefficient);

            var ec = ECPrivateKeyStructure.GetInstance(Asn1Object.FromByteArray(File.ReadAllBytes(Dir.File("p256.trad.der"))));
            var other = ECPrivateKeyStructure.GetInstance(Asn1Object.FromByteArray(PrivateKey.Generate(KeyAlgorithm.EcdsaP256).ExportDer(PrivateKeyFormat.Sec1)));
            WriteEc("ec-wrong-point", new ECPrivateKeyStructure(256, ec.GetKey(), other.PublicKey, ec.Parameters));
            byte[] point = ec.PublicKey.GetOctets();
            point[point.Length - 1] ^= 0x01; // y + or - 1: no longer on the curve
            WriteEc("ec-off-curve", new ECPrivateKeyStructure(256, ec.GetKey(), new DerBitString(point), ec.Parameters));
        }

        private void WriteRsa(string name, params BigInteger[] v)
        {
            byte[] der = new RsaPrivateKeyStructure(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]).GetDerEncoded();
            File.WriteAllBytes(Dir.File(name + ".trad.der"), der);
            File.WriteAllText(Dir.File(name + ".trad.pem"), Pem.Encode("RSA PRIVATE KEY", der));
            byte[] pkcs8 = new PrivateKeyInfo(new AlgorithmIdentifier(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance), Asn1Object.FromByteArray(der)).GetDerEncoded();
            File.WriteAllText(Dir.File(name + ".p8.pem"), Pem.Encode("PRIVATE KEY", pkcs8));
        }

        private void WriteEc(string name, ECPrivateKeyStructure key)
        {
            byte[] der = key.GetDerEncoded();
            File.WriteAllText(Dir.File(name + ".trad.pem"), Pem.Encode("EC PRIVATE KEY", der));
        }

        public void Dispose() => Dir.Dispose();
    }

    public class KeyConsistencyTests : IClassFixture<OpenSslKeyCorpus>
    {
        private readonly OpenSslKeyCorpus _corpus;
        private readonly ITestOutputHelper _output;

        public KeyConsistencyTests(OpenSslKeyCorpus corpus, ITestOutputHelper output)
        {
            _corpus = corpus;
            _output = output;
        }

        private static readonly char[] Pw = OpenSslKeyCorpus.Password.ToCharArray();

        private (PrivateKey? Key, PkiException? Error) Read(string file)
        {
            try
            {
                return (PrivateKey.Import(File.ReadAllBytes(_corpus.Dir.File(file)), Pw), null);
            }
            catch (PkiException ex)
            {
                return (null, ex);
            }
        }

        [Theory]
        [InlineData("rsa", "Rsa2048")]
        [InlineData("rsa1024", "Rsa1024")]
        [InlineData("p256", "EcdsaP256")]
        [InlineData("p256x", "EcdsaP256")]
        [InlineData("p384x", "EcdsaP384")]
        [InlineData("k1x", "EcdsaSecp256k1")]
        [InlineData("ed25519", "Ed25519")]
        public void Every_form_of_a_supported_key_reads_as_its_algorithm(string name, string algorithm)
        {
            string[] forms = { ".p8.pem", ".p8.der", ".enc.pem", ".trad.pem", ".trad.der" };
            string? keyId = null;
            foreach (string form in forms)
            {
                if (!File.Exists(_corpus.Dir.File(name + form))) continue;
                var (key, error) = Read(name + form);
                Assert.True(error == null, $"{name}{form}: {error?.Code} {error?.Message}");
                Assert.Equal(algorithm, key!.Algorithm);
                keyId ??= key.KeyId;
                Assert.Equal(keyId, key.KeyId);
            }
            // The same public key openssl derives (the point or key itself: for explicit curves openssl's
            // SubjectPublicKeyInfo spells the curve out where ours names it).
            string spki = OpenSsl.Ok("pkey", "-in", _corpus.Dir.File(name + ".p8.pem"), "-pubout");
            byte[] theirs = SubjectPublicKeyInfo.GetInstance(Pem.Decode(spki)[0].Data).PublicKey.GetBytes();
            byte[] ours = SubjectPublicKeyInfo.GetInstance(Pem.Decode(Read(name + ".p8.pem").Key!.PublicKeyPem)[0].Data).PublicKey.GetBytes();
            Assert.Equal(theirs, ours);
        }

        [Theory]
        [InlineData("dsa", "DSA")]
        [InlineData("x25519", "X25519")]
        [InlineData("x448", "X448")]
        [InlineData("ed448", "Ed448")]
        [InlineData("dh", "Diffie-Hellman")]
        [InlineData("brainpoolx", "P-256, P-384, P-521 or secp256k1")]
        public void Keys_of_families_we_do_not_use_are_refused_by_name_in_every_form(string name, string words)
        {
            int seen = 0;
            foreach (string form in new[] { ".p8.pem", ".p8.der", ".enc.pem", ".trad.pem", ".trad.der" })
            {
                if (!File.Exists(_corpus.Dir.File(name + form))) continue;
                seen++;
                var (_, error) = Read(name + form);
                Assert.True(error != null, $"{name}{form} was read");
                Assert.True(error!.Code == PkiErrorCode.UnsupportedAlgorithm, $"{name}{form}: {error.Code} {error.Message}");
                Assert.Contains(words, error.Message);
                Assert.DoesNotContain("1.2.840", error.Message);
                Assert.DoesNotContain("1.3.101", error.Message);
            }
            Assert.True(seen >= 3);
        }

        [Theory]
        [InlineData("bad-prime.trad.der", "not the product of its primes")]
        [InlineData("bad-prime.trad.pem", "not the product of its primes")]
        [InlineData("bad-prime.p8.pem", "not the product of its primes")]
        [InlineData("bad-q2.trad.pem", "RSA private key is inconsistent")]
        [InlineData("bad-dp.trad.pem", "dP is not d mod (p-1)")]
        [InlineData("bad-qinv.trad.pem", "qInv")]
        [InlineData("bad-d.trad.pem", "RSA private key is inconsistent")]
        [InlineData("ec-wrong-point.trad.pem", "not the one its private value gives")]
        [InlineData("ec-off-curve.trad.pem", "not a point on its curve")]
        public void Keys_whose_parts_do_not_fit_are_KeyInvalid_in_plain_words(string file, string words)
        {
            var (_, error) = Read(file);
            Assert.True(error != null, file + " was read");
            Assert.Equal(PkiErrorCode.KeyInvalid, error!.Code);
            Assert.Contains(words, error.Message);
        }

        /// <summary>Every unencrypted key of the corpus: we read it exactly when openssl pkey -check calls it valid (keys openssl cannot check as private keys are left out).</summary>
        [Fact]
        public void Openssl_pkey_check_agrees_on_which_keys_are_consistent()
        {
            var files = Directory.GetFiles(_corpus.Dir.Path).Select(Path.GetFileName).Where(f => f!.EndsWith(".pem", StringComparison.Ordinal) || f.EndsWith(".der", StringComparison.Ordinal))
                .Where(f => !f!.Contains(".enc.") && !f.Contains(".pub.") && !f.EndsWith(".crt", StringComparison.Ordinal)).OrderBy(f => f).ToList();
            int compared = 0;
            var disagreements = new List<string>();
            foreach (string file in files!)
            {
                var (key, error) = Read(file!);
                if (error?.Code == PkiErrorCode.UnsupportedAlgorithm) continue; // not ours to check
                var args = new List<string> { "pkey", "-in", _corpus.Dir.File(file!), "-check", "-noout" };
                if (file!.EndsWith(".der", StringComparison.Ordinal)) args.AddRange(new[] { "-inform", "DER" });
                OpenSsl.Result r = OpenSsl.Run(args.ToArray());
                bool opensslValid = r.ExitCode == 0 && r.All.Contains("Key is valid");
                bool ours = key != null;
                _output.WriteLine($"{file}: openssl {(opensslValid ? "valid" : "invalid")}, PkiTools {(ours ? key!.Algorithm : error!.Code + ": " + error.Message)}");
                compared++;
                if (opensslValid != ours) disagreements.Add($"{file}: openssl {r.All.Trim()} / PkiTools {(ours ? "read it" : error!.Message)}");
            }
            Assert.True(compared >= 20, $"only {compared} keys compared");
            Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
        }

        /// <summary>PKCS#8 v2 (RFC 8410 OneAsymmetricKey) carries the Ed25519 public key beside the seed: it must be the seed's.</summary>
        [Fact]
        public void An_ed25519_key_whose_stored_public_key_is_another_is_KeyInvalid()
        {
            byte[] seedFile = File.ReadAllBytes(_corpus.Dir.File("ed25519.p8.der"));
            var info = PrivateKeyInfo.GetInstance(Asn1Object.FromByteArray(seedFile));
            var own = (Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters)Org.BouncyCastle.Security.PrivateKeyFactory.CreateKey(info);
            byte[] Pkcs8V2(byte[] publicKey) => new PrivateKeyInfo(info.PrivateKeyAlgorithm, info.ParsePrivateKey(), null, publicKey).GetDerEncoded();
            Assert.Equal("Ed25519", PrivateKey.Import(Pkcs8V2(own.GeneratePublicKey().GetEncoded())).Algorithm);
            byte[] other = new Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters(new Org.BouncyCastle.Security.SecureRandom()).GeneratePublicKey().GetEncoded();
            var ex = Assert.Throws<PkiException>(() => PrivateKey.Import(Pkcs8V2(other)));
            Assert.Equal(PkiErrorCode.KeyInvalid, ex.Code);
            Assert.Contains("not the one its private seed gives", ex.Message);
        }

        [Fact]
        public void A_key_only_pfx_and_a_pfx_with_a_certificate_give_their_key()
        {
            var (rsa, e1) = Read("rsa.keyonly.pfx");
            Assert.True(e1 == null, e1?.Message);
            Assert.Equal(Read("rsa.p8.pem").Key!.KeyId, rsa!.KeyId);
            var (ec, e2) = Read("p256.keyonly.pfx");
            Assert.True(e2 == null, e2?.Message);
            Assert.Equal("EcdsaP256", ec!.Algorithm);
            var (withCert, e3) = Read("p256.withcert.pfx");
            Assert.True(e3 == null, e3?.Message);
            Assert.Equal(ec.KeyId, withCert!.KeyId);
            byte[] pfx = File.ReadAllBytes(_corpus.Dir.File("rsa.keyonly.pfx"));
            Assert.Equal(PkiErrorCode.PasswordRequired, Assert.Throws<PkiException>(() => PrivateKey.Import(pfx)).Code);
            Assert.Equal(PkiErrorCode.PasswordIncorrect, Assert.Throws<PkiException>(() => PrivateKey.Import(pfx, "wrong".ToCharArray())).Code);
        }

        [Theory]
        [InlineData("rsa.pub.der")]
        [InlineData("rsa.pub.pem")]
        public void A_public_key_given_as_a_private_key_is_named(string file)
        {
            var (_, error) = Read(file);
            Assert.Equal(PkiErrorCode.WrongFileType, error!.Code);
            Assert.Contains("public key", error.Message);
        }

        /// <summary>A CA of <paramref name="keyName"/>'s key (from the corpus) and a P-256 leaf it signed, both made by openssl.</summary>
        private (System.Security.Cryptography.X509Certificates.X509Certificate2 Root, System.Security.Cryptography.X509Certificates.X509Certificate2 Leaf) OpenSslChain(string keyName)
        {
            string D(string f) => _corpus.Dir.File(keyName + "-chain-" + f);
            File.WriteAllText(D("ext.cnf"), "[req]\ndistinguished_name=dn\n[dn]\n[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n[leaf]\nbasicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:leaf.example\n");
            OpenSsl.Ok("req", "-x509", "-new", "-key", _corpus.Dir.File(keyName + ".p8.pem"), "-subj", "/CN=" + keyName + " Root", "-days", "5",
                "-config", D("ext.cnf"), "-extensions", "ca", "-out", D("root.crt"));
            OpenSsl.Ok("req", "-new", "-key", _corpus.Dir.File("p256.p8.pem"), "-subj", "/CN=leaf.example", "-config", D("ext.cnf"), "-out", D("leaf.csr"));
            OpenSsl.Ok("x509", "-req", "-in", D("leaf.csr"), "-CA", D("root.crt"), "-CAkey", _corpus.Dir.File(keyName + ".p8.pem"), "-CAcreateserial",
                "-days", "2", "-extfile", D("ext.cnf"), "-extensions", "leaf", "-out", D("leaf.crt"));
            return (CertificateReader.ReadCertificates(File.ReadAllBytes(D("root.crt")))[0], CertificateReader.ReadCertificates(File.ReadAllBytes(D("leaf.crt")))[0]);
        }

        [Theory]
        [InlineData("dsa", "DSA", "WeakSignatureAlgorithm")]
        [InlineData("ed448", "Ed448", "SignatureInvalid")]
        public void A_chain_signed_with_an_algorithm_we_do_not_use_names_it(string keyName, string words, string code)
        {
            var (root, leaf) = OpenSslChain(keyName);
            Assert.Contains(": OK", OpenSsl.Run("verify", "-CAfile", _corpus.Dir.File(keyName + "-chain-root.crt"), _corpus.Dir.File(keyName + "-chain-leaf.crt")).All);
            var result = PkiTools.Core.Validation.ChainValidator.Validate(leaf, new PkiTools.Core.Validation.ChainValidationOptions { TrustedRoots = new[] { root } });
            Assert.False(result.IsValid);
            var problem = result.Problems.FirstOrDefault(p => p.Code.ToString() == code);
            Assert.True(problem != null, string.Join("; ", result.Problems.Select(p => p.Code + ": " + p.Message)));
            Assert.Contains(words, problem!.Message);
            Assert.DoesNotContain("altered", problem.Message);
            Assert.DoesNotContain("another CA with the same name", problem.Message);
        }

        [Fact]
        public void A_dsa_csr_with_a_valid_signature_is_refused_as_unsupported_not_as_altered()
        {
            Assert.Contains("verify OK", OpenSsl.Run("req", "-in", _corpus.Dir.File("dsa.csr"), "-verify", "-noout").All);
            var csr = CertificateSigningRequest.Parse(File.ReadAllBytes(_corpus.Dir.File("dsa.csr")));
            Assert.Equal("DSA", csr.KeyAlgorithm);
            var root = CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { Subject = "CN=Root", Profile = CertificateProfile.RootCa });
            var ex = Assert.Throws<PkiException>(() => new CertificateIssuer(root.Certificate).Sign(csr, new CertificateTemplate { Profile = CertificateProfile.TlsServer }));
            Assert.Equal(PkiErrorCode.UnsupportedAlgorithm, ex.Code);
            Assert.Contains("DSA", ex.Message);
        }
    }
}
