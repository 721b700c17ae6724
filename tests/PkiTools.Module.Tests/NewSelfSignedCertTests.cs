using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    public class NewSelfSignedCertTests : ModuleTestBase
    {
        [Fact]
        public void Replaces_openssl_req_x509_with_the_documented_defaults()
        {
            DateTime before = DateTime.UtcNow;
            var r = S.Run("New-SelfSignedCert -DnsName localhost,web01.corp.example -IpAddress 127.0.0.1 -Path ./localhost").ThrowOnError();
            var cert = r.Single<X509Certificate2>();
            Assert.True(cert.HasPrivateKey);
            Assert.Equal("CN=localhost", cert.Subject);
            Assert.Equal(cert.Subject, cert.Issuer);
            Assert.Equal("1.2.840.10045.4.3.2", cert.SignatureAlgorithm.Value); // ecdsa-with-SHA256
            Assert.Equal(256, cert.GetECDsaPublicKey()!.KeySize);
            Assert.InRange(cert.NotBefore.ToUniversalTime(), before.AddMinutes(-5).AddSeconds(-2), before.AddMinutes(-5).AddSeconds(2));
            Assert.InRange((cert.NotAfter.ToUniversalTime() - before).TotalDays, 364.99, 365.01);
            byte[] serial = cert.GetSerialNumber(); // little-endian
            Assert.InRange(serial.Length, 15, 17);
            Assert.True((serial[^1] & 0x80) == 0, "serial must be positive");

            var bc = (X509BasicConstraintsExtension)Extension(cert, "2.5.29.19")!;
            Assert.False(bc.CertificateAuthority);
            Assert.True(bc.Critical);
            var ku = (X509KeyUsageExtension)Extension(cert, "2.5.29.15")!;
            Assert.Equal(X509KeyUsageFlags.DigitalSignature, ku.KeyUsages);
            var eku = (X509EnhancedKeyUsageExtension)Extension(cert, "2.5.29.37")!;
            Assert.Equal(new[] { "1.3.6.1.5.5.7.3.1" }, eku.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).ToArray());
            Assert.NotNull(Extension(cert, "2.5.29.14"));

            string crt = S.File("localhost.crt"), key = S.File("localhost.key");
            AssertOwnerOnly(key);
            Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(key));
            string text = OpenSsl.Ok("x509", "-in", crt, "-noout", "-text");
            Assert.Contains("DNS:localhost, DNS:web01.corp.example, IP Address:127.0.0.1", text);
            Assert.Contains("CA:FALSE", text);
            Assert.Contains("TLS Web Server Authentication", text);
            // The key file is the certificate's key.
            string certPub = OpenSsl.Ok("x509", "-in", crt, "-noout", "-pubkey");
            string keyPub = OpenSsl.Ok("pkey", "-in", key, "-pubout");
            Assert.Equal(certPub, keyPub);
            // And a TLS client accepts it for the names it carries.
            Assert.Contains("OK", OpenSsl.Ok("verify", "-CAfile", crt, "-verify_hostname", "web01.corp.example", crt));
            Assert.Contains("OK", OpenSsl.Ok("verify", "-CAfile", crt, "-verify_ip", "127.0.0.1", crt));
        }

        [Theory]
        [InlineData("./site", "site.crt", "site.key")]
        [InlineData("./site.crt", "site.crt", "site.key")]
        [InlineData("./site.pem", "site.pem", "site.key")]
        public void Path_names_the_file_stem(string path, string certFile, string keyFile)
        {
            S.Run($"New-SelfSignedCert -DnsName site.example -Path {path}").ThrowOnError();
            Assert.Equal(new[] { certFile, keyFile }.OrderBy(f => f), Directory.GetFiles(S.Directory).Select(Path.GetFileName).OrderBy(f => f));
        }

        [Fact]
        public void Without_Path_nothing_is_written()
        {
            var cert = S.Run("New-SelfSignedCert -DnsName site.example").ThrowOnError().Single<X509Certificate2>();
            Assert.True(cert.HasPrivateKey);
            Assert.Empty(Directory.GetFiles(S.Directory));
        }

        [Theory]
        [InlineData("Rsa2048", "1.2.840.113549.1.1.11", X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment)]
        [InlineData("Rsa3072", "1.2.840.113549.1.1.11", X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment)]
        [InlineData("EcdsaP256", "1.2.840.10045.4.3.2", X509KeyUsageFlags.DigitalSignature)]
        [InlineData("EcdsaP384", "1.2.840.10045.4.3.3", X509KeyUsageFlags.DigitalSignature)]
        [InlineData("EcdsaP521", "1.2.840.10045.4.3.4", X509KeyUsageFlags.DigitalSignature)]
        [InlineData("Ed25519", "1.3.101.112", X509KeyUsageFlags.DigitalSignature)]
        public void Every_key_algorithm_gets_its_signature_hash_and_key_usage(string algorithm, string signatureOid, X509KeyUsageFlags usage)
        {
            var cert = S.Run($"New-SelfSignedCert -DnsName a.example -KeyAlgorithm {algorithm} -Path ./a").ThrowOnError().Single<X509Certificate2>();
            Assert.Equal(signatureOid, cert.SignatureAlgorithm.Value);
            Assert.Equal(usage, ((X509KeyUsageExtension)Extension(cert, "2.5.29.15")!).KeyUsages);
            Assert.Equal(algorithm != "Ed25519", cert.HasPrivateKey); // .NET cannot hold an Ed25519 key
            Assert.True(S.Run("$c.HasPkiPrivateKey", Vars("c", cert)).ThrowOnError().Single<bool>());
            OpenSsl.Ok("verify", "-CAfile", S.File("a.crt"), S.File("a.crt"));
            OpenSsl.Ok("pkey", "-in", S.File("a.key"), "-noout");
            AssertOwnerOnly(S.File("a.key"));
        }

        [Fact]
        public void RootCa_profile_makes_a_ten_year_critical_CA()
        {
            var cert = S.Run("New-SelfSignedCert -Subject 'CN=Corp Test Root, O=Corp' -Profile RootCa -Path ./root").ThrowOnError().Single<X509Certificate2>();
            Assert.Equal("CN=Corp Test Root, O=Corp", cert.Subject);
            var bc = (X509BasicConstraintsExtension)Extension(cert, "2.5.29.19")!;
            Assert.True(bc.CertificateAuthority);
            Assert.True(bc.Critical);
            Assert.False(bc.HasPathLengthConstraint);
            var ku = (X509KeyUsageExtension)Extension(cert, "2.5.29.15")!;
            Assert.True(ku.KeyUsages.HasFlag(X509KeyUsageFlags.KeyCertSign));
            Assert.True(ku.KeyUsages.HasFlag(X509KeyUsageFlags.CrlSign));
            Assert.Null(Extension(cert, "2.5.29.37"));
            Assert.InRange((cert.NotAfter - cert.NotBefore).TotalDays, 3649, 3651);
            Assert.Contains("CA:TRUE", OpenSsl.Ok("x509", "-in", S.File("root.crt"), "-noout", "-ext", "basicConstraints"));
            // Most specific last in the encoding, as OpenSSL and RFC 4514 expect.
            Assert.Contains("subject=O = Corp, CN = Corp Test Root", OpenSsl.Ok("x509", "-in", S.File("root.crt"), "-noout", "-subject"));
        }

        [Fact]
        public void Existing_key_from_the_pipeline_is_used()
        {
            var r = S.Run("$k = New-PrivateKey -Algorithm EcdsaP384; $c = $k | New-SelfSignedCert -DnsName a.example; $k.KeyId; [Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::GetECDsaPublicKey($c).KeySize").ThrowOnError();
            Assert.Equal(384, (int)r.Output[1].BaseObject);
        }

        [Fact]
        public void ValidDays_and_NotAfter_set_the_end()
        {
            var a = S.Run("New-SelfSignedCert -DnsName a.example -ValidDays 30").ThrowOnError().Single<X509Certificate2>();
            Assert.InRange((a.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalDays, 29.99, 30.01);
            var b = S.Run("New-SelfSignedCert -DnsName a.example -NotAfter ([datetime]::new(2030,1,2,3,4,5,[DateTimeKind]::Utc))").ThrowOnError().Single<X509Certificate2>();
            Assert.Equal(new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc), b.NotAfter.ToUniversalTime());
            var both = S.Run("New-SelfSignedCert -DnsName a.example -ValidDays 3 -NotAfter ([datetime]::Now.AddDays(9))");
            Assert.Equal(new[] { "InvalidArgument" }, both.ErrorIds);
        }

        [Fact]
        public void No_cmdlet_declares_its_own_lifetime_parameters()
        {
            var r = S.Run(@"(Get-Command New-SelfSignedCert).ImplementingType.Assembly.GetTypes() |
                ForEach-Object { $_.GetProperties([System.Reflection.BindingFlags]'Public,Instance,DeclaredOnly') } |
                Where-Object { $_.Name -in 'ValidDays', 'NotAfter' -and $_.IsDefined([System.Management.Automation.ParameterAttribute], $false) } |
                ForEach-Object { $_.DeclaringType.Name } | Sort-Object -Unique").ThrowOnError();
            Assert.Equal(new[] { "LifetimeParameters" }, r.Output.Select(o => o.ToString()).ToArray());
        }

        [Theory]
        [InlineData("New-SelfSignedCert")]
        [InlineData("Invoke-CaSign")]
        public void Lifetime_parameters_are_one_declaration_shared_by_the_signing_cmdlets(string cmdlet)
        {
            // Declared once (LifetimeParameters); each signing cmdlet offers the same range, completion and refusal.
            var r = S.Run($@"$p = (Get-Command {cmdlet}).Parameters
                $p['ValidDays'].Attributes | Where-Object {{ $_ -is [System.Management.Automation.ValidateRangeAttribute] }} | ForEach-Object {{ ""$($_.MinRange)..$($_.MaxRange)"" }}
                $p['NotAfter'].ParameterType.Name
                (TabExpansion2 -inputScript '{cmdlet} -ValidD' -cursorColumn {cmdlet.Length + 8}).CompletionMatches | ForEach-Object {{ $_.CompletionText }}").ThrowOnError();
            Assert.Equal(new[] { "1..36500", "DateTime", "-ValidDays" }, r.Output.Select(o => o.ToString()).ToArray());
            var tooLong = S.Run(cmdlet == "Invoke-CaSign"
                ? "New-Csr -DnsName a.example | Invoke-CaSign -Issuer (New-SelfSignedCert -Subject 'CN=R' -Profile RootCa) -ValidDays 36501"
                : "New-SelfSignedCert -DnsName a.example -ValidDays 36501");
            Assert.Equal(new[] { "ParameterArgumentValidationError" }, tooLong.ErrorIds);
        }

        [Fact]
        public void Existing_file_without_Force_is_refused_and_left_unchanged()
        {
            File.WriteAllText(S.File("site.crt"), "precious");
            var r = S.Run("New-SelfSignedCert -DnsName site.example -Path ./site");
            Assert.Equal(new[] { "FileExists" }, r.ErrorIds);
            Assert.Empty(r.Output);
            Assert.Equal("precious", File.ReadAllText(S.File("site.crt")));
            Assert.False(File.Exists(S.File("site.key")), "no half-written output: the key must not be left behind");
            Assert.Single(Directory.GetFiles(S.Directory));
            Assert.Contains("-Force", r.Errors[0].ToString());
        }

        [Fact]
        public void Force_replaces_existing_files()
        {
            File.WriteAllText(S.File("site.crt"), "old");
            File.WriteAllText(S.File("site.key"), "old");
            S.Run("New-SelfSignedCert -DnsName site.example -Path ./site -Force").ThrowOnError();
            Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(S.File("site.crt")));
            AssertOwnerOnly(S.File("site.key"));
        }

        [Fact]
        public void WhatIf_writes_nothing_and_returns_nothing()
        {
            var r = S.Run("New-SelfSignedCert -DnsName site.example -Path ./site -WhatIf").ThrowOnError();
            Assert.Empty(r.Output);
            Assert.Empty(Directory.GetFiles(S.Directory));
        }

        [Theory]
        [InlineData("-DnsName 'bad name.example'")]
        [InlineData("-DnsName 'a..example'")]
        [InlineData("-DnsName 'a.*.example'")]
        [InlineData("-IpAddress 300.1.1.1")]
        [InlineData("-Subject 'not a dn'")]
        [InlineData("")]
        public void Bad_names_are_InvalidArgument(string args)
        {
            var r = S.Run($"New-SelfSignedCert {args} -Path ./x");
            Assert.Equal(new[] { "InvalidArgument" }, r.ErrorIds);
            Assert.Empty(Directory.GetFiles(S.Directory));
        }

        [Fact]
        public void Verbose_output_tells_what_happened_without_secrets()
        {
            var r = S.Run("New-SelfSignedCert -DnsName site.example -Path ./site -Verbose").ThrowOnError();
            string verbose = string.Join("\n", r.Verbose);
            Assert.Contains("Generated an EcdsaP256 key", verbose);
            Assert.Contains("site.key (owner-only)", verbose);
            AssertNoSecrets(verbose);
        }

        [Fact]
        public void Unicode_names_are_stored_as_punycode()
        {
            var cert = S.Run("New-SelfSignedCert -DnsName 'bücher.example'").ThrowOnError().Single<X509Certificate2>();
            var sans = S.Run("$c.SubjectAltNames", Vars("c", cert)).ThrowOnError().Output.Select(o => o.ToString()).ToArray();
            Assert.Equal(new[] { "DNS:xn--bcher-kva.example" }, sans);
            Assert.Equal("CN=xn--bcher-kva.example", cert.Subject);
        }
    }
}
