using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Tasks;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using PkiTools.Core.Acme;
using PkiTools.Core.Internal;
using PkiTools.Core.Keys;
using Xunit;

namespace PkiTools.Core.Tests.Acme
{
    /// <summary>The ACME pieces that need no server: JWS/JWK, problem documents, challenge values, ARI identifiers and parsing.</summary>
    public class AcmeProtocolTests
    {
        [Fact]
        public void The_JSON_writer_is_compact_keeps_member_order_and_round_trips_through_the_reader()
        {
            var value = new List<KeyValuePair<string, object?>>
            {
                new KeyValuePair<string, object?>("z", "quote \" backslash \\ line\n tab\t bell\u0007 é"),
                new KeyValuePair<string, object?>("a", new List<object?> { 1, 2.5, true, false, null }),
                new KeyValuePair<string, object?>("m", new Dictionary<string, object?> { ["k"] = "v" }),
            };
            string json = MiniJsonWriter.Write(value);
            Assert.StartsWith("{\"z\":", json);
            Assert.DoesNotContain(" :", json);
            Assert.Contains("\\u0007", json);
            var back = AcmeJson.Parse(json);
            Assert.Equal("quote \" backslash \\ line\n tab\t bell\u0007 é", back["z"]);
            Assert.Equal(new List<object?> { 1.0, 2.5, true, false, null }, (List<object?>)back["a"]!);
            Assert.Equal("v", ((Dictionary<string, object?>)back["m"]!)["k"]);
        }

        [Fact]
        public void Jwk_thumbprint_matches_the_RFC_7638_example()
        {
            // RFC 7638 §3.1: the RSA key and its thumbprint.
            const string n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
            RSA rsa = RSA.Create();
            rsa.ImportParameters(new RSAParameters { Modulus = Base64Url.Decode(n), Exponent = Base64Url.Decode("AQAB") });
            var jws = new AcmeJws(PrivateKey.FromRsa(rsa));
            Assert.Equal("RS256", jws.Algorithm);
            Assert.Equal("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", jws.Thumbprint);
        }

