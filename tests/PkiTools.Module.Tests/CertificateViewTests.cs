using System;
using System.Linq;
using System.Text.RegularExpressions;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>The default views through the real formatter: every X509Certificate2, and Get-IssuedCert records.</summary>
    public class CertificateViewTests : ModuleTestBase
    {
        private const string LongSubject = "CN=a rather long subject name for the intranet web server, OU=Infrastructure and Operations, O=Example Corporation Limited, L=Manchester, C=GB";

        private static string Plain(string text) => Regex.Replace(text, "\x1b\\[[0-9;]*m", "");

        /// <summary>The header labels of a table, left to right.</summary>
        private static string[] Headers(string table, out string headerLine)
        {
            string[] lines = Plain(table).Replace("\r", "").Split('\n');
            int dashes = Array.FindIndex(lines, l => l.Length > 0 && l.Trim().Length > 0 && l.Trim().All(c => c == '-' || c == ' '));
            Assert.True(dashes > 0, "no table in:\n" + table);
            headerLine = lines[dashes - 1];
            return headerLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }

        /// <summary>The text of one column over every row line (wrapped lines included), whitespace removed.</summary>
        private static string Column(string table, string header)
        {
            string[] lines = Plain(table).Replace("\r", "").Split('\n');
            int dashes = Array.FindIndex(lines, l => l.Length > 0 && l.Trim().Length > 0 && l.Trim().All(c => c == '-' || c == ' '));
            string head = lines[dashes - 1];
            int start = Regex.Match(head, @"(?<=^|\s)" + header + @"(?=\s|$)").Index;
            Match next = Regex.Match(head.Substring(start + header.Length), @"\S");
            int end = next.Success ? start + header.Length + next.Index : int.MaxValue;
            string text = string.Concat(lines.Skip(dashes + 1).Select(l => l.Length <= start ? "" : l.Substring(start, Math.Min(end, l.Length) - start)));
            return Regex.Replace(text, @"\s", "");
        }

        [Fact]
        public void Every_certificate_gets_the_PkiTools_table_by_default_with_nothing_cut()
        {
            S.Run($"$c = New-SelfSignedCert -Subject '{LongSubject}' -DnsName intranet.example, www.intranet.example -ValidDays 30").ThrowOnError();
            string expiry = S.Run("$c.NotAfter.ToString('yyyy-MM-dd')").Single<string>();
            string thumbprint = S.Run("$c.Thumbprint").Single<string>();
            foreach (string script in new[] { "$c | Format-Table | Out-String -Width 200", "$c | Out-String -Width 200", "@($c, $c) | Out-String -Width 120" })
            {
                string table = S.Run(script).ThrowOnError().Single<string>();
                Assert.Equal(new[] { "NotAfter", "DaysLeft", "Thumbprint", "Subject", "DnsNames" }, Headers(table, out _));
                Assert.DoesNotContain("…", table);
                Assert.DoesNotContain("...", table);
                string subjects = Column(table, "Subject");
                Assert.StartsWith(Regex.Replace(LongSubject, @"\s", ""), subjects);
                Assert.StartsWith("intranet.example,www.intranet.example", Column(table, "DnsNames"));
                Assert.StartsWith(expiry, Column(table, "NotAfter"));
                Assert.Matches("^(29|30)", Column(table, "DaysLeft"));
                Assert.StartsWith(thumbprint, Column(table, "Thumbprint"));
            }
            // What the host shows for a bare $c is the same table.
            Assert.Equal(new[] { "NotAfter", "DaysLeft", "Thumbprint", "Subject", "DnsNames" }, Headers(S.Render("$c"), out _));
        }

        [Fact]
        public void Certificates_from_elsewhere_and_a_reimported_module_keep_the_view()
        {
            OpenSsl.RunIn(S.Directory, null, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "o.key", "-out", "o.crt", "-subj", "/CN=openssl.example", "-days", "5");
            S.Run("Import-Module $m -Force", Vars("m", PwshSession.ManifestPath)).ThrowOnError();
            string table = S.Run("[System.Security.Cryptography.X509Certificates.X509Certificate2]::new((Resolve-Path ./o.crt).Path) | Format-Table | Out-String -Width 160").ThrowOnError().Single<string>();
            Assert.Equal(new[] { "NotAfter", "DaysLeft", "Thumbprint", "Subject", "DnsNames" }, Headers(table, out _));
            Assert.StartsWith("CN=openssl.example", Column(table, "Subject"));
            // One PkiTools view for the type, however often the module was imported.
            var names = S.Run("(Get-FormatData -TypeName System.Security.Cryptography.X509Certificates.X509Certificate2 -PowerShellVersion $PSVersionTable.PSVersion).FormatViewDefinition.Name").ThrowOnError()
                .Output.Select(o => o.ToString()).ToList();
            Assert.Equal(1, names.Count(n => n == "PkiTools.X509Certificate2"));
            Assert.Equal("PkiTools.X509Certificate2", names[0]);
        }

        [Fact]
        public void Issued_certificate_records_show_subject_and_dns_names_before_the_serial()
        {
            S.Run($@"
                New-Ca -Path ./ca -Subject 'CN=View CA' | Out-Null
                New-Csr -Subject '{LongSubject}' -DnsName intranet.example, www.intranet.example | Invoke-CaSign -Ca ./ca | Out-Null
            ").ThrowOnError();
            string serial = S.Run("(Get-IssuedCert -Ca ./ca).SerialNumber").Single<string>();
            string table = S.Run("Get-IssuedCert -Ca ./ca | Format-Table | Out-String -Width 200").ThrowOnError().Single<string>();
            Assert.Equal(new[] { "Status", "NotAfter", "Subject", "DnsNames", "SerialNumber" }, Headers(table, out _));
            Assert.DoesNotContain("…", table);
            Assert.Equal(Regex.Replace(LongSubject, @"\s", ""), Column(table, "Subject"));
            Assert.Equal("intranet.example,www.intranet.example", Column(table, "DnsNames"));
            Assert.Equal("Valid", Column(table, "Status"));
            Assert.Matches(@"^\d{4}-\d\d-\d\d$", Column(table, "NotAfter"));
            Assert.Equal(serial, Column(table, "SerialNumber"));
            Assert.Equal(new[] { "Status", "NotAfter", "Subject", "DnsNames", "SerialNumber" }, Headers(S.Render("Get-IssuedCert -Ca ./ca"), out _));
        }
    }
}
