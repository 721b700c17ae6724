using System;
using System.IO;
using System.Linq;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>No output of any cmdlet lands on a CA's own files (key, certificate, ledger, serial, crlnumber, policy, config), -Force or not.</summary>
    public class CaOwnFilesTests : CaTestBase
    {
        [Theory]
        [InlineData("New-Csr -DnsName web.corp.example | Invoke-CaSign -Ca ./ca -Path ./ca/private/ca -Force", "ca/private/ca.key")]
        [InlineData("New-Csr -DnsName web.corp.example | Invoke-CaSign -Ca ./ca -Path ./ca/private/ca", "ca/private/ca.key")]
        [InlineData("New-Csr -DnsName web.corp.example | Invoke-CaSign -Ca ./ca -Path ./ca/ca -Force", "ca/ca.crt")]
        [InlineData("New-Crl -Ca ./ca -Path ./ca/crlnumber -Force", "ca/crlnumber")]
        [InlineData("New-Crl -Ca ./ca -Path ./ca/policy.json -Force", "ca/policy.json")]
        [InlineData("Update-Crl -Ca ./ca -RenewBeforeDays 3650 -Path ./ca/openssl.cnf -Force", "ca/openssl.cnf")]
        [InlineData("$leaf | Export-Cert -Path ./ca/ca.crt -Force", "ca/ca.crt")]
        [InlineData("New-PrivateKey -Path ./ca/private/ca.key -Force | Out-Null", "ca/private/ca.key")]
        [InlineData("New-PrivateKey -Path ./ca/serial -Force | Out-Null", "ca/serial")]
        [InlineData("New-PrivateKey | Export-PrivateKey -Path ./ca/private/ca.key -Force", "ca/private/ca.key")]
        public void A_cas_own_file_is_never_replaced(string script, string protectedFile)
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Own Files Root' | Out-Null; $leaf = New-Csr -DnsName leaf.corp.example | Invoke-CaSign -Ca ./ca").ThrowOnError();
            var before = Snapshot(S.File("ca"));
            var r = S.Run(script);
            Assert.True(r.ErrorIds.SequenceEqual(new[] { "FileExists" }), string.Join(", ", r.ErrorIds) + " " + string.Join(" | ", r.Errors.Select(e => e.ToString())));
            string message = r.Errors[0].ToString();
            Assert.Contains("CA's own files", message);
            Assert.Contains(Path.GetFileName(protectedFile), message);
            AssertUnchanged(before, S.File("ca")); // nothing issued, recorded or replaced
        }

        [Fact]
        public void Files_next_to_a_ca_that_are_not_its_own_are_written_as_usual()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Own Files Root' | Out-Null").ThrowOnError();
            S.Run("New-Csr -DnsName web.corp.example | Invoke-CaSign -Ca ./ca -Path ./ca/web | Out-Null; New-Crl -Ca ./ca -Path ./ca/published.crl | Out-Null").ThrowOnError();
            Assert.True(File.Exists(S.File("ca/web.crt")));
            Assert.True(File.Exists(S.File("ca/published.crl")));
        }
    }
}
