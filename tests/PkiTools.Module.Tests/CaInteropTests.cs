using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Tests;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.Module.Tests
{
    /// <summary>The CA cmdlets on directories other tools made or keep using: easy-rsa 3, openssl ca (demoCA and config files).</summary>
    public class CaInteropTests : CaTestBase
    {
        private readonly ITestOutputHelper _output;

        public CaInteropTests(ITestOutputHelper output) => _output = output;

        /// <summary>openssl ca's conventional layout in ./demoCA with a config file beside it that names it relatively, as openssl.cnf does.</summary>
        private void MakeDemoCa()
        {
            string demo = S.File("demoCA");
            Directory.CreateDirectory(Path.Combine(demo, "private"));
            Directory.CreateDirectory(Path.Combine(demo, "newcerts"));
            File.WriteAllText(Path.Combine(demo, "index.txt"), "");
            File.WriteAllText(Path.Combine(demo, "serial"), "1000\n");
            File.WriteAllText(Path.Combine(demo, "crlnumber"), "1000\n");
            File.WriteAllText(S.File("ca.cnf"), @"# an openssl ca set-up in the style of openssl.cnf
HOME = .
[ ca ]
default_ca = CA_default            # the default ca section

[ CA_default ]
dir             = ./demoCA          # where everything is kept
database        = $dir/index.txt
new_certs_dir   = $dir/newcerts
certificate     = $dir/cacert.pem
serial          = $dir/serial
crlnumber       = $dir/crlnumber
crl             = $dir/crl.pem
private_key     = ${dir}/private/cakey.pem
default_md      = sha256
default_days    = 30
default_crl_days = 7
policy          = policy_anything
copy_extensions = copy
unique_subject  = no

[ policy_anything ]
commonName      = supplied

[ req ]
distinguished_name = dn
[ dn ]
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
");
            OpenSsl.Result made = OpenSsl.RunIn(S.Directory, null, "req", "-x509", "-config", "ca.cnf", "-extensions", "v3_ca", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-subj", "/CN=Demo CA", "-days", "30", "-keyout", "demoCA/private/cakey.pem", "-out", "demoCA/cacert.pem");
            Assert.True(made.ExitCode == 0, made.ToString());
        }

        [Fact]
        public void Get_Ca_opens_our_directory_a_demoCA_its_parent_folder_and_an_openssl_config_file()
        {
            MakeDemoCa();
            S.Run("New-Ca -Path ./ca -Subject 'CN=Ours' | Out-Null; New-Csr -DnsName a.example | Invoke-CaSign -Ca ./ca | Out-Null").ThrowOnError();
            // openssl issues one certificate in the demoCA the usual way (serial 1000).
            OpenSsl.Ok("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=legacy.example", "-keyout", S.File("legacy.key"), "-out", S.File("legacy.csr"));
            OpenSsl.Result signed = OpenSsl.RunIn(S.Directory, null, "ca", "-config", "ca.cnf", "-batch", "-in", "legacy.csr", "-out", "legacy.crt");
            Assert.True(signed.ExitCode == 0, signed.ToString());

            dynamic ours = S.Run("Get-Ca ./ca").ThrowOnError().Single();
            Assert.Equal("PkiTools", ours.Layout.ToString());
            Assert.Equal(1, (int)ours.IssuedCount);

            foreach (string path in new[] { "./demoCA", ".", "./ca.cnf" })
            {
                dynamic demo = S.Run($"Get-Ca '{path}'").ThrowOnError().Single();
                Assert.Equal("OpenSsl", demo.Layout.ToString());
                Assert.Equal(S.File("demoCA"), (string)demo.Folder);
                Assert.Equal("CN=Demo CA", (string)demo.Subject);
                Assert.Equal(S.File("demoCA/private/cakey.pem"), (string)demo.KeyPath);
                Assert.Equal(S.File("demoCA/crl.pem"), (string)demo.CrlPath);
                Assert.Equal(1, (int)demo.IssuedCount);
            }
            dynamic legacy = S.Run("Get-IssuedCert ./ca.cnf").ThrowOnError().Single();
            Assert.Equal("1000", (string)legacy.SerialNumber);
            Assert.Equal("CN=legacy.example", (string)legacy.Subject);
            Assert.Equal(S.File("demoCA/newcerts/1000.pem"), (string)legacy.FilePath);
            // openssl ca wrote the text dump before the PEM block (no -notext): the record still reads the certificate.
            Assert.StartsWith("Certificate:", File.ReadAllText((string)legacy.FilePath));
            Assert.Equal(new[] { "CN=legacy.example" }, S.Run("Get-IssuedCert ./ca.cnf -DnsName 'legacy.*' | ForEach-Object { $_.Certificate.Subject }").ThrowOnError().Output.Select(o => o.ToString()).ToArray());

            // Several at once: wildcards, and directory objects by their FullName.
            Assert.Equal(2, S.Run("Get-Ca ./c*").ThrowOnError().Output.Count(o => o.BaseObject.GetType().Name == "CaDirectory"));
            Assert.Equal("CN=Ours", S.Run($"[IO.DirectoryInfo]::new('{S.File("ca")}') | Get-Ca | ForEach-Object Subject").ThrowOnError().Single<string>());
            // Our own openssl.cnf names our directory.
            Assert.Equal(S.File("ca"), S.Run("(Get-Ca ./ca/openssl.cnf).Path").ThrowOnError().Single<string>());
            Assert.Equal(1, S.Run("(Get-Ca ./ca/openssl.cnf).IssuedCount").ThrowOnError().Single<int>());
        }

        [Fact]
        public void A_demoCA_made_by_openssl_ca_selfsign_opens_and_issues()
        {
            MakeDemoCa();
            // openssl ca -selfsign re-issues the CA certificate through the CA, text dump first (serial 1000 in the ledger).
            OpenSsl.Result csr = OpenSsl.RunIn(S.Directory, null, "req", "-new", "-config", "ca.cnf", "-key", "demoCA/private/cakey.pem", "-subj", "/CN=Selfsigned Demo CA", "-out", "ca.csr");
            Assert.True(csr.ExitCode == 0, csr.ToString());
            OpenSsl.Result self = OpenSsl.RunIn(S.Directory, null, "ca", "-config", "ca.cnf", "-batch", "-selfsign", "-extensions", "v3_ca", "-in", "ca.csr", "-out", "demoCA/cacert.pem");
            Assert.True(self.ExitCode == 0, self.ToString());
            Assert.StartsWith("Certificate:", File.ReadAllText(S.File("demoCA/cacert.pem")));

            dynamic ca = S.Run("Get-Ca ./demoCA").ThrowOnError().Single();
            Assert.Equal("CN=Selfsigned Demo CA", (string)ca.Subject);
            Assert.True((bool)ca.IsRoot);
            S.Run("New-Csr -DnsName x.example | Invoke-CaSign -Ca ./demoCA -Path ./x | Out-Null").ThrowOnError();
            OpenSsl.Ok("verify", "-CAfile", S.File("demoCA/cacert.pem"), S.File("x.crt"));
            Assert.Equal(new[] { "CN=Selfsigned Demo CA", "CN=x.example" }, S.Run("Get-IssuedCert ./demoCA | ForEach-Object { $_.Subject }").ThrowOnError().Output.Select(o => o.ToString()).OrderBy(x => x).ToArray());
        }

        [Fact]
        public void PkiTools_and_openssl_ca_share_a_demoCA_through_its_config_file()
        {
            MakeDemoCa();
            // PkiTools issues into the demoCA (random serial, newcerts/), openssl revokes it and makes the CRL ...
            string serial = S.Run("$c = New-Csr -DnsName web.example | Invoke-CaSign -Ca ./ca.cnf -Path ./web; $c.SerialNumber").ThrowOnError().Single<string>();
            Assert.True(File.Exists(S.File($"demoCA/newcerts/{serial}.pem")));
            OpenSsl.Result revoked = OpenSsl.RunIn(S.Directory, null, "ca", "-config", "ca.cnf", "-revoke", $"demoCA/newcerts/{serial}.pem", "-crl_reason", "superseded");
            Assert.True(revoked.ExitCode == 0, revoked.ToString());
            OpenSsl.Result gencrl = OpenSsl.RunIn(S.Directory, null, "ca", "-config", "ca.cnf", "-gencrl", "-out", "demoCA/crl.pem");
            Assert.True(gencrl.ExitCode == 0, gencrl.ToString());
            Assert.Equal("Superseded", S.Run($"(Get-IssuedCert ./demoCA -SerialNumber {serial}).RevocationReason.ToString()").ThrowOnError().Single<string>());
            Assert.Equal(new[] { "Revoked" }, ProblemCodes("Test-CertChain -Path ./web.crt -TrustedRoot ./demoCA/cacert.pem -Crl ./demoCA/crl.pem"));

            // ... and New-Crl continues openssl's CRL numbers (crlnumber 1000 was taken by openssl) in the config's crl file.
            dynamic crl = S.Run("New-Crl -Ca ./ca.cnf").ThrowOnError().Single();
            Assert.Equal("4097", (string)crl.CrlNumber); // 0x1001
            Assert.Equal("1002", File.ReadAllText(S.File("demoCA/crlnumber")).Trim());
            Assert.True(File.Exists(S.File("demoCA/crl.der")));
            Assert.Equal(new Dictionary<string, string> { [serial] = "Superseded" }, OpenSslCrlReasons(S.File("demoCA/crl.pem")));
        }

        [Fact]
        public void Openssl_ca_revokes_and_makes_crls_on_our_directory_and_we_carry_on()
        {
            S.Run(@"
                New-Ca -Path ./ca -Subject 'CN=Shared CA' | Out-Null
                $a = New-Csr -DnsName a.example | Invoke-CaSign -Ca ./ca -Path ./a
                $b = New-Csr -DnsName b.example | Invoke-CaSign -Ca ./ca -Path ./b
                $c = New-Csr -DnsName c.example | Invoke-CaSign -Ca ./ca -Path ./c
            ").ThrowOnError();
            string a = S.Run("$a.SerialNumber").ThrowOnError().Single<string>();
            string b = S.Run("$b.SerialNumber").ThrowOnError().Single<string>();
            string cnf = S.File("ca/openssl.cnf");
            // openssl revokes a (by its file in certs/), we revoke b; each sees the other's work.
            OpenSsl.Ok("ca", "-config", cnf, "-revoke", S.File($"ca/certs/{a}.pem"), "-crl_reason", "keyCompromise");
            Assert.Equal("KeyCompromise", S.Run($"(Get-IssuedCert ./ca -SerialNumber {a}).RevocationReason.ToString()").ThrowOnError().Single<string>());
            S.Run($"Revoke-Cert -Ca ./ca -SerialNumber {b} -Reason CessationOfOperation -Confirm:$false").ThrowOnError();
            OpenSsl.Ok("ca", "-config", cnf, "-gencrl", "-out", S.File("ca/crl/openssl.crl"));
            Assert.Equal(new Dictionary<string, string> { [a] = "Key Compromise", [b] = "Cessation Of Operation" }, OpenSslCrlReasons(S.File("ca/crl/openssl.crl")));
            // Test-CertChain with openssl's CRL.
            Assert.Equal(new[] { "Revoked" }, ProblemCodes("Test-CertChain -Path ./a.crt -TrustedRoot ./ca/ca.crt -Crl ./ca/crl/openssl.crl"));
            Assert.Equal(new[] { "Revoked" }, ProblemCodes("Test-CertChain -Path ./b.crt -TrustedRoot ./ca/ca.crt -Crl ./ca/crl/openssl.crl"));
            Assert.Empty(ProblemCodes("Test-CertChain -Path ./c.crt -TrustedRoot ./ca/ca.crt -Crl ./ca/crl/openssl.crl"));
            // The CRL numbers are shared: New-Ca's first CRL took 1, openssl 2, ours is 3, openssl's next is 4.
            Assert.Equal("3", S.Run("(New-Crl -Ca ./ca).CrlNumber").ThrowOnError().Single<string>());
            OpenSsl.Ok("ca", "-config", cnf, "-gencrl", "-out", S.File("ca/crl/openssl3.crl"));
            Assert.Contains("X509v3 CRL Number: \n                4", OpenSsl.Ok("crl", "-in", S.File("ca/crl/openssl3.crl"), "-noout", "-text"));
            // openssl ca -updatedb leaves the ledger readable (nothing is past its date here).
            OpenSsl.Ok("ca", "-config", cnf, "-updatedb");
            Assert.Equal(3, S.Run("(Get-Ca ./ca).IssuedCount").ThrowOnError().Single<int>());
            Assert.Equal(2, S.Run("(Get-Ca ./ca).RevokedCount").ThrowOnError().Single<int>());
        }

        [Fact]
        public void An_easy_rsa_pki_issues_through_PkiTools_and_easyrsa_revokes_and_publishes()
        {
            if (!HasEasyRsa)
            {
                _output.WriteLine("SKIPPED: easy-rsa is not installed (Debian/Ubuntu package 'easy-rsa'; .ci/run installs it).");
                return;
            }
            string pki = S.File("pki");
            RunEasyRsa(pki, "init-pki");
            RunEasyRsa(pki, "build-ca", "nopass");

            dynamic ca = S.Run("Get-Ca ./pki").ThrowOnError().Single();
            Assert.Equal("EasyRsa", ca.Layout.ToString());
            Assert.Equal("CN=Easy CA", (string)ca.Subject);
            Assert.True((bool)ca.IsRoot);
            Assert.Equal(pki + "/crl.pem", (string)ca.CrlPath);

            string serial = S.Run("$vpn = New-Csr -DnsName vpn1.example -Path ./vpn1 | Invoke-CaSign -Ca ./pki -Path ./vpn1; $vpn.SerialNumber").ThrowOnError().Single<string>();
            S.Run("New-Csr -DnsName vpn2.example | Invoke-CaSign -Ca ./pki | Out-Null").ThrowOnError();
            Assert.True(File.Exists(Path.Combine(pki, "issued", "vpn1.example.crt")));
            Assert.True(File.Exists(Path.Combine(pki, "certs_by_serial", serial + ".pem")));
            Assert.Equal(2, S.Run("(Get-IssuedCert ./pki -Status Valid).Count").ThrowOnError().Single<int>());
            // easy-rsa issues too (its files carry openssl's text dump): listed with its names.
            RunEasyRsa(pki, "build-server-full", "srv1.example", "nopass");
            Assert.Equal(new[] { "DNS:srv1.example" }, S.Run("(Get-IssuedCert ./pki -DnsName srv1.example).SubjectAltNames").ThrowOnError().Output.Select(o => o.ToString()).ToArray());

            RunEasyRsa(pki, "revoke", "vpn1.example");
            RunEasyRsa(pki, "gen-crl");
            Assert.Equal(new[] { "Revoked" }, ProblemCodes("Test-CertChain -Path ./vpn1.crt -TrustedRoot ./pki/ca.crt -Crl ./pki/crl.pem"));
            Assert.NotEqual(0, OpenSsl.Run("verify", "-crl_check", "-CRLfile", Path.Combine(pki, "crl.pem"), "-CAfile", Path.Combine(pki, "ca.crt"), S.File("vpn1.crt")).ExitCode);
            dynamic record = S.Run("Get-IssuedCert ./pki -Status Revoked").ThrowOnError().Single();
            Assert.Equal(serial, (string)record.SerialNumber);
            Assert.Contains("vpn1.example", (string)record.Subject);
            Assert.Equal(new[] { "CN=srv1.example", "CN=vpn2.example" }, S.Run("Get-IssuedCert ./pki -Status Valid | ForEach-Object { $_.Subject }").ThrowOnError().Output.Select(o => o.ToString()).OrderBy(x => x).ToArray());

            // Our CRL of the same pki (crl.pem, the number from easy-rsa's crlnumber) agrees.
            dynamic crl = S.Run("New-Crl -Ca ./pki").ThrowOnError().Single();
            Assert.Equal(1, (int)crl.RevokedCount);
            Assert.Equal(new[] { serial }, OpenSslCrlReasons(Path.Combine(pki, "crl.pem")).Keys.ToArray());
            Assert.Equal(new[] { "Revoked" }, ProblemCodes("Test-CertChain -Path ./vpn1.crt -TrustedRoot ./pki/ca.crt -Crl ./pki/crl.pem"));
        }
    }
}
