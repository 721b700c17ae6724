using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using PkiTools.Core.Acme;
using PkiTools.Core.Keys;
using PkiTools.Core.Validation;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.Core.Tests.Acme
{
    /// <summary>Shared helpers for tests against pebble.</summary>
    public abstract class PebbleTestBase
    {
        protected PebbleTestBase(PebbleServer pebble, ITestOutputHelper output)
        {
            Pebble = pebble;
            Output = output;
        }

        protected PebbleServer Pebble { get; }

        protected ITestOutputHelper Output { get; }

        protected List<string> Log { get; } = new List<string>();

        protected Task<AcmeClient> Connect(PebbleServer? server = null) =>
            AcmeClient.ConnectAsync(new AcmeClientOptions((server ?? Pebble).DirectoryUrl)
            {
                TrustedRoot = (server ?? Pebble).ListenerRoot,
                TotalTimeout = TimeSpan.FromSeconds(60),
                PollInterval = TimeSpan.FromMilliseconds(200),
                Log = line => { lock (Log) Log.Add(line); },
            });

        protected static async Task<AcmeClient> WithAccount(AcmeClient client, KeyAlgorithm algorithm = KeyAlgorithm.EcdsaP256)
        {
            AcmeAccount account = await client.NewAccountAsync(PrivateKey.Generate(algorithm), new AcmeAccountRequest { TermsOfServiceAgreed = true, Contact = new[] { "admin@example.org" } });
            Assert.True(account.Created);
            return client;
        }

        protected static CertificateSigningRequest Csr(params string[] names) =>
            CertificateSigningRequest.Create(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), null, names, Array.Empty<string>());

        /// <summary>The chain validates against pebble's root with PkiTools' validator and with `openssl verify`.</summary>
        protected void AssertValidChain(AcmeCertificateChain chain, CertificateSigningRequest csr, PebbleServer? server = null)
        {
            server ??= Pebble;
            Assert.True(chain.Certificates.Count >= 2, "pebble sends the leaf and its intermediate");
            Assert.Equal(csr.KeyId, PkiTools.Core.Hex.Sha256(ParsedCertificate.Parse(chain.Leaf.RawData).Tbs.SubjectPublicKeyInfo.GetDerEncoded()));
            ChainValidationResult result = ChainValidator.Validate(chain.Leaf, new ChainValidationOptions
            {
                TrustedRoots = new[] { server.IssuingRoot },
                Intermediates = chain.Issuers,
                DnsName = csr.DnsNames[0],
                Purpose = CertificatePurpose.ServerAuth,
            });
            Assert.True(result.IsValid, string.Join("; ", result.Problems));
            // Not against the listener's PKI: the issuing root is pebble's own.
            Assert.False(ChainValidator.Validate(chain.Leaf, new ChainValidationOptions { TrustedRoots = new[] { server.ListenerRoot }, Intermediates = chain.Issuers }).IsValid);

            using var dir = new TempDir();
            File.WriteAllText(dir.File("leaf.pem"), PkiTools.Core.Formats.Pem.Encode("CERTIFICATE", chain.Leaf.RawData));
            File.WriteAllText(dir.File("chain.pem"), string.Concat(chain.Issuers.Select(c => PkiTools.Core.Formats.Pem.Encode("CERTIFICATE", c.RawData))));
            OpenSsl.Result verify = OpenSsl.Run("verify", "-CAfile", server.IssuingRootFile, "-untrusted", dir.File("chain.pem"), "-purpose", "sslserver", "-verify_hostname", csr.DnsNames[0], dir.File("leaf.pem"));
            Assert.True(verify.ExitCode == 0 && verify.Stdout.Contains(": OK"), verify.ToString());
        }
    }

    /// <summary>One pebble for the class (its tests run one after another, so the challenge ports are free for each).</summary>
    public sealed class AcmePebbleTests : PebbleTestBase, IClassFixture<PebbleServer>
    {
        public AcmePebbleTests(PebbleServer pebble, ITestOutputHelper output) : base(pebble, output)
        {
        }

        [Fact]
        public async Task The_directory_is_read_through_the_given_root_and_refused_without_it()
        {
            using AcmeClient client = await Connect();
            Assert.Equal("sign-me-up", client.Directory.NewAccount.Segments.Last());
            Assert.NotNull(client.Directory.RevokeCert);
            Assert.Null(client.Directory.RenewalInfo); // Debian's pebble 2.4 has no ARI endpoint.
            Assert.False(client.Directory.ExternalAccountRequired);

            // System trust does not know the throw-away PKI; a different root is refused too; skipping the check reads it.
            var system = await Assert.ThrowsAsync<PkiException>(() => AcmeClient.ConnectAsync(new AcmeClientOptions(Pebble.DirectoryUrl)));
            Assert.Equal(PkiErrorCode.AcmeUnavailable, system.Code);
            Assert.Contains("not trusted", system.Message);
            var wrongRoot = await Assert.ThrowsAsync<PkiException>(() => AcmeClient.ConnectAsync(new AcmeClientOptions(Pebble.DirectoryUrl) { TrustedRoot = Pebble.IssuingRoot }));
            Assert.Equal(PkiErrorCode.AcmeUnavailable, wrongRoot.Code);
            Assert.Contains("does not validate against the given trusted root", wrongRoot.Message);
            using AcmeClient skipped = await AcmeClient.ConnectAsync(new AcmeClientOptions(Pebble.DirectoryUrl) { SkipCertificateCheck = true });
            Assert.Equal(client.Directory.NewOrder, skipped.Directory.NewOrder);
        }

        [Theory]
        [InlineData(KeyAlgorithm.EcdsaP256)]
        [InlineData(KeyAlgorithm.Rsa2048)]
        public async Task An_account_is_created_and_found_again_with_the_same_key(KeyAlgorithm algorithm)
        {
            PrivateKey key = PrivateKey.Generate(algorithm);
            using AcmeClient client = await Connect();
            AcmeAccount created = await client.NewAccountAsync(key, new AcmeAccountRequest { TermsOfServiceAgreed = true, Contact = new[] { "ops@example.org" } });
            Assert.True(created.Created);
            Assert.Equal("valid", created.Status);
            Assert.Contains("mailto:ops@example.org", created.Contact);

            using AcmeClient again = await Connect();
            AcmeAccount found = await again.FindAccountAsync(key);
            Assert.False(found.Created);
            Assert.Equal(created.Url, found.Url);
            AcmeAccount repeated = await again.NewAccountAsync(key, new AcmeAccountRequest { TermsOfServiceAgreed = true });
            Assert.False(repeated.Created);
            Assert.Equal(created.Url, repeated.Url);

            var ex = await Assert.ThrowsAsync<PkiException>(() => again.FindAccountAsync(PrivateKey.Generate(algorithm)));
            Assert.Equal(PkiErrorCode.AcmeProblem, ex.Code);
            Assert.Equal("accountDoesNotExist", ((AcmeProblemDetails)ex.Target!).ShortType);
            Assert.Contains("accountDoesNotExist", ex.Message);
        }

        [Fact]
        public async Task Http01_from_the_listener_issues_a_chain_that_validates()
        {
            using AcmeClient client = await WithAccount(await Connect());
            CertificateSigningRequest csr = Csr(PebbleServer.NewName(), PebbleServer.NewName("api"));
            using var listener = new Http01Listener(Pebble.HttpPort, IPAddress.Loopback);
            AcmeCertificateChain chain = await client.IssueAsync(csr, listener);
            AssertValidChain(chain, csr);
            Assert.True(listener.Requests >= 2, "pebble fetched one token per name: " + listener.Requests);
            Assert.Equal(csr.DnsNames.OrderBy(n => n), chain.Leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames().OrderBy(n => n));
            Assert.StartsWith("-----BEGIN CERTIFICATE-----", chain.Pem);
        }

        [Fact]
        public async Task Http01_from_a_web_root_issues_and_removes_the_token_file()
        {
            using AcmeClient client = await WithAccount(await Connect());
            using var webRoot = new TempDir();
            var files = new WebRootWatcher(new Http01WebRootResponder(webRoot.Path));
            // A static web server on the web root: what nginx or Apache would be in production.
            using var server = new StaticFileServer(webRoot.Path, Pebble.HttpPort);
            CertificateSigningRequest csr = Csr(PebbleServer.NewName("static"));
            AcmeCertificateChain chain = await client.IssueAsync(csr, files);
            AssertValidChain(chain, csr);
            Assert.Single(files.Written);
            Assert.True(server.Served.Contains(Path.GetFileName(files.Written[0])), "pebble fetched the token file");
            Assert.False(File.Exists(files.Written[0]), "the token file is removed afterwards");
            Assert.Empty(Directory.GetFiles(Path.Combine(webRoot.Path, ".well-known", "acme-challenge")));
        }

        [Fact]
        public async Task A_failed_web_root_validation_leaves_no_token_file()
        {
            using AcmeClient client = await WithAccount(await Connect());
            using var webRoot = new TempDir();
            var files = new WebRootWatcher(new Http01WebRootResponder(webRoot.Path));
            // Nothing serves the web root: pebble's fetch is refused.
            var ex = await Assert.ThrowsAsync<PkiException>(() => client.IssueAsync(Csr(PebbleServer.NewName("unserved")), files));
            Assert.Equal(PkiErrorCode.AcmeChallengeFailed, ex.Code);
            Assert.Single(files.Written);
            Assert.False(File.Exists(files.Written[0]));
        }

        [Fact]
        public async Task TlsAlpn01_from_the_listener_issues_a_chain_that_validates()
        {
            using AcmeClient client = await WithAccount(await Connect());
            CertificateSigningRequest csr = Csr(PebbleServer.NewName("alpn"));
            using var listener = new TlsAlpn01Listener(Pebble.TlsPort, IPAddress.Loopback);
            AcmeCertificateChain chain = await client.IssueAsync(csr, listener);
            AssertValidChain(chain, csr);
            Assert.True(listener.Handshakes >= 1, "pebble completed an acme-tls/1 handshake");
        }

        [Fact]
        public async Task Dns01_through_the_callback_and_challtestsrv_issues_a_chain_that_validates()
        {
            using AcmeClient client = await WithAccount(await Connect());
            string name = PebbleServer.NewName("dns");
            CertificateSigningRequest csr = Csr(name, "*." + name);
            var calls = new List<(string Name, string Value, bool Create)>();
            var dns = new Dns01Responder((record, value, create, _) =>
            {
                lock (calls) calls.Add((record, value, create));
                if (create) Pebble.SetTxt(record, value);
                else Pebble.ClearTxt(record);
                return Task.CompletedTask;
            }) { PropagationDelay = TimeSpan.FromMilliseconds(300) };
            AcmeCertificateChain chain = await client.IssueAsync(csr, dns);
            AssertValidChain(chain, csr);
            Assert.Equal(2, calls.Count(c => c.Create));
            Assert.Equal(2, calls.Count(c => !c.Create));
            Assert.All(calls, c => Assert.Equal("_acme-challenge." + name, c.Name));
            Assert.All(calls, c => Assert.Equal(43, c.Value.Length));
            // Both records (the name and its wildcard) were created before the one propagation wait, and removed after.
            Assert.True(calls.Take(2).All(c => c.Create) && calls.Skip(2).All(c => !c.Create), string.Join(", ", calls));
            Assert.Single(Log, l => l.StartsWith("waiting", StringComparison.Ordinal));
        }

        [Fact]
        public async Task A_wrong_answer_is_AcmeChallengeFailed_with_pebbles_detail()
        {
            using AcmeClient client = await WithAccount(await Connect());
            using var listener = new Http01Listener(Pebble.HttpPort, IPAddress.Loopback);
            var wrong = new WrongTokenResponder(listener);
            string name = PebbleServer.NewName("wrong");
            var ex = await Assert.ThrowsAsync<PkiException>(() => client.IssueAsync(Csr(name), wrong));
            Assert.Equal(PkiErrorCode.AcmeChallengeFailed, ex.Code);
            var problem = (AcmeProblemDetails)ex.Target!;
            Assert.False(string.IsNullOrEmpty(problem.Detail));
            Assert.Contains(problem.Detail!.TrimEnd('.'), ex.Message);
            Assert.Contains(name, ex.Message);
            Assert.Contains("http-01", ex.Message);
            Assert.Equal(1, wrong.Removed);
        }

        [Fact]
        public async Task A_certificate_is_revoked_with_the_account_key_and_with_its_own_key()
        {
            using AcmeClient client = await WithAccount(await Connect());
            using var listener = new Http01Listener(Pebble.HttpPort, IPAddress.Loopback);
            CertificateSigningRequest first = Csr(PebbleServer.NewName("revoke"));
            CertificateSigningRequest second = Csr(PebbleServer.NewName("revoke"));
            AcmeCertificateChain one = await client.IssueAsync(first, listener);
            AcmeCertificateChain two = await client.IssueAsync(second, listener);

            Assert.Contains("Valid", Pebble.CertificateStatus(one.Leaf.SerialNumber));
            await client.RevokeAsync(one.Leaf, reason: 4);
            Assert.Contains("Revoked", Pebble.CertificateStatus(one.Leaf.SerialNumber));
            var again = await Assert.ThrowsAsync<PkiException>(() => client.RevokeAsync(one.Leaf));
            Assert.Equal(PkiErrorCode.AcmeProblem, again.Code);
            Assert.Equal("alreadyRevoked", ((AcmeProblemDetails)again.Target!).ShortType);

            // The certificate's own key, from a client with no account at all.
            using AcmeClient keyOnly = await Connect();
            await keyOnly.RevokeAsync(two.Leaf, reason: 1, certificateKey: second.GetPrivateKey());
            Assert.Contains("Revoked", Pebble.CertificateStatus(two.Leaf.SerialNumber));
        }

        /// <summary>Serves a key authorization for the right token but with a wrong thumbprint.</summary>
        private sealed class WrongTokenResponder : IAcmeChallengeResponder
        {
            private readonly Http01Listener _listener;

            public WrongTokenResponder(Http01Listener listener) => _listener = listener;

            public int Removed { get; private set; }

            public string ChallengeType => AcmeChallenge.Http01;

            public TimeSpan ReadyDelay => TimeSpan.Zero;

            public Task DeployAsync(AcmeChallengeContext challenge, CancellationToken cancel)
            {
                _listener.Add(challenge.Token, challenge.Token + ".not-the-account-thumbprint");
                return Task.CompletedTask;
            }

            public Task RemoveAsync(AcmeChallengeContext challenge, CancellationToken cancel)
            {
                _listener.Remove(challenge.Token);
                Removed++;
                return Task.CompletedTask;
            }
        }

        /// <summary>Records which files the web-root responder wrote.</summary>
        private sealed class WebRootWatcher : IAcmeChallengeResponder
        {
            private readonly Http01WebRootResponder _inner;

            public WebRootWatcher(Http01WebRootResponder inner) => _inner = inner;

            public List<string> Written { get; } = new List<string>();

            public string ChallengeType => _inner.ChallengeType;

            public TimeSpan ReadyDelay => _inner.ReadyDelay;

            public async Task DeployAsync(AcmeChallengeContext challenge, CancellationToken cancel)
            {
                await _inner.DeployAsync(challenge, cancel);
                string file = _inner.FileFor(challenge.Token);
                Assert.Equal(challenge.KeyAuthorization, File.ReadAllText(file));
                Written.Add(file);
            }

            public Task RemoveAsync(AcmeChallengeContext challenge, CancellationToken cancel) => _inner.RemoveAsync(challenge, cancel);
        }
    }

    /// <summary>Pebble rejecting half of all good nonces (PEBBLE_WFE_NONCEREJECT=50).</summary>
    public sealed class AcmeNonceRejectTests : IDisposable
    {
        private readonly PebbleServer _pebble = new PebbleServer(new PebbleSettings { NonceRejectPercent = 50 });

        [Fact]
        public async Task Issuance_still_succeeds_by_retrying_badNonce_with_the_fresh_nonce()
        {
            using AcmeClient client = await _pebble.ConnectWithAccountAsync();
            using var listener = new Http01Listener(_pebble.HttpPort, IPAddress.Loopback);
            CertificateSigningRequest csr = CertificateSigningRequest.Create(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), null, new[] { PebbleServer.NewName("nonce") }, Array.Empty<string>());
            AcmeCertificateChain chain = await client.IssueAsync(csr, listener);
            Assert.True(ChainValidator.Validate(chain.Leaf, new ChainValidationOptions { TrustedRoots = new[] { _pebble.IssuingRoot }, Intermediates = chain.Issuers, DnsName = csr.DnsNames[0] }).IsValid);
            Assert.True(client.BadNonceRetries > 0, "with half of the nonces rejected, some request was retried");
        }

        [Fact]
        public async Task Without_retries_a_rejected_nonce_is_the_badNonce_problem()
        {
            using AcmeClient client = await AcmeClient.ConnectAsync(new AcmeClientOptions(_pebble.DirectoryUrl) { TrustedRoot = _pebble.ListenerRoot, MaxBadNonceRetries = 0 });
            PkiException? seen = null;
            for (int i = 0; i < 40 && seen == null; i++)
            {
                try
                {
                    await client.NewAccountAsync(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new AcmeAccountRequest { TermsOfServiceAgreed = true });
                }
                catch (PkiException ex)
                {
                    seen = ex;
                }
            }
            Assert.NotNull(seen);
            Assert.Equal(PkiErrorCode.AcmeProblem, seen!.Code);
            Assert.Equal("badNonce", ((AcmeProblemDetails)seen.Target!).ShortType);
        }

        public void Dispose() => _pebble.Dispose();
    }

    /// <summary>Pebble issuing short-lived certificates (certificateValidityPeriod), as renewal tests need.</summary>
    public sealed class AcmeShortLivedTests : IDisposable
    {
        private readonly PebbleServer _pebble = new PebbleServer(new PebbleSettings { CertificateValiditySeconds = 600 });

        [Fact]
        public async Task The_configured_validity_period_is_the_certificates_lifetime_and_a_renewal_is_issued()
        {
            using AcmeClient client = await _pebble.ConnectWithAccountAsync();
            using var listener = new Http01Listener(_pebble.HttpPort, IPAddress.Loopback);
            string name = PebbleServer.NewName("short");
            AcmeCertificateChain first = await client.IssueAsync(CertificateSigningRequest.Create(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), null, new[] { name }, Array.Empty<string>()), listener);
            double lifetime = (first.Leaf.NotAfter - first.Leaf.NotBefore).TotalSeconds;
            Assert.InRange(lifetime, 540, 660);
            // A renewal of it (pebble 2.4 offers no renewal information, so no 'replaces' is sent) is a new certificate for the name.
            AcmeCertificateChain renewed = await client.IssueAsync(CertificateSigningRequest.Create(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), null, new[] { name }, Array.Empty<string>()), listener, first.Leaf);
            Assert.NotEqual(first.Leaf.SerialNumber, renewed.Leaf.SerialNumber);
            Assert.Empty(first.Alternates);
            Assert.True(ChainValidator.Validate(renewed.Leaf, new ChainValidationOptions { TrustedRoots = new[] { _pebble.IssuingRoot }, Intermediates = renewed.Issuers, DnsName = name }).IsValid);
        }

        public void Dispose() => _pebble.Dispose();
    }

    /// <summary>Pebble offering a second chain to another root (PEBBLE_ALTERNATE_ROOTS=1).</summary>
    public sealed class AcmeAlternateChainTests : IDisposable
    {
        private readonly PebbleServer _pebble = new PebbleServer(new PebbleSettings { AlternateRoots = 1 });

        [Fact]
        public async Task The_alternate_chain_is_offered_downloaded_and_validates_against_the_other_root()
        {
            using AcmeClient client = await _pebble.ConnectWithAccountAsync();
            using var listener = new Http01Listener(_pebble.HttpPort, IPAddress.Loopback);
            string name = PebbleServer.NewName("alt");
            AcmeCertificateChain chain = await client.IssueAsync(CertificateSigningRequest.Create(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), null, new[] { name }, Array.Empty<string>()), listener);
            Uri alternateUrl = Assert.Single(chain.Alternates);
            AcmeCertificateChain alternate = await client.DownloadCertificateAsync(alternateUrl);
            Assert.Equal(chain.Leaf.RawData, alternate.Leaf.RawData);
            X509Certificate2 otherRoot = _pebble.Root(1);
            bool Validates(AcmeCertificateChain c, X509Certificate2 root) =>
                ChainValidator.Validate(c.Leaf, new ChainValidationOptions { TrustedRoots = new[] { root }, Intermediates = c.Issuers, DnsName = name }).IsValid;
            Assert.True(Validates(chain, _pebble.IssuingRoot));
            Assert.True(Validates(alternate, otherRoot));
            Assert.False(Validates(alternate, _pebble.IssuingRoot));
            Assert.False(Validates(chain, otherRoot));
        }

        public void Dispose() => _pebble.Dispose();
    }

    /// <summary>Pebble requiring external account binding.</summary>
    public sealed class AcmeExternalAccountTests : IDisposable
    {
        private readonly PebbleServer _pebble = new PebbleServer(new PebbleSettings { RequireExternalAccountBinding = true });

        [Fact]
        public async Task Without_binding_the_account_is_refused_and_with_it_created_and_no_secret_is_shown()
        {
            var log = new List<string>();
            using AcmeClient client = await AcmeClient.ConnectAsync(new AcmeClientOptions(_pebble.DirectoryUrl) { TrustedRoot = _pebble.ListenerRoot, Log = log.Add });
            Assert.True(client.Directory.ExternalAccountRequired);
            PrivateKey key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);

            var missing = await Assert.ThrowsAsync<PkiException>(() => client.NewAccountAsync(key, new AcmeAccountRequest { TermsOfServiceAgreed = true }));
            Assert.Equal(PkiErrorCode.AcmeProblem, missing.Code);
            Assert.Equal("externalAccountRequired", ((AcmeProblemDetails)missing.Target!).ShortType);
            Assert.Contains("ExternalAccountBinding", missing.Message);

            var wrongMac = AcmeExternalAccountBinding.FromBase64Url(_pebble.EabKeyId!, Base64Url.Encode(new byte[32]));
            var refused = await Assert.ThrowsAsync<PkiException>(() => client.NewAccountAsync(key, new AcmeAccountRequest { TermsOfServiceAgreed = true, ExternalAccountBinding = wrongMac }));
            Assert.Equal(PkiErrorCode.AcmeProblem, refused.Code);

            var binding = AcmeExternalAccountBinding.FromBase64Url(_pebble.EabKeyId!, _pebble.EabHmacKey!);
            AcmeAccount account = await client.NewAccountAsync(key, new AcmeAccountRequest { TermsOfServiceAgreed = true, ExternalAccountBinding = binding });
            Assert.True(account.Created);
            Assert.Equal("valid", account.Status);

            string everything = string.Join("\n", log) + missing + refused + binding + account.Url;
            Assert.DoesNotContain(_pebble.EabHmacKey!, everything);
            Assert.DoesNotContain(Convert.ToBase64String(Base64Url.Decode(_pebble.EabHmacKey!)), everything);
            Assert.DoesNotContain("PRIVATE KEY", everything);
            Assert.Contains(_pebble.EabKeyId!, binding.ToString());
        }

        public void Dispose() => _pebble.Dispose();
    }

    /// <summary>A static file server on 127.0.0.1 for the web-root test (what nginx would be in production).</summary>
    internal sealed class StaticFileServer : IDisposable
    {
        private readonly TinyFileListener _listener;

        public StaticFileServer(string root, int port)
        {
            _listener = new TinyFileListener(root, port);
        }

        public HashSet<string> Served => _listener.Served;

        public void Dispose() => _listener.Dispose();

        private sealed class TinyFileListener : IDisposable
        {
            private readonly HttpListener _http = new HttpListener();
            private readonly Task _loop;

            public TinyFileListener(string root, int port)
            {
                // Any Host header: pebble asks for the challenge name, not 127.0.0.1.
                _http.Prefixes.Add($"http://*:{port}/");
                _http.Start();
                _loop = Task.Run(async () =>
                {
                    while (_http.IsListening)
                    {
                        HttpListenerContext c;
                        try
                        {
                            c = await _http.GetContextAsync();
                        }
                        catch (Exception)
                        {
                            return;
                        }
                        string path = Path.Combine(root, c.Request.Url!.AbsolutePath.TrimStart('/').Replace("..", "_"));
                        if (File.Exists(path))
                        {
                            lock (Served) Served.Add(Path.GetFileName(path));
                            byte[] bytes = File.ReadAllBytes(path);
                            c.Response.StatusCode = 200;
                            c.Response.ContentLength64 = bytes.Length;
                            await c.Response.OutputStream.WriteAsync(bytes);
                        }
                        else
                        {
                            c.Response.StatusCode = 404;
                        }
                        c.Response.Close();
                    }
                });
            }

            public HashSet<string> Served { get; } = new HashSet<string>();

            public void Dispose()
            {
                _http.Stop();
                _http.Close();
                try
                {
                    _loop.Wait(5000);
                }
                catch (AggregateException)
                {
                }
            }
        }
    }
}
