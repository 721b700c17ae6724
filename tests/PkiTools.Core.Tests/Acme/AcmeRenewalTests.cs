using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using PkiTools.Core.Acme;
using PkiTools.Core.Ca;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.Renewal;
using PkiTools.Core.Validation;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Acme
{
    /// <summary>
    /// CertificateRenewer with an ACME account as the issuer: against pebble with short-lived certificates (due at two
    /// thirds of the lifetime, pebble 2.4 having no renewal information), and against a small responder that serves
    /// RFC 9773 renewal windows (a window in the past is due, one in the future is not, whatever the lifetime says).
    /// </summary>
    public sealed class AcmeRenewalTests : IDisposable
    {
        private readonly PebbleServer _pebble = new PebbleServer(new PebbleSettings { CertificateValiditySeconds = 600 });

        public void Dispose() => _pebble.Dispose();

        [Fact]
        public async Task A_pebble_certificate_is_renewed_in_place_at_two_thirds_of_its_lifetime_and_not_before()
        {
            using AcmeClient client = await _pebble.ConnectWithAccountAsync();
            using var listener = new Http01Listener(_pebble.HttpPort, IPAddress.Loopback);
            using var dir = new TempDir();
            string name = PebbleServer.NewName("renew");
            PrivateKey firstKey = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            AcmeCertificateChain first = await client.IssueAsync(CertificateSigningRequest.Create(firstKey, null, new[] { name }, Array.Empty<string>()), listener);
            // The files Invoke-CaSign -Path and the ACME request write: x.crt, x.key, x.fullchain.crt.
            string crt = dir.File("site.crt"), key = dir.File("site.key"), fullChain = dir.File("site.fullchain.crt");
            File.WriteAllText(crt, Pem.Encode("CERTIFICATE", first.Leaf.RawData));
            File.WriteAllText(key, firstKey.ExportPem());
            File.WriteAllText(fullChain, first.Pem);
            DateTimeOffset notBefore = first.Leaf.NotBefore.ToUniversalTime();
            TimeSpan lifetime = first.Leaf.NotAfter - first.Leaf.NotBefore;

            // Half way through its life: not due (no renewal information from pebble 2.4: the lifetime decides).
            var issuer = new AcmeRenewalIssuer(client, listener);
            RenewalResult early = new CertificateRenewer(new IRenewalIssuer[] { issuer }, new RenewalOptions { Clock = () => notBefore + TimeSpan.FromTicks(lifetime.Ticks / 2) }).Renew(crt);
            Assert.Equal(RenewalAction.NotDue, early.Action);
            Assert.Equal(first.Leaf.RawData, CertificateFiles.Read(File.ReadAllBytes(crt), null).Leaf.RawData);

            // Past two thirds: renewed in place, a new certificate for the same name, new key, chain beside it updated.
            RenewalResult result = new CertificateRenewer(new IRenewalIssuer[] { issuer }, new RenewalOptions { Clock = () => notBefore + TimeSpan.FromTicks(lifetime.Ticks * 7 / 10) }).Renew(crt);
            Assert.True(result.Action == RenewalAction.Renewed, result.Message);
            X509Certificate2 renewed = CertificateFiles.Read(File.ReadAllBytes(crt), null).Leaf;
            Assert.NotEqual(first.Leaf.SerialNumber, renewed.SerialNumber);
            Assert.Equal(new[] { name }, ParsedCertificate.Parse(renewed.RawData).DnsNames);
            PrivateKey newKey = PrivateKey.Import(File.ReadAllBytes(key));
            Assert.NotEqual(firstKey.KeyId, newKey.KeyId);
            Assert.Equal(newKey.KeyId, Hex.Sha256(ParsedCertificate.Parse(renewed.RawData).Tbs.SubjectPublicKeyInfo.GetDerEncoded()));
            var chain = CertificateFiles.Read(File.ReadAllBytes(fullChain), null).Certificates;
            Assert.Equal(renewed.RawData, chain[0].RawData);
            ChainValidationResult valid = ChainValidator.Validate(renewed, new ChainValidationOptions { TrustedRoots = new[] { _pebble.IssuingRoot }, Intermediates = chain.Skip(1).ToList(), DnsName = name });
            Assert.True(valid.IsValid, string.Join("; ", valid.Problems));
            Assert.Contains(fullChain, result.Files);
            Assert.Equal(RenewalAction.Renewed, result.Action);
            // The previous set is kept as the backup, as for a CA renewal.
            Assert.True(Directory.Exists(dir.File(CertificateRenewer.BackupFolderName)));
        }

        [Fact]
        public async Task With_a_CA_and_an_ACME_account_each_certificate_goes_to_its_own_issuer_and_a_self_signed_one_to_neither()
        {
            using AcmeClient client = await _pebble.ConnectWithAccountAsync();
            using var listener = new Http01Listener(_pebble.HttpPort, IPAddress.Loopback);
            using var dir = new TempDir();
            CaDirectory ca = CaDirectory.Create(dir.File("ca"), "CN=Renewal Test CA");
            IssuedCertificate fromCa = ca.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { DnsNames = new[] { "internal.example" } });
            File.WriteAllText(dir.File("internal.crt"), fromCa.Pem);
            File.WriteAllText(dir.File("internal.key"), fromCa.Key!.ExportPem());
            string name = PebbleServer.NewName("both");
            PrivateKey acmeKey = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            AcmeCertificateChain fromAcme = await client.IssueAsync(CertificateSigningRequest.Create(acmeKey, null, new[] { name }, Array.Empty<string>()), listener);
            File.WriteAllText(dir.File("public.crt"), Pem.Encode("CERTIFICATE", fromAcme.Leaf.RawData));
            File.WriteAllText(dir.File("public.key"), acmeKey.ExportPem());
            IssuedCertificate self = CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { DnsNames = new[] { "self.example" } });
            File.WriteAllText(dir.File("self.crt"), self.Pem);
            File.WriteAllText(dir.File("self.key"), self.Key!.ExportPem());

            var renewer = new CertificateRenewer(new IRenewalIssuer[] { new CaRenewalIssuer(ca), new AcmeRenewalIssuer(client, listener) }, new RenewalOptions { Force = true });
            var results = renewer.RenewAll(new[] { dir.File("internal.crt"), dir.File("public.crt"), dir.File("self.crt") }).ToList();

            Assert.True(results[0].Action == RenewalAction.Renewed, results[0].Message);
            Assert.Equal(ca.Certificate.Subject, CertificateFiles.Read(File.ReadAllBytes(dir.File("internal.crt")), null).Leaf.Issuer);
            Assert.True(results[1].Action == RenewalAction.Renewed, results[1].Message);
            Assert.Equal(fromAcme.Leaf.Issuer, CertificateFiles.Read(File.ReadAllBytes(dir.File("public.crt")), null).Leaf.Issuer);
            Assert.Equal(RenewalAction.Skipped, results[2].Action);
            Assert.Contains("self-signed", results[2].Message);
        }

        [Fact]
        public async Task A_refused_order_is_a_Failed_result_naming_the_ACME_server_and_the_files_stay()
        {
            using AcmeClient client = await _pebble.ConnectWithAccountAsync();
            using var dir = new TempDir();
            using var wrongRoot = new TempDir();
            string name = PebbleServer.NewName("refused");
            using var listener = new Http01Listener(_pebble.HttpPort, IPAddress.Loopback);
            PrivateKey key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            AcmeCertificateChain first = await client.IssueAsync(CertificateSigningRequest.Create(key, null, new[] { name }, Array.Empty<string>()), listener);
            File.WriteAllText(dir.File("site.crt"), Pem.Encode("CERTIFICATE", first.Leaf.RawData));
            File.WriteAllText(dir.File("site.key"), key.ExportPem());
            byte[] before = File.ReadAllBytes(dir.File("site.crt"));

            // The token goes into a web root that no server serves: pebble cannot validate, the authorization ends invalid.
            var issuer = new AcmeRenewalIssuer(client, new Http01WebRootResponder(wrongRoot.Path));
            RenewalResult result = new CertificateRenewer(new IRenewalIssuer[] { issuer }, new RenewalOptions { Force = true }).Renew(dir.File("site.crt"));

            Assert.Equal(RenewalAction.Failed, result.Action);
            Assert.Equal(PkiErrorCode.AcmeChallengeFailed, result.FailureCode);
            Assert.Contains("The ACME server 127.0.0.1 did not renew it", result.Message);
            Assert.Equal(before, File.ReadAllBytes(dir.File("site.crt")));
        }
    }

    /// <summary>Renewal windows from a server that offers RFC 9773 renewal information (pebble 2.4 does not).</summary>
    public sealed class AcmeRenewalWindowTests
    {
        [Fact]
        public async Task A_window_in_the_past_is_due_and_one_in_the_future_is_not_whatever_the_lifetime_says()
        {
            using var dir = new TempDir();
            CaDirectory ca = CaDirectory.Create(dir.File("ca"), "CN=Window Test CA");
            // Fresh 90-day certificates: by their lifetime neither is due.
            IssuedCertificate past = ca.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { DnsNames = new[] { "past.example" }, ValidDays = 90 });
            IssuedCertificate future = ca.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { DnsNames = new[] { "future.example" }, ValidDays = 90 });
            DateTimeOffset now = DateTimeOffset.UtcNow;
            string Window(DateTimeOffset start) =>
                "{\"suggestedWindow\":{\"start\":\"" + start.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ") + "\",\"end\":\"" + start.AddDays(1).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ") + "\"}}";
            using var server = new TinyHttpServer(path =>
                path == "/dir" ? (200, null, "{\"newNonce\":\"/nonce\",\"newAccount\":\"/acct\",\"newOrder\":\"/order\",\"renewalInfo\":\"/renewal-info\"}")
                : path == "/renewal-info/" + AcmeClient.RenewalCertificateId(past.Certificate) ? (200, null, Window(now.AddDays(-2)))
                : path == "/renewal-info/" + AcmeClient.RenewalCertificateId(future.Certificate) ? (200, null, Window(now.AddDays(30)))
                : (404, null, "{\"type\":\"urn:ietf:params:acme:error:malformed\",\"detail\":\"unknown path\"}"));
            using AcmeClient client = await AcmeClient.ConnectAsync(new AcmeClientOptions(new Uri(server.Url, "/dir")));
            var issuer = new AcmeRenewalIssuer(client, new Http01WebRootResponder(dir.Path), new Random(1));

            Assert.Equal((true, true), issuer.IsDue(past.Certificate, now) is (bool due, string _) ? (true, due) : (false, false));
            Assert.Equal((true, false), issuer.IsDue(future.Certificate, now) is (bool due2, string _) ? (true, due2) : (false, false));

            // Through the renewer: the future window keeps a certificate that is not due by its lifetime either at rest.
            File.WriteAllText(dir.File("future.crt"), future.Pem);
            File.WriteAllText(dir.File("future.key"), future.Key!.ExportPem());
            RenewalResult rest = new CertificateRenewer(new IRenewalIssuer[] { issuer }, new RenewalOptions()).Renew(dir.File("future.crt"));
            Assert.Equal(RenewalAction.NotDue, rest.Action);
            Assert.Contains("renewal window", rest.Message);
            // The past window makes a fresh certificate due: the renewer goes on to order (which this responder cannot serve).
            File.WriteAllText(dir.File("past.crt"), past.Pem);
            File.WriteAllText(dir.File("past.key"), past.Key!.ExportPem());
            RenewalResult due3 = new CertificateRenewer(new IRenewalIssuer[] { issuer }, new RenewalOptions()).Renew(dir.File("past.crt"));
            Assert.Equal(RenewalAction.Failed, due3.Action);
            Assert.Contains("did not renew it", due3.Message);
        }

        [Fact]
        public void An_unreachable_ACME_server_fails_its_own_certificates_and_the_CA_still_renews_its_ones()
        {
            using var dir = new TempDir();
            CaDirectory ca = CaDirectory.Create(dir.File("ca"), "CN=Reachable CA");
            CaDirectory other = CaDirectory.Create(dir.File("other"), "CN=Public-ish CA");
            foreach ((CaDirectory issuer, string name) in new[] { (ca, "internal"), (other, "public") })
            {
                IssuedCertificate cert = issuer.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { DnsNames = new[] { name + ".example" } });
                File.WriteAllText(dir.File(name + ".crt"), cert.Pem);
                File.WriteAllText(dir.File(name + ".key"), cert.Key!.ExportPem());
            }
            int port = PkiTools.Tests.FreePorts.Tcp();
            int connects = 0;
            using var acme = new AcmeRenewalIssuer(new Uri($"http://127.0.0.1:{port}/dir"), cancel =>
            {
                connects++;
                return AcmeClient.ConnectAsync(new AcmeClientOptions(new Uri($"http://127.0.0.1:{port}/dir")) { RequestTimeout = TimeSpan.FromSeconds(5) }, cancel);
            }, new Http01WebRootResponder(dir.Path));

            var results = new CertificateRenewer(new IRenewalIssuer[] { new CaRenewalIssuer(ca), acme }, new RenewalOptions { Force = true })
                .RenewAll(new[] { dir.File("internal.crt"), dir.File("public.crt") }).ToList();

            Assert.True(results[0].Action == RenewalAction.Renewed, results[0].Message);
            Assert.Equal(RenewalAction.Failed, results[1].Action);
            Assert.Equal(PkiErrorCode.AcmeUnavailable, results[1].FailureCode);
            Assert.Contains($"The ACME server 127.0.0.1 did not renew it", results[1].Message);
            Assert.Equal(1, connects);
        }

        [Fact]
        public async Task Without_renewal_information_or_when_it_cannot_be_read_the_lifetime_decides()
        {
            using var dir = new TempDir();
            CaDirectory ca = CaDirectory.Create(dir.File("ca"), "CN=Window Test CA");
            IssuedCertificate cert = ca.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { DnsNames = new[] { "broken.example" }, ValidDays = 90 });
            using var server = new TinyHttpServer(path =>
                path == "/dir" ? (200, null, "{\"newNonce\":\"/nonce\",\"newAccount\":\"/acct\",\"newOrder\":\"/order\",\"renewalInfo\":\"/renewal-info\"}")
                : (500, null, "{\"type\":\"urn:ietf:params:acme:error:serverInternal\",\"detail\":\"renewal information is down\"}"));
            using AcmeClient client = await AcmeClient.ConnectAsync(new AcmeClientOptions(new Uri(server.Url, "/dir")));
            var lines = new System.Collections.Generic.List<string>();
            var issuer = new AcmeRenewalIssuer(client, new Http01WebRootResponder(dir.Path)) { Log = lines.Add };

            Assert.Null(issuer.IsDue(cert.Certificate, DateTimeOffset.UtcNow));
            Assert.Contains("the lifetime decides", Assert.Single(lines));
        }
    }
}
