using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>
    /// Find-ExpiringCert and Export-CertMetric through the engine: binding (-Path, -LiteralPath, pipeline FullName, -Ca,
    /// -HostName), error ids and targets, -WithinDays, the table view, and the pipe into Export-CertMetric. What the
    /// inventory reads and how the exposition format looks is tested in the core (tests/PkiTools.Core.Tests/Renewal).
    /// </summary>
    public class FindExpiringCertTests : ModuleTestBase
    {
        public FindExpiringCertTests()
        {
            S.Run(@"
                New-Item -ItemType Directory ./certs/deep | Out-Null
                $root = New-SelfSignedCert -Subject 'CN=Inventory Root' -Profile RootCa -Path ./certs/root
                New-Csr -DnsName soon.example -Path ./certs/soon | Invoke-CaSign -Issuer $root -ValidDays 10 -Path ./certs/soon | Out-Null
                New-Csr -DnsName later.example -Path ./certs/deep/later | Invoke-CaSign -Issuer $root -ValidDays 300 -Path ./certs/deep/later | Out-Null
                Set-Content -Path ./certs/broken.pem -Value 'not a certificate'
                Set-Content -Path ./certs/readme.txt -Value 'skipped'
            ").ThrowOnError();
        }

        private static string Id(ErrorRecord e) => e.FullyQualifiedErrorId.Split(',')[0];

        [Fact]
        public void A_tree_with_recurse_lists_every_certificate_and_a_broken_file_is_one_error_with_its_target()
        {
            var r = S.Run("Find-ExpiringCert -Path ./certs -Recurse");
            var items = r.Output.Select(o => (dynamic)o.BaseObject).ToList();
            Assert.Equal(new[] { "CN=Inventory Root", "CN=soon.example", "CN=later.example" }.OrderBy(s => s), items.Select(i => (string)i.Subject).OrderBy(s => s));
            ErrorRecord error = Assert.Single(r.Errors);
            Assert.Equal("FormatUnknown,PkiTools.Commands.FindExpiringCertCommand", error.FullyQualifiedErrorId);
            Assert.Equal(S.File("certs/broken.pem"), error.TargetObject);
            dynamic soon = items.Single(i => (string)i.Subject == "CN=soon.example");
            Assert.True((bool)soon.Renewable);
            Assert.Equal(S.File("certs/soon.key"), (string)soon.KeyPath);
            Assert.InRange((int)soon.DaysLeft, 9, 10);
            Assert.False((bool)items.Single(i => (string)i.Subject == "CN=Inventory Root").Renewable);
        }

        [Fact]
        public void WithinDays_filters_and_without_recurse_subfolders_are_not_read()
        {
            var items = S.Run("Find-ExpiringCert ./certs -WithinDays 30 -ErrorAction SilentlyContinue").Output.Select(o => (dynamic)o.BaseObject).ToList();
            Assert.Equal("CN=soon.example", (string)Assert.Single(items).Subject);
        }

        [Fact]
        public void Files_pipe_in_by_FullName_and_wildcards_expand()
        {
            var piped = S.Run("Get-ChildItem ./certs -Filter *.crt | Find-ExpiringCert").ThrowOnError().Output;
            Assert.Equal(2, piped.Count);
            var wild = S.Run("Find-ExpiringCert -Path ./certs/s*.crt").ThrowOnError();
            Assert.Equal("CN=soon.example", (string)((dynamic)wild.Single()).Subject);
        }

        [Fact]
        public void A_missing_path_and_no_source_at_all_are_errors_with_stable_ids()
        {
            var missing = S.Run("Find-ExpiringCert -LiteralPath ./nope.crt");
            Assert.Equal(new[] { "FileNotFound" }, missing.ErrorIds);
            Assert.Equal(new[] { "InvalidArgument" }, S.Run("Find-ExpiringCert").ErrorIds);
        }

        [Fact]
        public void A_ca_ledger_lists_its_valid_certificates_as_ledger_items()
        {
            S.Run(@"
                New-Ca -Path ./ca -Subject 'CN=Inventory CA' | Out-Null
                New-Csr -DnsName a.corp.example | Invoke-CaSign -Ca ./ca -ValidDays 20 | Out-Null
                $gone = New-Csr -DnsName b.corp.example | Invoke-CaSign -Ca ./ca -ValidDays 20
                Revoke-Cert -Ca ./ca -Certificate $gone -Confirm:$false | Out-Null
            ").ThrowOnError();
            var items = S.Run("Find-ExpiringCert -Ca ./ca, (Get-Ca ./ca)").ThrowOnError().Output.Select(o => (dynamic)o.BaseObject).ToList();
            Assert.Equal(2, items.Count); // the same CA twice: one valid certificate each time
            Assert.All(items, i => Assert.Equal("Ledger", i.SourceKind.ToString()));
            Assert.All(items, i => Assert.Equal("CN=a.corp.example", (string)i.Subject));
            Assert.All(items, i => Assert.Equal("Ledger:" + S.File("ca"), (string)i.Source));
            Assert.Equal(new[] { "CaNotFound" }, S.Run("Find-ExpiringCert -Ca ./no-ca").ErrorIds);
        }

        [Fact]
        public void An_unknown_store_is_one_error_and_the_files_are_still_listed()
        {
            var r = S.Run("Find-ExpiringCert -Path ./certs/soon.crt -Store NoSuchStore");
            Assert.Single(r.Output);
            Assert.Equal(new[] { "InvalidArgument" }, r.ErrorIds);
        }

        [Fact]
        public void The_default_view_is_a_table_of_kind_days_subject_source_and_renewable()
        {
            string table = System.Text.RegularExpressions.Regex.Replace(S.Render("Find-ExpiringCert -Path ./certs/soon.crt"), "\x1b\\[[0-9;]*m", "");
            string header = table.Split('\n').First(l => l.Trim().Length > 0);
            Assert.Matches(@"SourceKind\s+DaysLeft\s+NotAfter\s+Subject\s+Source\s+Renewable", header);
            Assert.Contains("CN=soon.example", table);
        }

        [Fact]
        public void The_inventory_pipes_into_Export_CertMetric_which_writes_a_0644_prom_file()
        {
            var r = S.Run("Find-ExpiringCert -Path ./certs -Recurse -ErrorAction SilentlyContinue | Export-CertMetric -Path ./out/certs.prom -PassThru", null);
            Assert.Equal(new[] { "FileWriteFailed" }, r.ErrorIds); // ./out does not exist
            Directory.CreateDirectory(S.File("out"));
            var file = S.Run("Find-ExpiringCert -Path ./certs -Recurse -ErrorAction SilentlyContinue | Export-CertMetric -Path ./out/certs.prom -PassThru").ThrowOnError().Single<FileInfo>();
            Assert.Equal(S.File("out/certs.prom"), file.FullName);
            string text = File.ReadAllText(file.FullName);
            Assert.Equal(3, text.Split('\n').Count(l => l.StartsWith("pkitools_certificate_days_left{", StringComparison.Ordinal)));
            Assert.Contains("dns=\"soon.example\"", text);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(file.FullName));
            }
            // Replaced on the next run: nothing in, HELP/TYPE only.
            S.Run("@() | Export-CertMetric -Path ./out/certs.prom -MetricPrefix corp").ThrowOnError();
            Assert.DoesNotContain("pkitools", File.ReadAllText(file.FullName));
            Assert.Contains("# TYPE corp_certificate_days_left gauge", File.ReadAllText(file.FullName));
        }

        [Fact]
        public void Export_CertMetric_WhatIf_writes_nothing_and_a_bad_prefix_stops_with_InvalidArgument()
        {
            S.Run("Find-ExpiringCert ./certs/soon.crt | Export-CertMetric -Path ./m.prom -WhatIf").ThrowOnError();
            Assert.False(File.Exists(S.File("m.prom")));
            var bad = S.Run("Find-ExpiringCert ./certs/soon.crt | Export-CertMetric -Path ./m.prom -MetricPrefix '1-bad'");
            Assert.Equal(new[] { "InvalidArgument" }, bad.ErrorIds);
            Assert.False(File.Exists(S.File("m.prom")));
        }

        [NginxFact]
        public void A_live_endpoint_is_listed_by_the_leaf_it_serves()
        {
            S.Run("$root = Import-Cert ./certs/root.crt; Import-Cert ./certs/soon.crt | Export-Cert -Path ./site.pem").ThrowOnError();
            using var web = Nginx.Start(S.File("site.pem"), S.File("certs/soon.key"));
            var r = S.Run($"Find-ExpiringCert -HostName localhost:{web.Port}, 127.0.0.1:{FreePorts.Tcp()} -TimeoutSec 5");
            dynamic item = r.Single();
            Assert.Equal("Endpoint", item.SourceKind.ToString());
            Assert.Equal($"localhost:{web.Port}", (string)item.Source);
            Assert.Equal("CN=soon.example", (string)item.Subject);
            Assert.Null((string?)item.Path);
            Assert.Equal(new[] { "EndpointUnreachable" }, r.ErrorIds);
        }
    }
}
