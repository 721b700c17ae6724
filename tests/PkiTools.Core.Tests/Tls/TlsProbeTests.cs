using System;
using System.Diagnostics;
using System.Linq;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.Tls;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Tls
{
    /// <summary>TlsProbe against real servers (nginx, openssl s_server), cross-checked with `openssl s_client -showcerts`.</summary>
    public class TlsProbeTests : IClassFixture<TlsProbeTests.Pki>
    {
        public sealed class Pki : IDisposable
        {
            public TlsTestPki Ec { get; } = new TlsTestPki();
            public TlsTestPki Rsa { get; } = new TlsTestPki(KeyAlgorithm.Rsa2048);
            public void Dispose()
            {
                Ec.Dispose();
                Rsa.Dispose();
            }
        }

        private readonly TlsTestPki _pki;
        private readonly TlsTestPki _rsa;

        public TlsProbeTests(Pki pki)
        {
            _pki = pki.Ec;
            _rsa = pki.Rsa;
        }

        private static TlsHandshakeInfo Probe(string endpoint, string? serverName = null, int timeoutSec = 10, TlsClientCredential? client = null) =>
            TlsProbe.Handshake(TlsEndpoint.Parse(endpoint, 443), new TlsProbeOptions { ServerName = serverName, Timeout = TimeSpan.FromSeconds(timeoutSec), ClientCredential = client });

        private static PkiException Fails(string endpoint, string? serverName = null, int timeoutSec = 10, TlsClientCredential? client = null) =>
            Assert.Throws<PkiException>(() => Probe(endpoint, serverName, timeoutSec, client));

        /// <summary>The certificates `openssl s_client -showcerts` prints, DER, in order.</summary>
        private static byte[][] ShowCerts(int port, string serverName)
        {
            OpenSsl.Result r = OpenSsl.RunIn(null, string.Empty, "s_client", "-connect", "127.0.0.1:" + port, "-servername", serverName, "-showcerts");
            return Pem.Decode(r.Stdout).Where(b => b.Label == "CERTIFICATE").Select(b => b.Data).ToArray();
        }

        [NginxTheory]
        [InlineData("leaf", 1)]
        [InlineData("fullchain", 2)]
        [InlineData("withroot", 3)]
        public void Returns_the_chain_exactly_as_openssl_s_client_shows_it(string file, int count)
        {
            string certFile = file == "leaf" ? _pki.LeafFile : file == "fullchain" ? _pki.FullChainFile : _pki.WithRootFile;
            using var web = Nginx.Start(certFile, _pki.KeyFile);
            TlsHandshakeInfo info = Probe("localhost:" + web.Port);
            byte[][] expected = ShowCerts(web.Port, "localhost");

            Assert.Equal(count, expected.Length);
            Assert.Equal(expected, info.Chain.Select(c => c.RawData).ToArray());
            Assert.Equal(_pki.Leaf.Der, info.Certificate.RawData);
            Assert.Equal("localhost", info.HostName);
            Assert.Equal(web.Port, info.Port);
            Assert.Equal("localhost", info.ServerName);
            Assert.Contains(info.RemoteAddress, new[] { "127.0.0.1", "::1" });
            Assert.False(info.ClientCertificateRequested);
        }

        [NginxFact]
        public void Negotiates_TLS_1_3_when_the_server_offers_it()
        {
            using var web = Nginx.Start(_pki.FullChainFile, _pki.KeyFile);
            TlsHandshakeInfo info = Probe("127.0.0.1:" + web.Port);
            Assert.Equal("Tls13", info.Protocol);
            Assert.Contains(info.CipherSuite, new[] { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256" });
            Assert.Null(info.ServerName); // an IP address: no SNI
        }

        [NginxTheory]
        [InlineData("ssl_protocols TLSv1.3; ssl_conf_command Ciphersuites TLS_AES_256_GCM_SHA384;", "ec", "Tls13", "TLS_AES_256_GCM_SHA384")]
        [InlineData("ssl_protocols TLSv1.3; ssl_conf_command Ciphersuites TLS_CHACHA20_POLY1305_SHA256;", "ec", "Tls13", "TLS_CHACHA20_POLY1305_SHA256")]
        [InlineData("ssl_protocols TLSv1.2; ssl_ciphers ECDHE-ECDSA-AES256-GCM-SHA384;", "ec", "Tls12", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")]
        [InlineData("ssl_protocols TLSv1.2; ssl_ciphers ECDHE-ECDSA-CHACHA20-POLY1305;", "ec", "Tls12", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256")]
        [InlineData("ssl_protocols TLSv1.2; ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256;", "rsa", "Tls12", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")]
        [InlineData("ssl_protocols TLSv1.3;", "rsa", "Tls13", null)]
        public void Reports_the_protocol_and_suite_the_server_was_pinned_to(string directives, string keys, string protocol, string? suite)
        {
            TlsTestPki pki = keys == "rsa" ? _rsa : _pki;
            using var web = Nginx.Start(pki.FullChainFile, pki.KeyFile, serverDirectives: directives);
            TlsHandshakeInfo info = Probe("localhost:" + web.Port);
            Assert.Equal(protocol, info.Protocol);
            if (suite != null) Assert.Equal(suite, info.CipherSuite);
            Assert.Equal(2, info.Chain.Length);
            // openssl agrees on the version.
            OpenSsl.Result r = OpenSsl.RunIn(null, string.Empty, "s_client", "-connect", "127.0.0.1:" + web.Port, "-servername", "localhost");
            Assert.Contains(protocol == "Tls13" ? "TLSv1.3" : "TLSv1.2", r.All);
        }

        [Fact]
        public void Sends_the_server_name_the_server_chooses_its_certificate_by()
        {
            var other = X509.CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new X509.CertificateTemplate { DnsNames = new[] { "other.test.example" } });
            string otherCert = _pki.Write("sni-other.pem", other.Der);
            string otherKey = _pki.File("sni-other.key");
            System.IO.File.WriteAllText(otherKey, other.Key!.ExportPem());
            using var server = new OpenSslServer("-cert", _pki.FullChainFile, "-key", _pki.KeyFile,
                "-servername", "other.test.example", "-cert2", otherCert, "-key2", otherKey);

            Assert.Equal(other.Der, Probe("localhost:" + server.Port, "other.test.example").Certificate.RawData);
            Assert.Equal(_pki.Leaf.Der, Probe("localhost:" + server.Port).Certificate.RawData);
            Assert.Equal(_pki.Leaf.Der, Probe("127.0.0.1:" + server.Port).Certificate.RawData);
            Assert.Equal(other.Der, Probe("127.0.0.1:" + server.Port, "Other.Test.Example").Certificate.RawData);
        }

        [Fact]
        public void A_closed_port_is_EndpointUnreachable_at_once()
        {
            int port = FreePorts.Tcp();
            var clock = Stopwatch.StartNew();
            PkiException ex = Fails("127.0.0.1:" + port, timeoutSec: 30);
            Assert.Equal(PkiErrorCode.EndpointUnreachable, ex.Code);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "refused, not timed out: " + clock.Elapsed);
            Assert.Contains("connection refused", ex.Message);
            Assert.Equal("127.0.0.1:" + port, ex.Target);
        }

        [Fact]
        public void A_name_that_does_not_resolve_is_EndpointUnreachable()
        {
            PkiException ex = Fails("no-such-host.invalid:443");
            Assert.Equal(PkiErrorCode.EndpointUnreachable, ex.Code);
            Assert.Contains("does not resolve", ex.Message);
        }

        [NginxFact]
        public void A_plain_HTTP_port_is_HandshakeFailed_within_the_timeout()
        {
            using var web = Nginx.Start(_pki.FullChainFile, _pki.KeyFile, plainHttp: true);
            var clock = Stopwatch.StartNew();
            PkiException ex = Fails("127.0.0.1:" + web.HttpPort, timeoutSec: 5);
            Assert.Equal(PkiErrorCode.HandshakeFailed, ex.Code);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), clock.Elapsed.ToString());
            Assert.Contains("plain HTTP", ex.Message);
            Assert.Contains("HTTP/1.1 400", ex.Message);
        }

        [Fact]
        public void A_port_that_accepts_and_says_nothing_is_Timeout_after_the_timeout()
        {
            using var silent = new HoldingListener(hold: null);
            var clock = Stopwatch.StartNew();
            PkiException ex = Fails("127.0.0.1:" + silent.Port, timeoutSec: 1);
            Assert.Equal(PkiErrorCode.Timeout, ex.Code);
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
            Assert.Contains("did not answer the TLS handshake within 1 s", ex.Message);
            Assert.Equal(1, silent.Accepted);
        }

        [Fact]
        public void A_port_that_accepts_and_hangs_up_is_HandshakeFailed()
        {
            using var rude = new HoldingListener(hold: TimeSpan.Zero);
            PkiException ex = Fails("127.0.0.1:" + rude.Port, timeoutSec: 5);
            Assert.Equal(PkiErrorCode.HandshakeFailed, ex.Code);
        }

        [Fact]
        public void Cancellation_stops_a_probe_at_once()
        {
            using var silent = new HoldingListener(hold: null);
            using var cancel = new System.Threading.CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            var clock = Stopwatch.StartNew();
            Assert.ThrowsAny<OperationCanceledException>(() =>
                TlsProbe.Handshake(TlsEndpoint.Parse("127.0.0.1:" + silent.Port, 443), new TlsProbeOptions { Timeout = TimeSpan.FromSeconds(30) }, cancel.Token));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
        }

        [Theory]
        [InlineData("-tls1_3", KeyAlgorithm.EcdsaP256)]
        [InlineData("-tls1_2", KeyAlgorithm.EcdsaP256)]
        [InlineData("-tls1_3", KeyAlgorithm.Rsa2048)]
        [InlineData("-tls1_2", KeyAlgorithm.Rsa2048)]
        [InlineData("-tls1_3", KeyAlgorithm.EcdsaP384)]
        [InlineData("-tls1_3", KeyAlgorithm.Ed25519)]
        [InlineData("-tls1_2", KeyAlgorithm.Ed25519)]
        public void Mutual_TLS_a_server_that_requires_a_client_certificate_accepts_ours_and_refuses_none_or_a_stranger(string version, KeyAlgorithm algorithm)
        {
            var issuer = new X509.CertificateIssuer(_pki.Intermediate.Certificate, _pki.Intermediate.Key!);
            var client = issuer.Issue(PrivateKey.Generate(algorithm), new X509.CertificateTemplate { Subject = "CN=client " + algorithm, Profile = X509.CertificateProfile.TlsClient });
            var stranger = X509.CertificateIssuer.SelfSign(PrivateKey.Generate(algorithm), new X509.CertificateTemplate { Subject = "CN=stranger", Profile = X509.CertificateProfile.TlsClient });
            using var server = new OpenSslServer("-cert", _pki.FullChainFile, "-key", _pki.KeyFile, "-CAfile", _pki.CaBundleFile, "-Verify", "2", "-verify_return_error", version);
            string at = "localhost:" + server.Port;

            TlsHandshakeInfo ok = Probe(at, client: new TlsClientCredential(client.Certificate, client.Key!, new[] { _pki.Intermediate.Certificate }));
            Assert.True(ok.ClientCertificateRequested);
            Assert.True(ok.ClientCertificateSent);
            Assert.Equal(version == "-tls1_3" ? "Tls13" : "Tls12", ok.Protocol);
            Assert.True(server.Printed("CN = client " + algorithm), "s_server verified our certificate: " + server.Output);

            PkiException none = Fails(at);
            Assert.Equal(PkiErrorCode.HandshakeFailed, none.Code);
            Assert.Contains("client certificate", none.Message);

            PkiException refused = Fails(at, client: new TlsClientCredential(stranger.Certificate, stranger.Key!));
            Assert.Equal(PkiErrorCode.HandshakeFailed, refused.Code);
            Assert.Contains("refused the client certificate", refused.Message);
        }

        [Theory]
        [InlineData("-tls1_3", "none")]
        [InlineData("-tls1_2", "none")]
        [InlineData("-tls1_3", "sha384")]
        public void Mutual_TLS_with_an_rsa_pss_client_key_signs_with_the_rsa_pss_pss_schemes(string version, string hash)
        {
            // An id-RSASSA-PSS key (issue 18) may sign only rsa_pss_pss_* (RFC 8446 4.2.3), with its own hash when it names one.
            using var dir = new TempDir();
            string keyFile = dir.File("pss.key");
            var args = new System.Collections.Generic.List<string> { "genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048", "-out", keyFile };
            if (hash != "none") args.AddRange(new[] { "-pkeyopt", "rsa_pss_keygen_md:" + hash, "-pkeyopt", "rsa_pss_keygen_mgf1_md:" + hash, "-pkeyopt", "rsa_pss_keygen_saltlen:48" });
            OpenSsl.Ok(args.ToArray());
            PrivateKey key = PrivateKey.Import(System.IO.File.ReadAllBytes(keyFile));
            Assert.True(key.PssOnly);
            var issuer = new X509.CertificateIssuer(_pki.Intermediate.Certificate, _pki.Intermediate.Key!);
            var client = issuer.Issue(key, new X509.CertificateTemplate { Subject = "CN=client pss", Profile = X509.CertificateProfile.TlsClient });
            using var server = new OpenSslServer("-cert", _pki.FullChainFile, "-key", _pki.KeyFile, "-CAfile", _pki.CaBundleFile, "-Verify", "2", "-verify_return_error", version);
            TlsHandshakeInfo ok = Probe("localhost:" + server.Port, client: new TlsClientCredential(client.Certificate, client.Key!, new[] { _pki.Intermediate.Certificate }));
            Assert.True(ok.ClientCertificateSent);
            Assert.True(server.Printed("CN = client pss"), "s_server verified our certificate: " + server.Output);
        }

        [NginxFact]
        public void Mutual_TLS_with_nginx_the_client_certificate_is_sent_when_asked_and_only_then()
        {
            using var web = Nginx.Start(_pki.FullChainFile, _pki.KeyFile, clientCaFile: _pki.CaBundleFile);
            TlsHandshakeInfo with = Probe("localhost:" + web.Port, client: _pki.ClientCredential);
            Assert.True(with.ClientCertificateRequested);
            Assert.True(with.ClientCertificateSent);
            // nginx does not end the handshake without one (it answers 400 to the request); the probe sees the request for one.
            TlsHandshakeInfo without = Probe("localhost:" + web.Port);
            Assert.True(without.ClientCertificateRequested);
            Assert.False(without.ClientCertificateSent);

            using var plain = Nginx.Start(_pki.FullChainFile, _pki.KeyFile);
            TlsHandshakeInfo notAsked = Probe("localhost:" + plain.Port, client: _pki.ClientCredential);
            Assert.False(notAsked.ClientCertificateRequested);
            Assert.False(notAsked.ClientCertificateSent);
        }

        [Fact]
        public void A_client_key_that_does_not_match_is_KeyMismatch()
        {
            var ex = Assert.Throws<PkiException>(() => new TlsClientCredential(_pki.Client.Certificate, PrivateKey.Generate(KeyAlgorithm.EcdsaP256)));
            Assert.Equal(PkiErrorCode.KeyMismatch, ex.Code);
        }
    }
}
