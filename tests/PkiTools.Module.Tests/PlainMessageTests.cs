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
                            if (TypeName.IsMatch(w) || LibraryText.IsMatch(w)) leaks.Add($"{script} -> warning: {w}");
                        }
                        continue;
                    }
                    Assert.True(r.Errors.Count > 0, $"{script}: no error");
                    foreach (var e in r.Errors)
                    {
                        errors++;
                        string text = e.ToString();
                        if (TypeName.IsMatch(text) || LibraryText.IsMatch(text) || e.FullyQualifiedErrorId.StartsWith("ParameterArgument", StringComparison.Ordinal))
                        {
                            leaks.Add($"{script} -> {e.FullyQualifiedErrorId}: {text}");
                        }
                    }
                }
            }
            foreach (string leak in leaks) _out.WriteLine(leak);
            Assert.True(leaks.Count == 0, $"{leaks.Count} of {errors} messages name a type:\n" + string.Join("\n", leaks.Take(40)));
        }

        /// <summary>Library and parameter-validation text no message may carry (issue 18).</summary>
        private static readonly Regex LibraryText = new Regex(@"Org\.BouncyCastle|\(Parameter '|\b\w+Exception\b|\bSystem\.[A-Z]|Interop\+|\bAsn1[A-Z]\w*|\b(Der|DL|Ber)[A-Z][a-z]\w*|GetInstance|routines:", RegexOptions.CultureInvariant);

        /// <summary>
        /// Files from the wild, made by openssl: keys of every algorithm and form (explicit curves, DSA, X25519, Ed448,
        /// DH, public keys, a key-only PFX, a key with a damaged prime), DSA and Ed448 certificates and requests, CRLs.
        /// Every cmdlet that reads files is handed each one; no error or warning may carry library text.
        /// </summary>
        [Fact]
        public void Files_from_the_wild_give_messages_without_library_text()
        {
            void Ssl(params string[] args) => PkiTools.Tests.OpenSsl.Ok(args);
            string F(string name) => S.File(name);
            Ssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-pkeyopt", "ec_param_enc:explicit", "-out", F("ecx.key"));
            Ssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:brainpoolP256r1", "-pkeyopt", "ec_param_enc:explicit", "-out", F("bpx.key"));
            Ssl("ec", "-in", F("ecx.key"), "-outform", "DER", "-out", F("ecx.sec1.der"));
            Ssl("pkey", "-in", F("ecx.key"), "-pubout", "-outform", "DER", "-out", F("ecx.pub.der"));
            Ssl("pkey", "-in", F("ecx.key"), "-pubout", "-out", F("ecx.pub.pem"));
            Ssl("genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "pbits:2048", "-out", F("dsa.params"));
            Ssl("genpkey", "-paramfile", F("dsa.params"), "-out", F("dsa.key"));
            Ssl("dsa", "-in", F("dsa.key"), "-outform", "DER", "-out", F("dsa.trad.der"));
            Ssl("req", "-new", "-key", F("dsa.key"), "-subj", "/CN=dsa.example", "-out", F("dsa.csr"));
            Ssl("req", "-x509", "-new", "-key", F("dsa.key"), "-subj", "/CN=dsa.example", "-days", "2", "-out", F("dsa.crt"));
            Ssl("genpkey", "-algorithm", "Ed448", "-out", F("ed448.key"));
            Ssl("req", "-x509", "-new", "-key", F("ed448.key"), "-subj", "/CN=ed448.example", "-days", "2", "-out", F("ed448.crt"));
            Ssl("req", "-new", "-key", F("ed448.key"), "-subj", "/CN=ed448.example", "-out", F("ed448.csr"));
            Ssl("genpkey", "-algorithm", "X25519", "-out", F("x25519.key"));
            Ssl("genpkey", "-algorithm", "DH", "-pkeyopt", "group:ffdhe2048", "-out", F("dh.key"));
            Ssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", F("rsa.key"));
            Ssl("pkcs12", "-export", "-nocerts", "-inkey", F("rsa.key"), "-passout", "pass:x", "-out", F("keyonly.pfx"));
            byte[] der = Convert.FromBase64String(string.Concat(File.ReadAllLines(F("rsa.key")).Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
            der[der.Length - 200] ^= 0x40; // inside the CRT values: parses, does not fit
            File.WriteAllBytes(F("damaged.der"), der);
            S.Run("$ca = New-Ca -Path ./wildca -Subject 'CN=Wild CA'; New-Crl -Ca $ca -Path ./wild.crl | Out-Null").ThrowOnError();
            Ssl("crl", "-in", F("wild.crl"), "-outform", "DER", "-out", F("wild.crl.der"));
            string[] files =
            {
                "ecx.key", "bpx.key", "ecx.sec1.der", "ecx.pub.der", "ecx.pub.pem", "dsa.key", "dsa.trad.der", "dsa.csr", "dsa.crt",
                "ed448.key", "ed448.crt", "ed448.csr", "x25519.key", "dh.key", "keyonly.pfx", "damaged.der", "wild.crl", "wild.crl.der",
            };
            string[] commands =
            {
                "Import-Cert -Path ./{0}", "Import-PrivateKey -Path ./{0}", "Import-Csr -Path ./{0}", "Import-Crl -Path ./{0}", "Get-CertDetail -Path ./{0}",
                "Invoke-CaSign -CsrPath ./{0} -Issuer $root", "Test-CertChain -Path ./{0} -TrustedRoot $root", "$leaf | Test-CertChain -TrustedRoot ./{0}",
            };
            var leaks = new List<string>();
            int messages = 0;
            foreach (string file in files)
            {
                foreach (string command in commands)
                {
                    string script = string.Format(command, file);
                    var r = S.Run(script + " | Out-Null");
                    foreach (string text in r.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e).Concat(r.Warnings))
                    {
                        messages++;
                        if (LibraryText.IsMatch(text)) leaks.Add($"{script} -> {text}");
                    }
                }
            }
            foreach (string leak in leaks) _out.WriteLine(leak);
            Assert.True(messages > 60, $"only {messages} messages");
            Assert.True(leaks.Count == 0, $"{leaks.Count} of {messages} messages carry library text:\n" + string.Join("\n", leaks.Take(40)));
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
