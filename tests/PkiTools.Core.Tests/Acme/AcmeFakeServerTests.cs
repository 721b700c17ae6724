using System;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using PkiTools.Core.Acme;
using PkiTools.Core.Keys;
using Xunit;

namespace PkiTools.Core.Tests.Acme
{
    /// <summary>Server behaviour pebble does not produce on demand (rate limits, Retry-After, endless pending), from a scripted server.</summary>
    public class AcmeFakeServerTests
    {
        private const string Directory = "{\"newNonce\":\"/nonce\",\"newAccount\":\"/acct\",\"newOrder\":\"/order\",\"revokeCert\":\"/revoke\"}";

        private static TinyResponse Common(string method, string path) => path switch
        {
            "/dir" => new TinyResponse(200, Directory),
            "/nonce" => new TinyResponse(200, ""),
            "/acct" => new TinyResponse(201, "{\"status\":\"valid\"}", null, "/acct/1"),
            _ => new TinyResponse(404, "{\"type\":\"urn:ietf:params:acme:error:malformed\",\"detail\":\"unknown path\"}"),
        };

        private static async Task<AcmeClient> Connect(TinyHttpServer server, TimeSpan? total = null)
        {
            AcmeClient client = await AcmeClient.ConnectAsync(new AcmeClientOptions(new Uri(server.Url, "/dir"))
            {
                TotalTimeout = total ?? TimeSpan.FromSeconds(30),
                PollInterval = TimeSpan.FromMilliseconds(10),
            });
            await client.NewAccountAsync(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new AcmeAccountRequest { TermsOfServiceAgreed = true });
            return client;
        }

        [Fact]
        public async Task A_rate_limited_order_is_AcmeRateLimited_with_the_Retry_After_time()
        {
            using var server = new TinyHttpServer((method, path) => path == "/order"
                ? new TinyResponse(429, "{\"type\":\"urn:ietf:params:acme:error:rateLimited\",\"detail\":\"too many new orders recently\"}", "3600")
                : Common(method, path));
            using AcmeClient client = await Connect(server);
            var ex = await Assert.ThrowsAsync<PkiException>(() => client.NewOrderAsync(new[] { "www.example.org" }));
            Assert.Equal(PkiErrorCode.AcmeRateLimited, ex.Code);
            var problem = (AcmeProblemDetails)ex.Target!;
            Assert.InRange((problem.RetryAfter!.Value - DateTimeOffset.UtcNow).TotalMinutes, 59, 60.1);
            Assert.Contains("too many new orders recently", ex.Message);
            Assert.Contains("Try again after " + problem.RetryAfter.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm"), ex.Message);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public async Task A_renewal_order_names_the_certificate_it_replaces_only_to_a_server_with_renewal_information(bool ari)
        {
            string directory = ari ? Directory.TrimEnd('}') + ",\"renewalInfo\":\"/renewal-info\"}" : Directory;
            using var server = new TinyHttpServer((method, path) => path switch
            {
                "/dir" => new TinyResponse(200, directory),
                "/order" => new TinyResponse(201, "{\"status\":\"pending\",\"identifiers\":[{\"type\":\"dns\",\"value\":\"www.example.org\"}],\"authorizations\":[],\"finalize\":\"/finalize/1\"}", null, "/order/1"),
                _ => Common(method, path),
            });
            using AcmeClient client = await Connect(server);
            AcmeOrder order = await client.NewOrderAsync(new[] { "WWW.example.org." }, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
            Assert.Equal(new Uri(server.Url, "/order/1"), order.Url);
            Assert.Equal(new Uri(server.Url, "/finalize/1"), order.Finalize);
            string jws = server.Requests.Last(r => r.Path == "/order").Body;
            var payload = AcmeJson.Parse(System.Text.Encoding.UTF8.GetString(Base64Url.Decode((string)AcmeJson.Parse(jws)["payload"]!)));
            var identifier = (System.Collections.Generic.Dictionary<string, object?>)((System.Collections.Generic.List<object?>)payload["identifiers"]!).Single()!;
            Assert.Equal("www.example.org", identifier["value"]);
            Assert.Equal(ari, payload.ContainsKey("replaces"));
            if (ari) Assert.Equal("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", payload["replaces"]);
        }

        [Fact]
        public async Task Polling_honours_Retry_After()
        {
            int calls = 0;
            using var server = new TinyHttpServer((method, path) =>
            {
                if (path != "/authz/1") return Common(method, path);
                int n = Interlocked.Increment(ref calls);
                string status = n == 1 ? "pending" : "valid";
                return new TinyResponse(200, "{\"status\":\"" + status + "\",\"identifier\":{\"type\":\"dns\",\"value\":\"www.example.org\"},\"challenges\":[]}", n == 1 ? "1" : null);
            });
            using AcmeClient client = await Connect(server);
            var clock = Stopwatch.StartNew();
            AcmeAuthorization authz = await client.WaitForAuthorizationAsync(new Uri(server.Url, "/authz/1"));
            Assert.Equal("valid", authz.Status);
            Assert.Equal(2, calls);
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), "waited for Retry-After: " + clock.Elapsed);
        }

        [Fact]
        public async Task An_authorization_pending_beyond_the_time_bound_is_AcmeUnavailable_without_waiting_it_out()
        {
            using var server = new TinyHttpServer((method, path) => path == "/authz/1"
                ? new TinyResponse(200, "{\"status\":\"pending\",\"identifier\":{\"type\":\"dns\",\"value\":\"www.example.org\"},\"challenges\":[]}", "30")
                : Common(method, path));
            using AcmeClient client = await Connect(server, TimeSpan.FromSeconds(2));
            var clock = Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<PkiException>(() => client.WaitForAuthorizationAsync(new Uri(server.Url, "/authz/1")));
            Assert.Equal(PkiErrorCode.AcmeUnavailable, ex.Code);
            Assert.Contains("within 2 s", ex.Message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), clock.Elapsed.ToString());
        }

