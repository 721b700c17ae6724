using System;
using System.IO;
using System.Linq;
using System.Text;
using PkiTools.Core.Formats;
using PkiTools.Core.Renewal;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Renewal
{
    public class CertificateInventoryTests : IClassFixture<InventoryTestPki>
    {
        private readonly InventoryTestPki _pki;

        public CertificateInventoryTests(InventoryTestPki pki) => _pki = pki;

        private static ExpiringCertificate[] Items(string root, bool recurse = true) =>
            CertificateInventory.ScanFiles(new[] { root }, recurse, DateTime.UtcNow).Where(e => e.Item != null).Select(e => e.Item!).ToArray();

        [Fact]
        public void A_tree_gives_one_item_per_certificate_file_with_days_left_key_and_renewability()
        {
            using var dir = new TempDir();
            IssuedCertificate soon = _pki.Leaf("soon.example", 5.5), later = _pki.Leaf("later.example", 200.5), gone = _pki.Leaf("gone.example", -3.5);
            InventoryTestPki.WritePem(dir.File("web/soon.crt"), soon.Certificate, _pki.LeafKey, dir.File("web/soon.key"));
            InventoryTestPki.WritePem(dir.File("web/later.pem"), later.Certificate, _pki.LeafKey, dir.File("web/later-key.pem"));
            Directory.CreateDirectory(dir.File("old"));
            File.WriteAllBytes(dir.File("old/gone.der"), CertificateFiles.WriteDer(gone.Certificate));
            InventoryTestPki.WritePem(dir.File("ca.crt"), _pki.Root.Certificate, _pki.Root.Key, dir.File("ca.key"));

            var items = Items(dir.Path);

            Assert.Equal(4, items.Length);
            var bySubject = items.ToDictionary(i => i.Subject);
            ExpiringCertificate s = bySubject["CN=soon.example"];
            Assert.Equal(CertificateSourceKind.File, s.SourceKind);
            Assert.Equal(dir.File("web/soon.crt"), s.Path);
            Assert.Equal(s.Path, s.Source);
            Assert.Equal(5, s.DaysLeft);
            Assert.Equal(new[] { "soon.example" }, s.DnsNames);
            Assert.Equal(dir.File("web/soon.key"), s.KeyPath);
            Assert.True(s.Renewable);
            Assert.Null(s.NotRenewableReason);
            Assert.Equal("CN=Inventory Test Root", s.Issuer);

            Assert.Equal(dir.File("web/later-key.pem"), bySubject["CN=later.example"].KeyPath);
            Assert.Equal(200, bySubject["CN=later.example"].DaysLeft);

            ExpiringCertificate g = bySubject["CN=gone.example"];
            Assert.Equal(-4, g.DaysLeft);
            Assert.False(g.Renewable);
            Assert.Equal(CertificateInventory.NoKeyReason, g.NotRenewableReason);

            ExpiringCertificate ca = bySubject["CN=Inventory Test Root"];
            Assert.False(ca.Renewable);
            Assert.Equal(CertificateInventory.CaReason, ca.NotRenewableReason);
            Assert.Equal(dir.File("ca.key"), ca.KeyPath);
        }

        [Fact]
        public void Key_files_and_other_extensions_are_skipped_and_explicit_files_are_always_read()
        {
            using var dir = new TempDir();
            IssuedCertificate leaf = _pki.Leaf("a.example", 30.5);
            InventoryTestPki.WritePem(dir.File("a.crt"), leaf.Certificate, _pki.LeafKey, dir.File("a.key"));
            File.WriteAllText(dir.File("only-key.pem"), _pki.LeafKey.ExportPem());
            File.WriteAllText(dir.File("notes.txt"), "not a certificate");
            File.WriteAllBytes(dir.File("cert.bin"), CertificateFiles.WritePem(new[] { leaf.Certificate }));

            var entries = CertificateInventory.ScanFiles(new[] { dir.Path }, false, DateTime.UtcNow).ToList();
            Assert.All(entries, e => Assert.Null(e.Error));
            Assert.Equal(new[] { dir.File("a.crt") }, entries.Where(e => e.Item != null).Select(e => e.Item!.Path));

            // Named explicitly: any extension is read; a key file is still skipped without an error.
            var named = CertificateInventory.ScanFiles(new[] { dir.File("cert.bin"), dir.File("a.key"), dir.File("only-key.pem") }, false, DateTime.UtcNow).ToList();
            Assert.All(named, e => Assert.Null(e.Error));
            Assert.Equal(new[] { dir.File("cert.bin") }, named.Where(e => e.Item != null).Select(e => e.Item!.Path));
        }

        [Fact]
        public void Unreadable_files_are_errors_naming_the_file_and_the_scan_goes_on()
        {
            using var dir = new TempDir();
            File.WriteAllText(dir.File("a-bad.pem"), "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
            File.WriteAllBytes(dir.File("b-garbage.der"), Encoding.ASCII.GetBytes("garbage"));
            using (var big = File.Create(dir.File("c-big.crt"))) big.SetLength(CertificateReader.MaxInputBytes + 1);
            InventoryTestPki.WritePem(dir.File("d-good.crt"), _pki.Leaf("good.example", 10.5).Certificate);

            var entries = CertificateInventory.ScanFiles(new[] { dir.Path }, false, DateTime.UtcNow).ToList();

            var errors = entries.Where(e => e.Error != null).ToList();
            Assert.Equal(new[] { "a-bad.pem", "b-garbage.der", "c-big.crt" }, errors.Select(e => Path.GetFileName(e.File)));
            Assert.All(errors, e => Assert.Equal(e.File, e.Error!.Target));
            Assert.All(errors, e => Assert.Contains(e.File, e.Error!.Reason));
            Assert.Equal(PkiErrorCode.FileTooLarge, errors[2].Error!.Code);
            Assert.Single(entries, e => e.Item?.Subject == "CN=good.example");
        }

        [Fact]
        public void A_missing_file_is_FileNotFound()
        {
            using var dir = new TempDir();
            InventoryEntry entry = CertificateInventory.ScanFiles(new[] { dir.File("nope.crt") }, false, DateTime.UtcNow).Single();
            Assert.Equal(PkiErrorCode.FileNotFound, entry.Error!.Code);
        }

        [Fact]
        public void A_bundle_is_inventoried_by_its_leaf_and_containers_are_not_renewable()
        {
            using var dir = new TempDir();
            IssuedCertificate leaf = _pki.Leaf("bundle.example", 60.5);
            // Issuer first: the leaf is still the inventoried certificate.
            File.WriteAllBytes(dir.File("full.pem"), CertificateFiles.WritePem(new[] { _pki.Root.Certificate, leaf.Certificate }));
            File.WriteAllBytes(dir.File("open.pfx"), CertificateFiles.WritePfx(leaf.Certificate, _pki.LeafKey, new[] { _pki.Root.Certificate }, null, PfxCompatibility.Modern));
            File.WriteAllBytes(dir.File("chain.p7b"), CertificateFiles.WriteP7b(new[] { _pki.Root.Certificate, leaf.Certificate }, pem: false));

            var items = Items(dir.Path);

            Assert.Equal(3, items.Length);
            Assert.All(items, i => Assert.Equal("CN=bundle.example", i.Subject));
            Assert.All(items.Where(i => !i.Path!.EndsWith(".pem")), i => Assert.Equal(CertificateInventory.ContainerReason, i.NotRenewableReason));
            Assert.Equal(CertificateInventory.NoKeyReason, items.Single(i => i.Path!.EndsWith(".pem")).NotRenewableReason);
        }

        [Fact]
        public void A_pfx_with_a_password_is_a_PasswordRequired_error()
        {
            using var dir = new TempDir();
            IssuedCertificate leaf = _pki.Leaf("locked.example", 60.5);
            File.WriteAllBytes(dir.File("locked.pfx"), CertificateFiles.WritePfx(leaf.Certificate, _pki.LeafKey, Array.Empty<System.Security.Cryptography.X509Certificates.X509Certificate2>(), "secret".ToCharArray(), PfxCompatibility.Modern));

            InventoryEntry entry = CertificateInventory.ScanFiles(new[] { dir.Path }, false, DateTime.UtcNow).Single();

            Assert.Equal(PkiErrorCode.PasswordRequired, entry.Error!.Code);
            Assert.Equal(dir.File("locked.pfx"), entry.Error.Target);
        }

        [Fact]
        public void A_pem_carrying_its_own_key_is_its_key_path()
        {
            using var dir = new TempDir();
            IssuedCertificate leaf = _pki.Leaf("combined.example", 60.5);
            File.WriteAllBytes(dir.File("combined.pem"), CertificateFiles.WritePem(new[] { leaf.Certificate }, _pki.LeafKey));
            ExpiringCertificate item = Items(dir.Path).Single();
            Assert.Equal(dir.File("combined.pem"), item.KeyPath);
            Assert.True(item.Renewable);
        }

        [Theory]
        [InlineData("x.crt", "x.key")]
        [InlineData("x.pem", "x-key.pem")]
        [InlineData("x.cer", "x.key.pem")]
        [InlineData("x.crt", "x.pem.key")]
        public void Key_file_names_beside_a_certificate(string certificate, string key)
        {
            using var dir = new TempDir();
            File.WriteAllText(dir.File(key), "");
            Assert.Equal(dir.File(key), CertificateInventory.FindKeyFile(dir.File(certificate)));
            Assert.Null(CertificateInventory.FindKeyFile(dir.File("y.crt")));
            Assert.Null(CertificateInventory.FindKeyFile(dir.File("x.pfx")));
        }

        [Fact]
        public void Without_recurse_subfolders_are_not_walked_and_order_is_as_found()
        {
            using var dir = new TempDir();
            InventoryTestPki.WritePem(dir.File("b.crt"), _pki.Leaf("b.example", 9.5).Certificate);
            InventoryTestPki.WritePem(dir.File("a.crt"), _pki.Leaf("a.example", 99.5).Certificate);
            InventoryTestPki.WritePem(dir.File("sub/c.crt"), _pki.Leaf("c.example", 1.5).Certificate);

            Assert.Equal(new[] { "CN=a.example", "CN=b.example" }, Items(dir.Path, recurse: false).Select(i => i.Subject));
            Assert.Equal(new[] { "CN=a.example", "CN=b.example", "CN=c.example" }, Items(dir.Path).Select(i => i.Subject));
        }

        [Fact]
        public void A_large_folder_read_in_parallel_still_comes_back_in_file_order()
        {
            using var dir = new TempDir();
            var names = Enumerable.Range(0, 40).Select(i => $"h{i:D2}.example").ToArray();
            foreach (string name in names) InventoryTestPki.WritePem(dir.File(name + ".crt"), _pki.Leaf(name, 50.5).Certificate);
            File.WriteAllText(dir.File("h05x.pem"), "broken");

            var entries = CertificateInventory.ScanFiles(new[] { dir.Path }, false, DateTime.UtcNow).ToList();

            Assert.Equal(names.Select(n => dir.File(n + ".crt")).Take(6).Append(dir.File("h05x.pem")).Concat(names.Skip(6).Select(n => dir.File(n + ".crt"))),
                entries.Select(e => e.File));
            Assert.Equal(names.Select(n => "CN=" + n), entries.Where(e => e.Item != null).Select(e => e.Item!.Subject));
            Assert.Single(entries, e => e.Error != null);
        }

        [Fact]
        public void Within_keeps_expired_and_those_at_most_n_days_left()
        {
            using var dir = new TempDir();
            var now = DateTime.UtcNow;
            var items = new[] { -5.5, 0.5, 30.5, 31.5 }.Select(d => CertificateInventory.FromEndpoint("h:443", _pki.Leaf("w.example", d).Certificate, now)).ToArray();
            Assert.Equal(new[] { -6, 0, 30 }, items.Where(i => CertificateInventory.IsWithin(i, 30)).Select(i => i.DaysLeft));
            Assert.Equal(4, items.Count(i => CertificateInventory.IsWithin(i, null)));
        }

        [Fact]
        public void Store_ledger_and_endpoint_items_are_not_renewable_and_say_why()
        {
            var now = DateTime.UtcNow;
            var leaf = _pki.Leaf("x.example", 10.5).Certificate;
            ExpiringCertificate store = CertificateInventory.FromStore("Store:CurrentUser\\My", leaf, now);
            ExpiringCertificate ledger = CertificateInventory.FromLedger("Ledger:/srv/ca", leaf, now);
            ExpiringCertificate endpoint = CertificateInventory.FromEndpoint("x.example:443", leaf, now);
            Assert.Equal((CertificateSourceKind.Store, CertificateInventory.StoreReason), (store.SourceKind, store.NotRenewableReason));
            Assert.Equal((CertificateSourceKind.Ledger, CertificateInventory.LedgerReason), (ledger.SourceKind, ledger.NotRenewableReason));
            Assert.Equal((CertificateSourceKind.Endpoint, CertificateInventory.EndpointReason), (endpoint.SourceKind, endpoint.NotRenewableReason));
            Assert.All(new[] { store, ledger, endpoint }, i => Assert.Null(i.Path));
            Assert.All(new[] { store, ledger, endpoint }, i => Assert.False(i.Renewable));
            Assert.Equal(CertificateInventory.CaReason, CertificateInventory.FromStore("Store:System", _pki.Root.Certificate, now).NotRenewableReason);
        }
    }
}
