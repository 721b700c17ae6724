using System;
using System.IO;
using System.Linq;
using System.Text;
using PkiTools.Core.Acme;
using PkiTools.Core.Keys;
using PkiTools.Core.Tests.Trust;
using PkiTools.Core.Trust;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Acme
{
    /// <summary>The stored ACME accounts: where they live on each platform, and what their folder holds.</summary>
    public class AcmeAccountStoreTests
    {
        private static TrustEnvironment On(TrustPlatform platform, string home, params (string Name, string Value)[] variables) =>
            new TrustEnvironment(new RecordingProcessRunner(), platform, home, name => variables.FirstOrDefault(v => v.Name == name).Value, isElevated: false);

        [Fact]
        public void The_default_folder_is_the_users_config_folder_on_each_platform()
        {
            Assert.Equal(Path.Combine("/home/alice/.config", "pkitools", "acme"), AcmeAccountStore.DefaultFolder(On(TrustPlatform.Linux, "/home/alice")));
            Assert.Equal(Path.Combine("/xdg", "pkitools", "acme"), AcmeAccountStore.DefaultFolder(On(TrustPlatform.Linux, "/home/alice", ("XDG_CONFIG_HOME", "/xdg"))));
            Assert.Equal(Path.Combine("/Users/alice/.config", "pkitools", "acme"), AcmeAccountStore.DefaultFolder(On(TrustPlatform.MacOS, "/Users/alice")));
            Assert.Equal(Path.Combine(@"C:\Users\alice\AppData\Roaming", "PkiTools", "acme"),
                AcmeAccountStore.DefaultFolder(On(TrustPlatform.Windows, @"C:\Users\alice", ("APPDATA", @"C:\Users\alice\AppData\Roaming"))));
            // Root keeps its accounts in its own config folder too: an account belongs to whoever made it.
            var root = new TrustEnvironment(new RecordingProcessRunner(), TrustPlatform.Linux, "/root", _ => null, isElevated: true);
            Assert.Equal(Path.Combine("/root/.config", "pkitools", "acme"), AcmeAccountStore.DefaultFolder(root));
        }

        [Fact]
        public void An_account_round_trips_with_its_root_and_its_key_is_owner_only_and_absent_from_the_json()
        {
            using var tmp = new TempDir();
            string state = tmp.File("state");
            PrivateKey key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            using var rootKey = System.Security.Cryptography.ECDsa.Create();
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=Listener Root", rootKey, System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var root = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            var directory = new Uri("https://acme.corp.example:8443/directory");
            var created = new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);

            StoredAcmeAccount saved = AcmeAccountStore.Save(state, directory, new Uri("https://acme.corp.example:8443/acct/1"), new[] { "mailto:pki@corp.example" },
                key, created, root, skipCertificateCheck: false);

            Assert.Equal("acme.corp.example_8443-" + key.KeyId.Substring(0, 16), saved.Name);
            StoredAcmeAccount loaded = Assert.Single(AcmeAccountStore.List(state, new Uri("https://acme.corp.example:8443/directory/")));
            Assert.Equal(saved.Url, loaded.Url);
            Assert.Equal(new[] { "mailto:pki@corp.example" }, loaded.Contact);
            Assert.Equal(created, loaded.Created);
            Assert.Equal(root.Thumbprint, loaded.TrustedRoot!.Thumbprint);
            Assert.False(loaded.SkipCertificateCheck);
            Assert.Equal(key.KeyId, loaded.LoadKey().KeyId);
            Assert.Empty(AcmeAccountStore.List(state, new Uri(AcmeClientOptions.LetsEncrypt)));

            string json = File.ReadAllText(Path.Combine(saved.Folder, AcmeAccountStore.JsonFileName));
            Assert.DoesNotContain("PRIVATE KEY", json);
            Assert.DoesNotContain(Convert.ToBase64String(key.ExportPkcs8()).Substring(0, 40), json);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(saved.KeyPath));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(saved.Folder));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(state));
            }

            // Found again: the key file is left as it is, the record rewritten.
            DateTime keyWritten = File.GetLastWriteTimeUtc(saved.KeyPath);
            AcmeAccountStore.Save(state, directory, saved.Url, saved.Contact, key, created, null, skipCertificateCheck: true);
            Assert.Equal(keyWritten, File.GetLastWriteTimeUtc(saved.KeyPath));
            Assert.True(Assert.Single(AcmeAccountStore.List(state)).SkipCertificateCheck);
        }

        [Fact]
        public void A_damaged_record_is_FormatUnknown_naming_the_file_and_a_folder_without_one_is_FileNotFound()
        {
            using var tmp = new TempDir();
            Directory.CreateDirectory(tmp.File("broken"));
            File.WriteAllText(tmp.File("broken/account.json"), "{\"directory\": 1", Encoding.UTF8);
            var damaged = Assert.Throws<PkiException>(() => AcmeAccountStore.Load(tmp.File("broken")));
            Assert.Equal(PkiErrorCode.FormatUnknown, damaged.Code);
            Assert.Contains("account.json", damaged.Reason);
            Directory.CreateDirectory(tmp.File("empty"));
            Assert.Equal(PkiErrorCode.FileNotFound, Assert.Throws<PkiException>(() => AcmeAccountStore.Load(tmp.File("empty"))).Code);

            // Listing: a damaged folder is reported and the good accounts are still listed (without a handler, it throws).
            PrivateKey key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            AcmeAccountStore.Save(tmp.Path, new Uri("https://acme.corp.example/directory"), new Uri("https://acme.corp.example/acct/1"), Array.Empty<string>(), key, DateTimeOffset.UtcNow, null, false);
            var reported = new System.Collections.Generic.List<PkiException>();
            Assert.Single(AcmeAccountStore.List(tmp.Path, null, reported.Add));
            Assert.Equal(PkiErrorCode.FormatUnknown, Assert.Single(reported).Code);
            Assert.Throws<PkiException>(() => AcmeAccountStore.List(tmp.Path));
        }
    }
}

