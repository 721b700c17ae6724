using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using PkiTools.Tests;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.Module.Tests
{
    /// <summary>Timed cmdlet work runs alone (after the parallel tests), so it neither slows nor is slowed by other tests.</summary>
    [CollectionDefinition(nameof(CaTimingCollection), DisableParallelization = true)]
    public sealed class CaTimingCollection
    {
    }

    /// <summary>
    /// New-Crl on a ledger of 100,000 revocations against <c>openssl ca -gencrl</c> on the same directory: the only test
    /// here that depends on timing, with generous slack (ours at most 1.5 times openssl's plus half a second).
    /// </summary>
    [Collection(nameof(CaTimingCollection))]
    public class CaScaleTests : ModuleTestBase
    {
        private const int Count = 100_000;
        private readonly ITestOutputHelper _output;

        public CaScaleTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void New_crl_on_100000_revocations_is_no_slower_than_openssl_ca_gencrl()
        {
            S.Run(@"
                New-Ca -Path ./warm -Subject 'CN=Warm-up' | Out-Null
                New-Csr -DnsName w.example | Invoke-CaSign -Ca ./warm | Revoke-Cert -Ca ./warm -Confirm:$false
                New-Crl -Ca ./warm | Out-Null
                New-Ca -Path ./ca -Subject 'CN=Big CA' | Out-Null
            ").ThrowOnError();

            // The ledger written directly: 100,000 revoked certificates, every reason openssl can name.
            string[] reasons = { "keyCompromise", "CACompromise", "affiliationChanged", "superseded", "cessationOfOperation", "unspecified", "certificateHold" };
            var rng = new Random(5);
            var serial = new byte[16];
            var index = new StringBuilder(Count * 90);
            for (int i = 0; i < Count; i++)
            {
                rng.NextBytes(serial);
                serial[0] = (byte)(0x10 | (serial[0] & 0x6F));
                serial[13] = (byte)(i >> 16);
                serial[14] = (byte)(i >> 8);
                serial[15] = (byte)i;
                index.Append("R\t300101000000Z\t2605").Append((1 + i % 28).ToString("00")).Append("120000Z,").Append(reasons[i % reasons.Length])
                    .Append('\t').Append(Convert.ToHexString(serial)).Append("\tunknown\t/CN=host").Append(i).Append(".example\n");
            }
            File.WriteAllText(S.File("ca/index.txt"), index.ToString());
            string cnf = S.File("ca/openssl.cnf");

            TimeSpan theirs = TimeSpan.MaxValue, ours = TimeSpan.MaxValue;
            for (int round = 0; round < 2; round++)
            {
                var sw = Stopwatch.StartNew();
                OpenSsl.Result gencrl = OpenSsl.Run("ca", "-config", cnf, "-gencrl", "-batch", "-out", S.File("openssl.crl"));
                sw.Stop();
                Assert.True(gencrl.ExitCode == 0, gencrl.ToString());
                if (sw.Elapsed < theirs) theirs = sw.Elapsed;

                sw = Stopwatch.StartNew();
                S.Run("New-Crl -Ca ./ca | Out-Null").ThrowOnError();
                sw.Stop();
                if (sw.Elapsed < ours) ours = sw.Elapsed;
            }
            var open = Stopwatch.StartNew();
            Assert.Equal(Count, S.Run("(Get-Ca ./ca).RevokedCount").ThrowOnError().Single<int>());
            open.Stop();
            string line = $"New-Crl on a {Count:N0}-revocation ledger (open the CA, read index.txt, build, sign, self-check, write PEM + DER): " +
                          $"{ours.TotalMilliseconds:F0} ms; openssl ca -gencrl on the same directory: {theirs.TotalMilliseconds:F0} ms (best of 2 each); Get-Ca with the revoked count alone: {open.ElapsedMilliseconds} ms";
            _output.WriteLine(line);
            Console.WriteLine("[CaScaleTests] " + line);

            int revoked = S.Run("[PkiTools.Core.Revocation.CertificateRevocationList]::Parse([IO.File]::ReadAllBytes($f)).RevokedCount", Vars("f", S.File("ca/crl/ca.crl"))).ThrowOnError().Single<int>();
            Assert.Equal(Count, revoked);
            Assert.Contains("verify OK", OpenSsl.Run("crl", "-in", S.File("ca/crl/ca.crl"), "-CAfile", S.File("ca/ca.crt"), "-noout", "-verify").All);
            Assert.Equal(Count, OpenSsl.Ok("crl", "-in", S.File("openssl.crl"), "-noout", "-text").Split("Serial Number:").Length - 1);
            Assert.True(ours <= theirs * 1.5 + TimeSpan.FromSeconds(0.5), line);
        }
    }
}