        [Theory]
        [InlineData(KeyAlgorithm.EcdsaP256, "ES256", 64)]
        [InlineData(KeyAlgorithm.EcdsaP384, "ES384", 96)]
        [InlineData(KeyAlgorithm.Rsa2048, "RS256", 256)]
        public void A_flattened_JWS_verifies_with_the_key_in_its_header(KeyAlgorithm algorithm, string alg, int signatureLength)
        {
            PrivateKey key = PrivateKey.Generate(algorithm);
            var jws = new AcmeJws(key);
            Dictionary<string, object?> body = AcmeJson.Parse(jws.Sign("https://ca.example/new-acct", "nonce-1", null, "{\"termsOfServiceAgreed\":true}"));
            var header = AcmeJson.Parse(Encoding.UTF8.GetString(Base64Url.Decode((string)body["protected"]!)));
            Assert.Equal(alg, header["alg"]);
            Assert.Equal("nonce-1", header["nonce"]);
            Assert.Equal("https://ca.example/new-acct", header["url"]);
            Assert.False(header.ContainsKey("kid"));
            var jwk = (Dictionary<string, object?>)header["jwk"]!;
            Assert.False(jwk.ContainsKey("d"));
            Assert.Equal("{\"termsOfServiceAgreed\":true}", Encoding.UTF8.GetString(Base64Url.Decode((string)body["payload"]!)));
            byte[] signature = Base64Url.Decode((string)body["signature"]!);
            Assert.Equal(signatureLength, signature.Length);
            byte[] signed = Encoding.ASCII.GetBytes(body["protected"] + "." + body["payload"]);
            if (key.Ecdsa != null)
            {
                using ECDsa verifier = ECDsa.Create(new ECParameters
                {
                    Curve = key.Ecdsa.ExportParameters(false).Curve,
                    Q = new ECPoint { X = Base64Url.Decode((string)jwk["x"]!), Y = Base64Url.Decode((string)jwk["y"]!) },
                });
                Assert.True(verifier.VerifyData(signed, signature, alg == "ES256" ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA384));
            }
            else
            {
                using RSA verifier = RSA.Create();
                verifier.ImportParameters(new RSAParameters { Modulus = Base64Url.Decode((string)jwk["n"]!), Exponent = Base64Url.Decode((string)jwk["e"]!) });
                Assert.True(verifier.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            }

            // With an account URL: kid instead of jwk, and POST-as-GET has an empty payload.
            var get = AcmeJson.Parse(jws.Sign("https://ca.example/order/1", "nonce-2", "https://ca.example/acct/7", null));
            Assert.Equal("", get["payload"]);
            var getHeader = AcmeJson.Parse(Encoding.UTF8.GetString(Base64Url.Decode((string)get["protected"]!)));
            Assert.Equal("https://ca.example/acct/7", getHeader["kid"]);
            Assert.False(getHeader.ContainsKey("jwk"));
        }

        [Fact]
        public void Ed25519_account_keys_are_refused_as_unsupported()
        {
            var ex = Assert.Throws<PkiException>(() => new AcmeJws(PrivateKey.Generate(KeyAlgorithm.Ed25519)));
            Assert.Equal(PkiErrorCode.UnsupportedAlgorithm, ex.Code);
        }

        [Fact]
        public void The_external_account_binding_is_an_HS256_JWS_over_the_account_JWK()
        {
            var jws = new AcmeJws(PrivateKey.Generate(KeyAlgorithm.EcdsaP256));
            byte[] mac = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
            Dictionary<string, object?> eab = jws.ExternalAccountBinding("kid-1", mac, "https://ca.example/new-acct");
            var header = AcmeJson.Parse(Encoding.UTF8.GetString(Base64Url.Decode((string)eab["protected"]!)));
            Assert.Equal("HS256", header["alg"]);
            Assert.Equal("kid-1", header["kid"]);
            Assert.Equal("https://ca.example/new-acct", header["url"]);
            Assert.Equal(jws.JwkJson, Encoding.UTF8.GetString(Base64Url.Decode((string)eab["payload"]!)));
            using var hmac = new HMACSHA256(mac);
            Assert.Equal(Base64Url.Encode(hmac.ComputeHash(Encoding.ASCII.GetBytes(eab["protected"] + "." + eab["payload"]))), eab["signature"]);
            Assert.DoesNotContain(Base64Url.Encode(mac), MiniJsonWriter.Write(eab));
        }

        [Fact]
        public void A_problem_document_becomes_AcmeProblem_with_its_type_detail_and_subproblems()
        {
            const string doc = "{\"type\":\"urn:ietf:params:acme:error:rejectedIdentifier\",\"detail\":\"Error creating new order\\nforged line\",\"status\":400," +
                "\"subproblems\":[{\"type\":\"urn:ietf:params:acme:error:malformed\",\"detail\":\"Invalid underscore in DNS name\",\"identifier\":{\"type\":\"dns\",\"value\":\"_example.org\"}}]}";
            AcmeProblemDetails problem = AcmeProblemDetails.Parse(doc)!;
            Assert.Equal("rejectedIdentifier", problem.ShortType);
            Assert.Equal(400, problem.Status);
            Assert.Single(problem.Subproblems);
            Assert.Equal("_example.org", problem.Subproblems[0].Identifier);
            PkiException ex = problem.ToException("the order for _example.org");
            Assert.Equal(PkiErrorCode.AcmeProblem, ex.Code);
            Assert.Same(problem, ex.Target);
            Assert.Contains("rejectedIdentifier", ex.Message);
            Assert.Contains("Error creating new order forged line", ex.Message);
            Assert.Contains("_example.org: Invalid underscore in DNS name (malformed)", ex.Message);
            Assert.DoesNotContain("\n", ex.Message);
        }

        [Fact]
        public void A_rateLimited_problem_becomes_AcmeRateLimited_with_the_time_to_retry()
        {
            var at = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
            var response = new AcmeResponse
            {
                Status = 429,
                ContentType = "application/problem+json",
                RetryAfter = at,
                Body = "{\"type\":\"urn:ietf:params:acme:error:rateLimited\",\"detail\":\"too many certificates already issued for exact set of domains\"}",
            };
            PkiException ex = AcmeTransport.ProblemOf(response, "the order", new Uri("https://ca.example/new-order"));
            Assert.Equal(PkiErrorCode.AcmeRateLimited, ex.Code);
            Assert.Contains("2030-01-02 03:04:05 UTC", ex.Message);
            Assert.Contains("too many certificates", ex.Message);
            Assert.Equal(at, ((AcmeProblemDetails)ex.Target!).RetryAfter);
        }

        [Fact]
        public void A_server_error_without_a_problem_document_is_AcmeUnavailable()
        {
            var response = new AcmeResponse { Status = 503, Body = "<html>maintenance</html>" };
            PkiException ex = AcmeTransport.ProblemOf(response, "the directory", new Uri("https://ca.example/dir"));
            Assert.Equal(PkiErrorCode.AcmeUnavailable, ex.Code);
            Assert.Contains("503", ex.Message);
        }

        [Fact]
        public void The_dns01_value_is_base64url_sha256_of_the_key_authorization()
        {
            // RFC 8555 §8.4's shape: 43 base64url characters.
            string value = AcmeChallenges.Dns01Value("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.nP1qzpXGymHBrUEepNY9HCsQk7K8KhOypzEt62jcerQ");
            using SHA256 sha = SHA256.Create();
            Assert.Equal(Base64Url.Encode(sha.ComputeHash(Encoding.ASCII.GetBytes("evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.nP1qzpXGymHBrUEepNY9HCsQk7K8KhOypzEt62jcerQ"))), value);
            Assert.Equal(43, value.Length);
            Assert.Equal("_acme-challenge.www.example.org", AcmeChallenges.Dns01RecordName("www.example.org"));
        }

        [Fact]
        public void The_tls_alpn01_certificate_has_the_critical_acmeIdentifier_extension_and_the_name()
        {
            PrivateKey key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            using var cert = new X509Certificate2(TlsAlpn01Listener.CreateCertificate("alpn.example.org", "token.thumb", key));
            System.Security.Cryptography.X509Certificates.X509Extension ext = cert.Extensions[TlsAlpn01Listener.AcmeIdentifierOid]!;
            Assert.True(ext.Critical);
            using SHA256 sha = SHA256.Create();
            byte[] expected = new byte[] { 0x04, 0x20 }.Concat(sha.ComputeHash(Encoding.ASCII.GetBytes("token.thumb"))).ToArray();
            Assert.Equal(expected, ext.RawData);
            Assert.Contains("alpn.example.org", cert.GetNameInfo(X509NameType.DnsName, false));
        }

        [Fact]
        public async Task The_tls_alpn01_listener_answers_openssl_with_acme_tls_1_and_the_challenge_certificate()
        {
            using var listener = new TlsAlpn01Listener(0, IPAddress.Loopback);
            await listener.DeployAsync(new AcmeChallengeContext("alpn.example.org", false, AcmeChallenge.TlsAlpn01, "tok", "tok.thumb"), default);
            var r = PkiTools.Tests.OpenSsl.RunIn(null, "", "s_client", "-connect", "127.0.0.1:" + listener.Port, "-servername", "alpn.example.org", "-alpn", "acme-tls/1", "-showcerts");
            Assert.True(r.Stdout.Contains("ALPN protocol: acme-tls/1"), r.ToString());
            Assert.True(r.Stdout.Replace("CN = ", "CN=").Contains("CN=alpn.example.org"), r.ToString());
            Assert.Equal(1, HandshakesAfter(listener, 1));
            var tls12 = PkiTools.Tests.OpenSsl.RunIn(null, "", "s_client", "-tls1_2", "-connect", "127.0.0.1:" + listener.Port, "-servername", "alpn.example.org", "-alpn", "acme-tls/1");
            Assert.True(tls12.Stdout.Contains("ALPN protocol: acme-tls/1") && tls12.Stdout.Contains("TLSv1.2"), tls12.ToString());
            Assert.True(HandshakesAfter(listener, 2) == 2, listener.LastHandshakeError);
            // Without acme-tls/1 (or for a name not deployed) there is no handshake.
            var plain = PkiTools.Tests.OpenSsl.RunIn(null, "", "s_client", "-connect", "127.0.0.1:" + listener.Port, "-servername", "alpn.example.org");
            Assert.DoesNotContain("ALPN protocol: acme-tls/1", plain.Stdout);
            var other = PkiTools.Tests.OpenSsl.RunIn(null, "", "s_client", "-connect", "127.0.0.1:" + listener.Port, "-servername", "other.example.org", "-alpn", "acme-tls/1");
            Assert.DoesNotContain("ALPN protocol: acme-tls/1", other.Stdout);
            Assert.Equal(2, HandshakesAfter(listener, 3));
        }

        /// <summary>The listener counts a handshake on its own thread, possibly after openssl has exited: wait up to 2 s for <paramref name="atLeast"/>.</summary>
        private static int HandshakesAfter(TlsAlpn01Listener listener, int atLeast)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (listener.Handshakes < atLeast && clock.Elapsed < TimeSpan.FromSeconds(2)) System.Threading.Thread.Sleep(20);
            return listener.Handshakes;
        }

