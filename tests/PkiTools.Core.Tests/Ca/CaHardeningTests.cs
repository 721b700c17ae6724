using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using PkiTools.Core.Ca;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;
using PkiTools.Core.Revocation;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Ca
{
    /// <summary>Issue 11's CA holes: a lost ledger, read-only opening, umask-proof modes, stale temporary files; and the ledger seam.</summary>
    public class CaHardeningTests
    {
        private static CertificateSigningRequest Csr(string cn) => CaDirectoryTests.Csr(cn);

        /// <summary>Every file and folder under <paramref name="dir"/> with its content hash.</summary>
        private static SortedDictionary<string, string> Snapshot(string dir)
        {
            var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (string d in Directory.GetDirectories(dir, "*", SearchOption.AllDirectories)) map[Path.GetRelativePath(dir, d) + "/"] = "dir";
            foreach (string f in Directory.GetFiles(dir, "*", SearchOption.AllDirectories)) map[Path.GetRelativePath(dir, f)] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)));
            return map;
        }

        // ---- hole 1: a missing index.txt is a lost ledger, not an empty one ----

        [Fact]
        public void A_ca_that_has_issued_and_lost_its_index_is_LedgerCorrupt_and_nothing_is_written()
        {
            using var tmp = new TempDir();
            var ca = CaDirectory.Create(tmp.File("ca"), "CN=Lost Ledger Root");
            var a = ca.Issue(Csr("a.example"));
            ca.Issue(Csr("b.example"));
            ca.Revoke(a.Certificate.SerialNumber);
            ca.NewCrl();
            File.Delete(Path.Combine(ca.Folder, "index.txt"));
            var before = Snapshot(ca.Folder);
            var ex = Assert.Throws<PkiException>(() => CaDirectory.Open(ca.Folder));
            Assert.Equal(PkiErrorCode.LedgerCorrupt, ex.Code);
            Assert.Contains("un-revoke", ex.Message);
            Assert.Equal(before, Snapshot(ca.Folder)); // no fresh index.txt, nothing else
        }

        [Fact]
        public void A_new_ca_whose_index_was_deleted_is_LedgerCorrupt_too()
        {
            // New-Ca signs CRL 1 at once: its crl/ca.crl and crlnumber 02 show it is no blank folder.
            using var tmp = new TempDir();
            var ca = CaDirectory.Create(tmp.File("ca"), "CN=Fresh Root");
            File.Delete(Path.Combine(ca.Folder, "index.txt"));
            Assert.Equal(PkiErrorCode.LedgerCorrupt, Assert.Throws<PkiException>(() => CaDirectory.Open(ca.Folder)).Code);
        }

        [Theory]
        [InlineData("newcerts/1000.pem")]
        [InlineData("crl.pem")]
        [InlineData("serial.old")]
        [InlineData("crlnumber.old")]
        public void An_openssl_demoCA_that_has_issued_and_lost_its_index_is_LedgerCorrupt(string evidence)
        {
            using var tmp = new TempDir();
            string demo = DemoCa(tmp, withIndex: false);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(demo, evidence))!);
            File.WriteAllText(Path.Combine(demo, evidence), "x\n");
            var before = Snapshot(tmp.Path);
            Assert.Equal(PkiErrorCode.LedgerCorrupt, Assert.Throws<PkiException>(() => CaDirectory.Open(tmp.Path)).Code);
            string cnf = tmp.File("ca.cnf");
            File.WriteAllText(cnf, "[ca]\ndefault_ca=d\n[d]\ndir=" + demo + "\ndatabase=$dir/index.txt\nnew_certs_dir=$dir/newcerts\ncertificate=$dir/cacert.pem\nprivate_key=$dir/private/cakey.pem\nserial=$dir/serial\ncrlnumber=$dir/crlnumber\ncrl=$dir/crl.pem\n");
            Assert.Equal(PkiErrorCode.LedgerCorrupt, Assert.Throws<PkiException>(() => CaDirectory.Open(cnf)).Code);
            File.Delete(cnf);
            Assert.Equal(before, Snapshot(tmp.Path));
        }

        [Fact]
        public void An_easy_rsa_pki_that_has_issued_and_lost_its_index_is_LedgerCorrupt()
        {
            using var tmp = new TempDir();
            string pki = tmp.File("pki");
            Directory.CreateDirectory(Path.Combine(pki, "private"));
            Directory.CreateDirectory(Path.Combine(pki, "issued"));
            Directory.CreateDirectory(Path.Combine(pki, "certs_by_serial"));
            var root = CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { Subject = "CN=Easy Root", Profile = CertificateProfile.RootCa });
            File.WriteAllText(Path.Combine(pki, "ca.crt"), root.Pem);
            File.WriteAllText(Path.Combine(pki, "private", "ca.key"), root.Key!.ExportPem(PrivateKeyFormat.Pkcs8));
            File.WriteAllText(Path.Combine(pki, "issued", "vpn.crt"), root.Pem);
            Assert.Equal(PkiErrorCode.LedgerCorrupt, Assert.Throws<PkiException>(() => CaDirectory.Open(pki)).Code);
        }

        [Fact]
        public void Opening_and_listing_a_ca_creates_no_file_or_folder()
        {
            using var tmp = new TempDir();
            string demo = DemoCa(tmp, withIndex: true, withNewcerts: false);
            var before = Snapshot(tmp.Path);
            var ca = CaDirectory.Open(tmp.Path);
            Assert.Equal(0, ca.IssuedCount);
            Assert.Empty(ca.Entries());
            Assert.Empty(ca.Warnings);
            Assert.Equal(before, Snapshot(tmp.Path)); // no newcerts/, no index.txt.lock
            // The first change creates what it needs.
            var leaf = ca.Issue(Csr("first.example"));
            Assert.True(File.Exists(Path.Combine(demo, "newcerts", leaf.Certificate.SerialNumber + ".pem")));
        }

        [Fact]
        public void A_blank_ca_folder_without_index_opens_empty_signs_no_crl_and_its_first_issuance_creates_the_ledger()
        {
            using var tmp = new TempDir();
            string dir = tmp.File("ca");
            Directory.CreateDirectory(Path.Combine(dir, "private"));
            var root = CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { Subject = "CN=Blank Root", Profile = CertificateProfile.RootCa });
            File.WriteAllText(Path.Combine(dir, "ca.crt"), root.Pem);
            File.WriteAllText(Path.Combine(dir, "private", "ca.key"), root.Key!.ExportPem(PrivateKeyFormat.Pkcs8));
            var before = Snapshot(dir);
            var ca = CaDirectory.Open(dir);
            Assert.Equal(0, ca.IssuedCount);
            Assert.Equal(before, Snapshot(dir));
            Assert.Equal(PkiErrorCode.LedgerCorrupt, Assert.Throws<PkiException>(() => ca.NewCrl()).Code);
            Assert.False(File.Exists(ca.CrlPath));
            ca.Issue(Csr("one.example"));
            Assert.Single(File.ReadAllLines(Path.Combine(dir, "index.txt")));
            Assert.Equal(1, ca.NewCrl().RevokedCount + 1);
        }

        private static string DemoCa(TempDir tmp, bool withIndex, bool withNewcerts = true)
        {
            string demo = tmp.File("demoCA");
            Directory.CreateDirectory(Path.Combine(demo, "private"));
            if (withNewcerts) Directory.CreateDirectory(Path.Combine(demo, "newcerts"));
            var root = CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { Subject = "CN=Demo Root", Profile = CertificateProfile.RootCa });
            File.WriteAllText(Path.Combine(demo, "cacert.pem"), root.Pem);
            File.WriteAllText(Path.Combine(demo, "private", "cakey.pem"), root.Key!.ExportPem(PrivateKeyFormat.Pkcs8));
            if (withIndex) File.WriteAllText(Path.Combine(demo, "index.txt"), "");
            return demo;
        }

        // ---- hole 3: modes whatever the umask ----

        [Theory]
        [InlineData("000")]
        [InlineData("002")]
        public void Ca_files_and_folders_are_not_group_or_world_writable_under_a_loose_umask(string umask)
        {
            if (OperatingSystem.IsWindows()) return;
            using var tmp = new TempDir();
            string dir = tmp.File("ca");
            string stress = Path.Combine(AppContext.BaseDirectory, "PkiTools.CaStress.dll");
            var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add($"umask {umask} && exec dotnet \"$0\" create \"$1\"");
            psi.ArgumentList.Add(stress);
            psi.ArgumentList.Add(dir);
            using (var p = Process.Start(psi)!)
            {
                string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
                p.WaitForExit();
                Assert.True(p.ExitCode == 0, output);
            }
            const UnixFileMode writableByOthers = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
            foreach (string f in new[] { "policy.json", "index.txt", "index.txt.attr", "index.txt.lock", "openssl.cnf", "serial", "crlnumber", "ca.crt", "crl/ca.crl", "crl/ca.der" })
            {
                UnixFileMode mode = File.GetUnixFileMode(Path.Combine(dir, f));
                Assert.True((mode & writableByOthers) == 0, $"{f} is {mode}");
                Assert.True(mode.HasFlag(UnixFileMode.OtherRead), $"{f} is {mode}");
            }
            foreach (string f in Directory.GetFiles(Path.Combine(dir, "certs")))
            {
                Assert.True((File.GetUnixFileMode(f) & writableByOthers) == 0, f);
            }
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "private", "ca.key")));
            foreach (string d in new[] { "", "certs", "crl" })
            {
                Assert.Equal((UnixFileMode)Convert.ToInt32("755", 8), File.GetUnixFileMode(Path.Combine(dir, d)));
            }
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(dir, "private")));
        }

        // ---- hole 4: stale temporary files ----

        [Fact]
        public void Stale_temporary_files_of_our_naming_are_swept_at_the_next_change_under_the_lock()
        {
            using var tmp = new TempDir();
            var ca = CaDirectory.Create(tmp.File("ca"), "CN=Sweep Root");
            string dir = ca.Folder;
            string[] stale =
            {
                Path.Combine(dir, "private", ".ca.key.0123456789ab.tmp"), // a complete private key left by a SIGKILL
                Path.Combine(dir, ".index.txt.abcdef012345.tmp"),
                Path.Combine(dir, "certs", ".0A1B2C.pem.fedcba987654.tmp"),
                Path.Combine(dir, "crl", ".ca.crl.00112233aabb.tmp"),
                Path.Combine(dir, ".crlnumber.aabbccddeeff.tmp"),
            };
            string[] foreign =
            {
                Path.Combine(dir, "notes.tmp"),
                Path.Combine(dir, ".index.txt.tmp"),
                Path.Combine(dir, ".ca.key.0123456789AB.tmp"), // upper-case: not our naming
                Path.Combine(dir, "private", ".ca.key.0123.tmp"),
            };
            foreach (string f in stale.Concat(foreign))
            {
                File.WriteAllText(f, "-----BEGIN PRIVATE KEY-----\n");
                File.SetLastWriteTimeUtc(f, DateTime.UtcNow.AddMinutes(-5));
            }
            var leaf = ca.Issue(Csr("after-crash.example"));
            Assert.All(stale, f => Assert.False(File.Exists(f), f));
            Assert.All(foreign, f => Assert.True(File.Exists(f), f));
            // Revocation and CRLs sweep too.
            File.WriteAllText(stale[0], "key");
            File.SetLastWriteTimeUtc(stale[0], DateTime.UtcNow.AddMinutes(-5));
            ca.Revoke(leaf.Certificate.SerialNumber);
            Assert.False(File.Exists(stale[0]));
            File.WriteAllText(stale[2], "cert");
            File.SetLastWriteTimeUtc(stale[2], DateTime.UtcNow.AddMinutes(-5));
            ca.NewCrl();
            Assert.False(File.Exists(stale[2]));
            Assert.All(foreign, f => Assert.True(File.Exists(f), f));
        }

        [Fact]
        public void A_failed_secret_write_leaves_no_temporary_copy_of_the_key()
        {
            using var tmp = new TempDir();
            File.WriteAllText(tmp.File("k.key"), "old");
            Assert.Throws<PkiException>(() => AtomicFileWriter.Write(tmp.File("k.key"), new byte[] { 1, 2, 3 }, secret: true, overwrite: false));
            Assert.Equal(new[] { tmp.File("k.key") }, Directory.GetFiles(tmp.Path));
        }
    }
}
