using System.Linq;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>Test-CertChain -RevocationFlag (X509RevocationFlag's names) and what -Verbose says about the checks and paths.</summary>
    public class RevocationFlagTests : ModuleTestBase
    {
        public RevocationFlagTests()
        {
            S.Run(@"
                New-Ca -Path ./root -Subject 'CN=Flag Root' | Out-Null
                New-Ca -Path ./int -Subject 'CN=Flag Issuing' -Parent ./root | Out-Null
                $good = New-Csr -DnsName good.example | Invoke-CaSign -Ca ./int
                $bad = New-Csr -DnsName bad.example | Invoke-CaSign -Ca ./int
                $bad | Revoke-Cert -Ca ./int -Reason KeyCompromise -Confirm:$false
                New-Crl -Ca ./int -Path ./int.crl | Out-Null
                New-Crl -Ca ./root -Path ./root.crl | Out-Null
            ").ThrowOnError();
        }

        private string[] Codes(string script) =>
            S.Run($"({script}).Problems | ForEach-Object {{ '{{0}}@{{1}}' -f $_.Code, $_.Index }}").ThrowOnError().Output.Select(o => o.ToString()).ToArray();

        private const string Chain = "Test-CertChain -TrustedRoot ./root/ca.crt -Intermediate ./int/ca.crt";

        [Fact]
        public void Default_checks_every_certificate_below_the_anchor()
        {
            Assert.Equal(new[] { "RevocationUnknown@1" }, Codes($"$good | {Chain} -Crl ./int.crl"));
            Assert.Equal(new[] { "RevocationUnknown@1" }, Codes($"$good | {Chain} -Crl ./int.crl -RevocationFlag ExcludeRoot"));
            Assert.Empty(Codes($"$good | {Chain} -Crl ./int.crl, ./root.crl"));
        }

        [Fact]
        public void EndCertificateOnly_checks_a_leaf_with_the_issuing_CAs_crl_alone()
        {
            Assert.True(S.Run($"$good | {Chain} -Crl ./int.crl -RevocationFlag EndCertificateOnly -Quiet").ThrowOnError().Single<bool>());
            Assert.Equal(new[] { "Revoked@0" }, Codes($"$bad | {Chain} -Crl ./int.crl -RevocationFlag EndCertificateOnly"));
        }

        [Fact]
        public void EntireChain_checks_the_root_too()
        {
            Assert.Equal(new[] { "RevocationUnknown@1", "RevocationUnknown@2" }, Codes($"$good | {Chain} -Crl ./int.crl -RevocationFlag EntireChain"));
            Assert.Empty(Codes($"$good | {Chain} -Crl ./int.crl, ./root.crl -RevocationFlag EntireChain"));
        }

        [Fact]
        public void X509RevocationFlag_values_bind_too()
        {
            Assert.True(S.Run($"$good | {Chain} -Crl ./int.crl -RevocationFlag ([Security.Cryptography.X509Certificates.X509RevocationFlag]::EndCertificateOnly) -Quiet").ThrowOnError().Single<bool>());
        }

        [Fact]
        public void A_flag_without_revocation_checking_warns()
        {
            var r = S.Run($"$good | {Chain} -RevocationFlag EndCertificateOnly -Quiet").ThrowOnError();
            Assert.True(r.Single<bool>());
            Assert.Contains(r.Warnings, w => w.Contains("-RevocationFlag has no effect"));
        }

        [Fact]
        public void Verbose_names_the_checks_and_the_paths_tried()
        {
            var r = S.Run($"$good | {Chain} -Crl ./int.crl -RevocationFlag EndCertificateOnly -DnsName good.example -MaxDepth 1 -Verbose").ThrowOnError();
            string checks = Assert.Single(r.Verbose, v => v.StartsWith("Checks:"));
            foreach (string part in new[] { "revocation: Offline", "EndCertificateOnly", "good.example", "purpose: ServerAuth", "at most 1 intermediate" })
            {
                Assert.Contains(part, checks);
            }
            Assert.Contains(r.Verbose, v => v.StartsWith("Path 1: 'CN=good.example' -> 'CN=Flag Issuing' -> 'CN=Flag Root' reaches a trusted anchor: valid"));
            Assert.DoesNotContain(S.Run($"$good | {Chain} -Quiet").ThrowOnError().Verbose, v => v.StartsWith("Checks:"));
        }
    }
}
