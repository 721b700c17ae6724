using System;
using System.Linq;
using PkiTools.Core.Tls;
using PkiTools.Core.Validation;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Tls
{
    /// <summary>TlsEndpointTest against nginx serving each kind of chain: the problem codes a person acts on.</summary>
    public class TlsEndpointTestTests : IClassFixture<TlsEndpointTestTests.Pki>
    {
        public sealed class Pki : IDisposable
        {
            public TlsTestPki Value { get; } = new TlsTestPki(leafDays: 30);
            public void Dispose() => Value.Dispose();
        }

        private readonly TlsTestPki _pki;

        public TlsEndpointTestTests(Pki pki) => _pki = pki.Value;

        private TlsEndpointTestResult Test(string endpoint, string? serverName = null, bool trustRoot = true, bool intermediate = false, int minimumDaysLeft = 0, bool system = false) =>
            TlsEndpointTest.Run(TlsEndpoint.Parse(endpoint, 443), new TlsEndpointTestOptions
            {
                Probe = new TlsProbeOptions { ServerName = serverName, Timeout = TimeSpan.FromSeconds(10) },
                TrustedRoots = trustRoot ? new[] { _pki.Root.Certificate } : Array.Empty<System.Security.Cryptography.X509Certificates.X509Certificate2>(),
                Intermediates = intermediate ? new[] { _pki.Intermediate.Certificate } : Array.Empty<System.Security.Cryptography.X509Certificates.X509Certificate2>(),
                MinimumDaysLeft = minimumDaysLeft,
                UseSystemTrust = system,
            });

        private static (ChainProblemCode, int)[] Codes(TlsEndpointTestResult r) => r.Problems.Select(p => (p.Code, p.Index)).ToArray();

        [NginxFact]
        public void The_full_chain_validates_against_the_trusted_root()
        {
            using var web = Nginx.Start(_pki.FullChainFile, _pki.KeyFile);
            TlsEndpointTestResult r = Test("localhost:" + web.Port);
            Assert.True(r.IsValid, string.Join("; ", r.Problems));
            Assert.Empty(r.Problems);
            Assert.InRange(r.DaysLeft!.Value, 29, 30);
            Assert.Equal("Tls13", r.Protocol);
            Assert.NotNull(r.CipherSuite);
            Assert.Equal(_pki.Leaf.Der, r.Certificate!.RawData);
            Assert.Equal(new[] { _pki.Leaf.Der, _pki.Intermediate.Der }, r.Chain.Select(c => c.RawData));
            Assert.Equal(new[] { _pki.Leaf.Der, _pki.Intermediate.Der, _pki.Root.Der }, r.ValidatedChain.Select(c => c.RawData));
            Assert.True(Test("127.0.0.1:" + web.Port).IsValid, "the IP address is in the certificate too");
        }

        [NginxFact]
        public void A_server_that_sends_only_its_certificate_is_ChainIncomplete()
        {
            using var web = Nginx.Start(_pki.LeafFile, _pki.KeyFile);
            TlsEndpointTestResult r = Test("localhost:" + web.Port);
            Assert.False(r.IsValid);
            Assert.Equal(new[] { (ChainProblemCode.MissingIssuer, 0), (ChainProblemCode.ChainIncomplete, 0) }, Codes(r));
            Assert.Contains("does not send the certificate that issued 'CN=localhost'", r.Problems[1].Message);
            Assert.Contains("CN=Tls Test Issuing CA", r.Problems[1].Message);

            // Clients that hold the intermediate would trust it: the chain validates, the server is still incomplete.
            TlsEndpointTestResult known = Test("localhost:" + web.Port, intermediate: true);
            Assert.Equal(new[] { (ChainProblemCode.ChainIncomplete, 0) }, Codes(known));
            Assert.Equal(3, known.ValidatedChain.Count);
        }

        [NginxFact]
        public void A_server_that_sends_the_root_is_ServesRoot()
        {
            using var web = Nginx.Start(_pki.WithRootFile, _pki.KeyFile);
            TlsEndpointTestResult r = Test("localhost:" + web.Port);
            Assert.Equal(new[] { (ChainProblemCode.ServesRoot, 2) }, Codes(r));
            Assert.Equal(3, r.Chain.Length);
            Assert.Contains("CN=Tls Test Root", r.Problems[0].Subject);
        }

        [NginxFact]
        public void A_name_the_certificate_lacks_is_NameMismatch_as_in_Test_CertChain()
        {
            using var web = Nginx.Start(_pki.FullChainFile, _pki.KeyFile);
            TlsEndpointTestResult r = Test("localhost:" + web.Port, serverName: "www.other.example");
            Assert.Equal(new[] { (ChainProblemCode.NameMismatch, 0) }, Codes(r));
            Assert.Equal("www.other.example", r.ServerName);
            Assert.True(Test("127.0.0.1:" + web.Port, serverName: "tls.test.example").IsValid, "the server name is checked, not the address");
        }

        [NginxFact]
        public void A_certificate_that_expires_within_the_minimum_is_ExpiresSoon()
        {
            using var web = Nginx.Start(_pki.FullChainFile, _pki.KeyFile);
            Assert.True(Test("localhost:" + web.Port, minimumDaysLeft: 29).IsValid);
            TlsEndpointTestResult r = Test("localhost:" + web.Port, minimumDaysLeft: 31);
            Assert.Equal(new[] { (ChainProblemCode.ExpiresSoon, 0) }, Codes(r));
            Assert.Contains("fewer than the 31 asked for", r.Problems[0].Message);
        }

        [NginxFact]
        public void A_private_CA_is_not_trusted_by_the_system_store()
        {
            using var web = Nginx.Start(_pki.FullChainFile, _pki.KeyFile);
            TlsEndpointTestResult r = Test("localhost:" + web.Port, trustRoot: false, system: true);
            Assert.False(r.IsValid);
            // The intermediate's issuer (our root) is in no store: the validator and the TLS check both say so.
            Assert.Contains(r.Problems, p => p.Code == ChainProblemCode.MissingIssuer && p.Index == 1);
            Assert.Contains(r.Problems, p => p.Code == ChainProblemCode.ChainIncomplete);
        }

        [NginxFact]
        public void A_self_signed_root_served_as_the_leaf_is_UntrustedRoot_not_ServesRoot()
        {
            string rootOnly = _pki.Write("root-as-leaf.pem", _pki.Root.Der);
            string rootKey = _pki.File("root.key");
            System.IO.File.WriteAllText(rootKey, _pki.Root.Key!.ExportPem());
            using var web = Nginx.Start(rootOnly, rootKey);
            TlsEndpointTestResult r = Test("localhost:" + web.Port, trustRoot: false);
            Assert.DoesNotContain(r.Problems, p => p.Code == ChainProblemCode.ServesRoot || p.Code == ChainProblemCode.ChainIncomplete);
            Assert.Contains(r.Problems, p => p.Code == ChainProblemCode.UntrustedRoot);
        }

        [Fact]
        public void An_unreachable_endpoint_is_a_result_with_EndpointUnreachable_not_an_exception()
        {
            int port = FreePorts.Tcp();
            TlsEndpointTestResult r = Test("127.0.0.1:" + port);
            Assert.False(r.IsValid);
            Assert.Equal(new[] { (ChainProblemCode.EndpointUnreachable, -1) }, Codes(r));
            Assert.Null(r.Certificate);
            Assert.Null(r.DaysLeft);
            Assert.Empty(r.Chain);
            Assert.Equal(port, r.Port);
        }

        [Fact]
        public void A_silent_endpoint_is_a_result_with_Timeout()
        {
            using var silent = new HoldingListener(hold: null);
            TlsEndpointTestResult r = TlsEndpointTest.Run(TlsEndpoint.Parse("127.0.0.1:" + silent.Port, 443),
                new TlsEndpointTestOptions { Probe = new TlsProbeOptions { Timeout = TimeSpan.FromSeconds(1) }, Describe = ex => "described: " + ex.Code });
            Assert.Equal(new[] { (ChainProblemCode.Timeout, -1) }, Codes(r));
            Assert.Equal("described: Timeout", r.Problems[0].Message);
        }

        [NginxFact]
        public void A_plain_HTTP_endpoint_is_a_result_with_HandshakeFailed()
        {
            using var web = Nginx.Start(_pki.FullChainFile, _pki.KeyFile, plainHttp: true);
            TlsEndpointTestResult r = Test("127.0.0.1:" + web.HttpPort);
            Assert.Equal(new[] { (ChainProblemCode.HandshakeFailed, -1) }, Codes(r));
        }
    }
}
