using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>Revoke-Cert, New-Crl and Update-Crl: what the ledger records, what the CRLs say, and openssl's agreement.</summary>
    public class CaRevocationTests : CaTestBase
    {
        private string Serial(string variable) => S.Run($"${variable}.SerialNumber").ThrowOnError().Single<string>();

        private string LedgerLine(string serial) => File.ReadAllLines(S.File("ca/index.txt")).Single(l => l.Split('\t')[3] == serial);

        [Fact]
        public void Revoke_cert_takes_serials_in_any_spelling_certificates_and_records()
        {
            S.Run(@"
                New-Ca -Path ./ca -Subject 'CN=Corp' | Out-Null
                New-Ca -Path ./other -Subject 'CN=Other' | Out-Null
                $a = New-Csr -DnsName a.example | Invoke-CaSign -Ca ./ca
                $b = New-Csr -DnsName b.example | Invoke-CaSign -Ca ./ca
                $c = New-Csr -DnsName c.example | Invoke-CaSign -Ca ./ca
                $d = New-Csr -DnsName d.example | Invoke-CaSign -Ca ./ca
                $foreign = New-Csr -DnsName a.example | Invoke-CaSign -Ca ./other
            ").ThrowOnError();
            string a = Serial("a"), b = Serial("b"), c = Serial("c"), d = Serial("d");

            // -SerialNumber, lower case with colons.
            string colons = string.Join(":", Enumerable.Range(0, a.Length / 2).Select(i => a.Substring(2 * i, 2))).ToLowerInvariant();
            dynamic record = S.Run($"Revoke-Cert -Ca ./ca -SerialNumber '{colons}' -Reason KeyCompromise -Confirm:$false -PassThru -Verbose").ThrowOnError().Single();
            Assert.Equal(a, (string)record.SerialNumber);
            Assert.Equal("Revoked", record.Status.ToString());
            Assert.Equal("KeyCompromise", record.RevocationReason.ToString());
            Assert.Contains(",keyCompromise\t", LedgerLine(a));
            Assert.StartsWith("R\t", LedgerLine(a));

            // -Certificate from the pipeline.
            Assert.Empty(S.Run("$b | Revoke-Cert -Ca ./ca -Reason Superseded -Confirm:$false").ThrowOnError().Output);
            Assert.Contains(",superseded\t", LedgerLine(b));

            // Records from Get-IssuedCert bind SerialNumber and CaPath: no -Ca needed.
            S.Run("Get-IssuedCert -Ca ./ca -DnsName c.example | Revoke-Cert -Reason AffiliationChanged -Confirm:$false").ThrowOnError();
            Assert.Contains(",affiliationChanged\t", LedgerLine(c));

            // Several serials: a wrong one is an error, the rest go on.
            var mixed = S.Run($"Revoke-Cert -Ca ./ca -SerialNumber 0102, '{d}', '{a}' -Confirm:$false");
            Assert.Equal(new[] { "SerialNotFound", "InvalidArgument" }, mixed.ErrorIds); // unknown; already revoked
            Assert.Contains("already revoked", mixed.Errors[1].ToString());
            Assert.StartsWith("R\t", LedgerLine(d));
            Assert.Contains(",keyCompromise\t", LedgerLine(a)); // the first revocation stands

            // A certificate of another CA is refused, and the ledger is untouched: even one whose serial number is in
            // this CA's ledger too (serials are unique per CA only; openssl ca counts from 01).
            S.Run("$e = New-Csr -DnsName e.example | Invoke-CaSign -Ca ./ca").ThrowOnError();
            string e = Serial("e");
            OpenSsl.Ok("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", S.File("twin.key"), "-out", S.File("twin.csr"), "-subj", "/CN=twin.example");
            OpenSsl.Ok("x509", "-req", "-in", S.File("twin.csr"), "-CA", S.File("other/ca.crt"), "-CAkey", S.File("other/private/ca.key"), "-set_serial", "0x" + e, "-days", "30", "-out", S.File("twin.crt"));
            var before = Snapshot(S.File("ca"));
            foreach (string foreign in new[] { "$foreign", "(Import-Cert ./twin.crt)" })
            {
                var refused = S.Run(foreign + " | Revoke-Cert -Ca ./ca -Confirm:$false");
                Assert.Equal(new[] { "InvalidArgument" }, refused.ErrorIds);
                Assert.Contains("not by this CA", refused.Errors[0].ToString());
            }
            Assert.Equal(new[] { "InvalidArgument" }, S.Run("Revoke-Cert -Ca ./ca -Certificate (Import-Cert ./twin.crt) -Confirm:$false").ErrorIds);
            AssertUnchanged(before, S.File("ca"));
            Assert.Equal(new[] { "InvalidArgument" }, S.Run("Revoke-Cert -Ca ./ca -SerialNumber 'xyz' -Confirm:$false").ErrorIds);
            // RemoveFromCrl does not revoke (openssl and Test-CertChain ignore such entries): refused.
            var remove = S.Run("$e | Revoke-Cert -Ca ./ca -Reason RemoveFromCrl -Confirm:$false");
            Assert.Equal(new[] { "InvalidArgument" }, remove.ErrorIds);
            Assert.Contains("CertificateHold", remove.Errors[0].ToString());
            AssertUnchanged(before, S.File("ca"));
            Assert.Equal(4, S.Run("(Get-Ca ./ca).RevokedCount").ThrowOnError().Single<int>());
        }

        [Fact]
        public void Every_reason_is_recorded_openssl_still_reads_the_ledger_and_new_crl_carries_the_true_codes()
        {
            var reasons = new (string Name, string Index, string OpenSslText)[]
            {
                ("Unspecified", "unspecified", ""),
                ("KeyCompromise", "keyCompromise", "Key Compromise"),
                ("CaCompromise", "CACompromise", "CA Compromise"),
                ("AffiliationChanged", "affiliationChanged", "Affiliation Changed"),
                ("Superseded", "superseded", "Superseded"),
                ("CessationOfOperation", "cessationOfOperation", "Cessation Of Operation"),
                ("CertificateHold", "certificateHold", "Certificate Hold"),
                ("PrivilegeWithdrawn", "unspecified", "Privilege Withdrawn"),
                ("AaCompromise", "unspecified", "AA Compromise"),
            };
            S.Run("New-Ca -Path ./ca -Subject 'CN=Reasons CA' -Password $pw | Out-Null; New-Ca -Path ./plain -Subject 'CN=x' | Out-Null".Replace("$pw", Pw("capw"))).ThrowOnError();
            var serials = new Dictionary<string, string>();
            foreach (var r in reasons)
            {
                serials[r.Name] = S.Run($"$c = New-Csr -DnsName {r.Name.ToLowerInvariant()}.example | Invoke-CaSign -Ca ./ca -CaPassword $pw; Revoke-Cert -Ca ./ca -SerialNumber $c.SerialNumber -Reason {r.Name} -Confirm:$false; $c.SerialNumber".Replace("$pw", Pw("capw")))
                    .ThrowOnError().Single<string>();
            }
            // index.txt names what openssl can name; index.txt.reasons keeps the two it cannot.
            foreach (var r in reasons) Assert.Contains("Z," + r.Index + "\t", LedgerLine(serials[r.Name]));
            string[] notes = File.ReadAllLines(S.File("ca/index.txt.reasons")).Where(l => !l.StartsWith("#")).OrderBy(l => l).ToArray();
            Assert.Equal(new[] { serials["AaCompromise"] + " AaCompromise", serials["PrivilegeWithdrawn"] + " PrivilegeWithdrawn" }.OrderBy(l => l), notes);
            // Get-IssuedCert reports the true reasons.
            foreach (var r in reasons)
            {
                Assert.Equal(r.Name, S.Run($"(Get-IssuedCert -Ca ./ca -SerialNumber {serials[r.Name]}).RevocationReason.ToString()").ThrowOnError().Single<string>());
            }

            // openssl ca -gencrl still works on the directory (its config file), and lists every revocation.
            OpenSsl.Ok("ca", "-gencrl", "-config", S.File("ca/openssl.cnf"), "-passin", "pass:capw", "-out", S.File("openssl.crl"));
            Dictionary<string, string> theirs = OpenSslCrlReasons(S.File("openssl.crl"));
            Assert.Equal(serials.Values.OrderBy(s => s), theirs.Keys.OrderBy(s => s));
            Assert.Equal("Unspecified", theirs[serials["AaCompromise"]]);

            // New-Crl carries the true reason codes (9 and 10 included); an unspecified one has no reason code.
            dynamic crl = S.Run($"New-Crl -Ca ./ca -CaPassword {Pw("capw")}").ThrowOnError().Single();
            Assert.Equal("3", (string)crl.CrlNumber); // New-Ca's first CRL took number 1, openssl's number 2 from the same crlnumber file
            Dictionary<string, string> ours = OpenSslCrlReasons(S.File("ca/crl/ca.crl"));
            Assert.Equal(serials.Values.OrderBy(s => s), ours.Keys.OrderBy(s => s));
            foreach (var r in reasons) Assert.True(r.OpenSslText == ours[serials[r.Name]], $"{r.Name}: openssl reads '{ours[serials[r.Name]]}'");
            var codes = ((IEnumerable<object>)crl.Entries).Cast<dynamic>().ToDictionary(e => (string)e.SerialNumberHex, e => e.Reason == null ? -1 : (int)e.Reason);
            Assert.Equal(9, codes[serials["PrivilegeWithdrawn"]]);
            Assert.Equal(10, codes[serials["AaCompromise"]]);
            Assert.Equal(-1, codes[serials["Unspecified"]]);
            Assert.Contains("verify OK", OpenSsl.Run("crl", "-in", S.File("ca/crl/ca.crl"), "-CAfile", S.File("ca/ca.crt"), "-noout", "-verify").All);

            // And openssl ca -revoke after all that: it reads our ledger and adds to it; we read what it wrote.
            string f = S.Run($"$f = New-Csr -DnsName f.example | Invoke-CaSign -Ca ./ca -CaPassword {Pw("capw")}; $f.SerialNumber").ThrowOnError().Single<string>();
            OpenSsl.Ok("ca", "-config", S.File("ca/openssl.cnf"), "-revoke", S.File($"ca/certs/{f}.pem"), "-crl_reason", "cessationOfOperation", "-passin", "pass:capw");
            Assert.Equal("CessationOfOperation", S.Run($"(Get-IssuedCert -Ca ./ca -SerialNumber {f}).RevocationReason.ToString()").ThrowOnError().Single<string>());
            Assert.Equal("AaCompromise", S.Run($"(Get-IssuedCert -Ca ./ca -SerialNumber {serials["AaCompromise"]}).RevocationReason.ToString()").ThrowOnError().Single<string>());
            OpenSsl.Ok("ca", "-gencrl", "-config", S.File("ca/openssl.cnf"), "-passin", "pass:capw", "-out", S.File("openssl2.crl"));
            Assert.Equal(10, OpenSslCrlReasons(S.File("openssl2.crl")).Count);
        }

        [Fact]
        public void Revoke_cert_asks_first_and_never_revokes_silently()
        {
            S.Run(@"
                New-Ca -Path ./ca -Subject 'CN=Corp' | Out-Null
                $a = New-Csr -DnsName a.example | Invoke-CaSign -Ca ./ca
            ").ThrowOnError();
            var before = Snapshot(S.File("ca"));

            // -WhatIf: nothing changes, nothing is written out.
            Assert.Empty(S.Run("$a | Revoke-Cert -Ca ./ca -WhatIf -PassThru").ThrowOnError().Output);
            Assert.Empty(S.Run("Get-IssuedCert ./ca | Revoke-Cert -WhatIf").ThrowOnError().Output);
            AssertUnchanged(before, S.File("ca"));

            // ConfirmImpact High: without -Confirm:$false the engine asks the host. This test host cannot prompt
            // (PromptForChoice throws), so the command fails and nothing is revoked.
            var r = S.Run("Get-IssuedCert ./ca | Revoke-Cert");
            Assert.NotEmpty(r.Errors);
            Assert.Contains("no prompts in tests", r.Errors[0].ToString());
            AssertUnchanged(before, S.File("ca"));

            // The engine's own non-interactive host (no UI at all, as in a service or a runspace without a host):
            // HostFunctionNotImplemented, and nothing revoked.
            using (Runspace runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2()))
            {
                runspace.Open();
                runspace.SessionStateProxy.Path.SetLocation(WildcardPattern.Escape(S.Directory));
                using PowerShell ps = PowerShell.Create();
                ps.Runspace = runspace;
                ps.AddScript($"Import-Module '{PwshSession.ManifestPath}' -ErrorAction Stop; Get-IssuedCert ./ca | Revoke-Cert; $Host.Name");
                var output = ps.Invoke();
                Assert.Equal("Default Host", output.Last().ToString());
                Assert.Equal(new[] { "HostFunctionNotImplemented" }, ps.Streams.Error.Select(e => e.FullyQualifiedErrorId.Split(',')[0]).ToArray());
            }
            AssertUnchanged(before, S.File("ca"));
            Assert.Equal("Valid", S.Run("(Get-IssuedCert ./ca).Status.ToString()").ThrowOnError().Single<string>());

            // Answered ahead of time: revoked.
            S.Run("Get-IssuedCert ./ca | Revoke-Cert -Confirm:$false").ThrowOnError();
            Assert.Equal("Revoked", S.Run("(Get-IssuedCert ./ca).Status.ToString()").ThrowOnError().Single<string>());
        }

        [Fact]
        public void New_crl_numbers_dates_reasons_and_files()
        {
            S.Run(@"
                New-Ca -Path ./ca -Subject 'CN=Crl CA, O=Corp' -CrlDays 7 | Out-Null
                $bad = New-Csr -DnsName bad.example | Invoke-CaSign -Ca ./ca -Path ./bad
                $good = New-Csr -DnsName good.example | Invoke-CaSign -Ca ./ca -Path ./good
                Revoke-Cert -Ca ./ca -SerialNumber $bad.SerialNumber -Reason KeyCompromise -Confirm:$false
            ").ThrowOnError();
            string bad = Serial("bad");
            DateTime revokedAt = S.Run($"(Get-IssuedCert ./ca -SerialNumber {bad}).RevokedAt").ThrowOnError().Single<DateTime>().ToUniversalTime();
            Assert.Equal("02", File.ReadAllText(S.File("ca/crlnumber")).Trim()); // New-Ca's first CRL took number 1

            // The default lifetime is the CA's -CrlDays.
            dynamic first = S.Run("New-Crl -Ca ./ca -Verbose").ThrowOnError().Single();
            Assert.Equal("2", (string)first.CrlNumber);
            Assert.Equal(TimeSpan.FromDays(7), (TimeSpan)(((DateTimeOffset?)first.NextUpdate)!.Value - (DateTimeOffset)first.ThisUpdate));
            Assert.Equal("03", File.ReadAllText(S.File("ca/crlnumber")).Trim());

            Directory.CreateDirectory(S.File("www"));
            var r = S.Run("New-Crl -Ca ./ca -NextUpdateDays 3 -Path ./www/corp.crl -Verbose").ThrowOnError();
            dynamic crl = r.Single();
            Assert.Equal("3", (string)crl.CrlNumber);
            Assert.Equal("04", File.ReadAllText(S.File("ca/crlnumber")).Trim());
            DateTimeOffset thisUpdate = crl.ThisUpdate;
            Assert.InRange(thisUpdate.UtcDateTime, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));
            Assert.Equal(thisUpdate.AddDays(3), (DateTimeOffset)crl.NextUpdate);
            Assert.Contains(r.Verbose, v => v.Contains("CRL number 3") && v.Contains("1 revoked"));

            // The authority key identifier is the CA's subject key identifier.
            var caCert = X509Certificate2.CreateFromPem(File.ReadAllText(S.File("ca/ca.crt")));
            string ski = caCert.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifier!;
            Assert.Equal(ski, ((string)crl.AuthorityKeyId).Replace(":", "").ToUpperInvariant());

            string text = OpenSsl.Ok("crl", "-in", S.File("ca/crl/ca.crl"), "-noout", "-text");
            Assert.Contains("X509v3 CRL Number: \n                3", text);
            Assert.Contains("X509v3 Authority Key Identifier", text);
            Assert.Contains(string.Join(":", Enumerable.Range(0, ski.Length / 2).Select(i => ski.Substring(2 * i, 2))), text);
            Assert.Contains("Issuer: O = Corp, CN = Crl CA", text);
            Assert.Contains("Last Update: " + Asn1Date(thisUpdate.UtcDateTime), text);
            Assert.Contains("Next Update: " + Asn1Date(thisUpdate.UtcDateTime.AddDays(3)), text);
            Assert.Contains("Revocation Date: " + Asn1Date(revokedAt), text);
            Assert.Equal(new Dictionary<string, string> { [bad] = "Key Compromise" }, OpenSslCrlReasons(S.File("ca/crl/ca.crl")));

            // PEM and DER, in the CA directory and at -Path, all the same CRL; openssl verifies every one.
            byte[] der = File.ReadAllBytes(S.File("ca/crl/ca.der"));
            Assert.Equal((byte[])crl.GetEncoded(), der);
            Assert.Equal(der, File.ReadAllBytes(S.File("www/corp.der")));
            Assert.Equal(File.ReadAllText(S.File("ca/crl/ca.crl")), File.ReadAllText(S.File("www/corp.crl")));
            Assert.StartsWith("-----BEGIN X509 CRL-----", File.ReadAllText(S.File("www/corp.crl")));
            foreach (var (file, form) in new[] { ("ca/crl/ca.crl", "PEM"), ("ca/crl/ca.der", "DER"), ("www/corp.crl", "PEM"), ("www/corp.der", "DER") })
            {
                Assert.Contains("verify OK", OpenSsl.Run("crl", "-inform", form, "-in", S.File(file), "-CAfile", S.File("ca/ca.crt"), "-noout", "-verify").All);
            }

            // openssl verify -crl_check and Test-CertChain -Crl agree, on both certificates, with the PEM and the DER file.
            foreach (string crlFile in new[] { "ca/crl/ca.crl", "www/corp.der" })
            {
                OpenSsl.Result revoked = OpenSsl.Run("verify", "-crl_check", "-CRLfile", S.File(crlFile), "-CAfile", S.File("ca/ca.crt"), S.File("bad.crt"));
                Assert.True(revoked.ExitCode != 0 && revoked.All.Contains("certificate revoked"), revoked.ToString());
                Assert.Equal(0, OpenSsl.Run("verify", "-crl_check", "-CRLfile", S.File(crlFile), "-CAfile", S.File("ca/ca.crt"), S.File("good.crt")).ExitCode);
                Assert.Equal(new[] { "Revoked" }, ProblemCodes($"Test-CertChain -Path ./bad.crt -TrustedRoot ./ca/ca.crt -Crl ./{crlFile}"));
                Assert.Empty(ProblemCodes($"Test-CertChain -Path ./good.crt -TrustedRoot ./ca/ca.crt -Crl ./{crlFile}"));
            }

            // -WhatIf: no number taken, no file touched.
            var before = Snapshot(S.File("ca"));
            Assert.Empty(S.Run("New-Crl -Ca ./ca -WhatIf").ThrowOnError().Output);
            AssertUnchanged(before, S.File("ca"));
            // A publication path named .der is refused (the DER copy goes beside the PEM file).
            Assert.Equal(new[] { "InvalidArgument" }, S.Run("New-Crl -Ca ./ca -Path ./www/x.der").ErrorIds);
            AssertUnchanged(before, S.File("ca"));
        }

        [Fact]
        public void A_leaf_under_an_intermediate_is_checked_against_the_crls_of_both_levels()
        {
            S.Run(@"
                New-Ca -Path ./root -Subject 'CN=Two Level Root' | Out-Null
                New-Ca -Path ./sub -Subject 'CN=Two Level Sub' -Parent ./root | Out-Null
                $good = New-Csr -DnsName good.example | Invoke-CaSign -Ca ./sub -Path ./good
                $bad = New-Csr -DnsName bad.example | Invoke-CaSign -Ca ./sub -Path ./bad
                Revoke-Cert -Ca ./sub -SerialNumber $bad.SerialNumber -Reason KeyCompromise -Confirm:$false
                New-Crl -Ca ./root | Out-Null
                New-Crl -Ca ./sub | Out-Null
            ").ThrowOnError();

            (int OpenSsl, string[] Ours) Check(string leaf, params string[] crls)
            {
                var args = new List<string> { "verify", "-crl_check_all", "-CAfile", S.File("root/ca.crt"), "-untrusted", S.File("sub/ca.crt") };
                foreach (string c in crls) args.AddRange(new[] { "-CRLfile", S.File(c) });
                args.Add(S.File(leaf));
                int exit = OpenSsl.Run(args.ToArray()).ExitCode;
                string crlList = string.Join(", ", crls.Select(c => "./" + c));
                return (exit, ProblemCodes($"Test-CertChain -Path ./{leaf} -TrustedRoot ./root/ca.crt -Intermediate ./sub/ca.crt -Crl {crlList}"));
            }

            var good = Check("good.crt", "root/crl/ca.crl", "sub/crl/ca.crl");
            Assert.Equal(0, good.OpenSsl);
            Assert.Empty(good.Ours);
            var bad = Check("bad.crt", "root/crl/ca.crl", "sub/crl/ca.crl");
            Assert.NotEqual(0, bad.OpenSsl);
            Assert.Equal(new[] { "Revoked" }, bad.Ours);
            Assert.Equal(0, S.Run("(Test-CertChain -Path ./bad.crt -TrustedRoot ./root/ca.crt -Intermediate ./sub/ca.crt -Crl ./root/crl/ca.crl, ./sub/crl/ca.crl).Problems[0].Index").ThrowOnError().Single<int>());

            // Without the root's CRL, the intermediate's status is unknown to both.
            var missing = Check("good.crt", "sub/crl/ca.crl");
            Assert.NotEqual(0, missing.OpenSsl);
            Assert.Equal(new[] { "RevocationUnknown" }, missing.Ours);

            // The root revokes the intermediate: every leaf under it fails, at index 1.
            string subSerial = S.Run("(Get-Ca ./sub).Certificate.SerialNumber").ThrowOnError().Single<string>();
            S.Run($"Revoke-Cert -Ca ./root -SerialNumber {subSerial} -Reason CaCompromise -Confirm:$false; New-Crl -Ca ./root | Out-Null").ThrowOnError();
            var afterCaRevoked = Check("good.crt", "root/crl/ca.crl", "sub/crl/ca.crl");
            Assert.NotEqual(0, afterCaRevoked.OpenSsl);
            Assert.Equal(new[] { "Revoked" }, afterCaRevoked.Ours);
            Assert.Equal(1, S.Run("(Test-CertChain -Path ./good.crt -TrustedRoot ./root/ca.crt -Intermediate ./sub/ca.crt -Crl ./root/crl/ca.crl, ./sub/crl/ca.crl).Problems[0].Index").ThrowOnError().Single<int>());
            Assert.Equal(new Dictionary<string, string> { [subSerial] = "CA Compromise" }, OpenSslCrlReasons(S.File("root/crl/ca.crl")));
        }

        [Fact]
        public void Update_crl_reissues_only_when_due()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Corp' | Out-Null").ThrowOnError();
            // New-Ca wrote CRL number 1: nothing is due yet. Without a CRL (deleted here), Update-Crl makes one.
            Assert.Empty(S.Run("Update-Crl -Ca ./ca -RenewBeforeDays 7").ThrowOnError().Output);
            File.Delete(S.File("ca/crl/ca.crl"));
            var first = S.Run("Update-Crl -Ca ./ca -RenewBeforeDays 7 -Verbose").ThrowOnError();
            Assert.Single(first.Output);
            Assert.Contains(first.Verbose, v => v.Contains("no CRL yet"));
            var before = Snapshot(S.File("ca"));
            var current = S.Run("Update-Crl -Ca ./ca -RenewBeforeDays 7 -Verbose").ThrowOnError();
            Assert.Empty(current.Output);
            Assert.Contains(current.Verbose, v => v.Contains("is current"));
            AssertUnchanged(before, S.File("ca"));
            // nextUpdate (30 days) within 40 days: due. -WhatIf: still nothing written.
            Assert.Empty(S.Run("Update-Crl -Ca ./ca -RenewBeforeDays 40 -WhatIf").ThrowOnError().Output);
            AssertUnchanged(before, S.File("ca"));
            var renewed = S.Run("Update-Crl -Ca ./ca -RenewBeforeDays 40 -Verbose").ThrowOnError();
            Assert.Single(renewed.Output);
            Assert.Contains(renewed.Verbose, v => v.Contains("within 40 days"));
            // A revocation the CRL lacks makes it due at once.
            S.Run("New-Csr -DnsName a.example | Invoke-CaSign -Ca ./ca | Revoke-Cert -Ca ./ca -Reason KeyCompromise -Confirm:$false").ThrowOnError();
            var revoked = S.Run("Update-Crl -Ca ./ca -RenewBeforeDays 7 -Verbose").ThrowOnError();
            dynamic crl = revoked.Single();
            Assert.Contains(revoked.Verbose, v => v.Contains("1 revocation(s) in the ledger are not in the current CRL"));
            Assert.Equal(1, (int)crl.RevokedCount);
            Assert.Equal("4", (string)crl.CrlNumber);
            Assert.Empty(S.Run("Update-Crl -Ca ./ca -RenewBeforeDays 7").ThrowOnError().Output);
            // A CRL file another key signed is replaced.
            S.Run("New-Ca -Path ./other -Subject 'CN=Corp' | Out-Null; New-Crl -Ca ./other | Out-Null").ThrowOnError();
            File.Copy(S.File("other/crl/ca.crl"), S.File("ca/crl/ca.crl"), overwrite: true);
            var foreign = S.Run("Update-Crl -Ca ./ca -RenewBeforeDays 7 -Verbose").ThrowOnError();
            Assert.Single(foreign.Output);
            Assert.Contains(foreign.Verbose, v => v.Contains("not signed by this CA's key"));
        }

        /// <summary>How openssl prints an ASN.1 time ("Nov  3 10:59:58 2026 GMT").</summary>
        private static string Asn1Date(DateTime utc) =>
            utc.ToString("MMM", System.Globalization.CultureInfo.InvariantCulture) + " " + utc.Day.ToString().PadLeft(2) + " " +
            utc.ToString("HH:mm:ss yyyy", System.Globalization.CultureInfo.InvariantCulture) + " GMT";
    }
}
