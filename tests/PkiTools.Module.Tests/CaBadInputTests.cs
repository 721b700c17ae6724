using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>
    /// Bad CA directories and arguments: every failure is one ErrorRecord with a stable id, a category and a message
    /// that says what to do, and the directory is left exactly as it was (every file hashed before and after).
    /// </summary>
    public class CaBadInputTests : CaTestBase
    {
        /// <summary>Every CA cmdlet pointed at ./ca (the script must fail the same way for each).</summary>
        private static readonly string[] EveryCmdlet =
        {
            "Get-Ca ./ca",
            "Get-IssuedCert -Ca ./ca",
            "New-Csr -DnsName n.example | Invoke-CaSign -Ca ./ca -Path ./n",
            "Revoke-Cert -Ca ./ca -SerialNumber 0A1B -Confirm:$false",
            "New-Crl -Ca ./ca",
            "Update-Crl -Ca ./ca -RenewBeforeDays 3650",
            "New-Ca -Path ./child -Subject 'CN=Child' -Parent ./ca",
        };

        private ErrorRecord FailsWith(string id, string script)
        {
            var r = S.Run(script);
            Assert.True(r.ErrorIds.SequenceEqual(new[] { id }), $"{script}: expected {id}, got [{string.Join(", ", r.ErrorIds)}] {string.Join("; ", r.Errors)}");
            Assert.Empty(r.Output);
            return r.Errors[0];
        }

        private void AssertNothingElseWritten()
        {
            Assert.False(Directory.Exists(S.File("child")));
            Assert.False(File.Exists(S.File("n.crt")));
        }

        [Fact]
        public void A_corrupted_ledger_line_is_LedgerCorrupt_for_every_cmdlet_and_nothing_changes()
        {
            S.Run(@"
                New-Ca -Path ./ca -Subject 'CN=Corp' | Out-Null
                1..3 | ForEach-Object { New-Csr -DnsName ""h$_.example"" | Invoke-CaSign -Ca ./ca | Out-Null }
            ").ThrowOnError();
            string index = S.File("ca/index.txt");
            string[] lines = File.ReadAllLines(index);
            lines[1] = lines[1].Replace("\t", " "); // a line an editor mangled: no tabs left
            File.WriteAllLines(index, lines);
            var before = Snapshot(S.File("ca"));
            foreach (string script in EveryCmdlet)
            {
                ErrorRecord error = FailsWith("LedgerCorrupt", script);
                Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
                Assert.Contains("Line 2", error.ToString());
                Assert.Contains(index, error.ToString());
                Assert.Equal(index, error.TargetObject);
            }
            AssertUnchanged(before, S.File("ca"));
            AssertNothingElseWritten();

            // A line with a status openssl does not know, a bad date, a bad serial, a revoked line without a date.
            foreach (string bad in new[] { "X\t300101000000Z\t\t0A1B\tunknown\t/CN=x", "V\t301301000000Z\t\t0A1B\tunknown\t/CN=x", "V\t300101000000Z\t\t0G1B\tunknown\t/CN=x", "R\t300101000000Z\t\t0A1B\tunknown\t/CN=x" })
            {
                lines = File.ReadAllLines(index);
                lines[1] = bad;
                File.WriteAllLines(index, lines);
                before = Snapshot(S.File("ca"));
                FailsWith("LedgerCorrupt", "Get-IssuedCert -Ca ./ca");
                FailsWith("LedgerCorrupt", "New-Csr -DnsName n.example | Invoke-CaSign -Ca ./ca -Path ./n");
                AssertUnchanged(before, S.File("ca"));
            }
        }

        [Fact]
        public void Other_damage_to_the_directory_is_reported_clearly()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Corp' | Out-Null; New-Csr -DnsName a.example | Invoke-CaSign -Ca ./ca | Out-Null").ThrowOnError();

            // crlnumber that is not hex: New-Crl refuses before signing anything.
            File.WriteAllText(S.File("ca/crlnumber"), "twelve\n");
            var before = Snapshot(S.File("ca"));
            Assert.Contains("crlnumber", FailsWith("LedgerCorrupt", "New-Crl -Ca ./ca").ToString());
            AssertUnchanged(before, S.File("ca"));
            File.WriteAllText(S.File("ca/crlnumber"), "01\n");

            // index.txt.reasons with a line that is not '<serial> <reason>'.
            File.WriteAllText(S.File("ca/index.txt.reasons"), "0A1B Whatever\n");
            before = Snapshot(S.File("ca"));
            Assert.Contains("index.txt.reasons", FailsWith("LedgerCorrupt", "Get-IssuedCert -Ca ./ca").ToString());
            AssertUnchanged(before, S.File("ca"));
            File.Delete(S.File("ca/index.txt.reasons"));

            // A typo in policy.json must not silently loosen the policy.
            string policy = File.ReadAllText(S.File("ca/policy.json"));
            File.WriteAllText(S.File("ca/policy.json"), policy.Replace("permittedDnsSuffixes", "permittedDnsSufixes"));
            before = Snapshot(S.File("ca"));
            Assert.Contains("permittedDnsSufixes", FailsWith("InvalidArgument", "Get-Ca ./ca").ToString());
            FailsWith("InvalidArgument", "New-Csr -DnsName n.example | Invoke-CaSign -Ca ./ca -Path ./n");
            AssertUnchanged(before, S.File("ca"));
            File.WriteAllText(S.File("ca/policy.json"), policy);

            // A torn last line (a killed writer) is a warning, not an error; the next issuance repairs it.
            File.AppendAllText(S.File("ca/index.txt"), "V\t3001011200");
            var torn = S.Run("Get-Ca ./ca").ThrowOnError();
            Assert.Contains(torn.Warnings, w => w.Contains("incomplete"));
            Assert.Equal(1, S.Run("(Get-Ca ./ca).IssuedCount").ThrowOnError().Single<int>());
            S.Run("New-Csr -DnsName b.example | Invoke-CaSign -Ca ./ca | Out-Null").ThrowOnError();
            Assert.Equal(2, File.ReadAllLines(S.File("ca/index.txt")).Length);
        }

        [Fact]
        public void A_missing_ca_key_stops_every_signing_cmdlet_with_IssuerKeyMissing_and_nothing_changes()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Corp' | Out-Null; New-Csr -DnsName a.example | Invoke-CaSign -Ca ./ca | Out-Null").ThrowOnError();
            File.Delete(S.File("ca/private/ca.key"));
            var before = Snapshot(S.File("ca"));
            foreach (string script in new[]
            {
                "New-Csr -DnsName n.example | Invoke-CaSign -Ca ./ca -Path ./n",
                "New-Crl -Ca ./ca",
                "Update-Crl -Ca ./ca -RenewBeforeDays 3650",
                "New-Ca -Path ./child -Subject 'CN=Child' -Parent ./ca",
            })
            {
                ErrorRecord error = FailsWith("IssuerKeyMissing", script);
                Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
                Assert.Contains("ca.key", error.ToString());
            }
            // Reading the CA needs no key (an offline root): a warning says signing does.
            var opened = S.Run("Get-Ca ./ca; Get-IssuedCert -Ca ./ca").ThrowOnError();
            Assert.Equal(2, opened.Output.Count);
            Assert.Contains(opened.Warnings, w => w.Contains("ca.key"));
            AssertUnchanged(before, S.File("ca"));
            AssertNothingElseWritten();
            // The CA certificate alone as a plain issuer: it has no key.
            FailsWith("IssuerKeyMissing", "New-Csr -DnsName n.example | Invoke-CaSign -Issuer ./ca/ca.crt -Path ./n");
            AssertUnchanged(before, S.File("ca"));
            AssertNothingElseWritten();
        }

        [Fact]
        public void A_wrong_or_missing_ca_key_password_issues_signs_and_numbers_nothing()
        {
            S.Run($"New-Ca -Path ./ca -Subject 'CN=Locked' -Password {Pw("right")} | Out-Null").ThrowOnError();
            S.Run($"New-Csr -DnsName a.example | Invoke-CaSign -Ca ./ca -CaPassword {Pw("right")} | Out-Null").ThrowOnError();
            var before = Snapshot(S.File("ca"));
            string wrong = Pw("wrong");
            foreach (var (script, parameter) in new[]
            {
                ($"New-Csr -DnsName n.example | Invoke-CaSign -Ca ./ca -Path ./n -CaPassword {wrong}", "-CaPassword"),
                ($"New-Crl -Ca ./ca -CaPassword {wrong}", "-CaPassword"),
                ($"Update-Crl -Ca ./ca -RenewBeforeDays 3650 -CaPassword {wrong}", "-CaPassword"),
                ($"New-Ca -Path ./child -Subject 'CN=Child' -Parent ./ca -ParentPassword {wrong}", "-ParentPassword"),
            })
            {
                ErrorRecord error = FailsWith("PasswordIncorrect", script);
                Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
                Assert.Contains(parameter, error.ToString());
                Assert.Contains(S.File("ca/private/ca.key"), error.ToString());
            }
            foreach (string script in new[]
            {
                "New-Csr -DnsName n.example | Invoke-CaSign -Ca ./ca -Path ./n",
                "New-Crl -Ca ./ca",
                "Update-Crl -Ca ./ca -RenewBeforeDays 3650",
                "New-Ca -Path ./child -Subject 'CN=Child' -Parent ./ca",
            })
            {
                Assert.Contains("-CaPassword", FailsWith("PasswordRequired", script).ToString());
            }
            AssertUnchanged(before, S.File("ca")); // no serial, no ledger line, no CRL number taken
            AssertNothingElseWritten();
            // Revocation needs no key: the ledger is all it changes.
            S.Run("Get-IssuedCert -Ca ./ca | Revoke-Cert -Confirm:$false").ThrowOnError();
            Assert.Equal("2", S.Run($"(New-Crl -Ca ./ca -CaPassword {Pw("right")}).CrlNumber").ThrowOnError().Single<string>()); // New-Ca's first CRL was 1
        }

        [Fact]
        public void Requests_outside_the_policy_are_PolicyViolation_and_nothing_is_recorded()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Corp' -PermittedDnsDomain corp.example -PermittedIpRange 10.0.0.0/8 -MaxValidityDays 90 | Out-Null").ThrowOnError();
            var before = Snapshot(S.File("ca"));
            foreach (var (script, says) in new[]
            {
                ("New-Csr -DnsName www.evil.example | Invoke-CaSign -Ca ./ca -Path ./n", "www.evil.example"),
                ("New-Csr -DnsName ok.corp.example, www.evil.example | Invoke-CaSign -Ca ./ca -Path ./n", "www.evil.example"),
                ("New-Csr -Subject 'CN=evil.example' -DnsName ok.corp.example | Invoke-CaSign -Ca ./ca -Path ./n", "evil.example"),
                ("New-Csr -DnsName ok.corp.example -IpAddress 192.168.0.1 | Invoke-CaSign -Ca ./ca -Path ./n", "192.168.0.1"),
                ("New-Csr -DnsName ok.corp.example -IpAddress 2001:db8::1 | Invoke-CaSign -Ca ./ca -Path ./n", "2001:db8::1"),
                ("New-Csr -DnsName notcorp.example | Invoke-CaSign -Ca ./ca -Path ./n", "notcorp.example"),
                ("New-Csr -DnsName ok.corp.example | Invoke-CaSign -Ca ./ca -Path ./n -ValidDays 91", "maxValidityDays"),
                ("New-Csr -DnsName ok.corp.example | Invoke-CaSign -Ca ./ca -Path ./n -Profile IntermediateCa", "IntermediateCa"),
            })
            {
                ErrorRecord error = FailsWith("PolicyViolation", script);
                Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
                Assert.Contains(says, error.ToString());
                Assert.Contains("Nothing was issued", error.ToString());
            }
            AssertUnchanged(before, S.File("ca"));
            AssertNothingElseWritten();
        }

        [Fact]
        public void A_folder_that_is_not_a_ca_is_CaNotFound()
        {
            Directory.CreateDirectory(S.File("ca"));
            File.WriteAllText(S.File("ca/notes.txt"), "not a CA");
            Directory.CreateDirectory(S.File("ca/private"));
            File.WriteAllText(S.File("ca/ca.crt"), "a certificate without its key folder content");
            var before = Snapshot(S.File("ca"));
            foreach (string script in EveryCmdlet)
            {
                ErrorRecord error = FailsWith("CaNotFound", script);
                Assert.Contains("is not a CA directory", error.ToString());
            }
            AssertUnchanged(before, S.File("ca"));
            AssertNothingElseWritten();
            // Missing folders, and -Ca given something that is not a CA at all.
            Assert.Contains("does not exist", FailsWith("CaNotFound", "Get-Ca ./nowhere").ToString());
            FailsWith("CaNotFound", "Get-IssuedCert -Ca ./nowhere");
            FailsWith("CaNotFound", "New-Csr -DnsName n.example | Invoke-CaSign -Ca ./nowhere");
            Assert.False(Directory.Exists(S.File("nowhere")));
            FailsWith("InvalidArgument", "Get-IssuedCert -Ca 42");
            // A config file that is no openssl ca config.
            File.WriteAllText(S.File("other.cnf"), "[ req ]\ndistinguished_name = dn\n[ dn ]\n");
            Assert.Contains("[ca]", FailsWith("CaNotFound", "Get-Ca ./other.cnf").ToString());
            File.WriteAllText(S.File("half.cnf"), "[ ca ]\ndefault_ca = mine\n[ mine ]\ndir = ./nowhere\ndatabase = $dir/index.txt\nnew_certs_dir = $dir\ncertificate = $dir/ca.pem\nprivate_key = $dir/ca.key\n");
            Assert.Contains("does not exist", FailsWith("CaNotFound", "Get-Ca ./half.cnf").ToString());
            File.WriteAllText(S.File("nodb.cnf"), "[ ca ]\ndefault_ca = mine\n[ mine ]\ncertificate = ./ca.pem\n");
            Assert.Contains("'database'", FailsWith("CaNotFound", "Get-Ca ./nodb.cnf").ToString());
        }

        [Fact]
        public void New_ca_refuses_a_folder_that_is_not_empty_and_bad_arguments()
        {
            Directory.CreateDirectory(S.File("busy"));
            File.WriteAllText(S.File("busy/keep.txt"), "mine");
            var before = Snapshot(S.File("busy"));
            ErrorRecord error = FailsWith("FileExists", "New-Ca -Path ./busy -Subject 'CN=Busy'");
            Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
            Assert.Contains("not empty", error.ToString());
            AssertUnchanged(before, S.File("busy"));

            S.Run("New-Ca -Path ./ca -Subject 'CN=Existing' | Out-Null").ThrowOnError();
            before = Snapshot(S.File("ca"));
            FailsWith("FileExists", "New-Ca -Path ./ca -Subject 'CN=Again'");
            AssertUnchanged(before, S.File("ca"));

            // An empty folder is fine.
            Directory.CreateDirectory(S.File("empty"));
            S.Run("New-Ca -Path ./empty -Subject 'CN=Empty' | Out-Null").ThrowOnError();

            // Constraints and publication points that cannot be encoded are refused before anything is made.
            foreach (string args in new[]
            {
                "-PermittedDnsDomain '*.corp.example'",
                "-PermittedDnsDomain 'corp..example'",
                "-PermittedDnsDomain 'bücher.example'",
                "-PermittedIpRange 10.0.0.0/33",
                "-PermittedIpRange 10.1/16", // inet_aton would read 10.0.0.1
                "-PermittedIpRange 010.0.0.0/8", // and this as octal 8.0.0.0
                "-PermittedIpRange 'fe80::/129'",
                "-CrlDistributionPoint ftp://pki.example/ca.crl",
                "-CrlDistributionPoint /srv/pki/ca.crl", // [uri] takes it as file:///srv/pki/ca.crl, but the text is no URI
                "-AuthorityInfoAccess mailto:pki@example.com",
            })
            {
                Assert.Contains("InvalidArgument", FailsWith("InvalidArgument", $"New-Ca -Path ./bad -Subject 'CN=Bad' {args}").FullyQualifiedErrorId);
                Assert.False(Directory.Exists(S.File("bad")), args);
            }
        }
    }
}
