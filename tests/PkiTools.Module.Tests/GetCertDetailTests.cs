using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>Get-CertDetail through the engine: the same values openssl x509/req/crl -text print, bundles, binding and error ids.</summary>
    public class GetCertDetailTests : ModuleTestBase
    {
        /// <summary>A certificate with every extension the view decodes, and one PkiTools does not know (1.2.3.4.5.6).</summary>
        private string MakeRichCertificate()
        {
            OpenSsl.RunIn(S.Directory, null, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "rich.key", "-out", "rich.crt", "-subj", "/CN=Rich Root/O=Corp", "-days", "30",
                "-addext", "subjectAltName=DNS:a.example,DNS:b.example,IP:10.0.0.1,IP:2001:db8::1,email:x@y.example,URI:http://u.example/",
                "-addext", "keyUsage=critical,digitalSignature,keyCertSign,cRLSign",
                "-addext", "extendedKeyUsage=serverAuth,clientAuth,codeSigning,1.2.3.4",
                "-addext", "basicConstraints=critical,CA:TRUE,pathlen:1",
                "-addext", "crlDistributionPoints=URI:http://crl.example/ca.crl",
                "-addext", "authorityInfoAccess=OCSP;URI:http://ocsp.example/,caIssuers;URI:http://ca.example/ca.crt",
                "-addext", "certificatePolicies=2.23.140.1.2.1,1.2.3.4.5",
                "-addext", "nameConstraints=critical,permitted;DNS:corp.example,permitted;IP:10.0.0.0/255.0.0.0,excluded;DNS:bad.corp.example",
                "-addext", "1.2.3.4.5.6=DER:04:03:01:02:03");
            Assert.True(File.Exists(S.File("rich.crt")), "openssl did not write rich.crt");
            return S.File("rich.crt");
        }

        /// <summary>The extensions of openssl -text output: name → (critical, value lines trimmed).</summary>
        private static Dictionary<string, (bool Critical, string[] Lines)> OpenSslExtensions(string text, string section)
        {
            var result = new Dictionary<string, (bool, string[])>(StringComparer.Ordinal);
            string[] lines = text.Replace("\r", "").Split('\n');
            int start = Array.FindIndex(lines, l => l.Trim() == section);
            Assert.True(start >= 0, $"no '{section}' in:\n{text}");
            int nameIndent = lines[start + 1].Length - lines[start + 1].TrimStart().Length;
            string? name = null;
            var values = new List<string>();
            bool critical = false;
            for (int i = start + 1; i < lines.Length; i++)
            {
                string line = lines[i];
                int indent = line.Length - line.TrimStart().Length;
                if (line.Trim().Length > 0 && indent < nameIndent) break;
                if (indent == nameIndent && line.TrimEnd().EndsWith(":", StringComparison.Ordinal) || line.TrimEnd().EndsWith(": critical", StringComparison.Ordinal) && indent == nameIndent)
                {
                    if (name != null) result[name] = (critical, values.ToArray());
                    string head = line.Trim();
                    critical = head.EndsWith(" critical", StringComparison.Ordinal);
                    name = head.Substring(0, head.LastIndexOf(':'));
                    values = new List<string>();
                }
                else if (line.Trim().Length > 0)
                {
                    values.Add(line.Trim());
                }
            }
            if (name != null) result[name] = (critical, values.ToArray());
            return result;
        }

        private static void AssertSameExtensions(object ours, Dictionary<string, (bool Critical, string[] Lines)> theirs, params string[] skip)
        {
            int compared = 0;
            foreach (dynamic e in Items(ours).Where(e => !skip.Contains((string)e.Oid)))
            {
                string name = e.Name;
                string value = e.Value;
                Assert.True(theirs.ContainsKey(name), $"openssl does not show '{name}'; it shows {string.Join(", ", theirs.Keys)}");
                Assert.Equal(theirs[name].Critical, (bool)e.Critical);
                Assert.Equal(theirs[name].Lines, value.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToArray());
                compared++;
            }
            Assert.Equal(theirs.Count - skip.Length, compared);
        }

        /// <summary>The items of a collection property of an object from the engine.</summary>
        private static List<dynamic> Items(object collection) => ((System.Collections.IEnumerable)collection).Cast<object>().Select(o => (dynamic)o).ToList();

        private static DateTime OpenSslDate(string value) =>
            DateTime.ParseExact(Regex.Replace(value.Trim(), @"\s+", " ").Replace(" GMT", ""), "MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

        [Fact]
        public void Certificate_detail_matches_openssl_x509_text()
        {
            string file = MakeRichCertificate();
            dynamic d = S.Run("Get-CertDetail -Path ./rich.crt").ThrowOnError().Single();

            string text = OpenSsl.Ok("x509", "-in", file, "-noout", "-text");
            string[] facts = OpenSsl.Ok("x509", "-in", file, "-noout", "-serial", "-startdate", "-enddate", "-fingerprint", "-sha256").Split('\n');
            Assert.Equal("Certificate", d.Kind.ToString());
            Assert.Equal(file, d.Source);
            Assert.Equal(3, (int)d.Version);
            Assert.Equal(facts.Single(l => l.StartsWith("serial=")).Substring(7).Trim(), (string)d.SerialNumber);
            Assert.Equal(OpenSslDate(facts.Single(l => l.StartsWith("notBefore=")).Substring(10)), (DateTime)d.NotBefore);
            Assert.Equal(OpenSslDate(facts.Single(l => l.StartsWith("notAfter=")).Substring(9)), (DateTime)d.NotAfter);
            Assert.Equal(DateTimeKind.Utc, ((DateTime)d.NotAfter).Kind);
            Assert.Equal(facts.Single(l => l.StartsWith("sha256 Fingerprint=")).Substring(19).Trim().Replace(":", ""), (string)d.Sha256Fingerprint);
            Assert.Equal(OpenSsl.Ok("x509", "-in", file, "-noout", "-fingerprint", "-sha1").Trim().Split('=')[1].Replace(":", ""), (string)d.Sha1Fingerprint);
            // Names as .NET writes them (X509Certificate2.Subject): most specific last in the encoding, first in the text.
            Assert.Equal("O=Corp, CN=Rich Root", (string)d.Subject);
            Assert.Equal((string)d.Subject, (string)d.Issuer);
            Assert.Contains("Signature Algorithm: " + (string)d.SignatureAlgorithm, text);
            Assert.Equal("EC/256/P-256/EcdsaP256", $"{d.PublicKeyAlgorithm}/{d.KeySize}/{d.Curve}/{d.KeyAlgorithm}");
            Assert.Contains("NIST CURVE: P-256", text);
            Assert.Equal(new[] { "a.example", "b.example" }, Items((object)d.DnsNames).Select(x => (string)x).ToArray());
            Assert.Equal(new[] { "10.0.0.1", "2001:db8::1" }, Items((object)d.IpAddresses).Select(x => (string)x).ToArray());
            Assert.Null((bool?)d.SignatureValid);

            // Every extension: same name, critical flag and value lines as openssl; the unknown one is OID + hex.
            AssertSameExtensions((object)d.Extensions, OpenSslExtensions(text, "X509v3 extensions:"), "1.2.3.4.5.6");
            Assert.Equal(11, Items((object)d.Extensions).Count);
            dynamic unknown = d.GetExtension("1.2.3.4.5.6");
            Assert.Equal("1.2.3.4.5.6/False/04:03:01:02:03/False", $"{unknown.Name}/{unknown.Critical}/{unknown.Value}/{unknown.IsKnown}");
            Assert.True((bool)d.GetExtension("2.5.29.30").IsKnown);
        }

        [Fact]
        public void Pkitools_certificates_from_the_pipeline_match_openssl_too()
        {
            S.Run(@"
                $root = New-SelfSignedCert -Subject 'CN=Detail Root' -Profile RootCa -KeyAlgorithm Rsa2048 -Path ./root
                $leaf = New-Csr -DnsName web01.corp.example -IpAddress 10.1.2.3 | Invoke-CaSign -Issuer $root -Path ./leaf
            ").ThrowOnError();
            foreach (string name in new[] { "root", "leaf" })
            {
                dynamic d = S.Run($"${name} | Get-CertDetail").ThrowOnError().Single();
                string text = OpenSsl.Ok("x509", "-in", S.File(name + ".crt"), "-noout", "-text");
                AssertSameExtensions((object)d.Extensions, OpenSslExtensions(text, "X509v3 extensions:"));
                Assert.Equal(OpenSsl.Ok("x509", "-in", S.File(name + ".crt"), "-noout", "-serial").Trim().Substring(7), (string)d.SerialNumber);
                Assert.Equal(S.Run($"${name}.Thumbprint").Single<string>(), (string)d.Sha1Fingerprint);
            }
            dynamic root = S.Run("$root | Get-CertDetail").Single();
            Assert.Equal("RSA/2048//Rsa2048", $"{root.PublicKeyAlgorithm}/{root.KeySize}/{root.Curve}/{root.KeyAlgorithm}");
        }

        [Fact]
        public void Csr_detail_matches_openssl_req_text()
        {
            OpenSsl.RunIn(S.Directory, null, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "req.key", "-out", "req.csr",
                "-subj", "/CN=req.example/O=Corp", "-addext", "subjectAltName=DNS:req.example,DNS:www.req.example",
                "-addext", "keyUsage=critical,digitalSignature,keyEncipherment", "-addext", "extendedKeyUsage=serverAuth");
            dynamic d = S.Run("Get-CertDetail ./req.csr").ThrowOnError().Single();
            string text = OpenSsl.Ok("req", "-in", S.File("req.csr"), "-noout", "-text");

            Assert.Equal("Csr", d.Kind.ToString());
            Assert.Equal(1, (int)d.Version);
            Assert.Contains("Version: 1 (0x0)", text);
            Assert.Equal("O=Corp, CN=req.example", (string)d.Subject);
            Assert.True((bool?)d.SignatureValid);
            Assert.Null((string?)d.SerialNumber);
            Assert.Equal("RSA/2048", $"{d.PublicKeyAlgorithm}/{d.KeySize}");
            Assert.Equal(new[] { "req.example", "www.req.example" }, Items((object)d.DnsNames).Select(x => (string)x).ToArray());
            AssertSameExtensions((object)d.Extensions, OpenSslExtensions(text, "Requested Extensions:"));
            Assert.Equal(3, Items((object)d.Extensions).Count);

            // A request whose signature does not verify is still shown, with SignatureValid false.
            byte[] der = Convert.FromBase64String(string.Concat(File.ReadAllLines(S.File("req.csr")).Where(l => !l.StartsWith("-----"))));
            der[^5] ^= 0xFF;
            File.WriteAllBytes(S.File("bad.der"), der);
            Assert.False((bool?)((dynamic)S.Run("Get-CertDetail ./bad.der").ThrowOnError().Single()).SignatureValid);
        }

        [Fact]
        public void Crl_detail_matches_openssl_crl_text()
        {
            S.Run(@"
                New-Ca -Path ./ca -Subject 'CN=Detail CA' | Out-Null
                $a = New-Csr -DnsName a.example | Invoke-CaSign -Ca ./ca
                $b = New-Csr -DnsName b.example | Invoke-CaSign -Ca ./ca
                $a | Revoke-Cert -Ca ./ca -Reason KeyCompromise -Confirm:$false
                $b | Revoke-Cert -Ca ./ca -Confirm:$false
                New-Crl -Ca ./ca -Path ./ca.crl | Out-Null
            ").ThrowOnError();
            dynamic d = S.Run("Get-CertDetail ./ca.crl").ThrowOnError().Single();
            string file = S.File("ca.crl");
            string text = OpenSsl.Ok("crl", "-in", file, "-noout", "-text");

            Assert.Equal("Crl", d.Kind.ToString());
            Assert.Equal(2, (int)d.Version);
            Assert.Contains("Version 2 (0x1)", text);
            Assert.Equal("CN=Detail CA", (string)d.Issuer);
            Assert.Equal(OpenSslDate(OpenSsl.Ok("crl", "-in", file, "-noout", "-lastupdate").Trim().Split('=')[1]), (DateTime)d.ThisUpdate);
            Assert.Equal(OpenSslDate(OpenSsl.Ok("crl", "-in", file, "-noout", "-nextupdate").Trim().Split('=')[1]), (DateTime)d.NextUpdate);
            Assert.Equal(Convert.ToInt32(OpenSsl.Ok("crl", "-in", file, "-noout", "-crlnumber").Trim().Split('=')[1], 16).ToString(CultureInfo.InvariantCulture), (string)d.CrlNumber);
            AssertSameExtensions((object)d.Extensions, OpenSslExtensions(text, "CRL extensions:"));
            Assert.Contains(Items((object)d.Extensions), e => (string)e.Oid == "2.5.29.35");

            // Revoked entries: the serials and reasons openssl lists.
            var revoked = new Dictionary<string, string>();
            foreach (string part in text.Split("Serial Number: ").Skip(1))
            {
                Match reason = Regex.Match(part, @"CRL Reason Code:\s*\n\s*([^\n]+)");
                revoked[part.Split('\n')[0].Trim()] = reason.Success ? reason.Groups[1].Value.Trim() : "";
            }
            Assert.Equal(revoked.Keys.OrderBy(k => k), Items((object)d.RevokedCertificates).Select(e => (string)e.SerialNumberHex).OrderBy(k => k));
            string a = S.Run("Get-IssuedCert -Ca ./ca -DnsName a.example | ForEach-Object SerialNumber").Single<string>();
            Assert.Equal("Key Compromise", revoked[a]);
            Assert.Equal("KeyCompromise", Items((object)d.RevokedCertificates).Single(e => (string)e.SerialNumberHex == a).Reason.ToString());
        }

        [Fact]
        public void A_bundle_gives_one_object_per_item_and_never_shows_the_key()
        {
            MakeRichCertificate();
            S.Run(@"
                New-Ca -Path ./ca -Subject 'CN=Bundle CA' | Out-Null
                New-Crl -Ca ./ca -Path ./ca.crl | Out-Null
                New-Csr -DnsName bundle.example -Path ./bundle | Out-Null
            ").ThrowOnError();
            File.WriteAllText(S.File("all.pem"), File.ReadAllText(S.File("rich.crt")) + File.ReadAllText(S.File("rich.key"))
                + File.ReadAllText(S.File("bundle.csr")) + File.ReadAllText(S.File("ca.crl")));
            var r = S.Run("Get-CertDetail ./all.pem").ThrowOnError();
            Assert.Equal(new[] { "Certificate", "Csr", "Crl" }, r.Output.Select(o => ((dynamic)o.BaseObject).Kind.ToString()).Cast<string>().ToArray());
            string shown = S.Render("Get-CertDetail ./all.pem");
            Assert.DoesNotContain("PRIVATE KEY", shown);

            // A P7B bundle: one object per certificate.
            S.Run("Import-Cert ./ca/ca.crt | Export-Cert -Path ./one.p7b -Format P7b").ThrowOnError();
            Assert.Single(S.Run("Get-CertDetail ./one.p7b").ThrowOnError().Output);
        }

        [Fact]
        public void Objects_of_every_kind_bind_from_the_pipeline()
        {
            MakeRichCertificate();
            S.Run(@"
                New-Ca -Path ./ca -Subject 'CN=Pipe CA' | Out-Null
                $leaf = New-Csr -DnsName pipe.example | Invoke-CaSign -Ca ./ca
                New-Crl -Ca ./ca -Path ./ca.crl | Out-Null
                New-Item -ItemType Directory ./d[1] | Out-Null
                Copy-Item -LiteralPath ./rich.crt -Destination ./d`[1`]/x.crt
            ").ThrowOnError();
            string Kind(string script) => ((dynamic)S.Run(script).ThrowOnError().Single()).Kind.ToString();
            Assert.Equal("Certificate", Kind("$leaf | Get-CertDetail"));
            Assert.Equal("Certificate", Kind("Get-CertDetail -Certificate $leaf"));
            Assert.Equal("Csr", Kind("New-Csr -DnsName x.example | Get-CertDetail"));
            Assert.Equal("Crl", Kind("Import-Crl ./ca.crl | Get-CertDetail"));
            Assert.Equal("Certificate", Kind("Get-IssuedCert -Ca ./ca | Get-CertDetail"));
            Assert.Equal("Certificate", Kind("Get-Item ./rich.crt | Get-CertDetail"));
            Assert.Equal("Certificate", Kind("Get-CertDetail -LiteralPath ./d[1]/x.crt"));
            Assert.Equal("Certificate", Kind("Get-ChildItem -LiteralPath ./d[1] | Get-CertDetail"));
            Assert.Equal("Certificate", Kind("[pscustomobject]@{ FullName = (Resolve-Path ./rich.crt).Path } | Get-CertDetail"));
            Assert.Equal(2, S.Run("Get-CertDetail ./*.cr?").ThrowOnError().Output.Count); // rich.crt and ca.crl
            Assert.Equal(2, S.Run("'./rich.crt', './ca.crl' | Get-CertDetail").ThrowOnError().Output.Count);
        }

        [Fact]
        public void One_bad_item_is_an_error_with_its_id_and_the_rest_go_on()
        {
            MakeRichCertificate();
            File.WriteAllText(S.File("garbage.txt"), "not a certificate");
            File.WriteAllBytes(S.File("garbage.der"), new byte[] { 0x30, 0x03, 0x02, 0x01, 0x05 });
            string pem = File.ReadAllText(S.File("rich.crt"));
            File.WriteAllText(S.File("broken-cert.pem"), "-----BEGIN CERTIFICATE-----\nMAMCAQU=\n-----END CERTIFICATE-----\n" + pem);
            File.WriteAllText(S.File("broken-csr.pem"), "-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQU=\n-----END CERTIFICATE REQUEST-----\n");
            File.WriteAllText(S.File("broken-crl.pem"), "-----BEGIN X509 CRL-----\nMAMCAQU=\n-----END X509 CRL-----\n");
            File.WriteAllText(S.File("key-only.pem"), File.ReadAllText(S.File("rich.key")));

            var r = S.Run("Get-CertDetail ./missing.crt, ./garbage.txt, ./garbage.der, ./broken-cert.pem, ./broken-csr.pem, ./broken-crl.pem, ./key-only.pem, ./rich.crt");
            Assert.Null(r.Terminating);
            Assert.Equal(new[] { "FileNotFound", "FormatUnknown", "FormatUnknown", "CertificateInvalid", "CsrInvalid", "CrlInvalid", "FormatUnknown" }, r.ErrorIds);
            Assert.Equal(2, r.Output.Count); // the good certificate of broken-cert.pem, and rich.crt
            Assert.All(r.Errors, e => Assert.Contains("Command", e.FullyQualifiedErrorId.Split(',')[1]));
            Assert.Equal(S.File("broken-cert.pem"), r.Errors[3].TargetObject);

            var objects = S.Run("42, (Get-Item ./rich.crt) | Get-CertDetail");
            Assert.Equal(new[] { "InvalidArgument" }, objects.ErrorIds);
            Assert.Single(objects.Output);
            Assert.Equal(new[] { "FormatUnknown" }, S.Run("Export-Cert -Certificate (Import-Cert ./rich.crt) -Path ./r.pfx -Format Pfx -NoPassword; Get-CertDetail ./r.pfx").ErrorIds);
        }

        [Fact]
        public void Default_view_reads_like_openssl_text()
        {
            MakeRichCertificate();
            string cert = Plain(S.Render("Get-CertDetail ./rich.crt"));
            foreach (string label in new[] { "Kind", "Version", "SerialNumber", "Issuer", "Subject", "NotBefore", "NotAfter", "PublicKey", "SignatureAlgorithm", "Extensions", "Sha1Fingerprint", "Sha256Fingerprint" })
            {
                Assert.Matches(new Regex("^" + label + @"\s+:", RegexOptions.Multiline), cert);
            }
            Assert.Matches(@"NotAfter\s+: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", cert);
            Assert.Contains("PublicKey          : EC P-256 (256 bit)", cert);
            Assert.Contains("X509v3 Basic Constraints: critical", cert);
            Assert.DoesNotContain("ThisUpdate", cert);
            Assert.DoesNotContain("RevokedCertificates", cert);

            S.Run("New-Ca -Path ./ca -Subject 'CN=View CA' | Out-Null; New-Crl -Ca ./ca -Path ./ca.crl | Out-Null; New-Csr -DnsName v.example -Path ./v | Out-Null").ThrowOnError();
            string crl = Plain(S.Render("Get-CertDetail ./ca.crl"));
            Assert.Matches(@"ThisUpdate\s+: \d{4}-", crl);
            Assert.Matches(@"Revoked\s+: \(none\)", crl);
            Assert.DoesNotContain("Subject", crl);
            string csr = Plain(S.Render("Get-CertDetail ./v.csr"));
            Assert.Matches(@"SignatureValid\s+: True", csr);
            Assert.DoesNotContain("NotAfter", csr);
        }

        private static string Plain(string rendered) => Regex.Replace(rendered, "\x1b\\[[0-9;]*m", "");
    }
}
