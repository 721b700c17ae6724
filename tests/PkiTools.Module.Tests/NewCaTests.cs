using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>New-Ca: the CA folder, its certificate, intermediates, name constraints and file modes.</summary>
    public class NewCaTests : CaTestBase
    {
        [Fact]
        public void New_ca_returns_the_ca_with_its_facts()
        {
            var r = S.Run("New-Ca -Path ./ca -Subject 'CN=Facts Root, O=Corp' -KeyAlgorithm EcdsaP384 -ValidYears 3 -Verbose").ThrowOnError();
            dynamic ca = r.Single();
            Assert.Equal(S.File("ca"), (string)ca.Folder);
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
            Assert.Equal(File.ReadAllText(S.File("ca/ca.crt")).Trim(), S.Run("[PkiTools.Core.Formats.Pem]::Encode('CERTIFICATE', (Get-Ca ./ca).Certificate.RawData)").ThrowOnError().Single<string>().Trim());
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
            Assert.Equal(S.File("root/certs/" + (string)record.SerialNumber + ".pem"), (string)record.FilePath);
            Assert.Equal(((X509Certificate2)sub.Certificate).RawData, X509Certificate2.CreateFromPem(File.ReadAllText((string)record.FilePath)).RawData);
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
        public void An_intermediate_outliving_its_parent_is_clipped_with_a_warning()
        {
            var r = S.Run("$root = New-Ca -Path ./root -Subject 'CN=Short Root' -ValidYears 2; New-Ca -Path ./sub -Subject 'CN=Sub' -Parent $root -ValidYears 5").ThrowOnError();
            Assert.Contains(r.Warnings, w => w.Contains("clipped"));
        }
    
        [Fact]
        public void New_ca_publishes_the_first_crl_and_WhatIf_writes_nothing()
        {
            S.Run("New-Ca -Path ./root -Subject 'CN=Root' -PathLength 1 -CrlDays 7 | Out-Null; New-Ca -Path ./sub -Subject 'CN=Sub' -Parent ./root | Out-Null").ThrowOnError();
            foreach (string ca in new[] { "root", "sub" })
            {
                // crl/ca.crl (PEM) and crl/ca.der: number 1, nothing revoked, signed by the CA, current.
                OpenSsl.Ok("crl", "-in", S.File(ca + "/crl/ca.crl"), "-CAfile", S.File(ca + "/ca.crt"), "-noout", "-verify");
                string text = OpenSsl.Ok("crl", "-inform", "DER", "-in", S.File(ca + "/crl/ca.der"), "-noout", "-text");
                Assert.Contains("X509v3 CRL Number: \n                1", text);
                Assert.Contains("No Revoked Certificates", text);
                Assert.Equal("02", File.ReadAllText(S.File(ca + "/crlnumber")).Trim());
            }
            // The root's CRL lasts its -CrlDays; Update-Crl has nothing to do yet.
            dynamic crl = S.Run($"[PkiTools.Core.Revocation.CertificateRevocationList]::Parse([IO.File]::ReadAllBytes('{S.File("root/crl/ca.crl")}'))").ThrowOnError().Single();
            Assert.Equal(TimeSpan.FromDays(7), (TimeSpan)(((DateTimeOffset?)crl.NextUpdate)!.Value - (DateTimeOffset)crl.ThisUpdate));
            Assert.Empty(S.Run("Update-Crl -Ca ./root -RenewBeforeDays 6").ThrowOnError().Output);
            // A leaf of the intermediate validates with revocation checking from the start (both CRLs present).
            S.Run("New-Csr -DnsName web.example | Invoke-CaSign -Ca ./sub -Path ./web | Out-Null").ThrowOnError();
            Assert.Empty(ProblemCodes("Test-CertChain -Path ./web.crt -TrustedRoot ./root/ca.crt -Intermediate ./sub/ca.crt -Crl ./root/crl/ca.crl, ./sub/crl/ca.crl"));
            Assert.Equal(0, OpenSsl.Run("verify", "-crl_check_all", "-CRLfile", S.File("root/crl/ca.crl"), "-CRLfile", S.File("sub/crl/ca.crl"),
                "-CAfile", S.File("root/ca.crt"), "-untrusted", S.File("sub/ca.crt"), S.File("web.crt")).ExitCode);
            // -WhatIf: no folder, no CRL, and the parent's ledger and crlnumber untouched.
            var before = Snapshot(S.File("root"));
            Assert.Empty(S.Run("New-Ca -Path ./nothing -Subject 'CN=No' -Parent ./root -WhatIf").ThrowOnError().Output);
            Assert.False(Directory.Exists(S.File("nothing")));
            AssertUnchanged(before, S.File("root"));
        }

        [Fact]
        public void A_sub_ca_inherits_the_parents_permitted_names_and_cannot_widen_them()
        {
            S.Run("New-Ca -Path ./root -Subject 'CN=Corp Root' -PathLength 1 -PermittedDnsDomain corp.example -PermittedIpRange 10.0.0.0/8 | Out-Null").ThrowOnError();
            // None given: the parent's, in policy.json and in the certificate's name constraints.
            S.Run("New-Ca -Path ./inherit -Subject 'CN=Inherit' -Parent ./root | Out-Null").ThrowOnError();
            string policy = File.ReadAllText(S.File("inherit/policy.json"));
            Assert.Contains("corp.example", policy);
            Assert.Contains("10.0.0.0/8", policy);
            string text = OpenSsl.Ok("x509", "-in", S.File("inherit/ca.crt"), "-noout", "-text");
            Assert.Contains("DNS:corp.example", text);
            Assert.Contains("IP:10.0.0.0/255.0.0.0", text);
            Assert.Equal(new[] { "PolicyViolation" }, S.Run("New-Csr -DnsName www.evil.example | Invoke-CaSign -Ca ./inherit").ErrorIds);
            // Narrower: fine.
            S.Run("New-Ca -Path ./web -Subject 'CN=Web' -Parent ./root -PermittedDnsDomain web.corp.example -PermittedIpRange 10.1.0.0/16 | Out-Null").ThrowOnError();
            // Wider or outside: PolicyViolation, nothing written, nothing in the parent's ledger.
            var before = Snapshot(S.File("root"));
            foreach (string wide in new[] { "-PermittedDnsDomain evil.example", "-PermittedDnsDomain web.corp.example, example", "-PermittedIpRange 192.168.0.0/16", "-PermittedIpRange 0.0.0.0/0" })
            {
                var r = S.Run($"New-Ca -Path ./wide -Subject 'CN=Wide' -Parent ./root {wide}");
                Assert.True(r.ErrorIds.SequenceEqual(new[] { "PolicyViolation" }), wide + ": " + string.Join(", ", r.ErrorIds));
                Assert.Contains("CN=Corp Root", r.Errors[0].ToString());
                Assert.False(Directory.Exists(S.File("wide")));
            }
            AssertUnchanged(before, S.File("root"));
        }
}
}