        /// <summary>RFC 9773 §4.1's example: AKI 69:88:5B:..., serial 00:87:65:43:21.</summary>
        [Fact]
        public void The_renewal_certificate_id_is_the_RFC_9773_example()
        {
            using X509Certificate2 cert = CertificateWith(Convert.FromHexString("69885B6B87464041E1B37B847BA0AE2CDE01C8D4"), new BigInteger("87654321", 16));
            Assert.Equal("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE", AcmeClient.RenewalCertificateId(cert));
        }

        [Fact]
        public async Task Renewal_information_is_fetched_from_the_directory_renewalInfo_and_parsed()
        {
            byte[] aki = Enumerable.Range(1, 20).Select(i => (byte)i).ToArray();
            using X509Certificate2 past = CertificateWith(aki, BigInteger.ValueOf(0x1234));
            using X509Certificate2 future = CertificateWith(aki, BigInteger.ValueOf(0x5678));
            var seen = new List<string>();
            DateTimeOffset now = DateTimeOffset.UtcNow;
            string Window(DateTimeOffset start) =>
                "{\"suggestedWindow\":{\"start\":\"" + start.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ") + "\",\"end\":\"" + start.AddDays(2).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ") + "\"},\"explanationURL\":\"https://ca.example/why\"}";
            using var server = new TinyHttpServer(path =>
            {
                lock (seen) seen.Add(path);
                if (path == "/dir")
                {
                    return (200, null, "{\"newNonce\":\"/nonce\",\"newAccount\":\"/acct\",\"newOrder\":\"/order\",\"renewalInfo\":\"/renewal-info\"}");
                }
                if (path == "/renewal-info/" + AcmeClient.RenewalCertificateId(past)) return (200, "21600", Window(now.AddDays(-3)));
                if (path == "/renewal-info/" + AcmeClient.RenewalCertificateId(future)) return (200, null, Window(now.AddDays(10)));
                return (404, null, "{\"type\":\"urn:ietf:params:acme:error:malformed\",\"detail\":\"no such certificate\"}");
            });
            using AcmeClient client = await AcmeClient.ConnectAsync(new AcmeClientOptions(new Uri(server.Url, "/dir")));
            Assert.Equal(new Uri(server.Url, "/renewal-info"), client.Directory.RenewalInfo);

            AcmeRenewalInfo due = (await client.GetRenewalInfoAsync(past))!;
            Assert.True(due.IsDue(now));
            Assert.Equal(now.AddDays(-3).ToUnixTimeSeconds(), due.WindowStart.ToUnixTimeSeconds());
            Assert.Equal(new Uri("https://ca.example/why"), due.ExplanationUrl);
            Assert.NotNull(due.RetryAfter);
            Assert.InRange((due.RetryAfter!.Value - DateTimeOffset.UtcNow).TotalHours, 5.9, 6.01);
            DateTimeOffset chosen = due.ChooseRenewalTime(new Random(1));
            Assert.InRange(chosen, due.WindowStart, due.WindowEnd);

            AcmeRenewalInfo later = (await client.GetRenewalInfoAsync(future))!;
            Assert.False(later.IsDue(now));
            Assert.Null(later.RetryAfter);
            Assert.Contains("/renewal-info/" + Base64Url.Encode(aki) + "." + Base64Url.Encode(new byte[] { 0x12, 0x34 }), seen);
        }