namespace PkiTools.Core.Tests.Acme
{
    /// <summary>
    /// AcmeAccountStore.CreateOrFindAsync against two pebbles: created and stored, found again with the stored key, and
    /// created again with that key at a server that does not know it (pebble forgets its accounts when restarted).
    /// </summary>
    public sealed class AcmeAccountStoreServerTests : IDisposable
    {
        private readonly PebbleServer _first = new PebbleServer();
        private readonly PebbleServer _second = new PebbleServer();

        private static AcmeClientOptions Options(PebbleServer server, System.Collections.Generic.List<string> log) => new AcmeClientOptions(server.DirectoryUrl)
        {
            TrustedRoot = server.ListenerRoot,
            Log = line => { lock (log) log.Add(line); },
        };

        [Fact]
        public async System.Threading.Tasks.Task Creates_finds_again_and_recreates_with_the_stored_key_where_the_account_is_unknown()
        {
            using var tmp = new TempDir();
            var log = new System.Collections.Generic.List<string>();
            var request = new AcmeAccountRequest { TermsOfServiceAgreed = true, Contact = new[] { "pki@corp.example" } };
            PrivateKey key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);

            (StoredAcmeAccount stored, AcmeAccount created) = await AcmeAccountStore.CreateOrFindAsync(tmp.File("state"), Options(_first, log), key, null, request);
            Assert.True(created.Created);
            Assert.Equal(_first.ListenerRoot.Thumbprint, stored.TrustedRoot!.Thumbprint);
            Assert.Equal(new[] { "mailto:pki@corp.example" }, stored.Contact);

            StoredAcmeAccount existing = Assert.Single(AcmeAccountStore.List(tmp.File("state"), _first.DirectoryUrl));
            (StoredAcmeAccount again, AcmeAccount found) = await AcmeAccountStore.CreateOrFindAsync(tmp.File("state"), Options(_first, log), existing.LoadKey(), existing, request);
            Assert.False(found.Created);
            Assert.Equal(stored.Url, again.Url);
            Assert.Equal(stored.Created, again.Created);

            (StoredAcmeAccount _, AcmeAccount recreated) = await AcmeAccountStore.CreateOrFindAsync(tmp.File("other"), Options(_second, log), existing.LoadKey(), existing, request);
            Assert.True(recreated.Created);
            Assert.Contains(log, l => l.Contains("does not know the stored account"));
        }

        public void Dispose()
        {
            _first.Dispose();
            _second.Dispose();
        }
    }
}
