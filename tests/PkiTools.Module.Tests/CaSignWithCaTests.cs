using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>Invoke-CaSign -Ca: issuance under the CA's policy, recorded in its ledger, and the whole round trip to a CRL.</summary>
    public class CaSignWithCaTests : CaTestBase
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
            Assert.Equal("2", (string)crl.CrlNumber); // New-Ca published number 1
            Assert.Equal(1, (int)crl.RevokedCount);
            Assert.Equal("Superseded", crl.Entries[0].Reason.ToString());
            Assert.True(File.Exists(S.File("pub/ca.der")));
            Assert.True(File.Exists(S.File("ca/crl/ca.der")));
            Assert.Equal("3", S.Run("(New-Crl -Ca ./ca).CrlNumber").ThrowOnError().Single<string>());

            Assert.Equal("Revoked", S.Run("($old | Test-CertChain -TrustedRoot ./ca/ca.crt -Crl ./ca/crl/ca.crl).Problems[0].Code.ToString()").ThrowOnError().Single<string>());
            Assert.True(S.Run("$web | Test-CertChain -TrustedRoot ./ca/ca.crt -Crl ./ca/crl/ca.crl -Quiet").ThrowOnError().Single<bool>());
            OpenSsl.Ok("crl", "-in", S.File("ca/crl/ca.crl"), "-CAfile", S.File("ca/ca.crt"), "-noout", "-verify");
            Assert.Equal(0, OpenSsl.Run("verify", "-crl_check", "-CRLfile", S.File("ca/crl/ca.crl"), "-CAfile", S.File("ca/ca.crt"), S.File("web.crt")).ExitCode);
            File.WriteAllText(S.File("old.crt"), S.Run("[PkiTools.Core.Formats.Pem]::Encode('CERTIFICATE', $old.RawData)").ThrowOnError().Single<string>());
            Assert.NotEqual(0, OpenSsl.Run("verify", "-crl_check", "-CRLfile", S.File("ca/crl/ca.crl"), "-CAfile", S.File("ca/ca.crt"), S.File("old.crt")).ExitCode);

            var statuses = S.Run("Get-IssuedCert -Ca ./ca | ForEach-Object { '{0} {1}' -f $_.Status, $_.SubjectAltNames[0] }").ThrowOnError().Output.Select(o => o.ToString()).OrderBy(s => s).ToArray();
            Assert.Equal(new[] { "Revoked DNS:old.corp.example", "Valid DNS:web.corp.example" }, statuses);
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

            // Each certificate is in the ledger by the time it reaches the next command of the pipeline (a pipeline is
            // issued in batches: the three are recorded together, then handed out one by one).
            var seen = S.Run(@"'p1', 'p2', 'p3' | ForEach-Object { New-Csr -DnsName ""$_.example"" } | Invoke-CaSign -Ca ./ca |
                ForEach-Object { '{0} {1}' -f (Get-IssuedCert -Ca ./ca -SerialNumber $_.SerialNumber).Status, (Get-Ca ./ca).IssuedCount }").ThrowOnError();
            Assert.Equal(new[] { "Valid 4", "Valid 4", "Valid 4" }, seen.Output.Select(o => o.ToString()).ToArray());

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
        public void A_certificate_the_cas_own_chain_rejects_is_PolicyViolation_and_nothing_is_recorded_or_written()
        {
            S.Run(@"
                New-Ca -Path ./root -Subject 'CN=Corp Root' -PathLength 1 -PermittedDnsDomain corp.example | Out-Null
                New-Ca -Path ./sub -Subject 'CN=Corp Issuing' -Parent ./root | Out-Null
            ").ThrowOnError();
            // Someone loosens the sub-CA's policy.json: its own policy would now issue anything, but the root's name
            // constraints make such a certificate invalid for every relying party.
            File.WriteAllText(S.File("sub/policy.json"), "{ \"maxValidityDays\": 825 }");
            var before = Snapshot(S.File("sub"));
            var r = S.Run("New-Csr -DnsName www.evil.example | Invoke-CaSign -Ca ./sub -Path ./evil");
            Assert.Equal(new[] { "PolicyViolation" }, r.ErrorIds);
            string message = r.Errors[0].ToString();
            Assert.Contains("NameConstraintViolation", message);
            Assert.Contains("CN=Corp Root", message);
            AssertUnchanged(before, S.File("sub"));
            Assert.False(File.Exists(S.File("evil.crt")));
            Assert.False(File.Exists(S.File("evil.key")));
            // Inside the root's names it issues, and the result validates.
            S.Run("New-Csr -DnsName www.corp.example | Invoke-CaSign -Ca ./sub -Path ./good | Out-Null").ThrowOnError();
            Assert.Empty(ProblemCodes("Test-CertChain -Path ./good.crt -TrustedRoot ./root/ca.crt -Intermediate ./sub/ca.crt"));
            Assert.Equal(1, S.Run("(Get-Ca ./sub).IssuedCount").ThrowOnError().Single<int>());
        }
}
}
