using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>Get-Ca and Get-IssuedCert: opening CAs, the ledger as records, the module views, an offline root.</summary>
    public class GetCaTests : CaTestBase
    {
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
            Assert.Equal(S.File($"ca/certs/{mail.SerialNumber}.pem"), (string)r.FilePath);
            Assert.True(File.Exists((string)r.FilePath));
            Assert.Equal(S.File("ca"), (string)r.CaPath);
            Assert.Equal(mail.Thumbprint, ((X509Certificate2)r.Certificate).Thumbprint);

            dynamic v = S.Run("$v").ThrowOnError().Single();
            Assert.Equal("Valid", v.Status.ToString());
            Assert.Null((object?)v.RevokedAt);
            Assert.Null((object?)v.RevocationReason);

            // Without its certificate file, the record still lists the ledger's facts.
            File.Delete((string)v.FilePath);
            dynamic bare = S.Run("Get-IssuedCert -Ca ./ca -Status Valid").ThrowOnError().Single();
            Assert.Equal("/CN=other.corp.example", (string)bare.Subject);
            Assert.Empty((string[])bare.SubjectAltNames);
            Assert.Null((object?)bare.NotBefore);
            Assert.Null((object?)bare.Certificate);
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
    }
}
