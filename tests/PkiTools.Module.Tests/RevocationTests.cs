using System;
using System.IO;
using System.Linq;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>Test-CertChain -Crl with CRLs that `openssl ca -gencrl` writes: the user's view of revocation.</summary>
    public class RevocationTests : ModuleTestBase
    {
        public RevocationTests()
        {
            S.Run(@"
                $root = New-SelfSignedCert -Subject 'CN=Revoking Root' -Profile RootCa -Path ./root
                $bad = New-Csr -DnsName bad.example | Invoke-CaSign -Issuer $root -Path ./bad
                $good = New-Csr -DnsName good.example | Invoke-CaSign -Issuer $root -Path ./good
            ").ThrowOnError();
        }

        /// <summary>An openssl ca set-up whose index.txt revokes the 'bad' certificate, and the CRL it generates.</summary>
        private void OpenSslCrl(string file, int days, string? extraExtension = null)
        {
            string serial = S.Run("$bad.SerialNumber").ThrowOnError().Single<string>();
            if (serial.Length % 2 == 1) serial = "0" + serial;
            File.WriteAllText(S.File("index.txt"), $"R\t{DateTime.UtcNow.AddDays(300):yyMMddHHmmss}Z\t{DateTime.UtcNow.AddHours(-1):yyMMddHHmmss}Z,keyCompromise\t{serial}\tunknown\t/CN=bad.example\n");
            File.WriteAllText(S.File("crlnumber"), "1000\n");
            File.WriteAllText(S.File("ca.cnf"), $@"[ ca ]
default_ca = CA_default
[ CA_default ]
database = {S.File("index.txt")}
crlnumber = {S.File("crlnumber")}
default_md = sha256
default_crl_days = {days}
{(extraExtension != null ? "crl_extensions = crl_ext\n[ crl_ext ]\n" + extraExtension + "\n" : "")}");
            OpenSsl.Ok("ca", "-gencrl", "-config", S.File("ca.cnf"), "-keyfile", S.File("root.key"), "-cert", S.File("root.crt"), "-out", S.File(file));
        }

        [Fact]
        public void A_revoked_certificate_is_reported_with_reason_and_date_and_openssl_agrees()
        {
            OpenSslCrl("ca.crl", 7);
            var r = S.Run("$bad | Test-CertChain -TrustedRoot $root -Crl ./ca.crl").ThrowOnError();
            dynamic result = r.Single();
            Assert.False((bool)result.IsValid);
            dynamic problem = ((System.Collections.IEnumerable)result.Problems).Cast<object>().Single();
            Assert.Equal("Revoked", problem.Code.ToString());
            Assert.Equal(0, (int)problem.Index);
            Assert.Contains("KeyCompromise", (string)problem.Message, StringComparison.OrdinalIgnoreCase);
            Assert.True(S.Run("$good | Test-CertChain -TrustedRoot $root -Crl ./ca.crl -Quiet").ThrowOnError().Single<bool>());
            Assert.NotEqual(0, OpenSsl.Run("verify", "-crl_check", "-CRLfile", S.File("ca.crl"), "-CAfile", S.File("root.crt"), S.File("bad.crt")).ExitCode);
            Assert.Equal(0, OpenSsl.Run("verify", "-crl_check", "-CRLfile", S.File("ca.crl"), "-CAfile", S.File("root.crt"), S.File("good.crt")).ExitCode);
        }

        [Fact]
        public void An_expired_crl_makes_revocation_unknown_and_NoCheck_skips_it()
        {
            OpenSslCrl("old.crl", 1);
            var codes = S.Run("($good | Test-CertChain -TrustedRoot $root -Crl ./old.crl -At ([datetime]::UtcNow.AddDays(3))).Problems | ForEach-Object { [string]$_.Code }").ThrowOnError().Output.Select(o => o.ToString()).ToArray();
            Assert.Equal(new[] { "RevocationUnknown" }, codes);
            Assert.True(S.Run("$bad | Test-CertChain -TrustedRoot $root -Crl ./old.crl -RevocationMode NoCheck -Quiet").ThrowOnError().Single<bool>());
            Assert.Contains("RevocationUnknown", S.Run("($good | Test-CertChain -TrustedRoot $root -RevocationMode Offline).Problems | ForEach-Object { [string]$_.Code }").ThrowOnError().Output.Select(o => o.ToString()));
        }

        [Fact]
        public void A_crl_with_a_critical_extension_we_do_not_process_is_never_used_and_said_so()
        {
            OpenSslCrl("odd.crl", 7, "1.3.6.1.4.1.55555.9 = critical,ASN1:NULL");
            var r = S.Run("($bad | Test-CertChain -TrustedRoot $root -Crl ./odd.crl).Problems | ForEach-Object { [string]$_.Code }").ThrowOnError();
            Assert.Equal(new[] { "RevocationUnknown" }, r.Output.Select(o => o.ToString()));
            Assert.Contains("1.3.6.1.4.1.55555.9", Assert.Single(r.Warnings));
        }

        [Fact]
        public void A_crl_file_that_is_not_a_crl_is_skipped_with_a_warning_and_the_good_one_still_decides()
        {
            OpenSslCrl("ca.crl", 7);
            File.WriteAllText(S.File("junk.crl"), "junk");
            var r = S.Run("$good | Test-CertChain -TrustedRoot $root -Crl ./junk.crl, ./ca.crl -Quiet").ThrowOnError();
            Assert.True(r.Single<bool>());
            Assert.Contains(S.File("junk.crl"), Assert.Single(r.Warnings));
        }
    }
}
