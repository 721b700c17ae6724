using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>Test-CertChain through the engine: inputs, defaults and outputs. The path-validation rules themselves are tested in the core.</summary>
    public class TestCertChainTests : ModuleTestBase
    {
        public TestCertChainTests()
        {
            S.Run(@"
                $root = New-SelfSignedCert -Subject 'CN=Chain Root' -Profile RootCa -Path ./root
                $int = New-Csr -Subject 'CN=Chain Issuing' | Invoke-CaSign -Issuer $root -Profile IntermediateCa -Path ./int
                $leaf = New-Csr -DnsName web01.corp.example -IpAddress 192.0.2.10 | Invoke-CaSign -Issuer $int -ValidDays 90 -Path ./leaf
                $client = New-Csr -DnsName client.corp.example | Invoke-CaSign -Issuer $root -Profile TlsClient
                $other = New-SelfSignedCert -Subject 'CN=Other Root' -Profile RootCa
                [IO.File]::WriteAllText(""$PWD/fullchain.pem"", [IO.File]::ReadAllText(""$PWD/leaf.crt"") + [IO.File]::ReadAllText(""$PWD/int.crt""))
            ").ThrowOnError();
        }

        private string[] Codes(string script) => S.Run(script + " | ForEach-Object { $_.Problems } | ForEach-Object { [string]$_.Code }").ThrowOnError().Output.Select(o => o.ToString()).ToArray();

        [Fact]
        public void Result_has_the_chain_leaf_first()
        {
            dynamic result = S.Run("$leaf | Test-CertChain -TrustedRoot $root -Intermediate $int -DnsName web01.corp.example").ThrowOnError().Single();
            Assert.True((bool)result.IsValid);
            var chain = ((System.Collections.IEnumerable)result.Chain).Cast<X509Certificate2>().Select(c => c.Subject).ToArray();
            Assert.Equal(new[] { "CN=web01.corp.example", "CN=Chain Issuing", "CN=Chain Root" }, chain);
        }

        [Fact]
        public void Files_bundles_and_FileInfo_are_inputs()
        {
            Assert.True(S.Run("Test-CertChain -Path ./fullchain.pem -TrustedRoot ./root.crt -DnsName web01.corp.example -Quiet").ThrowOnError().Single<bool>());
            Assert.True(S.Run("Test-CertChain -LiteralPath ./fullchain.pem -TrustedRoot $root -IpAddress 192.0.2.10 -Quiet").ThrowOnError().Single<bool>());
            Assert.True(S.Run("[IO.FileInfo]::new(\"$PWD/fullchain.pem\") | Test-CertChain -TrustedRoot ./root.crt -Quiet").ThrowOnError().Single<bool>());
            Assert.True(S.Run("Test-CertChain -Path ./leaf.crt -TrustedRoot ./root.crt -Intermediate ./int.crt -Quiet").ThrowOnError().Single<bool>());
            Assert.Equal(new[] { "FileNotFound" }, S.Run("Test-CertChain -Path ./missing.crt -TrustedRoot $root").ErrorIds);
            File.WriteAllText(S.File("hello.pem"), "hello");
            Assert.Equal(new[] { "FormatUnknown" }, S.Run("Test-CertChain -Path ./hello.pem -TrustedRoot $root").ErrorIds);
            Assert.Equal(new[] { "FileNotFound" }, S.Run("Test-CertChain -Certificate $leaf -TrustedRoot ./missing-root.crt").ErrorIds);
        }

        [Theory]
        [InlineData("-TrustedRoot $root -Intermediate $int -At ([datetime]::Now.AddDays(400))", "Expired")]
        [InlineData("-TrustedRoot $root -Intermediate $int -At ([datetime]::Now.AddDays(-2))", "NotYetValid")]
        [InlineData("-TrustedRoot $root -Intermediate $int -DnsName www.corp.example", "NameMismatch")]
        [InlineData("-TrustedRoot $root -Intermediate $int -IpAddress 192.0.2.99", "NameMismatch")]
        [InlineData("-TrustedRoot $other -Intermediate $int,$root", "UntrustedRoot")]
        [InlineData("-TrustedRoot $root", "MissingIssuer")]
        public void Broken_chains_are_results_with_codes(string args, string code)
        {
            string script = "$leaf | Test-CertChain " + args;
            var r = S.Run(script).ThrowOnError();
            Assert.False((bool)((dynamic)r.Single()).IsValid);
            Assert.Contains(code, Codes(script));
        }

        [Fact]
        public void Purpose_defaults_to_ServerAuth_with_a_name_and_Any_without()
        {
            Assert.Contains("WrongPurpose", Codes("$client | Test-CertChain -TrustedRoot $root -DnsName client.corp.example"));
            Assert.Empty(Codes("$client | Test-CertChain -TrustedRoot $root"));
            Assert.Empty(Codes("$client | Test-CertChain -TrustedRoot $root -DnsName client.corp.example -Purpose ClientAuth"));
        }

        [Fact]
        public void Quiet_gives_one_boolean_per_certificate_and_problems_go_to_verbose()
        {
            var r = S.Run("$leaf, $client | Test-CertChain -TrustedRoot $root -DnsName web01.corp.example -Quiet -Verbose").ThrowOnError();
            Assert.Equal(new object[] { false, false }, r.Output.Select(o => o.BaseObject).ToArray());
            Assert.Contains(r.Verbose, v => v.StartsWith("MissingIssuer", StringComparison.Ordinal));
            Assert.Contains(r.Verbose, v => v.StartsWith("NameMismatch", StringComparison.Ordinal));
        }

        [Fact]
        public void Result_formats_for_a_person()
        {
            string text = S.Render("$leaf | Test-CertChain -TrustedRoot $root -DnsName www.corp.example");
            Assert.Contains("IsValid", text);
            Assert.Contains("False", text);
            Assert.Contains("MissingIssuer [0]", text);
            string problems = S.Render("($leaf | Test-CertChain -TrustedRoot $other).Problems");
            Assert.Contains("Code", problems);
            Assert.Contains("Message", problems);
        }

        [Fact]
        public void MaxDepth_limits_the_intermediates()
        {
            Assert.True(S.Run("$leaf | Test-CertChain -TrustedRoot $root -Intermediate $int -MaxDepth 1 -Quiet").ThrowOnError().Single<bool>());
            Assert.Equal(new[] { "PathLengthExceeded" }, Codes("$leaf | Test-CertChain -TrustedRoot $root -Intermediate $int -MaxDepth 0"));
            Assert.Empty(Codes("$client | Test-CertChain -TrustedRoot $root -MaxDepth 0"));
            Assert.Equal(new[] { "ParameterArgumentValidationError" }, S.Run("$leaf | Test-CertChain -TrustedRoot $root -MaxDepth -1").ErrorIds);
        }

        [Fact]
        public void Weak_keys_need_AllowWeakSignatures()
        {
            OpenSsl.Ok("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", S.File("weak.key"));
            S.Run("$weak = Import-PrivateKey ./weak.key | New-Csr -DnsName legacy.corp.example | Invoke-CaSign -Issuer $root -AllowWeakKey").ThrowOnError();
            Assert.Equal(new[] { "WeakKey" }, Codes("$weak | Test-CertChain -TrustedRoot $root -DnsName legacy.corp.example"));
            Assert.True(S.Run("$weak | Test-CertChain -TrustedRoot $root -DnsName legacy.corp.example -AllowWeakSignatures -Quiet").ThrowOnError().Single<bool>());
        }

        [Fact]
        public void Openssl_agrees_on_the_bundle()
        {
            Assert.Contains("OK", OpenSsl.Ok("verify", "-CAfile", S.File("root.crt"), "-untrusted", S.File("int.crt"), "-verify_hostname", "web01.corp.example", S.File("leaf.crt")));
            Assert.NotEqual(0, OpenSsl.Run("verify", "-CAfile", S.File("root.crt"), S.File("leaf.crt")).ExitCode);
            Assert.False(S.Run("Test-CertChain -Path ./leaf.crt -TrustedRoot ./root.crt -Quiet").ThrowOnError().Single<bool>());
        }

        [Fact]
        public void Certificate_policies_follow_RFC_5280_with_the_policy_parameters_and_openssl_agrees()
        {
            const string P1 = "1.3.6.1.4.1.55555.1.1", P2 = "1.3.6.1.4.1.55555.1.2";
            string F(string name) => S.File(name);
            void Ext(string name, string text) => System.IO.File.WriteAllText(F(name), text);
            OpenSsl.Ok("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", F("proot.key"), "-out", F("proot.crt"), "-subj", "/CN=Policy Root", "-days", "30",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
            // The issuing CA asserts P1 and requires an explicit policy below it (policyConstraints requireExplicitPolicy:0).
            Ext("pint.ext", $"basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\ncertificatePolicies={P1}\npolicyConstraints=critical,requireExplicitPolicy:0\n");
            OpenSsl.Ok("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", F("pint.key"), "-out", F("pint.csr"), "-subj", "/CN=Policy Issuing");
            OpenSsl.Ok("x509", "-req", "-in", F("pint.csr"), "-CA", F("proot.crt"), "-CAkey", F("proot.key"), "-days", "20", "-extfile", F("pint.ext"), "-out", F("pint.crt"));
            foreach (var (leaf, policy) in new[] { ("pgood", P1), ("pbad", P2) })
            {
                Ext(leaf + ".ext", $"basicConstraints=critical,CA:FALSE\ncertificatePolicies={policy}\nsubjectAltName=DNS:{leaf}.corp.example\n");
                OpenSsl.Ok("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", F(leaf + ".key"), "-out", F(leaf + ".csr"), "-subj", "/CN=" + leaf);
                OpenSsl.Ok("x509", "-req", "-in", F(leaf + ".csr"), "-CA", F("pint.crt"), "-CAkey", F("pint.key"), "-days", "10", "-extfile", F(leaf + ".ext"), "-out", F(leaf + ".crt"));
            }
            string Chain(string leaf, string extra = "") => $"Test-CertChain -Path ./{leaf}.crt -TrustedRoot ./proot.crt -Intermediate ./pint.crt{extra}";
            bool Openssl(string leaf, params string[] extra) =>
                OpenSsl.Run(new[] { "verify", "-policy_check", "-CAfile", F("proot.crt"), "-untrusted", F("pint.crt") }.Concat(extra).Append(F(leaf + ".crt")).ToArray()).ExitCode == 0;

            dynamic good = S.Run(Chain("pgood")).ThrowOnError().Single();
            Assert.True((bool)good.IsValid);
            Assert.Equal(new[] { P1 }, ((System.Collections.IEnumerable)good.ValidPolicies).Cast<string>());
            Assert.Equal(new[] { "NoExplicitPolicy" }, Codes(Chain("pbad")));
            Assert.Equal(new[] { "NoExplicitPolicy" }, Codes(Chain("pgood", $" -Policy {P2} -RequireExplicitPolicy")));
            Assert.True(S.Run(Chain("pgood", $" -Policy {P2}, {P1} -Quiet")).ThrowOnError().Single<bool>());
            Assert.True(Openssl("pgood", "-policy", "2.5.29.32.0"));
            Assert.False(Openssl("pbad", "-policy", "2.5.29.32.0"));
            Assert.False(Openssl("pgood", "-policy", P2, "-explicit_policy"));
            Assert.Equal(new[] { "InvalidArgument" }, S.Run(Chain("pgood", " -Policy not.an.oid")).ErrorIds);
        }

        /// <summary>24 leaves in ./bulk (b001.crt ...): two of three under the intermediate, every third under the other root.</summary>
        private void MakeBulkLeaves() => S.Run(@"
            New-Item -ItemType Directory ./bulk | Out-Null
            foreach ($i in 1..24) {
                $issuer = if ($i % 3 -eq 0) { $other } else { $int }
                New-Csr -DnsName ""h$i.corp.example"" | Invoke-CaSign -Issuer $issuer -ValidDays 30 -Path ('./bulk/b{0:d3}' -f $i) | Out-Null
            }
            $files = @(Get-ChildItem ./bulk/*.crt | Sort-Object Name)
            $certs = @($files | ForEach-Object { [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($_.FullName) })
            function global:Line($r) { '{0} {1} {2}' -f $r.Certificate.Thumbprint, $r.IsValid, (@($r.Problems | ForEach-Object { [string]$_.Code }) -join ',') }
        ").ThrowOnError();

        private string[] Lines(string script) =>
            S.Run(script + " | ForEach-Object { Line $_ }").ThrowOnError().Output.Select(o => o.ToString()).ToArray();

        [Fact]
        public void Bulk_forms_give_the_one_at_a_time_results_in_input_order()
        {
            MakeBulkLeaves();
            const string Args = " -TrustedRoot ./root.crt -Intermediate ./int.crt -DnsName h1.corp.example";
            string[] single = Lines("$files | ForEach-Object { Test-CertChain -LiteralPath $_.FullName" + Args + " }");
            Assert.Equal(24, single.Length);
            Assert.Contains(single, l => l.Contains(" True ", StringComparison.Ordinal)); // h1 under the intermediate
            Assert.Contains(single, l => l.Contains("UntrustedRoot", StringComparison.Ordinal) || l.Contains("MissingIssuer", StringComparison.Ordinal));
            Assert.Contains(single, l => l.Contains("NameMismatch", StringComparison.Ordinal));
            Assert.Equal(single, Lines("Test-CertChain -Path ./bulk/*.crt" + Args));
            Assert.Equal(single, Lines("$files | Test-CertChain" + Args));
            Assert.Equal(single, Lines("Test-CertChain -Path ($files.FullName)" + Args));
            Assert.Equal(single, Lines("$certs | Test-CertChain" + Args));
            Assert.Equal(single, Lines("Test-CertChain -Certificate $certs" + Args));
            Assert.Equal(single, Lines("$certs | Test-CertChain -Verbose" + Args)); // the sequential form (a trace per validation)
            string[] reversed = single.Reverse().ToArray();
            Assert.Equal(reversed, Lines("[array]::Reverse($certs); $certs | Test-CertChain" + Args));
            Assert.Equal(single.Select(l => l.Split(' ')[1]).ToArray(),
                S.Run("Test-CertChain -Path ./bulk/*.crt -Quiet" + Args).ThrowOnError().Output.Select(o => o.ToString()).ToArray());
        }

        [Fact]
        public void Bulk_errors_are_per_item_and_the_rest_go_on_in_order()
        {
            MakeBulkLeaves();
            File.WriteAllText(S.File("bulk/b005.crt"), "not a certificate");
            var r = S.Run("Test-CertChain -Path ./bulk/b001.crt, ./bulk/missing.crt, ./bulk/b00*.crt -TrustedRoot ./root.crt -Intermediate ./int.crt | ForEach-Object { Line $_ }");
            Assert.Equal(new[] { "FileNotFound", "FormatUnknown" }, r.ErrorIds);
            string[] expected = Lines("'b001','b001','b002','b003','b004','b006','b007','b008','b009' | ForEach-Object { Test-CertChain -Path \"./bulk/$_.crt\" -TrustedRoot ./root.crt -Intermediate ./int.crt }");
            Assert.Equal(expected, r.Output.Select(o => o.ToString()).ToArray());
        }
    }
}
