using System;
using System.IO;
using System.Linq;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>
    /// Pipelines into a CA folder (issue 14): Invoke-CaSign -Ca and Revoke-Cert work in batches. They give what one
    /// command per item gives, a bad item gets its error while the rest go on, -WhatIf changes nothing, and with
    /// -ErrorAction Stop every certificate the ledger recorded was handed out. Results only, no timings.
    /// </summary>
    public class CaBulkTests : CaTestBase
    {
        /// <summary>The ledger without serials and dates: status, revocation reason, subject.</summary>
        private string[] Shape(string ca) => File.ReadAllLines(S.File(ca + "/index.txt"))
            .Select(l => l.Split('\t')).Select(f => $"{f[0]}|{f[2].Split(',').ElementAtOrDefault(1)}|{f[5]}").ToArray();

        private string[] Serials(string ca) => File.ReadAllLines(S.File(ca + "/index.txt")).Select(l => l.Split('\t')[3]).ToArray();

        [Fact]
        public void A_pipeline_into_a_folder_gives_what_one_command_per_request_gives()
        {
            S.Run(@"
                New-Ca -Path ./one -Subject 'CN=Bulk Root' | Out-Null
                New-Ca -Path ./many -Subject 'CN=Bulk Root' | Out-Null
                New-Item -ItemType Directory ./out-one, ./out-many | Out-Null
                foreach ($i in 1..6) { New-Csr -DnsName ""h$i.example"" | Invoke-CaSign -Ca ./one -Path ""./out-one/h$i.example"" | Out-Null }
            ").ThrowOnError();
            var many = S.Run("1..6 | ForEach-Object { New-Csr -DnsName \"h$_.example\" } | Invoke-CaSign -Ca ./many -Path ./out-many").ThrowOnError();

            Assert.Equal(6, many.Output.Count);
            Assert.Equal(Shape("one"), Shape("many"));
            // -Path naming a folder: each certificate (and the request's key) under the request's name.
            Assert.Equal(Directory.GetFiles(S.File("out-one")).Select(Path.GetFileName).OrderBy(n => n),
                Directory.GetFiles(S.File("out-many")).Select(Path.GetFileName).OrderBy(n => n));
            Assert.Contains("h3.example.key", Directory.GetFiles(S.File("out-many")).Select(Path.GetFileName));
            AssertOwnerOnly(S.File("out-many/h3.example.key"));
            // Handed out in input order, each one the ledger's line and the file's certificate.
            string[] serials = Serials("many");
            for (int i = 0; i < 6; i++)
            {
                dynamic cert = many.Output[i].BaseObject;
                Assert.Equal($"CN=h{i + 1}.example", (string)cert.Subject);
                Assert.Equal(serials[i], (string)cert.SerialNumber);
                Assert.True((bool)cert.HasPrivateKey);
                Assert.Equal((byte[])cert.RawData, System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(S.File($"out-many/h{i + 1}.example.crt"))).RawData);
            }
        }

        [Fact]
        public void A_bad_request_in_a_pipeline_gets_its_error_and_the_rest_are_issued()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Bulk Root' -PermittedDnsDomain corp.example | Out-Null").ThrowOnError();
            var r = S.Run(@"
                $requests = @(
                    (New-Csr -DnsName a.corp.example),
                    [byte[]](48, 3, 2, 1, 1),
                    (New-Csr -DnsName evil.example),
                    (New-Csr -DnsName b.corp.example)
                )
                $requests | Invoke-CaSign -Ca ./ca | ForEach-Object { $_.Subject }");
            Assert.Equal(new[] { "CN=a.corp.example", "CN=b.corp.example" }, r.Output.Select(o => o.ToString()));
            Assert.Equal(new[] { "CsrInvalid", "PolicyViolation" }, r.ErrorIds.OrderBy(e => e));
            Assert.Equal(new[] { "V||/CN=a.corp.example", "V||/CN=b.corp.example" }, Shape("ca"));
        }

        [Fact]
        public void WhatIf_signs_records_and_writes_nothing_for_a_whole_pipeline()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Bulk Root' | Out-Null; New-Item -ItemType Directory ./out | Out-Null").ThrowOnError();
            string index = File.ReadAllText(S.File("ca/index.txt"));
            var r = S.Run("1..5 | ForEach-Object { New-Csr -DnsName \"w$_.example\" } | Invoke-CaSign -Ca ./ca -Path ./out -WhatIf").ThrowOnError();
            Assert.Empty(r.Output);
            Assert.Equal(index, File.ReadAllText(S.File("ca/index.txt")));
            Assert.Empty(Directory.GetFiles(S.File("out")));
            Assert.Empty(Directory.GetFiles(S.File("ca/certs")));
        }

        [Fact]
        public void With_ErrorAction_Stop_every_recorded_certificate_was_handed_out_and_nothing_after_the_bad_input_was_signed()
        {
            // A policy refusal inside a batch: the others of the batch are recorded, and all of them handed out before
            // the error stops the pipeline.
            S.Run("New-Ca -Path ./ca -Subject 'CN=Bulk Root' -PermittedDnsDomain corp.example | Out-Null").ThrowOnError();
            var r = S.Run(@"
                $got = [System.Collections.Generic.List[string]]::new()
                try {
                    'a.corp.example', 'b.corp.example', 'evil.example', 'c.corp.example', 'd.corp.example' |
                        ForEach-Object { New-Csr -DnsName $_ } |
                        Invoke-CaSign -Ca ./ca -ErrorAction Stop | ForEach-Object { $got.Add($_.SerialNumber) }
                } catch { $stopped = $_.FullyQualifiedErrorId }
                $stopped
                $got");
            Assert.StartsWith("PolicyViolation", r.Output[0].ToString());
            string[] handedOut = r.Output.Skip(1).Select(o => o.ToString()).ToArray();
            Assert.Equal(Serials("ca"), handedOut);
            Assert.Equal(4, handedOut.Length);

            // A bad input (not a request): what came before it is recorded and handed out, nothing after it is signed.
            S.Run("New-Ca -Path ./ca2 -Subject 'CN=Bulk Root 2' | Out-Null").ThrowOnError();
            var r2 = S.Run(@"
                $got = [System.Collections.Generic.List[string]]::new()
                try {
                    @((New-Csr -DnsName a.example), (New-Csr -DnsName b.example), [byte[]](48, 3, 2, 1, 1), (New-Csr -DnsName c.example)) |
                        Invoke-CaSign -Ca ./ca2 -ErrorAction Stop | ForEach-Object { $got.Add($_.SerialNumber) }
                } catch { $stopped = $_.FullyQualifiedErrorId }
                $stopped
                $got");
            Assert.StartsWith("CsrInvalid", r2.Output[0].ToString());
            Assert.Equal(Serials("ca2"), r2.Output.Skip(1).Select(o => o.ToString()).ToArray());
            Assert.Equal(new[] { "V||/CN=a.example", "V||/CN=b.example" }, Shape("ca2"));
        }

        [Fact]
        public void Revoking_a_pipeline_gives_what_one_command_per_certificate_gives()
        {
            S.Run(@"
                foreach ($ca in 'one', 'many') {
                    New-Ca -Path ./$ca -Subject 'CN=Revoke Root' | Out-Null
                    1..6 | ForEach-Object { New-Csr -DnsName ""r$_.example"" } | Invoke-CaSign -Ca ./$ca | Out-Null
                }
                foreach ($s in (Get-IssuedCert -Ca ./one | Where-Object Subject -Match '^CN=r[1-4]\.').SerialNumber) { Revoke-Cert -Ca ./one -SerialNumber $s -Reason KeyCompromise -Confirm:$false }
            ").ThrowOnError();
            var r = S.Run("Get-IssuedCert -Ca ./many | Where-Object Subject -Match '^CN=r[1-4]\\.' | Revoke-Cert -Reason KeyCompromise -Confirm:$false -PassThru").ThrowOnError();
            Assert.Equal(4, r.Output.Count);
            Assert.All(r.Output, o => Assert.Equal("Revoked", ((dynamic)o.BaseObject).Status.ToString()));
            Assert.Equal(Shape("one"), Shape("many"));
            Assert.Equal(4, Shape("many").Count(l => l.StartsWith("R|keyCompromise|", StringComparison.Ordinal)));

            // Errors per item: an unknown serial and one already revoked get their errors; the others are revoked.
            string[] serials = Serials("many");
            var mixed = S.Run($"'{serials[0]}', '0102', '{serials[4]}', '{serials[5]}' | ForEach-Object {{ [pscustomobject]@{{ SerialNumber = $_; CaPath = './many' }} }} | Revoke-Cert -Confirm:$false -PassThru");
            Assert.Equal(new[] { "InvalidArgument", "SerialNotFound" }, mixed.ErrorIds.OrderBy(e => e));
            Assert.Equal(new[] { serials[4], serials[5] }, mixed.Output.Select(o => (string)((dynamic)o.BaseObject).SerialNumber));
            Assert.Equal(6, Shape("many").Count(l => l.StartsWith("R|", StringComparison.Ordinal)));

            // -WhatIf: nothing changes.
            string before = File.ReadAllText(S.File("many/index.txt"));
            S.Run("Get-IssuedCert -Ca ./many | Revoke-Cert -Reason CertificateHold -WhatIf").ThrowOnError();
            Assert.Equal(before, File.ReadAllText(S.File("many/index.txt")));
        }
    }
}
