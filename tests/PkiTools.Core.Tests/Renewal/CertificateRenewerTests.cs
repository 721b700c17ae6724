using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using PkiTools.Core.Ca;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.Renewal;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Renewal
{
    /// <summary>The renewer's crash safety: interrupted renewals completed, the folder lock, and SIGKILL at random points.</summary>
    public class CertificateRenewerTests
    {
        /// <summary>A CA and <paramref name="count"/> site certificates (x.crt, x.key, x.fullchain.crt) in ./site.</summary>
        private static CaDirectory Site(TempDir dir, int count)
        {
            CaDirectory ca = CaDirectory.Create(dir.File("ca"), "CN=Renewer Test CA");
            Directory.CreateDirectory(dir.File("site"));
            for (int i = 0; i < count; i++)
            {
                var key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
                string name = $"site{i}.example";
                IssuedCertificate issued = ca.Issue(key, new CertificateTemplate { Subject = "CN=" + name, DnsNames = new[] { name }, ValidDays = 30 });
                File.WriteAllText(dir.File($"site/site{i}.crt"), issued.Pem);
                File.WriteAllText(dir.File($"site/site{i}.fullchain.crt"), issued.Pem);
                File.WriteAllText(dir.File($"site/site{i}.key"), key.ExportPem());
            }
            return ca;
        }

        /// <summary>The certificate matches its key, and the full chain starts with that certificate.</summary>
        private static bool Whole(string crt)
        {
            string stem = crt.Substring(0, crt.Length - ".crt".Length);
            X509Certificate2 cert = CertificateFiles.Read(File.ReadAllBytes(crt), null).Leaf;
            PrivateKey key = PrivateKey.Import(File.ReadAllBytes(stem + ".key"));
            X509Certificate2 chainLeaf = CertificateFiles.Read(File.ReadAllBytes(stem + ".fullchain.crt"), null).Leaf;
            return CertificateFacts.KeyMatches(cert, key) && chainLeaf.RawData.SequenceEqual(cert.RawData);
        }

        [Fact]
        public void A_journal_left_by_a_killed_run_is_completed_and_unjournalled_temporary_files_are_swept()
        {
            using var dir = new TempDir();
            CaDirectory ca = Site(dir, 1);
            string crt = dir.File("site/site0.crt"), key = dir.File("site/site0.key");
            // What a run killed between two renames leaves: the new key in place, the new certificate still staged.
            var newKey = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            IssuedCertificate renewed = ca.Issue(newKey, new CertificateTemplate { Subject = "CN=site0.example", DnsNames = new[] { "site0.example" }, ValidDays = 30 });
            string stagedCrt = dir.File("site/.site0.crt.0123456789ab.tmp");
            string stagedChain = dir.File("site/.site0.fullchain.crt.0123456789ac.tmp");
            File.WriteAllText(stagedCrt, renewed.Pem);
            File.WriteAllText(stagedChain, renewed.Pem);
            File.WriteAllText(key, newKey.ExportPem());
            File.WriteAllText(dir.File("site/.site0.crt.renewal-journal"),
                $"{dir.File("site/.site0.key.0123456789ad.tmp")}\t{key}\n{stagedCrt}\t{crt}\n{stagedChain}\t{dir.File("site/site0.fullchain.crt")}\n");
            string orphan = dir.File("site/.other.crt.0123456789ff.tmp");
            File.WriteAllText(orphan, "staged by a run killed before its journal");
            File.SetLastWriteTimeUtc(orphan, DateTime.UtcNow.AddMinutes(-1));
            Assert.False(Whole(crt));

            CertificateRenewer.CompleteInterruptedRenewals(dir.File("site"));

            Assert.True(Whole(crt));
            Assert.Equal(renewed.Der, CertificateFiles.Read(File.ReadAllBytes(crt), null).Leaf.RawData);
            Assert.Empty(Directory.GetFiles(dir.File("site"), ".*"));
        }

        [Fact]
        public void A_second_run_on_the_same_folder_waits_for_the_lock_and_then_fails_its_files_with_LockTimeout()
        {
            using var dir = new TempDir();
            CaDirectory ca = Site(dir, 2);
            using var held = new FileStream(dir.File("site/" + CertificateRenewer.LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            var renewer = new CertificateRenewer(new[] { ca }, new RenewalOptions { Force = true, LockTimeout = TimeSpan.FromMilliseconds(300) });
            string before = File.ReadAllText(dir.File("site/site0.crt"));

            var results = renewer.RenewAll(new[] { dir.File("site/site0.crt"), dir.File("site/site1.crt") }).ToList();

            Assert.All(results, r => Assert.Equal((RenewalAction.Failed, (PkiErrorCode?)PkiErrorCode.LockTimeout), (r.Action, r.FailureCode)));
            Assert.Contains("Another renewal held", results[0].Message);
            Assert.Equal(before, File.ReadAllText(dir.File("site/site0.crt")));
        }

        [Fact]
        public void Killed_at_random_points_twenty_times_every_set_is_old_or_new_never_mixed()
        {
            using var dir = new TempDir();
            CaDirectory ca = Site(dir, 3);
            var random = new Random(20261206);
            int journalsSeen = 0, renewalsSeen = 0;
            for (int kill = 0; kill < 20; kill++)
            {
                var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "PkiTools.CaStress.dll"), "renew", ca.Folder, dir.File("site"), "1000" }) psi.ArgumentList.Add(a);
                using Process worker = Process.Start(psi)!;
                var output = new StringBuilder();
                worker.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
                worker.BeginOutputReadLine();
                worker.BeginErrorReadLine();
                var started = Stopwatch.StartNew();
                while (true)
                {
                    lock (output) if (output.ToString().Contains("START")) break;
                    Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), "the worker did not start");
                    Thread.Sleep(5);
                }
                Thread.Sleep(random.Next(20, 1200));
                worker.Kill(); // SIGKILL
                worker.WaitForExit();
                lock (output) renewalsSeen += output.ToString().Split('\n').Count(l => l.StartsWith("RENEWED Renewed", StringComparison.Ordinal));

                // Right after the kill: every set is whole, except one a journal says is half renamed.
                string[] journals = Directory.GetFiles(dir.File("site"), "*.renewal-journal");
                journalsSeen += journals.Length;
                foreach (string crt in Directory.GetFiles(dir.File("site"), "site?.crt"))
                {
                    bool journalled = journals.Any(j => Path.GetFileName(j) == "." + Path.GetFileName(crt) + ".renewal-journal");
                    Assert.True(journalled || Whole(crt), $"kill {kill}: {crt} does not match its key or chain, and no journal covers it");
                }
                // The next run's first step completes what the journal names: then every set is whole.
                CertificateRenewer.CompleteInterruptedRenewals(dir.File("site"));
                foreach (string crt in Directory.GetFiles(dir.File("site"), "site?.crt")) Assert.True(Whole(crt), $"kill {kill}, after recovery: {crt}");
                Assert.Empty(Directory.GetFiles(dir.File("site"), "*.tmp"));
            }
            Assert.True(renewalsSeen >= 5, "the workers renewed " + renewalsSeen + " times before being killed");
            Console.WriteLine($"SIGKILL x20: {renewalsSeen} renewals completed, {journalsSeen} kills landed inside the renames");
        }

        [Theory]
        [InlineData(KeyAlgorithm.EcdsaP256, PrivateKeyFormat.Sec1, true)]
        [InlineData(KeyAlgorithm.EcdsaP256, PrivateKeyFormat.Pkcs8, false)]
        [InlineData(KeyAlgorithm.EcdsaP384, PrivateKeyFormat.Sec1, false)]
        [InlineData(KeyAlgorithm.Rsa2048, PrivateKeyFormat.Pkcs1, false)]
        [InlineData(KeyAlgorithm.Rsa2048, PrivateKeyFormat.Pkcs1, true)]
        public void A_new_key_is_written_in_the_old_key_files_encoding_and_openssl_reads_it(KeyAlgorithm algorithm, PrivateKeyFormat format, bool pem)
        {
            using var dir = new TempDir();
            CaDirectory ca = CaDirectory.Create(dir.File("ca"), "CN=Encoding CA");
            var key = PrivateKey.Generate(algorithm);
            IssuedCertificate issued = ca.Issue(key, new CertificateTemplate { Subject = "CN=enc.example", DnsNames = new[] { "enc.example" }, ValidDays = 30 });
            string crt = dir.File("enc.crt"), keyFile = dir.File("enc.key");
            File.WriteAllBytes(crt, pem ? Encoding.ASCII.GetBytes(issued.Pem) : issued.Der);
            File.WriteAllBytes(keyFile, key.Export(new PrivateKeyEncoding(format, pem, encrypted: false)));

            RenewalResult result = new CertificateRenewer(new[] { ca }, new RenewalOptions { Force = true }).Renew(crt);

            Assert.True(result.Action == RenewalAction.Renewed, result.Message);
            byte[] newKey = File.ReadAllBytes(keyFile);
            PrivateKeyEncoding kept = PrivateKey.DetectEncoding(newKey);
            Assert.Equal((format, pem), (kept.Format, kept.Pem));
            X509Certificate2 renewed = CertificateFiles.Read(File.ReadAllBytes(crt), null).Leaf;
            Assert.True(CertificateFacts.KeyMatches(renewed, PrivateKey.Import(newKey)));
            Assert.False(CertificateFacts.KeyMatches(renewed, key));
            // openssl, independently: the new key file reads in its form, and its public key is the certificate's.
            string inform = pem ? "PEM" : "DER";
            var fromKey = OpenSsl.RunIn(dir.Path, null, "pkey", "-inform", inform, "-in", keyFile, "-pubout");
            var fromCert = OpenSsl.RunIn(dir.Path, null, "x509", "-inform", inform, "-in", crt, "-noout", "-pubkey");
            Assert.True(fromKey.ExitCode == 0, fromKey.Stderr);
            Assert.Equal(fromCert.Stdout, fromKey.Stdout);
        }

        [Fact]
        public void ReuseKey_reads_a_DER_key_file_and_leaves_it_as_it_was()
        {
            using var dir = new TempDir();
            CaDirectory ca = CaDirectory.Create(dir.File("ca"), "CN=Reuse CA");
            var key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            IssuedCertificate issued = ca.Issue(key, new CertificateTemplate { Subject = "CN=reuse.example", DnsNames = new[] { "reuse.example" }, ValidDays = 30 });
            string crt = dir.File("reuse.crt"), keyFile = dir.File("reuse.key");
            File.WriteAllBytes(crt, issued.Der);
            byte[] der = key.ExportDer(PrivateKeyFormat.Sec1);
            File.WriteAllBytes(keyFile, der);

            RenewalResult result = new CertificateRenewer(new[] { ca }, new RenewalOptions { Force = true, ReuseKey = true }).Renew(crt);

            Assert.True(result.Action == RenewalAction.Renewed, result.Message);
            Assert.Equal(der, File.ReadAllBytes(keyFile));
            Assert.True(CertificateFacts.KeyMatches(CertificateFiles.Read(File.ReadAllBytes(crt), null).Leaf, key));
        }

        [Fact]
        public void An_encrypted_DER_key_is_skipped_not_overwritten()
        {
            using var dir = new TempDir();
            CaDirectory ca = CaDirectory.Create(dir.File("ca"), "CN=Encrypted CA");
            var key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            IssuedCertificate issued = ca.Issue(key, new CertificateTemplate { Subject = "CN=enc.example", DnsNames = new[] { "enc.example" }, ValidDays = 30 });
            string crt = dir.File("enc.crt"), keyFile = dir.File("enc.key");
            File.WriteAllText(crt, issued.Pem);
            byte[] encrypted = PasswordBasedEncryption.EncryptPkcs8(key.ExportPkcs8(), "pw".ToCharArray(), PbeScheme.Aes256Pbkdf2Sha256, 1000);
            File.WriteAllBytes(keyFile, encrypted);

            RenewalResult result = new CertificateRenewer(new[] { ca }, new RenewalOptions { Force = true }).Renew(crt);

            Assert.Equal(RenewalAction.Skipped, result.Action);
            Assert.Contains("encrypted", result.Message);
            Assert.Equal(encrypted, File.ReadAllBytes(keyFile));
            Assert.Equal(issued.Pem, File.ReadAllText(crt));
        }
    }
}