        [Fact]
        public void Renewal_follows_the_window_when_there_is_one_and_two_thirds_of_the_lifetime_otherwise()
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            using X509Certificate2 cert = CertificateWith(new byte[] { 1 }, BigInteger.One, now.AddDays(-60), now.AddDays(30));
            var random = new Random(7);
            // No window: two thirds of 90 days after notBefore is now.
            Assert.InRange((AcmeRenewal.RenewalTime(cert, null, random) - now).TotalMinutes, -1, 1);
            Assert.True(AcmeRenewal.IsDue(cert, null, now.AddMinutes(2), random));
            Assert.False(AcmeRenewal.IsDue(cert, null, now.AddMinutes(-2), random));
            // A window in the past renews now, one in the future does not (whatever the random pick).
            var past = new AcmeRenewalInfo(now.AddDays(-2), now.AddDays(-1), null, null);
            var future = new AcmeRenewalInfo(now.AddDays(5), now.AddDays(6), null, null);
            for (int i = 0; i < 50; i++)
            {
                Assert.True(AcmeRenewal.IsDue(cert, past, now, random));
                Assert.False(AcmeRenewal.IsDue(cert, future, now, random));
                Assert.InRange(AcmeRenewal.RenewalTime(cert, future, random), future.WindowStart, future.WindowEnd);
            }
        }

