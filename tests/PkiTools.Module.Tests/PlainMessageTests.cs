using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.Module.Tests
{
    /// <summary>
    /// Error messages speak plain language: files that are valid ASN.1 but of the wrong shape (a DER SEQUENCE that is no
    /// certificate, key, CSR or CRL) give a sentence, never a BouncyCastle or .NET type name.
    /// </summary>
    public class PlainMessageTests : ModuleTestBase
    {
        private readonly ITestOutputHelper _out;

        public PlainMessageTests(ITestOutputHelper output)
        {
            _out = output;
            S.Run(@"
                $root = New-SelfSignedCert -Subject 'CN=Plain Root' -Profile RootCa -Path ./root
                $leaf = New-Csr -DnsName plain.example | Invoke-CaSign -Issuer $root
            ").ThrowOnError();
        }

        /// <summary>DER that parses as ASN.1 but is the wrong structure for every PKI object.</summary>
        public static readonly Dictionary<string, byte[]> Shapes = new Dictionary<string, byte[]>
        {
            ["int"] = new byte[] { 0x30, 0x03, 0x02, 0x01, 0x01 },                                          // SEQUENCE { INTEGER 1 }
            ["empty"] = new byte[] { 0x30, 0x00 },                                                          // SEQUENCE { }
            ["nested"] = new byte[] { 0x30, 0x06, 0x30, 0x04, 0x02, 0x01, 0x01, 0x05, 0x00 },              // SEQUENCE { SEQUENCE { INTEGER 1 } NULL }
            ["three"] = new byte[] { 0x30, 0x09, 0x30, 0x00, 0x30, 0x00, 0x03, 0x03, 0x00, 0x01, 0x02 },   // SEQUENCE { SEQUENCE {} SEQUENCE {} BIT STRING }
            ["oid"] = new byte[] { 0x30, 0x0B, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01 }, // SEQUENCE { rsaEncryption }
            ["utf8"] = new byte[] { 0x30, 0x04, 0x0C, 0x02, 0x68, 0x69 },                                   // SEQUENCE { UTF8String "hi" }
        };

        private static readonly string[] Labels = { "CERTIFICATE", "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "CERTIFICATE REQUEST", "X509 CRL", "PKCS7", "ENCRYPTED PRIVATE KEY" };

        private static readonly Regex TypeName = new Regex(@"Org\.BouncyCastle|System\.[A-Z][A-Za-z]+(\.[A-Za-z]+)*(Exception|Sequence|Object|\[\])|\bDL[A-Z][a-z]+|\bDer[A-Z][a-z]+|\bAsn1[A-Z]", RegexOptions.CultureInvariant);

        private IEnumerable<string> Files()
        {
            foreach (var shape in Shapes)
            {
                string der = $"{shape.Key}.der";
                File.WriteAllBytes(S.File(der), shape.Value);
                yield return der;
                foreach (string label in Labels)
                {
                    string pem = $"{shape.Key}-{label.Replace(' ', '_')}.pem";
                    File.WriteAllText(S.File(pem), $"-----BEGIN {label}-----\n{Convert.ToBase64String(shape.Value)}\n-----END {label}-----\n");
                    yield return pem;
                }
            }
        }

        [Fact]
        public void Wrong_shaped_files_give_sentences_without_type_names()
        {
            var commands = new[]
            {
                "Import-Cert -Path ./{0}",
                "Import-PrivateKey -Path ./{0}",
                "Invoke-CaSign -CsrPath ./{0} -Issuer $root",
                "$leaf | Test-CertChain -TrustedRoot $root -Crl ./{0}",
                "Test-CertChain -Path ./{0} -TrustedRoot $root",
                "$leaf | Test-CertChain -TrustedRoot ./{0}",
            };
            var leaks = new List<string>();
            int errors = 0;
            foreach (string file in Files().ToList())
            {
                foreach (string command in commands)
                {
                    string script = string.Format(command, file);
                    var r = S.Run(script);
                    if (command.Contains("-Crl"))
                    {
                        // A CRL that does not read is skipped with a warning (RFC 5280 §6.3: one bad CRL never stops a validation).
                        Assert.True(r.Warnings.Count > 0, $"{script}: no warning");
                        foreach (string w in r.Warnings)
                        {
                            errors++;
                            if (TypeName.IsMatch(w)) leaks.Add($"{script} -> warning: {w}");
                        }
                        continue;
                    }
                    Assert.True(r.Errors.Count > 0, $"{script}: no error");
                    foreach (var e in r.Errors)
                    {
                        errors++;
                        string text = e.ToString();
                        if (TypeName.IsMatch(text) || e.FullyQualifiedErrorId.StartsWith("ParameterArgument", StringComparison.Ordinal))
                        {
                            leaks.Add($"{script} -> {e.FullyQualifiedErrorId}: {text}");
                        }
                    }
                }
            }
            foreach (string leak in leaks) _out.WriteLine(leak);
            Assert.True(leaks.Count == 0, $"{leaks.Count} of {errors} messages name a type:\n" + string.Join("\n", leaks.Take(40)));
        }

        [Fact]
        public void Key_names_take_an_where_spoken_with_a_vowel()
        {
            string verbose = string.Join("\n", S.Run("New-PrivateKey -Algorithm EcdsaP256 -Verbose; New-PrivateKey -Algorithm Ed25519 -Path ./ed.key -Verbose; Import-PrivateKey ./ed.key -Verbose").ThrowOnError().Verbose);
            Assert.Contains("Generated an EcdsaP256 key", verbose);
            Assert.Contains("Generated an Ed25519 key", verbose);
            Assert.Contains("Read an Ed25519 key", verbose);
            var r = S.Run("New-PrivateKey -Algorithm EcdsaP256 | Export-PrivateKey -Path ./k.pem -Format Pkcs1");
            Assert.Equal(new[] { "InvalidArgument" }, r.ErrorIds);
            Assert.Contains("this is an EcdsaP256 key", r.Errors[0].ToString());
            Assert.DoesNotMatch(@"\ba (EcdsaP|Ed25519|Rsa\d)", r.Errors[0].ToString());
        }

        [Fact]
        public void Dates_in_messages_are_iso_in_utc()
        {
            var iso = new Regex(@"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC");
            string verbose = string.Join("\n", S.Run("New-Csr -DnsName d.example | Invoke-CaSign -Issuer $root -Verbose").ThrowOnError().Verbose);
            Assert.Matches(new Regex(@"valid until \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC"), verbose);
            string problem = S.Run("($leaf | Test-CertChain -TrustedRoot $root -At ([datetime]::UtcNow.AddYears(3))).Problems[0].Message").ThrowOnError().Single<string>();
            Assert.Matches(iso, problem);
        }

        [Theory]
        [InlineData("{ \"maxValidityDays\": \"90\" }", "must be a number of days")]
        [InlineData("{ \"permittedDnsSuffixes\": \"corp.example\" }", "must be a list of strings")]
        [InlineData("{ \"maxValidityDays\": 1e30 }", "the number is too large")]
        [InlineData("{ \"defaultProfile\": \"Server\" }", "'Server' is not a profile; use one of TlsServer")]
        public void Policy_settings_of_the_wrong_type_are_explained_without_type_names(string json, string expected)
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Policy CA' | Out-Null").ThrowOnError();
            File.WriteAllText(S.File("ca/policy.json"), json);
            var r = S.Run("New-Csr -DnsName p.example | Invoke-CaSign -Ca ./ca");
            Assert.Equal(new[] { "InvalidArgument" }, r.ErrorIds);
            Assert.Contains(expected, r.Errors[0].ToString());
            Assert.DoesNotMatch(TypeName, r.Errors[0].ToString());
            Assert.DoesNotContain("Int32", r.Errors[0].ToString());
        }
    }
}
