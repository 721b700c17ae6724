using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Formats;
using PkiTools.Core.Validation;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>A DSA CA made by openssl: weak without AllowWeakSignatures, valid with it, and openssl agrees on the signatures.</summary>
    public class DsaSignatureTests
    {
        [Fact]
        public void A_chain_signed_with_DSA_verifies_only_when_weak_signatures_are_allowed()
        {
            using var dir = new TempDir();
            string F(string name) => dir.File(name);
            OpenSsl.Ok("genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:2048", "-pkeyopt", "dsa_paramgen_q_bits:256", "-out", F("dsa.param"));
            OpenSsl.Ok("genpkey", "-paramfile", F("dsa.param"), "-out", F("ca.key"));
            OpenSsl.Ok("req", "-x509", "-key", F("ca.key"), "-sha256", "-out", F("ca.crt"), "-subj", "/CN=DSA Root", "-days", "30",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
            File.WriteAllText(F("leaf.ext"), "basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:dsa.corp.example\n");
            OpenSsl.Ok("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", F("leaf.key"), "-out", F("leaf.csr"), "-subj", "/CN=dsa.corp.example");
            OpenSsl.Ok("x509", "-req", "-in", F("leaf.csr"), "-CA", F("ca.crt"), "-CAkey", F("ca.key"), "-sha256", "-days", "10", "-extfile", F("leaf.ext"), "-out", F("leaf.crt"));
            Assert.Contains("OK", OpenSsl.Ok("verify", "-CAfile", F("ca.crt"), F("leaf.crt")));
            X509Certificate2 Read(string name) => CertificateFiles.Read(File.ReadAllBytes(F(name)), null).Leaf;
            X509Certificate2 root = Read("ca.crt"), leaf = Read("leaf.crt");

            ChainValidationResult strict = ChainValidator.Validate(leaf, new ChainValidationOptions { TrustedRoots = new[] { root } });
            ChainValidationResult legacy = ChainValidator.Validate(leaf, new ChainValidationOptions { TrustedRoots = new[] { root }, AllowWeakSignatures = true });

            Assert.Contains(strict.Problems, p => p.Code == ChainProblemCode.WeakSignatureAlgorithm && p.Index == 0 && p.Message.Contains("dsa-with-SHA256"));
            Assert.DoesNotContain(strict.Problems, p => p.Code == ChainProblemCode.SignatureInvalid);
            Assert.True(legacy.IsValid, string.Join("; ", legacy.Problems.Select(p => p.Code + ": " + p.Message)));

            // A leaf whose DSA signature was tampered with does not verify, weak signatures allowed or not.
            byte[] der = leaf.RawData.ToArray();
            der[der.Length - 5] ^= 0x01;
            ChainValidationResult tampered = ChainValidator.Validate(new X509Certificate2(der), new ChainValidationOptions { TrustedRoots = new[] { root }, AllowWeakSignatures = true });
            Assert.False(tampered.IsValid);
        }
    }
}