        [Fact]
        public async Task A_directory_without_renewalInfo_gives_no_renewal_information()
        {
            using var server = new TinyHttpServer(path => (200, null, "{\"newNonce\":\"/nonce\",\"newAccount\":\"/acct\",\"newOrder\":\"/order\"}"));
            using AcmeClient client = await AcmeClient.ConnectAsync(new AcmeClientOptions(new Uri(server.Url, "/dir")));
            using X509Certificate2 cert = CertificateWith(new byte[] { 1, 2, 3 }, BigInteger.One);
            Assert.Null(await client.GetRenewalInfoAsync(cert));
        }

        [Fact]
        public async Task A_page_that_is_not_an_ACME_directory_is_AcmeUnavailable()
        {
            using var server = new TinyHttpServer(path => (200, null, "{\"hello\":\"world\"}"));
            var ex = await Assert.ThrowsAsync<PkiException>(() => AcmeClient.ConnectAsync(new AcmeClientOptions(new Uri(server.Url, "/dir"))));
            Assert.Equal(PkiErrorCode.AcmeUnavailable, ex.Code);
            Assert.Contains("newNonce", ex.Message);
        }

        [Fact]
        public async Task Nothing_listening_is_AcmeUnavailable_in_plain_words()
        {
            int port = PkiTools.Tests.FreePorts.Tcp();
            var ex = await Assert.ThrowsAsync<PkiException>(() => AcmeClient.ConnectAsync(new AcmeClientOptions(new Uri($"https://127.0.0.1:{port}/dir"))));
            Assert.Equal(PkiErrorCode.AcmeUnavailable, ex.Code);
            Assert.Contains("refused the connection", ex.Message);
        }

