using System.IO;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>-SignatureAlgorithm RsaPss and RSA-PSS keys through the cmdlets (issue 18), checked with the openssl CLI.</summary>
    public sealed class RsaPssCmdletTests : ModuleTestBase
    {
        private const string PssOid = "1.2.840.113549.1.1.10";
        private const string Sha256WithRsaOid = "1.2.840.113549.1.1.11";

        [Fact]
        public void New_SelfSignedCert_signs_with_pss_when_asked()
        {
            var cert = S.Run("New-SelfSignedCert -DnsName pss.example -KeyAlgorithm Rsa2048 -SignatureAlgorithm RsaPss -Path ./pss").ThrowOnError().Single<X509Certificate2>();
            Assert.Equal(PssOid, cert.SignatureAlgorithm.Value);
            Assert.True(cert.HasPrivateKey); // an rsaEncryption key signing with PSS stays a platform key
            string crt = S.File("pss.crt");
            Assert.Contains("OK", OpenSsl.Ok("verify", "-CAfile", crt, "-verify_hostname", "pss.example", crt));
            string text = OpenSsl.Ok("x509", "-in", crt, "-noout", "-text");
            Assert.Contains("Mask Algorithm: mgf1 with sha256", text);
            Assert.Contains("Salt Length: 0x20", text);
            // Without the parameter an RSA key keeps PKCS#1 v1.5.
            var plain = S.Run("New-SelfSignedCert -DnsName plain.example -KeyAlgorithm Rsa2048").ThrowOnError().Single<X509Certificate2>();
            Assert.Equal(Sha256WithRsaOid, plain.SignatureAlgorithm.Value);
        }

        [Theory]
        [InlineData("New-SelfSignedCert -DnsName x.example -SignatureAlgorithm RsaPss")]
        [InlineData("New-Csr -DnsName x.example -KeyAlgorithm Ed25519 -SignatureAlgorithm RsaPss")]
        [InlineData("New-Ca -Path ./ec-ca -Subject 'CN=EC CA' -SignatureAlgorithm RsaPss")]
        public void Rsa_pss_with_an_ec_or_ed25519_key_is_a_mismatch(string script)
        {
            var r = S.Run(script);
            Assert.Contains("SignatureAlgorithmMismatch", r.ErrorIds);
            string message = r.Errors[0].ErrorDetails?.Message ?? r.Errors[0].Exception.Message;
            Assert.Contains("-SignatureAlgorithm", message);
            Assert.False(Directory.Exists(S.File("ec-ca")));
        }

        [Fact]
        public void An_openssl_pss_key_is_imported_used_and_exported()
        {
            string keyFile = S.File("pss.key");
            OpenSsl.Ok("genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048", "-pkeyopt", "rsa_pss_keygen_md:sha256", "-pkeyopt", "rsa_pss_keygen_saltlen:32", "-out", keyFile);
            dynamic key = S.Run("Import-PrivateKey ./pss.key").ThrowOnError().Single();
            Assert.Equal("Rsa2048", (string)key.Algorithm);
            Assert.True((bool)key.PssOnly);
            Assert.Contains("Rsa2048 PSS", S.Render("Import-PrivateKey ./pss.key | Format-Table"));

            dynamic csr = S.Run("Import-PrivateKey ./pss.key | New-Csr -DnsName pss.example -Path ./pss-req").ThrowOnError().Single();
            Assert.Equal("rsassaPss", (string)csr.SignatureAlgorithm);
            Assert.Contains("verify OK", OpenSsl.Run("req", "-in", S.File("pss-req.csr"), "-verify", "-noout").All);

            var refused = S.Run("Import-PrivateKey ./pss.key | New-Csr -DnsName pss.example -SignatureAlgorithm RsaPkcs1");
            Assert.Equal(new[] { "SignatureAlgorithmMismatch" }, refused.ErrorIds);

            // A self-signed certificate with the key: PSS by default, the key rides along through the module.
            var cert = S.Run("Import-PrivateKey ./pss.key | New-SelfSignedCert -DnsName pss.example -Path ./pss-cert").ThrowOnError().Single<X509Certificate2>();
            Assert.Equal(PssOid, cert.SignatureAlgorithm.Value);
            Assert.Contains("OK", OpenSsl.Ok("verify", "-CAfile", S.File("pss-cert.crt"), S.File("pss-cert.crt")));

            S.Run("Import-PrivateKey ./pss.key | Export-PrivateKey -Path ./back.key").ThrowOnError();
            string check = OpenSsl.Ok("pkey", "-in", S.File("back.key"), "-check", "-noout", "-text");
            Assert.Contains("Key is valid", check);
            Assert.Contains("Minimum Salt Length: 32", check);
            var pkcs1 = S.Run("Import-PrivateKey ./pss.key | Export-PrivateKey -Path ./back1.key -Format Pkcs1");
            Assert.Equal(new[] { "InvalidArgument" }, pkcs1.ErrorIds);
        }

        [Fact]
        public void A_pss_ca_signs_openssl_pss_requests_and_crls_and_remembers_its_choice()
        {
            var ca = S.Run("New-Ca -Path ./ca -Subject 'CN=PSS CA' -KeyAlgorithm Rsa2048 -SignatureAlgorithm RsaPss").ThrowOnError().Single();
            Assert.Contains("\"signatureAlgorithm\": \"RsaPss\"", File.ReadAllText(S.File("ca/policy.json")));
            string caCrt = S.File("ca/ca.crt");
            Assert.Contains("OK", OpenSsl.Ok("verify", "-CAfile", caCrt, caCrt));
            Assert.Contains("rsassaPss", OpenSsl.Ok("x509", "-in", caCrt, "-noout", "-text"));

            // An openssl CSR signed with PSS (req -sigopt rsa_padding_mode:pss) is accepted and signed with PSS (the policy's choice).
            OpenSsl.Ok("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", S.File("web.key"), "-out", S.File("web.csr"), "-subj", "/CN=web.example",
                "-addext", "subjectAltName=DNS:web.example", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1");
            var web = S.Run("Invoke-CaSign -CsrPath ./web.csr -Ca ./ca -Path ./web").ThrowOnError().Single<X509Certificate2>();
            Assert.Equal(PssOid, web.SignatureAlgorithm.Value);
            Assert.Contains("OK", OpenSsl.Ok("verify", "-CAfile", caCrt, "-verify_hostname", "web.example", S.File("web.crt")));
            dynamic chain = S.Run("Test-CertChain -Path ./web.crt -TrustedRoot ./ca/ca.crt -DnsName web.example").ThrowOnError().Single();
            Assert.True((bool)chain.IsValid);

            // -SignatureAlgorithm overrides the policy for one request.
            var pkcs1 = S.Run("Invoke-CaSign -CsrPath ./web.csr -Ca ./ca -SignatureAlgorithm RsaPkcs1").ThrowOnError().Single<X509Certificate2>();
            Assert.Equal(Sha256WithRsaOid, pkcs1.SignatureAlgorithm.Value);

            dynamic crl = S.Run("New-Crl -Ca ./ca -Path ./pub.crl").ThrowOnError().Single();
            Assert.Equal("rsassaPss", (string)crl.SignatureAlgorithm);
            Assert.Contains("verify OK", OpenSsl.Run("crl", "-in", S.File("pub.crl"), "-CAfile", caCrt, "-noout").All);
        }
    }
}