        [Fact]
        public async Task A_server_that_never_answers_is_AcmeUnavailable_within_the_request_timeout()
        {
            using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            listener.Start(); // accepts connections (backlog) but never answers
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var clock = Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<PkiException>(() => AcmeClient.ConnectAsync(new AcmeClientOptions(new Uri($"http://127.0.0.1:{port}/dir")) { RequestTimeout = TimeSpan.FromSeconds(1) }));
            Assert.Equal(PkiErrorCode.AcmeUnavailable, ex.Code);
            Assert.Contains("did not answer", ex.Message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), clock.Elapsed.ToString());
        }

        [Fact]
        public async Task Plain_http_is_refused_for_a_remote_server()
        {
            var ex = await Assert.ThrowsAsync<PkiException>(() => AcmeClient.ConnectAsync(new AcmeClientOptions(new Uri("http://acme.example.org/dir"))));
            Assert.Equal(PkiErrorCode.InvalidArgument, ex.Code);
        }

        [Fact]
        public async Task The_http01_listener_answers_known_tokens_and_404_otherwise()
        {
            using var listener = new Http01Listener(0, IPAddress.Loopback);
            await listener.DeployAsync(new AcmeChallengeContext("www.example.org", false, AcmeChallenge.Http01, "tok_en-1", "tok_en-1.thumb"), default);
            using var http = new HttpClient();
            HttpResponseMessage ok = await http.GetAsync($"http://127.0.0.1:{listener.Port}/.well-known/acme-challenge/tok_en-1");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("tok_en-1.thumb", await ok.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{listener.Port}/.well-known/acme-challenge/other")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{listener.Port}/")).StatusCode);
            await listener.RemoveAsync(new AcmeChallengeContext("www.example.org", false, AcmeChallenge.Http01, "tok_en-1", "tok_en-1.thumb"), default);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{listener.Port}/.well-known/acme-challenge/tok_en-1")).StatusCode);
        }

        [Fact]
        public async Task A_token_that_could_leave_the_web_root_is_refused()
        {
            using var root = new PkiTools.Tests.TempDir();
            var responder = new Http01WebRootResponder(root.Path);
            var ex = await Assert.ThrowsAsync<PkiException>(() => responder.DeployAsync(new AcmeChallengeContext("www.example.org", false, AcmeChallenge.Http01, "../../etc/x", "k"), default));
            Assert.Equal(PkiErrorCode.AcmeUnavailable, ex.Code);
            Assert.False(System.IO.Directory.Exists(System.IO.Path.Combine(root.Path, ".well-known")));
        }
    }
}
