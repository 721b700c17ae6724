using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    public class InvokeCaSignTests : ModuleTestBase
    {
        private void MakeRoot(string algorithm = "EcdsaP256") =>
            S.Run($"$root = New-SelfSignedCert -Subject 'CN=Corp Test Root' -Profile RootCa -KeyAlgorithm {algorithm} -Path ./root").ThrowOnError();

        [Fact]
        public void The_headline_pipeline_issues_a_valid_certificate()
        {
            MakeRoot();
            var r = S.Run("New-Csr -DnsName web01.corp.example | Invoke-CaSign -Issuer $root -ValidDays 90 -Path ./web01 | Test-CertChain -TrustedRoot $root -DnsName web01.corp.example").ThrowOnError();
            dynamic result = r.Single();
            Assert.True((bool)result.IsValid);
            Assert.Equal(2, ((System.Collections.IEnumerable)result.Chain).Cast<object>().Count());
            AssertOwnerOnly(S.File("web01.key"));
            var leaf = new X509Certificate2(S.File("web01.crt"));
            Assert.InRange((leaf.NotAfter - leaf.NotBefore).TotalDays, 90, 90.01);
            Assert.Equal("CN=Corp Test Root", leaf.Issuer);
            Assert.Contains("OK", OpenSsl.Ok("verify", "-CAfile", S.File("root.crt"), "-verify_hostname", "web01.corp.example", "-purpose", "sslserver", S.File("web01.crt")));
            // AKI of the leaf is the SKI of the root.
            string rootSki = OpenSsl.Ok("x509", "-in", S.File("root.crt"), "-noout", "-ext", "subjectKeyIdentifier").Split('\n')[1].Trim();
            Assert.Contains(rootSki, OpenSsl.Ok("x509", "-in", S.File("web01.crt"), "-noout", "-ext", "authorityKeyIdentifier"));
        }

        [Fact]
        public void Issued_certificate_carries_the_csr_key()
        {
            MakeRoot();
            var cert = S.Run("New-Csr -DnsName web01.corp.example -KeyAlgorithm Rsa2048 | Invoke-CaSign -Issuer $root").ThrowOnError().Single<X509Certificate2>();
            Assert.True(cert.HasPrivateKey);
            Assert.NotNull(cert.GetRSAPrivateKey());
        }

        [Theory]
        [InlineData("rsa:2048")]
        [InlineData("ec")]
        public void Signs_csrs_made_by_openssl_req(string newkey)
        {
            MakeRoot();
            var args = newkey == "ec"
                ? new[] { "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", S.File("o.key"), "-out", S.File("o.csr"), "-subj", "/CN=app.corp.example", "-addext", "subjectAltName=DNS:app.corp.example,IP:10.1.2.3" }
                : new[] { "req", "-new", "-newkey", newkey, "-nodes", "-keyout", S.File("o.key"), "-out", S.File("o.csr"), "-subj", "/CN=app.corp.example", "-addext", "subjectAltName=DNS:app.corp.example,IP:10.1.2.3" };
            OpenSsl.Ok(args);
            var cert = S.Run("Invoke-CaSign -CsrPath ./o.csr -Issuer $root -Path ./o").ThrowOnError().Single<X509Certificate2>();
            Assert.False(cert.HasPrivateKey);
            Assert.False(File.Exists(S.File("o.key.new")));
            Assert.Equal(new[] { "DNS:app.corp.example", "IP:10.1.2.3" }, S.Run("$c.SubjectAltNames", Vars("c", cert)).Output.Select(o => o.ToString()).ToArray());
            Assert.Contains("OK", OpenSsl.Ok("verify", "-CAfile", S.File("root.crt"), "-verify_ip", "10.1.2.3", S.File("o.crt")));
            // The certificate matches openssl's key.
            Assert.Equal(OpenSsl.Ok("pkey", "-in", S.File("o.key"), "-pubout"), OpenSsl.Ok("x509", "-in", S.File("o.crt"), "-noout", "-pubkey"));
        }

        [Fact]
        public void Csr_pem_text_line_by_line_and_DER_bytes_are_accepted()
        {
            MakeRoot();
            S.Run("New-Csr -DnsName lines.example -Path ./lines").ThrowOnError();
            var fromLines = S.Run("[IO.File]::ReadAllLines(\"$PWD/lines.csr\") | Invoke-CaSign -Issuer $root").ThrowOnError().Single<X509Certificate2>();
            Assert.Equal("CN=lines.example", fromLines.Subject);
            OpenSsl.Ok("req", "-in", S.File("lines.csr"), "-outform", "DER", "-out", S.File("lines.der"));
            var fromDer = S.Run("Invoke-CaSign -CsrPath ./lines.der -Issuer $root").ThrowOnError().Single<X509Certificate2>();
            Assert.Equal("CN=lines.example", fromDer.Subject);
            var fromBytes = S.Run("Invoke-CaSign -Csr ([IO.File]::ReadAllBytes(\"$PWD/lines.der\")) -Issuer $root").ThrowOnError().Single<X509Certificate2>();
            Assert.Equal("CN=lines.example", fromBytes.Subject);
        }

        [Fact]
        public void Requested_extensions_are_not_copied()
        {
            MakeRoot();
            OpenSsl.Ok("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", S.File("evil.key"), "-out", S.File("evil.csr"),
                "-subj", "/CN=evil.example", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=keyCertSign", "-addext", "subjectAltName=DNS:evil.example");
            var r = S.Run("Invoke-CaSign -CsrPath ./evil.csr -Issuer $root -Path ./evil").ThrowOnError();
            Assert.Contains(r.Warnings, w => w.Contains("Requested extensions ignored"));
            string text = OpenSsl.Ok("x509", "-in", S.File("evil.crt"), "-noout", "-text");
            Assert.Contains("CA:FALSE", text);
            Assert.DoesNotContain("Certificate Sign", text);
        }

        [Fact]
        public void Root_intermediate_leaf()
        {
            MakeRoot();
            var r = S.Run(@"
                $int = New-Csr -Subject 'CN=Corp Issuing CA' | Invoke-CaSign -Issuer $root -Profile IntermediateCa -Path ./int
                New-Csr -DnsName web01.corp.example | Invoke-CaSign -Issuer $int -Path ./leaf | Test-CertChain -TrustedRoot $root -Intermediate $int -DnsName web01.corp.example").ThrowOnError();
            dynamic result = r.Single();
            Assert.True((bool)result.IsValid);
            Assert.Contains("pathlen:0", OpenSsl.Ok("x509", "-in", S.File("int.crt"), "-noout", "-ext", "basicConstraints"));
            Assert.Contains("OK", OpenSsl.Ok("verify", "-CAfile", S.File("root.crt"), "-untrusted", S.File("int.crt"), "-verify_hostname", "web01.corp.example", S.File("leaf.crt")));
        }

        [Fact]
        public void PathLength_is_settable_and_enforced_at_issuance()
        {
            MakeRoot();
            S.Run("$int = New-Csr -Subject 'CN=Int' | Invoke-CaSign -Issuer $root -Profile IntermediateCa -PathLength 1").ThrowOnError();
            S.Run("$sub = New-Csr -Subject 'CN=Sub' | Invoke-CaSign -Issuer $int -Profile IntermediateCa").ThrowOnError();
            var refused = S.Run("New-Csr -Subject 'CN=Too deep' | Invoke-CaSign -Issuer $sub -Profile IntermediateCa");
            Assert.Equal(new[] { "IssuerNotCa" }, refused.ErrorIds);
        }

        [Fact]
        public void Validity_is_clipped_to_the_issuer_with_a_warning()
        {
            S.Run("$root = New-SelfSignedCert -Subject 'CN=Short Root' -Profile RootCa -ValidDays 10").ThrowOnError();
            var r = S.Run("New-Csr -DnsName a.example | Invoke-CaSign -Issuer $root -ValidDays 365").ThrowOnError();
            var cert = r.Single<X509Certificate2>();
            Assert.Single(r.Warnings, w => w.Contains("clipped"));
            var root = (X509Certificate2)S.Run("$root").Single();
            Assert.Equal(root.NotAfter, cert.NotAfter);
        }

        [Fact]
        public void Tampered_csr_signature_is_refused()
        {
            MakeRoot();
            S.Run("New-Csr -DnsName a.example -Path ./a").ThrowOnError();
            OpenSsl.Ok("req", "-in", S.File("a.csr"), "-outform", "DER", "-out", S.File("a.der"));
            byte[] der = File.ReadAllBytes(S.File("a.der"));
            // Change the requested name inside the signed part: the signature no longer matches.
            int at = IndexOf(der, Encoding.ASCII.GetBytes("a.example"));
            der[at] = (byte)'b';
            File.WriteAllBytes(S.File("b.der"), der);
            var r = S.Run("Invoke-CaSign -CsrPath ./b.der -Issuer $root -Path ./b");
            Assert.Equal(new[] { "CsrSignatureInvalid" }, r.ErrorIds);
            Assert.False(File.Exists(S.File("b.crt")));
            Assert.Contains("does not verify", r.Errors[0].ToString());
        }

        [Theory]
        [InlineData("garbage", "FormatUnknown")]
        [InlineData("-----BEGIN CERTIFICATE REQUEST-----\nnot base64!!\n-----END CERTIFICATE REQUEST-----\n", "FormatUnknown")]
        [InlineData("-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n", "FormatUnknown")]
        [InlineData("-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----\n", "CsrInvalid")]
        [InlineData("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n", "CsrInvalid")]
        public void Garbage_csr_files_get_a_clear_error(string content, string errorId)
        {
            MakeRoot();
            File.WriteAllText(S.File("bad.csr"), content);
            var r = S.Run("Invoke-CaSign -CsrPath ./bad.csr -Issuer $root -Path ./bad");
            Assert.Equal(new[] { errorId }, r.ErrorIds);
            Assert.Contains("bad.csr", r.Errors[0].ToString());
            Assert.False(File.Exists(S.File("bad.crt")));
            Assert.DoesNotContain("   at ", r.Errors[0].ToString());
        }

        [Fact]
        public void Truncated_csrs_fail_cleanly_at_every_length()
        {
            MakeRoot();
            S.Run("New-Csr -DnsName t.example -KeyAlgorithm Rsa2048 -Path ./t").ThrowOnError();
            OpenSsl.Ok("req", "-in", S.File("t.csr"), "-outform", "DER", "-out", S.File("t.der"));
            byte[] der = File.ReadAllBytes(S.File("t.der"));
            string pem = File.ReadAllText(S.File("t.csr"));
            for (int cut = 0; cut < der.Length; cut += 7)
            {
                File.WriteAllBytes(S.File("cut.der"), der.Take(cut).ToArray());
                var r = S.Run("Invoke-CaSign -CsrPath ./cut.der -Issuer $root");
                Assert.True(r.ErrorIds.Count == 1 && (r.ErrorIds[0] == "CsrInvalid" || r.ErrorIds[0] == "FormatUnknown"), $"DER cut at {cut}: {string.Join(",", r.ErrorIds)}");
            }
            for (int cut = 0; cut < pem.Length - 30; cut += 23)
            {
                File.WriteAllText(S.File("cut.csr"), pem.Substring(0, cut));
                var r = S.Run("Invoke-CaSign -CsrPath ./cut.csr -Issuer $root");
                Assert.True(r.ErrorIds.Count == 1 && (r.ErrorIds[0] == "CsrInvalid" || r.ErrorIds[0] == "FormatUnknown"), $"PEM cut at {cut}: {string.Join(",", r.ErrorIds)}");
            }
        }

        [Fact]
        public void Missing_csr_file_is_FileNotFound()
        {
            MakeRoot();
            Assert.Equal(new[] { "FileNotFound" }, S.Run("Invoke-CaSign -CsrPath ./nope.csr -Issuer $root").ErrorIds);
        }

        [Fact]
        public void A_leaf_is_not_an_issuer()
        {
            S.Run("$leaf = New-SelfSignedCert -DnsName leaf.example").ThrowOnError();
            var r = S.Run("New-Csr -DnsName x.example | Invoke-CaSign -Issuer $leaf");
            Assert.Equal(new[] { "IssuerNotCa" }, r.ErrorIds);
            Assert.Empty(r.Output);
            Assert.Contains("not a CA certificate", r.Errors[0].ToString());
        }

        [Fact]
        public void A_leaf_without_its_key_is_IssuerNotCa_not_IssuerKeyMissing()
        {
            S.Run("New-SelfSignedCert -DnsName leaf.example -Path ./leaf | Out-Null; Remove-Item ./leaf.key").ThrowOnError();
            foreach (string issuer in new[] { "([Security.Cryptography.X509Certificates.X509Certificate2]::new(\"$PWD/leaf.crt\"))", "./leaf.crt", "./leaf" })
            {
                var r = S.Run("New-Csr -DnsName x.example | Invoke-CaSign -Issuer " + issuer);
                Assert.Equal(new[] { "IssuerNotCa" }, r.ErrorIds);
                Assert.Contains("not a CA certificate", r.Errors[0].ToString());
            }
        }

        [Fact]
        public void An_issuer_without_its_key_is_refused()
        {
            MakeRoot();
            var r = S.Run("$pub = [Security.Cryptography.X509Certificates.X509Certificate2]::new(\"$PWD/root.crt\"); New-Csr -DnsName x.example | Invoke-CaSign -Issuer $pub");
            Assert.Equal(new[] { "IssuerKeyMissing" }, r.ErrorIds);
        }

        [Fact]
        public void Existing_output_is_not_replaced_and_WhatIf_writes_nothing()
        {
            MakeRoot();
            File.WriteAllText(S.File("w.crt"), "keep");
            var r = S.Run("New-Csr -DnsName w.example | Invoke-CaSign -Issuer $root -Path ./w");
            Assert.Equal(new[] { "FileExists" }, r.ErrorIds);
            Assert.Equal("keep", File.ReadAllText(S.File("w.crt")));
            Assert.False(File.Exists(S.File("w.key")));
            var whatIf = S.Run("New-Csr -DnsName v.example | Invoke-CaSign -Issuer $root -Path ./v -WhatIf").ThrowOnError();
            Assert.Empty(whatIf.Output);
            Assert.False(File.Exists(S.File("v.crt")));
        }

        [Fact]
        public void New_Csr_and_Invoke_CaSign_may_share_a_stem()
        {
            MakeRoot();
            S.Run("New-Csr -DnsName s.example -Path ./s | Invoke-CaSign -Issuer $root -Path ./s").ThrowOnError();
            Assert.Equal(new[] { "s.crt", "s.csr", "s.key" }, Directory.GetFiles(S.Directory, "s.*").Select(Path.GetFileName).OrderBy(n => n));
        }

        [Theory]
        [InlineData("Rsa2048")]
        [InlineData("Rsa4096")]
        [InlineData("EcdsaP256")]
        [InlineData("EcdsaP384")]
        [InlineData("EcdsaP521")]
        [InlineData("Ed25519")]
        public void Every_key_algorithm_round_trips_through_the_cmdlets(string algorithm)
        {
            MakeRoot(algorithm);
            var r = S.Run($"New-PrivateKey -Algorithm {algorithm} | New-Csr -DnsName rt.example -Path ./rt | Invoke-CaSign -Issuer $root -Path ./rt | Test-CertChain -TrustedRoot $root -DnsName rt.example -Quiet").ThrowOnError();
            Assert.True((bool)r.Single());
            Assert.Contains("OK", OpenSsl.Ok("verify", "-CAfile", S.File("root.crt"), "-verify_hostname", "rt.example", S.File("rt.crt")));
        }

        [Fact]
        public void Issuer_can_be_the_files_New_SelfSignedCert_wrote()
        {
            MakeRoot();
            var byStem = S.Run("New-Csr -DnsName stem.example | Invoke-CaSign -Issuer ./root").ThrowOnError().Single<X509Certificate2>();
            Assert.Equal("CN=Corp Test Root", byStem.Issuer);
            var byFile = S.Run("New-Csr -DnsName file.example | Invoke-CaSign -Issuer ./root.crt").ThrowOnError().Single<X509Certificate2>();
            Assert.Equal("CN=Corp Test Root", byFile.Issuer);
            // A combined PEM (certificate + key) works too.
            File.WriteAllText(S.File("combined.pem"), File.ReadAllText(S.File("root.crt")) + File.ReadAllText(S.File("root.key")));
            S.Run("New-Csr -DnsName c.example | Invoke-CaSign -Issuer ./combined.pem").ThrowOnError();
            // The certificate alone has no key.
            File.Copy(S.File("root.crt"), S.File("alone.crt"));
            Assert.Equal(new[] { "IssuerKeyMissing" }, S.Run("New-Csr -DnsName x.example | Invoke-CaSign -Issuer ./alone.crt").ErrorIds);
            // Another key next to the certificate is refused.
            S.Run("New-PrivateKey -Path ./alone.key").ThrowOnError();
            var mismatch = S.Run("New-Csr -DnsName x.example | Invoke-CaSign -Issuer ./alone.crt");
            Assert.Equal(new[] { "KeyMismatch" }, mismatch.ErrorIds);
            Assert.Equal(S.File("alone.key"), mismatch.Errors[0].TargetObject as string);
        }

        [Fact]
        public void Csr_files_can_be_piped_as_FileInfo()
        {
            MakeRoot();
            S.Run("New-Csr -DnsName one.example -Path ./one; New-Csr -DnsName two.example -Path ./two").ThrowOnError();
            var r = S.Run("[IO.DirectoryInfo]::new($PWD.Path).GetFiles('*.csr') | Invoke-CaSign -Issuer $root").ThrowOnError();
            Assert.Equal(new[] { "CN=one.example", "CN=two.example" }, r.Output.Select(o => ((X509Certificate2)o.BaseObject).Subject).OrderBy(n => n));
        }

        [Fact]
        public void Profiles_must_fit_how_the_certificate_is_signed()
        {
            MakeRoot();
            Assert.Equal(new[] { "InvalidArgument" }, S.Run("New-Csr -Subject 'CN=X' | Invoke-CaSign -Issuer $root -Profile RootCa").ErrorIds);
            Assert.Equal(new[] { "InvalidArgument" }, S.Run("New-SelfSignedCert -Subject 'CN=X' -Profile IntermediateCa").ErrorIds);
            // A contradiction in the invocation stops it before any CSR is read.
            var both = S.Run("New-Csr -DnsName a.example | Invoke-CaSign -Issuer $root -ValidDays 3 -NotAfter ([datetime]::Now.AddDays(9))");
            Assert.Equal(new[] { "InvalidArgument" }, both.ErrorIds);
        }

        private static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i <= haystack.Length - needle.Length; i++)
            {
                if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
            }
            throw new InvalidOperationException("not found");
        }
    }
}