        private static X509Certificate2 CertificateWith(byte[] aki, BigInteger serial) => CertificateWith(aki, serial, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        private static X509Certificate2 CertificateWith(byte[] aki, BigInteger serial, DateTimeOffset notBefore, DateTimeOffset notAfter)
        {
            PrivateKey key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            var bcKey = PrivateKeyFactory.CreateKey(key.ExportPkcs8());
            var g = new X509V3CertificateGenerator();
            g.SetSerialNumber(serial);
            g.SetIssuerDN(new X509Name("CN=Issuer"));
            g.SetSubjectDN(new X509Name("CN=Leaf"));
            g.SetNotBefore(notBefore.UtcDateTime);
            g.SetNotAfter(notAfter.UtcDateTime);
            g.SetPublicKey(PublicKeyFactory.CreateKey(key.SubjectPublicKeyInfo));
            g.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(aki));
            return new X509Certificate2(g.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", bcKey)).GetEncoded());
        }
    }

    /// <summary>One answer of <see cref="TinyHttpServer"/>.</summary>
    public sealed record TinyResponse(int Status, string Body, string? RetryAfter = null, string? Location = null);

    /// <summary>A plain-HTTP responder on 127.0.0.1 for tests: the handler maps (method, path) to an answer; every answer carries a Replay-Nonce.</summary>
    public sealed class TinyHttpServer : IDisposable
    {
        private HttpListener _listener = new HttpListener();
        private readonly Task _loop;

        public TinyHttpServer(Func<string, (int Status, string? RetryAfter, string Body)> handler)
            : this((_, path) => { var r = handler(path); return new TinyResponse(r.Status, r.Body, r.RetryAfter); })
        {
        }

        public TinyHttpServer(Func<string, string, TinyResponse> handler)
        {
            // A free port can be taken by a parallel test before we bind it: try a few.
            for (int attempt = 0; ; attempt++)
            {
                int port = PkiTools.Tests.FreePorts.Tcp();
                Url = new Uri($"http://127.0.0.1:{port}/");
                _listener.Prefixes.Clear();
                _listener.Prefixes.Add(Url.AbsoluteUri);
                try
                {
                    _listener.Start();
                    break;
                }
                catch (HttpListenerException) when (attempt < 5)
                {
                    // A fresh listener: the refused prefix stays registered with the old one, whose Close would then try
                    // to bind that (taken) port again and throw "Address already in use".
                    _listener = new HttpListener();
                }
            }
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception)
                    {
                        return;
                    }
                    string body;
                    using (var reader = new System.IO.StreamReader(context.Request.InputStream, Encoding.UTF8)) body = await reader.ReadToEndAsync();
                    Requests.Enqueue((context.Request.HttpMethod, context.Request.Url!.AbsolutePath, body));
                    TinyResponse r = handler(context.Request.HttpMethod, context.Request.Url!.AbsolutePath);
                    context.Response.StatusCode = r.Status;
                    context.Response.ContentType = r.Status >= 400 ? "application/problem+json" : "application/json";
                    if (r.RetryAfter != null) context.Response.AddHeader("Retry-After", r.RetryAfter);
                    if (r.Location != null) context.Response.AddHeader("Location", r.Location);
                    context.Response.AddHeader("Replay-Nonce", Guid.NewGuid().ToString("N"));
                    if (context.Request.HttpMethod != "HEAD")
                    {
                        byte[] bytes = Encoding.UTF8.GetBytes(r.Body);
                        context.Response.ContentLength64 = bytes.Length;
                        await context.Response.OutputStream.WriteAsync(bytes);
                    }
                    context.Response.Close();
                }
            });
        }

        public Uri Url { get; private set; } = null!;

        /// <summary>Every request received: method, path and body.</summary>
        public System.Collections.Concurrent.ConcurrentQueue<(string Method, string Path, string Body)> Requests { get; } = new System.Collections.Concurrent.ConcurrentQueue<(string, string, string)>();

        public void Dispose()
        {
            try
            {
                _listener.Stop();
                _listener.Close();
            }
            catch (HttpListenerException)
            {
                // Tearing down a test server: nothing left to release.
            }
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
