using System.IO;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>
    /// Certificate, CRL and issuer parameters that name files (-TrustedRoot, -Intermediate, -Crl, -Chain, -Issuer, -Ca):
    /// a missing or broken file is an ErrorRecord with the documented id, a sentence naming the parameter, and the path
    /// as target, never ParameterArgumentTransformationError; objects, paths and FileInfo objects all still bind.
    /// </summary>
    public class InputFileArgumentTests : ModuleTestBase
    {
        public InputFileArgumentTests()
        {
            S.Run(@"
                $root = New-SelfSignedCert -Subject 'CN=Args Root' -Profile RootCa -Path ./root
                $int = New-Csr -Subject 'CN=Args Issuing' | Invoke-CaSign -Issuer $root -Profile IntermediateCa -Path ./int
                $leaf = New-Csr -DnsName web01.corp.example | Invoke-CaSign -Issuer $int -Path ./leaf
                New-Item -ItemType Directory ./roots | Out-Null
                Copy-Item ./root.crt ./roots/
            ").ThrowOnError();
            File.WriteAllText(S.File("hello.pem"), "hello");
            // ASN.1-valid DER of the wrong shape: SEQUENCE { INTEGER 1 }.
            File.WriteAllBytes(S.File("seq.der"), new byte[] { 0x30, 0x03, 0x02, 0x01, 0x01 });
        }

        private ErrorRecord Fails(string id, string script, string file)
        {
            var r = S.Run(script);
            Assert.True(r.ErrorIds.SequenceEqual(new[] { id }), $"{script}: expected {id}, got [{string.Join(", ", r.ErrorIds)}] {string.Join("; ", r.Errors)}");
            Assert.Empty(r.Output);
            ErrorRecord error = r.Errors[0];
            Assert.Equal(S.File(file), error.TargetObject as string);
            Assert.Contains(S.File(file), error.ToString());
            Assert.DoesNotContain("Org.BouncyCastle", error.ToString());
            return error;
        }

        [Theory]
        [InlineData("-TrustedRoot ./missing-root.crt", "FileNotFound", "missing-root.crt")]
        [InlineData("-TrustedRoot ./hello.pem", "FormatUnknown", "hello.pem")]
        [InlineData("-TrustedRoot ./seq.der", "FormatUnknown", "seq.der")]
        [InlineData("-TrustedRoot $root -Intermediate ./missing-int.crt", "FileNotFound", "missing-int.crt")]
        [InlineData("-TrustedRoot $root -Intermediate ./seq.der", "FormatUnknown", "seq.der")]
        public void Test_CertChain_file_parameters_give_documented_ids(string args, string id, string file)
        {
            ErrorRecord error = Fails(id, "$leaf | Test-CertChain " + args, file);
            string parameter = args.Contains("-Intermediate") ? "-Intermediate" : "-TrustedRoot";
            Assert.Contains(parameter, error.ToString());
        }

        /// <summary>A CRL that cannot be read is skipped with a warning (RFC 5280 §6.3 asks that one bad CRL among several never stop a validation).</summary>
        [Theory]
        [InlineData("./missing.crl", "FileNotFound", "missing.crl")]
        [InlineData("./hello.pem", "CrlInvalid", "hello.pem")]
        [InlineData("./seq.der", "CrlInvalid", "seq.der")]
        public void Test_CertChain_skips_unreadable_crls_with_a_warning_giving_the_id(string crl, string id, string file)
        {
            var r = S.Run("($leaf | Test-CertChain -TrustedRoot $root -Intermediate $int -Crl " + crl + ").Problems | ForEach-Object { [string]$_.Code }");
            Assert.Empty(r.Errors);
            string warning = Assert.Single(r.Warnings);
            Assert.StartsWith(id + ": ", warning);
            Assert.Contains("-Crl", warning);
            Assert.Contains(S.File(file), warning);
            Assert.Contains("RevocationUnknown", r.Output.Select(o => o.ToString()));
        }

        [Fact]
        public void Objects_paths_FileInfo_and_mixtures_still_bind()
        {
            foreach (string args in new[]
            {
                "-TrustedRoot $root -Intermediate $int",
                "-TrustedRoot ./root.crt -Intermediate ./int.crt",
                "-TrustedRoot (Get-ChildItem ./roots/*.crt) -Intermediate (Get-Item ./int.crt)",
                "-TrustedRoot $root, ./roots/root.crt -Intermediate @($int), ./int.crt",
                "-TrustedRoot ([IO.FileInfo]::new(\"$PWD/root.crt\")) -Intermediate \"$PWD/int.crt\"",
            })
            {
                Assert.True(S.Run("$leaf | Test-CertChain -DnsName web01.corp.example -Quiet " + args).ThrowOnError().Single<bool>(), args);
            }
        }

        [Fact]
        public void A_value_of_the_wrong_type_is_InvalidArgument()
        {
            var r = S.Run("$leaf | Test-CertChain -TrustedRoot 42");
            Assert.Equal(new[] { "InvalidArgument" }, r.ErrorIds);
            Assert.Contains("-TrustedRoot", r.Errors[0].ToString());
        }

        [Theory]
        [InlineData("-Issuer ./missing", "FileNotFound", "missing")]
        [InlineData("-Issuer ./hello.pem", "FormatUnknown", "hello.pem")]
        [InlineData("-Issuer ./seq.der", "CertificateInvalid", "seq.der")]
        public void Invoke_CaSign_Issuer_files_give_documented_ids(string args, string id, string file)
        {
            ErrorRecord error = Fails(id, "New-Csr -DnsName x.example | Invoke-CaSign " + args, file);
            Assert.Contains("-Issuer", error.ToString());
        }

        [Fact]
        public void Invoke_CaSign_Ca_that_is_not_a_CA_folder_is_CaNotFound()
        {
            var r = S.Run("New-Csr -DnsName x.example | Invoke-CaSign -Ca ./no-such-ca");
            Assert.Equal(new[] { "CaNotFound" }, r.ErrorIds);
        }

        [Theory]
        [InlineData("./missing.crt", "FileNotFound", "missing.crt")]
        [InlineData("./seq.der", "FormatUnknown", "seq.der")]
        public void Export_Cert_Chain_files_give_documented_ids_and_nothing_is_written(string chain, string id, string file)
        {
            Fails(id, $"$leaf | Export-Cert -Path ./out.pem -Chain {chain}", file);
            Assert.False(File.Exists(S.File("out.pem")));
        }
    }
}
