using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>The CA cmdlets end to end: New-Ca, Get-Ca, Invoke-CaSign -Ca, Get-IssuedCert, formatting and file modes.</summary>
    public class CaTests : CaTestBase
    {
        [Fact]
        public void A_root_issues_revokes_and_publishes_a_crl_that_test_certchain_and_openssl_agree_on()
        {
            var r = S.Run(@"
                $ca = New-Ca -Path ./ca -Subject 'CN=Corp Root CA, O=Corp' -PermittedDnsDomain corp.example -CrlDistributionPoint http://pki.corp.example/ca.crl
                $web = New-Csr -DnsName web.corp.example -Path ./web | Invoke-CaSign -Ca $ca -Path ./web
                $old = New-Csr -DnsName old.corp.example | Invoke-CaSign -Ca ./ca
                $ca
            ").ThrowOnError();
            dynamic ca = r.Single();
            Assert.Equal(2, (int)ca.IssuedCount);
            Assert.True((bool)ca.IsRoot);
            Assert.Contains("256", (string)ca.KeyAlgorithm);
            AssertOwnerOnly(S.File("ca/private/ca.key"));

            // The CA certificate carries the name constraints; the leaf carries the CDP.
            string caText = OpenSsl.Ok("x509", "-in", S.File("ca/ca.crt"), "-noout", "-text");
            Assert.Contains("Permitted:", caText);
            Assert.Contains("DNS:corp.example", caText);
            string leafText = OpenSsl.Ok("x509", "-in", S.File("web.crt"), "-noout", "-text");
            Assert.Contains("URI:http://pki.corp.example/ca.crl", leafText);

            S.Run("Get-IssuedCert -Ca ./ca -DnsName old.* | Revoke-Cert -Reason Superseded -Confirm:$false").ThrowOnError();
            Directory.CreateDirectory(S.File("pub"));
            dynamic crl = S.Run("New-Crl -Ca ./ca -Path ./pub/ca.crl").ThrowOnError().Single();
            Assert.Equal("1", (string)crl.CrlNumber);
            Assert.Equal(1, (int)crl.RevokedCount);
            Assert.Equal("Superseded", crl.Entries[0].Reason.ToString());
            Assert.True(File.Exists(S.File("pub/ca.der")));
            Assert.True(File.Exists(S.File("ca/crl/ca.der")));
            Assert.Equal("2", S.Run("(New-Crl -Ca ./ca).CrlNumber").ThrowOnError().Single<string>());

            Assert.Equal("Revoked", S.Run("($old | Test-CertChain -TrustedRoot ./ca/ca.crt -Crl ./ca/crl/ca.crl).Problems[0].Code.ToString()").ThrowOnError().Single<string>());
            Assert.True(S.Run("$web | Test-CertChain -TrustedRoot ./ca/ca.crt -Crl ./ca/crl/ca.crl -Quiet").ThrowOnError().Single<bool>());
            OpenSsl.Ok("crl", "-in", S.File("ca/crl/ca.crl"), "-CAfile", S.File("ca/ca.crt"), "-noout", "-verify");
            Assert.Equal(0, OpenSsl.Run("verify", "-crl_check", "-CRLfile", S.File("ca/crl/ca.crl"), "-CAfile", S.File("ca/ca.crt"), S.File("web.crt")).ExitCode);
            File.WriteAllText(S.File("old.crt"), S.Run("[PkiTools.Core.Encoding.Pem]::Encode('CERTIFICATE', $old.RawData)").ThrowOnError().Single<string>());
            Assert.NotEqual(0, OpenSsl.Run("verify", "-crl_check", "-CRLfile", S.File("ca/crl/ca.crl"), "-CAfile", S.File("ca/ca.crt"), S.File("old.crt")).ExitCode);

            var statuses = S.Run("Get-IssuedCert -Ca ./ca | ForEach-Object { '{0} {1}' -f $_.Status, $_.SubjectAltNames[0] }").ThrowOnError().Output.Select(o => o.ToString()).OrderBy(s => s).ToArray();
            Assert.Equal(new[] { "Revoked DNS:old.corp.example", "Valid DNS:web.corp.example" }, statuses);
        }

        [Fact]
        public void New_ca_returns_the_ca_with_its_facts()
        {
            var r = S.Run("New-Ca -Path ./ca -Subject 'CN=Facts Root, O=Corp' -KeyAlgorithm EcdsaP384 -ValidYears 3 -Verbose").ThrowOnError();
            dynamic ca = r.Single();
            Assert.Equal(S.File("ca"), (string)ca.Path);
            Assert.Equal("CN=Facts Root, O=Corp", (string)ca.Subject);
            Assert.IsType<X509Certificate2>((object)ca.Certificate);
            Assert.Equal("CN=Facts Root, O=Corp", ((X509Certificate2)ca.Certificate).Subject);
            Assert.Contains("384", (string)ca.KeyAlgorithm);
            Assert.InRange(((DateTime)ca.NotAfter).ToUniversalTime(), DateTime.UtcNow.AddYears(3).AddDays(-1), DateTime.UtcNow.AddYears(3).AddDays(1));
            Assert.Equal("PkiTools", ca.Layout.ToString());
            Assert.True((bool)ca.IsRoot);
            Assert.Equal(0, (int)ca.IssuedCount);
            Assert.Equal(0, (int)ca.ValidCount);
            Assert.Equal(0, (int)ca.RevokedCount);
            Assert.Equal(0, (int)ca.ExpiredCount);
            Assert.Equal(S.File("ca/private/ca.key"), (string)ca.KeyPath);
            Assert.Equal(S.File("ca/crl/ca.crl"), (string)ca.CrlPath);
            Assert.Contains(r.Verbose, v => v.Contains("not encrypted") && v.Contains("owner-only"));
            // Root: no pathlen unless asked; the certificate is the file.
            Assert.Equal(File.ReadAllText(S.File("ca/ca.crt")).Trim(), S.Run("[PkiTools.Core.Encoding.Pem]::Encode('CERTIFICATE', (Get-Ca ./ca).Certificate.RawData)").ThrowOnError().Single<string>().Trim());
            string text = OpenSsl.Ok("x509", "-in", S.File("ca/ca.crt"), "-noout", "-text");
            Assert.Contains("CA:TRUE", text);
            Assert.DoesNotContain("pathlen", text);
            Assert.DoesNotContain("Name Constraints", text);
            Assert.Contains("ecdsa-with-SHA384", text);

            // -WhatIf creates nothing.
            Assert.Empty(S.Run("New-Ca -Path ./nothing -Subject 'CN=No' -WhatIf").ThrowOnError().Output);
            Assert.False(Directory.Exists(S.File("nothing")));
        }

        [Fact]
        public void An_intermediate_is_recorded_by_its_parent_with_its_path_length_and_issues_with_a_full_chain_file()
        {
            var r = S.Run(@"
                $root = New-Ca -Path ./root -Subject 'CN=Root' -PathLength 1
                $sub = New-Ca -Path ./sub -Subject 'CN=Issuing CA' -Parent $root -Verbose
                New-Csr -DnsName app.example -Path ./app | Invoke-CaSign -Ca $sub -Path ./app | Out-Null
                $sub
            ").ThrowOnError();
            dynamic sub = r.Single();
            Assert.False((bool)sub.IsRoot);
            Assert.InRange(((DateTime)sub.NotAfter).ToUniversalTime(), DateTime.UtcNow.AddYears(5).AddDays(-1), DateTime.UtcNow.AddYears(5).AddDays(1));
            Assert.Contains(r.Verbose, v => v.Contains("Recorded in the ledger of 'CN=Root'"));

            // The parent's ledger lists the intermediate, with its certificate file.
            dynamic record = S.Run("Get-IssuedCert -Ca ./root").ThrowOnError().Single();
            Assert.Equal("CN=Issuing CA", (string)record.Subject);
            Assert.Equal(((X509Certificate2)sub.Certificate).SerialNumber, (string)record.SerialNumber);
            Assert.Equal(S.File("root/certs/" + (string)record.SerialNumber + ".pem"), (string)record.Path);
            Assert.Equal(((X509Certificate2)sub.Certificate).RawData, X509Certificate2.CreateFromPem(File.ReadAllText((string)record.Path)).RawData);
            Assert.Equal(1, S.Run("(Get-Ca ./root).IssuedCount").ThrowOnError().Single<int>());

            Assert.Contains("CA:TRUE, pathlen:1", OpenSsl.Ok("x509", "-in", S.File("root/ca.crt"), "-noout", "-text"));
            Assert.Contains("CA:TRUE, pathlen:0", OpenSsl.Ok("x509", "-in", S.File("sub/ca.crt"), "-noout", "-text"));
            // chain.pem: the intermediate, then the root.
            string[] chainPem = File.ReadAllText(S.File("sub/chain.pem")).Split("-----BEGIN CERTIFICATE-----", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, chainPem.Length);
            OpenSsl.Ok("verify", "-CAfile", S.File("root/ca.crt"), S.File("sub/ca.crt"));

            string[] fullChain = File.ReadAllText(S.File("app.fullchain.crt")).Split("-----BEGIN CERTIFICATE-----", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, fullChain.Length);
            OpenSsl.Ok("verify", "-CAfile", S.File("root/ca.crt"), "-untrusted", S.File("app.fullchain.crt"), S.File("app.crt"));
            Assert.True(S.Run("Get-Ca ./sub | ForEach-Object { -not $_.IsRoot }").ThrowOnError().Single<bool>());

            // pathlen:0 is enforced: the intermediate cannot make another CA, and nothing is left behind.
            Assert.Equal(new[] { "IssuerNotCa" }, S.Run("New-Ca -Path ./deeper -Subject 'CN=Too Deep' -Parent ./sub").ErrorIds);
            Assert.False(Directory.Exists(S.File("deeper")));
            Assert.Equal(1, S.Run("(Get-Ca ./sub).IssuedCount").ThrowOnError().Single<int>());
            // -PathLength 1 on the root allows one CA level below it, no more.
            Assert.Equal(new[] { "InvalidArgument" }, S.Run("New-Ca -Path ./sub1 -Subject 'CN=Too Long' -Parent ./root -PathLength 1").ErrorIds);
            Assert.False(Directory.Exists(S.File("sub1")));
            S.Run("New-Ca -Path ./sub2 -Subject 'CN=Second Issuing' -Parent ./root -PathLength 0 | Out-Null").ThrowOnError();
            Assert.Equal(2, S.Run("(Get-Ca ./root).IssuedCount").ThrowOnError().Single<int>());
        }

        [Fact]
        public void Name_constraints_and_publication_points_are_in_the_certificates()
        {
            S.Run(@"
                New-Ca -Path ./root -Subject 'CN=Constrained Root' -PathLength 1 -PermittedDnsDomain corp.example, lab.example -PermittedIpRange 10.0.0.0/8, 2001:db8::/32 `
                    -CrlDistributionPoint http://pki.corp.example/root.crl -AuthorityInfoAccess http://pki.corp.example/root.crt | Out-Null
                New-Ca -Path ./sub -Subject 'CN=Web CA' -Parent ./root -PermittedDnsDomain web.corp.example -CrlDistributionPoint http://pki.corp.example/web.crl, ldap://ldap.corp.example/cn=web | Out-Null
                New-Csr -DnsName shop.web.corp.example | Invoke-CaSign -Ca ./sub -Path ./shop | Out-Null
            ").ThrowOnError();

            string root = OpenSsl.Ok("x509", "-in", S.File("root/ca.crt"), "-noout", "-text");
            Assert.Contains("X509v3 Name Constraints: critical", root);
            Assert.Contains("DNS:corp.example", root);
            Assert.Contains("DNS:lab.example", root);
            Assert.Contains("IP:10.0.0.0/255.0.0.0", root);
            Assert.Contains("IP:2001:DB8:0:0:0:0:0:0/FFFF:FFFF:0:0:0:0:0:0", root);
            Assert.DoesNotContain("Excluded:", root); // IP ranges given: IPs are constrained, not excluded
            Assert.DoesNotContain("CRL Distribution Points", root); // the CA's own points go into what it issues

            string sub = OpenSsl.Ok("x509", "-in", S.File("sub/ca.crt"), "-noout", "-text");
            Assert.Contains("X509v3 Name Constraints: critical", sub);
            Assert.Contains("DNS:web.corp.example", sub);
            Assert.Contains("Excluded:", sub); // only DNS domains: every IP address is excluded
            Assert.Contains("IP:0.0.0.0/0.0.0.0", sub);
            Assert.Contains("IP:0:0:0:0:0:0:0:0/0:0:0:0:0:0:0:0", sub);
            Assert.Contains("URI:http://pki.corp.example/root.crl", sub); // issued by the root: the root's points
            Assert.Contains("CA Issuers - URI:http://pki.corp.example/root.crt", sub);

            string leaf = OpenSsl.Ok("x509", "-in", S.File("shop.crt"), "-noout", "-text");
            Assert.Contains("URI:http://pki.corp.example/web.crl", leaf);
            Assert.Contains("URI:ldap://ldap.corp.example/cn=web", leaf);
            Assert.DoesNotContain("root.crl", leaf);
            Assert.DoesNotContain("Authority Information Access", leaf); // the Web CA has none
            Assert.DoesNotContain("Name Constraints", leaf);

            // .NET reads the same extensions back.
            var shop = X509Certificate2.CreateFromPem(File.ReadAllText(S.File("sub/ca.crt")));
            var aia = shop.Extensions.OfType<X509AuthorityInformationAccessExtension>().Single();
            Assert.Equal(new[] { "http://pki.corp.example/root.crt" }, aia.EnumerateCAIssuersUris().ToArray());

            string policy = File.ReadAllText(S.File("sub/policy.json"));
            Assert.Contains("\"permittedDnsSuffixes\": [\"web.corp.example\"]", policy);
            Assert.Contains("\"crlDistributionPoints\": [\"http://pki.corp.example/web.crl\", \"ldap://ldap.corp.example/cn=web\"]", policy);

            // The whole chain validates for a name inside every constraint.
            OpenSsl.Ok("verify", "-CAfile", S.File("root/ca.crt"), "-untrusted", S.File("sub/ca.crt"), S.File("shop.crt"));
            Assert.True(S.Run("Test-CertChain -Path ./shop.crt -TrustedRoot ./root/ca.crt -Intermediate ./sub/ca.crt -Quiet").ThrowOnError().Single<bool>());
        }

        [Fact]
        public void Name_constraints_are_enforced_when_the_policy_is_bypassed()
        {
            S.Run(@"
                New-Ca -Path ./root -Subject 'CN=Constrained Root' -PathLength 1 -PermittedDnsDomain corp.example -PermittedIpRange 10.0.0.0/8 | Out-Null
                New-Ca -Path ./sub -Subject 'CN=Web CA' -Parent ./root -PermittedDnsDomain web.corp.example | Out-Null
                New-Csr -DnsName www.web.corp.example | Invoke-CaSign -Ca ./sub -Path ./good | Out-Null
            ").ThrowOnError();
            // Bypassing policy: the CA certificate and its key in one PEM file, used as a plain -Issuer (no ledger, no policy).
            // (-Issuer ./root/ca.crt alone finds no key: a CA directory keeps it in private/ca.key.)
            Assert.Equal(new[] { "IssuerKeyMissing" }, S.Run("New-Csr -DnsName x.corp.example | Invoke-CaSign -Issuer ./root/ca.crt").ErrorIds);
            File.WriteAllText(S.File("root-with-key.pem"), File.ReadAllText(S.File("root/ca.crt")) + File.ReadAllText(S.File("root/private/ca.key")));
            File.WriteAllText(S.File("sub-with-key.pem"), File.ReadAllText(S.File("sub/ca.crt")) + File.ReadAllText(S.File("sub/private/ca.key")));
            S.Run(@"
                New-Csr -DnsName www.evil.example | Invoke-CaSign -Issuer ./root-with-key.pem -Path ./evil-dns | Out-Null
                New-Csr -DnsName ok.corp.example -IpAddress 192.168.1.1 | Invoke-CaSign -Issuer ./root-with-key.pem -Path ./evil-ip | Out-Null
                New-Csr -DnsName app.corp.example | Invoke-CaSign -Issuer ./sub-with-key.pem -Path ./evil-sub | Out-Null
                New-Csr -DnsName www.web.corp.example -IpAddress 10.1.2.3 | Invoke-CaSign -Issuer ./sub-with-key.pem -Path ./evil-subip | Out-Null
            ").ThrowOnError();
            // And with openssl itself, signing with the CA key directly.
            OpenSsl.Ok("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", S.File("o.key"), "-out", S.File("o.csr"), "-subj", "/CN=outside.example");
            File.WriteAllText(S.File("ext.cnf"), "subjectAltName = DNS:outside.example\n");
            OpenSsl.Ok("x509", "-req", "-in", S.File("o.csr"), "-CA", S.File("root/ca.crt"), "-CAkey", S.File("root/private/ca.key"), "-CAcreateserial",
                "-days", "30", "-extfile", S.File("ext.cnf"), "-out", S.File("evil-openssl.crt"));

            foreach (string name in new[] { "evil-dns", "evil-ip", "evil-openssl" })
            {
                OpenSsl.Result verify = OpenSsl.Run("verify", "-CAfile", S.File("root/ca.crt"), S.File(name + ".crt"));
                Assert.True(verify.ExitCode != 0 && verify.All.Contains("subtree violation"), name + ": " + verify);
                Assert.Equal(new[] { "NameConstraintViolation" }, ProblemCodes($"Test-CertChain -Path ./{name}.crt -TrustedRoot ./root/ca.crt"));
            }
            foreach (string name in new[] { "evil-sub", "evil-subip" })
            {
                OpenSsl.Result verify = OpenSsl.Run("verify", "-CAfile", S.File("root/ca.crt"), "-untrusted", S.File("sub/ca.crt"), S.File(name + ".crt"));
                Assert.True(verify.ExitCode != 0 && verify.All.Contains("subtree violation"), name + ": " + verify);
                Assert.Equal(new[] { "NameConstraintViolation" }, ProblemCodes($"Test-CertChain -Path ./{name}.crt -TrustedRoot ./root/ca.crt -Intermediate ./sub/ca.crt"));
            }
            OpenSsl.Ok("verify", "-CAfile", S.File("root/ca.crt"), "-untrusted", S.File("sub/ca.crt"), S.File("good.crt"));
            Assert.Empty(ProblemCodes("Test-CertChain -Path ./good.crt -TrustedRoot ./root/ca.crt -Intermediate ./sub/ca.crt"));
            // Nothing of this is in the ledgers: only the intermediate and the good leaf were issued under policy.
            Assert.Equal(1, S.Run("(Get-Ca ./root).IssuedCount").ThrowOnError().Single<int>());
            Assert.Equal(1, S.Run("(Get-Ca ./sub).IssuedCount").ThrowOnError().Single<int>());
        }

        [Fact]
        public void Policy_refuses_what_the_name_constraints_would_reject()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Corp' -PermittedDnsDomain corp.example | Out-Null").ThrowOnError();
            var before = Snapshot(S.File("ca"));
            // The CA certificate excludes every IP address (DNS domains only): the policy must not issue one either.
            var ip = S.Run("New-Csr -DnsName web.corp.example -IpAddress 10.0.0.5 | Invoke-CaSign -Ca ./ca -Path ./web");
            Assert.Equal(new[] { "PolicyViolation" }, ip.ErrorIds);
            Assert.Contains("IP address", ip.Errors[0].ToString());
            Assert.False(File.Exists(S.File("web.crt")));
            var cn = S.Run("New-Csr -Subject 'CN=www.evil.example' -DnsName ok.corp.example | Invoke-CaSign -Ca ./ca");
            Assert.Equal(new[] { "PolicyViolation" }, cn.ErrorIds);
            AssertUnchanged(before, S.File("ca"));
            // A wildcard under the domain, and the domain itself, are fine, and valid under the CA's constraints.
            S.Run("$w = New-Csr -DnsName '*.corp.example', corp.example | Invoke-CaSign -Ca ./ca").ThrowOnError();
            Assert.Empty(ProblemCodes("$w | Test-CertChain -TrustedRoot ./ca/ca.crt"));
        }

        [Fact]
        public void Names_outside_the_policy_are_refused_and_nothing_is_recorded()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Corp' -PermittedDnsDomain corp.example | Out-Null").ThrowOnError();
            string before = File.ReadAllText(S.File("ca/index.txt"));
            var r = S.Run("New-Csr -DnsName www.evil.example | Invoke-CaSign -Ca ./ca -Path ./evil");
            Assert.Equal(new[] { "PolicyViolation" }, r.ErrorIds);
            Assert.Equal(before, File.ReadAllText(S.File("ca/index.txt")));
            Assert.False(File.Exists(S.File("evil.crt")));
            Assert.Empty(Directory.GetFiles(S.File("ca/certs")));
        }

        [Fact]
        public void Invoke_CaSign_with_a_ca_records_in_the_ledger_before_returning()
        {
            var r = S.Run(@"
                New-Ca -Path ./ca -Subject 'CN=Corp' | Out-Null
                New-Csr -DnsName web.example -Path ./web | Invoke-CaSign -Ca ./ca -Path ./web -ValidDays 90 -Verbose
            ").ThrowOnError();
            var issued = (X509Certificate2)r.Single();
            Assert.Contains(r.Verbose, v => v.Contains("recorded in its ledger"));
            // The ledger line and the certificate file by serial are there.
            string[] lines = File.ReadAllLines(S.File("ca/index.txt"));
            Assert.Single(lines);
            string[] fields = lines[0].Split('\t');
            Assert.Equal("V", fields[0]);
            Assert.Equal(issued.SerialNumber, fields[3]);
            Assert.Equal("/CN=web.example", fields[5]);
            Assert.Equal(issued.NotAfter.ToUniversalTime().ToString("yyMMddHHmmss") + "Z", fields[1]);
            Assert.Equal(issued.RawData, X509Certificate2.CreateFromPem(File.ReadAllText(S.File($"ca/certs/{issued.SerialNumber}.pem"))).RawData);
            // -Path: the certificate and the CSR's key (owner-only); a root's leaf needs no fullchain file.
            Assert.Equal(issued.RawData, X509Certificate2.CreateFromPem(File.ReadAllText(S.File("web.crt"))).RawData);
            AssertOwnerOnly(S.File("web.key"));
            Assert.False(File.Exists(S.File("web.fullchain.crt")));
            Assert.InRange((issued.NotAfter.ToUniversalTime() - DateTime.UtcNow).TotalDays, 89, 90.1);

            // Each certificate is in the ledger by the time it reaches the next command of the pipeline.
            var seen = S.Run(@"'p1', 'p2', 'p3' | ForEach-Object { New-Csr -DnsName ""$_.example"" } | Invoke-CaSign -Ca ./ca |
                ForEach-Object { '{0} {1}' -f (Get-IssuedCert -Ca ./ca -SerialNumber $_.SerialNumber).Status, (Get-Ca ./ca).IssuedCount }").ThrowOnError();
            Assert.Equal(new[] { "Valid 2", "Valid 3", "Valid 4" }, seen.Output.Select(o => o.ToString()).ToArray());

            // A CSR file made by openssl, by -CsrPath.
            OpenSsl.Ok("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", S.File("o.key"), "-out", S.File("o.csr"), "-subj", "/CN=o.example");
            S.Run("Invoke-CaSign -Ca ./ca -CsrPath ./o.csr -Path ./o | Out-Null").ThrowOnError();
            Assert.Equal(5, File.ReadAllLines(S.File("ca/index.txt")).Length);
            Assert.Contains("/CN=o.example", File.ReadAllText(S.File("ca/index.txt")));

            // An existing output file: refused before anything is issued; -Force replaces it.
            var before = Snapshot(S.File("ca"));
            Assert.Equal(new[] { "FileExists" }, S.Run("New-Csr -DnsName web.example | Invoke-CaSign -Ca ./ca -Path ./web").ErrorIds);
            AssertUnchanged(before, S.File("ca"));
            S.Run("New-Csr -DnsName web.example | Invoke-CaSign -Ca ./ca -Path ./web -Force | Out-Null").ThrowOnError();
            Assert.Equal(6, File.ReadAllLines(S.File("ca/index.txt")).Length);
        }

        [Fact]
        public void Invoke_CaSign_WhatIf_signs_and_records_nothing()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Corp' | Out-Null").ThrowOnError();
            var before = Snapshot(S.File("ca"));
            var withPath = S.Run("New-Csr -DnsName a.example | Invoke-CaSign -Ca ./ca -Path ./a -WhatIf").ThrowOnError();
            Assert.Empty(withPath.Output);
            Assert.False(File.Exists(S.File("a.crt")));
            var withoutPath = S.Run("New-Csr -DnsName a.example | Invoke-CaSign -Ca ./ca -WhatIf").ThrowOnError();
            Assert.Empty(withoutPath.Output);
            AssertUnchanged(before, S.File("ca"));
            Assert.Equal(0, S.Run("(Get-Ca ./ca).IssuedCount").ThrowOnError().Single<int>());
        }

        [Fact]
        public void Get_IssuedCert_filters_by_status_expiry_dns_name_and_serial()
        {
            S.Run(@"
                New-Ca -Path ./ca -Subject 'CN=Corp' | Out-Null
                $soon = New-Csr -DnsName web01.corp.example | Invoke-CaSign -Ca ./ca -ValidDays 10
                $later = New-Csr -DnsName web02.corp.example | Invoke-CaSign -Ca ./ca -ValidDays 300
                $mail = New-Csr -Subject 'CN=Mail Gateway, O=Corp' -DnsName mail.corp.example -IpAddress 10.0.0.25 | Invoke-CaSign -Ca ./ca -ValidDays 300
                $lab = New-Csr -DnsName api.lab.example | Invoke-CaSign -Ca ./ca -ValidDays 300
                $gone = New-Csr -DnsName gone.corp.example | Invoke-CaSign -Ca ./ca -ValidDays 300
                Revoke-Cert -Ca ./ca -SerialNumber $later.SerialNumber -Reason KeyCompromise -Confirm:$false
            ").ThrowOnError();
            // A V line past its notAfter (openssl ca -updatedb has not run yet) is Expired.
            string gone = S.Run("$gone.SerialNumber").ThrowOnError().Single<string>();
            string index = S.File("ca/index.txt");
            File.WriteAllLines(index, File.ReadAllLines(index).Select(l => l.Contains(gone) ? "V\t200101000000Z" + l.Substring(l.IndexOf('\t', 2)) : l));

            string[] Names(string filter) => S.Run($"Get-IssuedCert -Ca ./ca {filter} | ForEach-Object {{ $_.Subject }}").ThrowOnError().Output.Select(o => o.ToString()).OrderBy(s => s).ToArray();
            Assert.Equal(new[] { "CN=api.lab.example", "CN=Mail Gateway, O=Corp", "CN=web01.corp.example" }, Names("-Status Valid"));
            Assert.Equal(new[] { "CN=web02.corp.example" }, Names("-Status Revoked"));
            Assert.Equal(new[] { "CN=gone.corp.example" }, Names("-Status Expired"));
            Assert.Equal(5, Names("").Length);
            Assert.Equal(new[] { "CN=web01.corp.example" }, Names("-ExpiringWithinDays 30"));
            Assert.Equal(new[] { "CN=api.lab.example", "CN=Mail Gateway, O=Corp", "CN=web01.corp.example" }, Names("-ExpiringWithinDays 301"));
            Assert.Empty(Names("-ExpiringWithinDays 5"));
            // Wildcards over the CN and the DNS names of the certificate file, any case.
            Assert.Equal(new[] { "CN=gone.corp.example", "CN=Mail Gateway, O=Corp", "CN=web01.corp.example", "CN=web02.corp.example" }, Names("-DnsName '*.corp.example'"));
            Assert.Equal(new[] { "CN=web01.corp.example", "CN=web02.corp.example" }, Names("-DnsName 'web??.corp.example'"));
            Assert.Equal(new[] { "CN=Mail Gateway, O=Corp" }, Names("-DnsName MAIL.Corp.Example"));
            Assert.Empty(Names("-DnsName 'web?.corp.example'"));
            Assert.Equal(new[] { "CN=web01.corp.example" }, Names("-DnsName 'web*' -Status Valid"));
            // -SerialNumber in any hex spelling.
            string serial = S.Run("$mail.SerialNumber").ThrowOnError().Single<string>();
            string colons = string.Join(":", Enumerable.Range(0, serial.Length / 2).Select(i => serial.Substring(2 * i, 2))).ToLowerInvariant();
            foreach (string spelling in new[] { serial, serial.ToLowerInvariant(), colons, "0x" + serial, "00" + serial, "00:" + colons })
            {
                Assert.Equal(new[] { "CN=Mail Gateway, O=Corp" }, Names($"-SerialNumber '{spelling}'"));
            }
            Assert.Empty(Names("-SerialNumber 0102"));
            Assert.Equal(new[] { "InvalidArgument" }, S.Run("Get-IssuedCert -Ca ./ca -SerialNumber 'not-hex'").ErrorIds);
            // The CA from the pipeline.
            Assert.Equal(5, S.Run("Get-Ca ./ca | Get-IssuedCert").ThrowOnError().Output.Count);
        }

        [Fact]
        public void Issued_certificate_records_carry_what_the_ledger_and_the_file_say()
        {
            S.Run(@"
                New-Ca -Path ./ca -Subject 'CN=Corp' | Out-Null
                $mail = New-Csr -Subject 'CN=Mail Gateway, O=Corp' -DnsName mail.corp.example -IpAddress 10.0.0.25 | Invoke-CaSign -Ca ./ca
                $other = New-Csr -DnsName other.corp.example | Invoke-CaSign -Ca ./ca
                Revoke-Cert -Ca ./ca -SerialNumber $mail.SerialNumber -Reason Superseded -Confirm:$false
                $r = Get-IssuedCert -Ca ./ca -SerialNumber $mail.SerialNumber
                $v = Get-IssuedCert -Ca ./ca -SerialNumber $other.SerialNumber
            ").ThrowOnError();
            var mail = S.Run("$mail").ThrowOnError().Single<X509Certificate2>();
            dynamic r = S.Run("$r").ThrowOnError().Single();
            Assert.Equal(mail.SerialNumber, (string)r.SerialNumber);
            Assert.Equal("CN=Mail Gateway, O=Corp", (string)r.Subject);
            Assert.Equal(new[] { "DNS:mail.corp.example", "IP:10.0.0.25" }, ((string[])r.SubjectAltNames).OrderBy(s => s).ToArray());
            Assert.Equal(mail.NotBefore, (DateTime)r.NotBefore);
            Assert.Equal(mail.NotAfter, (DateTime)r.NotAfter);
            Assert.Equal("Revoked", r.Status.ToString());
            Assert.InRange(((DateTime)r.RevokedAt).ToUniversalTime(), DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));
            Assert.Equal("Superseded", r.RevocationReason.ToString());
            Assert.Equal(S.File($"ca/certs/{mail.SerialNumber}.pem"), (string)r.Path);
            Assert.True(File.Exists((string)r.Path));
            Assert.Equal(S.File("ca"), (string)r.CaPath);
            Assert.Equal(mail.Thumbprint, ((X509Certificate2)r.Certificate).Thumbprint);

            dynamic v = S.Run("$v").ThrowOnError().Single();
            Assert.Equal("Valid", v.Status.ToString());
            Assert.Null((object?)v.RevokedAt);
            Assert.Null((object?)v.RevocationReason);

            // Without its certificate file, the record still lists the ledger's facts.
            File.Delete((string)v.Path);
            dynamic bare = S.Run("Get-IssuedCert -Ca ./ca -Status Valid").ThrowOnError().Single();
            Assert.Equal("/CN=other.corp.example", (string)bare.Subject);
            Assert.Empty((string[])bare.SubjectAltNames);
            Assert.Null((object?)bare.NotBefore);
            Assert.Null((object?)bare.Certificate);
        }

        [Fact]
        public void Files_have_the_modes_of_a_ca_directory()
        {
            S.Run($@"
                $pw = {Pw("rootpw")}
                New-Ca -Path ./root -Subject 'CN=Root' -Password $pw | Out-Null
                New-Ca -Path ./sub -Subject 'CN=Sub' -Parent ./root -ParentPassword $pw | Out-Null
                New-Crl -Ca ./root -CaPassword $pw | Out-Null
                New-Crl -Ca ./sub | Out-Null
                New-Csr -DnsName a.example | Invoke-CaSign -Ca ./sub -Path ./a | Out-Null
            ").ThrowOnError();
            Assert.Contains("ENCRYPTED PRIVATE KEY", File.ReadAllText(S.File("root/private/ca.key")));
            Assert.DoesNotContain("ENCRYPTED", File.ReadAllText(S.File("sub/private/ca.key")));
            foreach (string ca in new[] { "root", "sub" })
            {
                AssertOwnerOnly(S.File(ca + "/private/ca.key"));
                if (OperatingSystem.IsWindows()) continue;
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(S.File(ca + "/private")));
                foreach (string file in new[] { "ca.crt", "crl/ca.crl", "crl/ca.der", "index.txt", "policy.json", "openssl.cnf", "crlnumber" })
                {
                    UnixFileMode mode = File.GetUnixFileMode(S.File(ca + "/" + file));
                    Assert.True(mode.HasFlag(UnixFileMode.OtherRead) && mode.HasFlag(UnixFileMode.GroupRead), $"{ca}/{file}: {mode}");
                }
            }
            if (!OperatingSystem.IsWindows())
            {
                Assert.True(File.GetUnixFileMode(S.File("sub/chain.pem")).HasFlag(UnixFileMode.OtherRead));
                Assert.True(File.GetUnixFileMode(S.File("a.crt")).HasFlag(UnixFileMode.OtherRead));
                Assert.True(File.GetUnixFileMode(S.File("a.fullchain.crt")).HasFlag(UnixFileMode.OtherRead));
                string cert = Directory.GetFiles(S.File("sub/certs")).Single();
                Assert.True(File.GetUnixFileMode(cert).HasFlag(UnixFileMode.OtherRead));
            }
            AssertOwnerOnly(S.File("a.key"));
        }

        [Fact]
        public void Get_Ca_and_Get_IssuedCert_render_through_the_module_views()
        {
            S.Run(@"
                New-Ca -Path ./ca -Subject 'CN=Render Root, O=Corp' | Out-Null
                New-Ca -Path ./sub -Subject 'CN=Render Sub' -Parent ./ca | Out-Null
                $a = New-Csr -DnsName a.corp.example | Invoke-CaSign -Ca ./sub
                New-Csr -DnsName b.corp.example | Invoke-CaSign -Ca ./sub | Out-Null
                Revoke-Cert -Ca ./sub -SerialNumber $a.SerialNumber -Confirm:$false
            ").ThrowOnError();
            string root = Plain(S.Render("Get-Ca ./ca"));
            Assert.Matches(@"Path\s+: " + System.Text.RegularExpressions.Regex.Escape(S.File("ca")), root);
            Assert.Matches(@"Subject\s+: CN=Render Root, O=Corp", root);
            Assert.Matches(@"Kind\s+: Root", root);
            Assert.Matches(@"Issued\s+: 1 \(1 valid, 0 revoked, 0 expired\)", root);
            string sub = Plain(S.Render("Get-Ca ./sub"));
            Assert.Matches(@"Kind\s+: Intermediate", sub);
            Assert.Matches(@"Issued\s+: 2 \(1 valid, 1 revoked, 0 expired\)", sub);
            Assert.Matches(@"Layout\s+: PkiTools", sub);

            string table = Plain(S.Render("Get-IssuedCert -Ca ./sub"));
            string[] lines = table.Split('\n').Where(l => l.Trim().Length > 0).ToArray();
            Assert.Matches(@"^Status\s+NotAfter\s+Subject\s+DnsNames\s+SerialNumber$", lines[0].TrimEnd());
            Assert.StartsWith("------", lines[1]);
            Assert.Equal(4, lines.Length);
            string a = S.Run("$a.SerialNumber").ThrowOnError().Single<string>();
            Assert.Matches(@"^Revoked\s+\d{4}-\d\d-\d\d\s+CN=a\.corp\.example\s+a\.corp\.example\s+" + a + "$", lines.Single(l => l.TrimEnd().EndsWith(a)).TrimEnd());
            Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"Valid\s+.*CN=b\.corp\.example"));
        }

        [Fact]
        public void An_offline_root_lists_and_revokes_without_its_key_but_signing_says_the_key_is_missing()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Offline Root' | Out-Null; New-Csr -DnsName a.example | Invoke-CaSign -Ca ./ca | Out-Null").ThrowOnError();
            File.Move(S.File("ca/private/ca.key"), S.File("usb-stick.key"));
            var r = S.Run("Get-Ca ./ca");
            Assert.Empty(r.ErrorIds);
            Assert.Contains(r.Warnings, w => w.Contains("ca.key"));
            S.Run("Get-IssuedCert -Ca ./ca | Revoke-Cert -Confirm:$false").ThrowOnError();
            Assert.Equal(new[] { "IssuerKeyMissing" }, S.Run("New-Crl -Ca ./ca").ErrorIds);
            Assert.Equal(new[] { "IssuerKeyMissing" }, S.Run("New-Csr -DnsName b.example | Invoke-CaSign -Ca ./ca").ErrorIds);
        }

        [Fact]
        public void An_intermediate_outliving_its_parent_is_clipped_with_a_warning()
        {
            var r = S.Run("$root = New-Ca -Path ./root -Subject 'CN=Short Root' -ValidYears 2; New-Ca -Path ./sub -Subject 'CN=Sub' -Parent $root -ValidYears 5").ThrowOnError();
            Assert.Contains(r.Warnings, w => w.Contains("clipped"));
        }

        [Fact]
        public void A_missing_ca_password_names_the_cmdlet_parameters_that_take_it()
        {
            var pw = Vars("pw", new System.Net.NetworkCredential("", "s3cret-Pa55").SecurePassword);
            S.Run("New-Ca -Path ./ca -Subject 'CN=Locked' -Password $pw | Out-Null", pw).ThrowOnError();
            var r = S.Run("New-Crl -Ca ./ca");
            Assert.Equal(new[] { "PasswordRequired" }, r.ErrorIds);
            Assert.Contains("-CaPassword", r.Errors[0].ToString());
            Assert.Single(S.Run("New-Crl -Ca ./ca -CaPassword $pw", pw).ThrowOnError().Output);
        }

        [Fact]
        public void A_hold_is_released_with_RemoveFromCrl_and_the_next_crl_drops_it()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Hold CA' | Out-Null; $c = New-Csr -DnsName held.example | Invoke-CaSign -Ca ./ca").ThrowOnError();
            S.Run("$c | Revoke-Cert -Ca ./ca -Reason CertificateHold -Confirm:$false").ThrowOnError();
            Assert.Equal("Revoked", S.Run("($c | Test-CertChain -TrustedRoot ./ca/ca.crt -Crl (New-Crl -Ca ./ca)).Problems[0].Code.ToString()").ThrowOnError().Single<string>());
            var r = S.Run("$c | Revoke-Cert -Ca ./ca -Reason RemoveFromCrl -Confirm:$false -PassThru -Verbose").ThrowOnError();
            Assert.Equal("Valid", ((dynamic)r.Single()).Status.ToString());
            Assert.Contains(r.Verbose, v => v.Contains("Released the hold"));
            Assert.True(S.Run("$c | Test-CertChain -TrustedRoot ./ca/ca.crt -Crl (New-Crl -Ca ./ca) -Quiet").ThrowOnError().Single<bool>());
            Assert.Equal(new[] { "InvalidArgument" }, S.Run("$c | Revoke-Cert -Ca ./ca -Reason RemoveFromCrl -Confirm:$false").ErrorIds);
        }
    }
}
