using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>
    /// Hostile files through the cmdlets a user runs: each gives exactly one ErrorRecord with a stable id and a message
    /// naming the file, finishes quickly, and leaves no output file behind. (The core tests push far more inputs.)
    /// </summary>
    public class HostileFileTests : ModuleTestBase
    {
        public HostileFileTests()
        {
            var pw = new SecureString();
            foreach (char c in "right") pw.AppendChar(c);
            var wrong = new SecureString();
            foreach (char c in "wrong") wrong.AppendChar(c);
            S.Run(@"
                $pw = $p; $wrong = $w
                $root = New-SelfSignedCert -Subject 'CN=Hostile Root' -Profile RootCa -Path ./root
                $root | Export-Cert -Path ./good.pfx -Format Pfx -Password $pw
                $root | Export-Cert -Path ./good.p7b -Format P7b
            ", new Dictionary<string, object?> { ["p"] = pw, ["w"] = wrong }).ThrowOnError();
        }

        private void Expect(string file, string command, params string[] ids)
        {
            var watch = Stopwatch.StartNew();
            var r = S.Run(command);
            watch.Stop();
            Assert.True(r.ErrorIds.Count == 1 && ids.Contains(r.ErrorIds[0]), $"{file}: got [{string.Join(",", r.ErrorIds)}], want one of [{string.Join(",", ids)}]");
            string text = r.Errors[0].ToString();
            Assert.Contains(file, text);
            Assert.DoesNotContain("   at ", text);
            Assert.DoesNotContain("right", text);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"{file} took {watch.Elapsed}");
        }

        [Fact]
        public void Pfx_problems_each_get_their_id()
        {
            Expect("good.pfx", "Import-Cert ./good.pfx -Password $wrong", "PasswordIncorrect");
            Expect("good.pfx", "Import-Cert ./good.pfx", "PasswordRequired");
            byte[] pfx = File.ReadAllBytes(S.File("good.pfx"));
            byte[] brokenMac = (byte[])pfx.Clone();
            brokenMac[^30] ^= 0x01; // inside the MAC digest at the end of the file
            File.WriteAllBytes(S.File("mac.pfx"), brokenMac);
            Expect("mac.pfx", "Import-Cert ./mac.pfx -Password $pw", "PasswordIncorrect", "CertificateInvalid");
            foreach (int cut in new[] { 1, 10, pfx.Length / 3, pfx.Length / 2, pfx.Length - 5 })
            {
                File.WriteAllBytes(S.File("cut.pfx"), pfx.Take(cut).ToArray());
                Expect("cut.pfx", "Import-Cert ./cut.pfx -Password $pw", "CertificateInvalid", "FormatUnknown");
            }
        }

        [Fact]
        public void Garbage_of_every_kind_is_refused_cleanly()
        {
            var random = new Random(7);
            var corpus = new Dictionary<string, byte[]>
            {
                ["empty.crt"] = Array.Empty<byte>(),
                ["random.crt"] = Enumerable.Range(0, 4096).Select(_ => (byte)random.Next(256)).ToArray(),
                ["label.crt"] = System.Text.Encoding.ASCII.GetBytes(File.ReadAllText(S.File("root.crt")).Replace("CERTIFICATE", "CERTIFICATE REQUEST")),
                ["base64.crt"] = System.Text.Encoding.ASCII.GetBytes("-----BEGIN CERTIFICATE-----\n!!!!not*base64????\n-----END CERTIFICATE-----\n"),
                ["nested.der"] = Enumerable.Repeat(new byte[] { 0x30, 0x80 }, 50_000).SelectMany(b => b).ToArray(),
                ["hugelength.der"] = new byte[] { 0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xF0, 0x02, 0x01, 0x01 },
            };
            foreach (var (name, bytes) in corpus)
            {
                File.WriteAllBytes(S.File(name), bytes);
                Expect(name, $"Import-Cert ./{name}", name == "label.crt" ? new[] { "WrongFileType" } : new[] { "FormatUnknown", "CertificateInvalid" });
            }
        }

        [Fact]
        public void A_50_MB_file_is_refused_before_it_is_read()
        {
            using (var f = new FileStream(S.File("big.pem"), FileMode.Create)) f.SetLength(50L * 1024 * 1024);
            Expect("big.pem", "Import-Cert ./big.pem", "FileTooLarge");
            Expect("big.pem", "Import-PrivateKey ./big.pem", "FileTooLarge");
            Expect("big.pem", "Test-CertChain -Path ./big.pem -TrustedRoot $root", "FileTooLarge");
        }

        [Fact]
        public void Failed_exports_leave_no_file()
        {
            Expect("out.pfx", "$root | Export-Cert -Path ./out.pfx -Format Pfx", "PasswordRequired");
            Expect("out.pem", "$root | Export-Cert -Path ./out.pem -IncludeKey -Key (New-PrivateKey)", "KeyMismatch");
            Assert.False(File.Exists(S.File("out.pfx")));
            Assert.False(File.Exists(S.File("out.pem")));
            Assert.Empty(Directory.GetFiles(S.Directory, "*.tmp"));
        }
    }
}
