using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>
    /// Get-TlsCert and Test-TlsEndpoint through the engine: binding, error ids, the parallel run, mutual TLS. The
    /// protocol and the problem codes are tested in the core (tests/PkiTools.Core.Tests/Tls).
    /// </summary>
    public class TlsEndpointCmdletTests : ModuleTestBase
    {
        public TlsEndpointCmdletTests()
        {
            S.Run(@"
                $root = New-SelfSignedCert -Subject 'CN=Tls Cmdlet Root' -Profile RootCa -Path ./root
                $int = New-Csr -Subject 'CN=Tls Cmdlet Issuing' | Invoke-CaSign -Issuer $root -Profile IntermediateCa -Path ./int
                $site = New-Csr -DnsName localhost -IpAddress 127.0.0.1 -Path ./site | Invoke-CaSign -Issuer $int -ValidDays 60 -Path ./site
                $site | Export-Cert -Path ./site-fullchain.pem -IncludeChain
                $client = New-Csr -Subject 'CN=backup-agent' -Path ./client | Invoke-CaSign -Issuer $int -Profile TlsClient -Path ./client
                [IO.File]::WriteAllText(""$PWD/ca-bundle.pem"", [IO.File]::ReadAllText(""$PWD/int.crt"") + [IO.File]::ReadAllText(""$PWD/root.crt""))
            ").ThrowOnError();
        }

        private Nginx Web(bool clientCa = false, bool plainHttp = false) =>
            Nginx.Start(S.File("site-fullchain.pem"), S.File("site.key"), clientCa ? S.File("ca-bundle.pem") : null, plainHttp);

        private static string Id(ErrorRecord e) => e.FullyQualifiedErrorId.Split(',')[0];

        [NginxFact]
        public void Get_TlsCert_returns_the_served_chain_leaf_first_and_renders_a_table()
        {
            using var web = Web();
            dynamic info = S.Run($"Get-TlsCert localhost:{web.Port}").ThrowOnError().Single();
            Assert.Equal("localhost", (string)info.HostName);
            Assert.Equal(web.Port, (int)info.Port);
            Assert.Equal("localhost", (string)info.ServerName);
            Assert.Equal("Tls13", (string)info.Protocol);
            X509Certificate2[] chain = info.Chain;
            var site = (X509Certificate2)S.Run("$site").Single();
            var intermediate = (X509Certificate2)S.Run("$int").Single();
            Assert.Equal(new[] { site.RawData, intermediate.RawData }, chain.Select(c => c.RawData));
            Assert.Equal(site.RawData, ((X509Certificate2)info.Certificate).RawData);

            string table = S.Render($"Get-TlsCert localhost:{web.Port}");
            Assert.Contains("HostName", table);
            Assert.Contains("CipherSuite", table);
            Assert.Contains("Tls13", table);
            Assert.Contains("CN=localhost", table);
            AssertNoSecrets(table);
        }

        [NginxFact]
        public void Each_failure_is_its_own_error_with_its_id_and_target_and_the_rest_go_on()
        {
            using var web = Web(plainHttp: true);
            using var silent = new HoldingListener(hold: null);
            int closed = FreePorts.Tcp();
            var r = S.Run($"Get-TlsCert 127.0.0.1:{closed}, 127.0.0.1:{web.HttpPort}, 'bad host', 127.0.0.1:{silent.Port}, localhost:{web.Port} -TimeoutSec 2");
            Assert.Null(r.Terminating);
            Assert.Single(r.Output);
            Assert.Equal(new[] { "EndpointUnreachable", "HandshakeFailed", "InvalidArgument", "Timeout" }, r.ErrorIds);
            Assert.Equal(new object[] { $"127.0.0.1:{closed}", $"127.0.0.1:{web.HttpPort}", "bad host", $"127.0.0.1:{silent.Port}" }, r.Errors.Select(e => e.TargetObject));
            Assert.Equal(new[] { ErrorCategory.ConnectionError, ErrorCategory.ProtocolError, ErrorCategory.InvalidArgument, ErrorCategory.OperationTimeout },
                r.Errors.Select(e => e.CategoryInfo.Category));
            foreach (ErrorRecord e in r.Errors)
            {
                string message = e.ErrorDetails.Message;
                Assert.DoesNotContain("   at ", message);
                Assert.DoesNotContain("Org.BouncyCastle", message);
                Assert.EndsWith(".", message.TrimEnd());
            }
            Assert.Contains("nothing listens on that port", r.Errors[0].ErrorDetails.Message);
            Assert.Contains("plain HTTP", r.Errors[1].ErrorDetails.Message);
            Assert.Contains("-TimeoutSec", r.Errors[3].ErrorDetails.Message);
        }

        [Fact]
        public void Fifty_endpoints_in_one_call_are_probed_in_parallel_up_to_the_throttle_limit()
        {
            // Each connection is held open for a while and then closed without a word (HandshakeFailed). Probed one
            // after another the listener would never see two connections at once.
            using var listener = new HoldingListener(hold: TimeSpan.FromMilliseconds(400));
            var hosts = Enumerable.Range(0, 50).Select(_ => $"127.0.0.1:{listener.Port}").ToArray();
            var r = S.Run("Get-TlsCert -HostName $hosts -TimeoutSec 20", Vars("hosts", hosts));
            Assert.Empty(r.Output);
            Assert.Equal(50, r.Errors.Count);
            Assert.All(r.ErrorIds, id => Assert.Equal("HandshakeFailed", id));
            Assert.Equal(50, listener.Accepted);
            Assert.InRange(listener.MaxConcurrent, 8, 16);
        }

        [Fact]
        public void ThrottleLimit_bounds_the_parallel_probes()
        {
            using var listener = new HoldingListener(hold: TimeSpan.FromMilliseconds(100));
            var hosts = Enumerable.Range(0, 6).Select(_ => $"127.0.0.1:{listener.Port}").ToArray();
            var r = S.Run("$hosts | Test-TlsEndpoint -ThrottleLimit 1 -TimeoutSec 20 -UseSystemTrust", Vars("hosts", hosts)).ThrowOnError();
            Assert.Equal(6, r.Output.Count);
            Assert.Equal(1, listener.MaxConcurrent);
            Assert.Equal(6, listener.Accepted);
        }

        [NginxFact]
        public void Endpoints_bind_from_strings_ports_and_objects_by_property_name()
        {
            using var web = Web();
            string p = web.Port.ToString();
            Assert.Equal(web.Port, (int)((dynamic)S.Run($"Get-TlsCert localhost -Port {p}").ThrowOnError().Single()).Port);
            Assert.Equal(web.Port, (int)((dynamic)S.Run($"'127.0.0.1:{p}' | Get-TlsCert -Port 1").ThrowOnError().Single()).Port);
            // Import-Csv rows: HostName/ComputerName and Port columns (strings), ServerName optional.
            var rows = S.Run($"[pscustomobject]@{{ HostName = 'localhost'; Port = '{p}' }}, [pscustomobject]@{{ ComputerName = '127.0.0.1'; Port = '{p}'; ServerName = 'localhost' }} | Get-TlsCert").ThrowOnError().Output;
            Assert.Equal(new[] { "localhost", "localhost" }, rows.Select(o => (string)((dynamic)o.BaseObject).ServerName));
            Assert.Equal(new[] { "localhost", "127.0.0.1" }, rows.Select(o => (string)((dynamic)o.BaseObject).HostName));
            // Get-TlsCert output pipes into Test-TlsEndpoint, which probes the same endpoint again.
            dynamic test = S.Run($"Get-TlsCert 127.0.0.1:{p} | Test-TlsEndpoint -TrustedRoot ./root.crt").ThrowOnError().Single();
            Assert.True((bool)test.IsValid);
            Assert.Equal("127.0.0.1", (string)test.HostName);
            Assert.Null((string?)test.ServerName);
        }

        [Theory]
        [InlineData("Get-TlsCert localhost -Port 0")]
        [InlineData("Get-TlsCert localhost -Port 65536")]
        [InlineData("Get-TlsCert localhost -TimeoutSec 0")]
        [InlineData("Test-TlsEndpoint localhost -TimeoutSec 601")]
        [InlineData("Test-TlsEndpoint localhost -ThrottleLimit 0")]
        [InlineData("Test-TlsEndpoint localhost -MinimumDaysLeft -1")]
        public void Out_of_range_numbers_are_refused_before_any_connection(string script)
        {
            Assert.Equal(new[] { "ParameterArgumentValidationError" }, S.Run(script).ErrorIds);
        }

        [Fact]
        public void A_client_certificate_without_its_key_stops_the_command_with_InvalidArgument()
        {
            var r = S.Run("$public = Import-Cert ./int.crt; Get-TlsCert 127.0.0.1:1 -ClientCertificate $public");
            // Stopped before any connection (port 1 would have been EndpointUnreachable).
            Assert.Equal(new[] { "InvalidArgument" }, r.ErrorIds);
            Assert.Empty(r.Output);
            Assert.Contains("-ClientCertificate", r.Errors[0].ErrorDetails.Message);
            Assert.Contains("no private key", r.Errors[0].ErrorDetails.Message);
        }

        [Fact]
        public void Test_TlsEndpoint_reports_an_unreachable_endpoint_as_a_result_not_an_error()
        {
            int closed = FreePorts.Tcp();
            var r = S.Run($"Test-TlsEndpoint 127.0.0.1:{closed} -UseSystemTrust").ThrowOnError();
            dynamic result = r.Single();
            Assert.False((bool)result.IsValid);
            Assert.Null((int?)result.DaysLeft);
            var problems = ((System.Collections.IEnumerable)result.Problems).Cast<dynamic>().ToList();
            Assert.Single(problems);
            Assert.Equal("EndpointUnreachable", problems[0].Code.ToString());
            Assert.Equal(-1, (int)problems[0].Index);
            Assert.Contains("Check the host name and port", (string)problems[0].Message);
            Assert.Empty(r.Warnings);
            Assert.Contains("EndpointUnreachable", S.Render($"Test-TlsEndpoint 127.0.0.1:{closed} -UseSystemTrust"));

            var bad = S.Run("Test-TlsEndpoint 'web 01' -UseSystemTrust");
            Assert.Equal(new[] { "InvalidArgument" }, bad.ErrorIds);
            Assert.Empty(bad.Output);
        }

        [NginxFact]
        public void Test_TlsEndpoint_validates_with_the_given_roots_and_warns_when_nothing_is_trusted()
        {
            using var web = Web();
            dynamic ok = S.Run($"Test-TlsEndpoint localhost:{web.Port} -TrustedRoot ./root.crt -MinimumDaysLeft 30").ThrowOnError().Single();
            Assert.True((bool)ok.IsValid);
            Assert.InRange((int)ok.DaysLeft, 59, 60);
            Assert.Equal("Tls13", (string)ok.Protocol);

            string Codes(string script) => string.Join(",", S.Run(script + " | ForEach-Object { $_.Problems } | ForEach-Object { [string]$_.Code }").ThrowOnError().Output.Select(o => o.ToString()));
            Assert.Equal("ExpiresSoon", Codes($"Test-TlsEndpoint localhost:{web.Port} -TrustedRoot $root -MinimumDaysLeft 90"));
            Assert.Equal("NameMismatch", Codes($"Test-TlsEndpoint localhost:{web.Port} -TrustedRoot $root -ServerName www.corp.example"));
            Assert.Equal("MissingIssuer,ChainIncomplete", Codes($"Test-TlsEndpoint localhost:{web.Port} -UseSystemTrust"));

            var untrusted = S.Run($"Test-TlsEndpoint localhost:{web.Port}");
            Assert.Single(untrusted.Warnings);
            Assert.Contains("Nothing is trusted", untrusted.Warnings[0]);
            Assert.Equal(new[] { "FileNotFound" }, S.Run($"Test-TlsEndpoint localhost:{web.Port} -TrustedRoot ./missing.crt").ErrorIds);

            string table = S.Render($"Test-TlsEndpoint localhost:{web.Port} -TrustedRoot ./root.crt -MinimumDaysLeft 90");
            Assert.Contains("IsValid", table);
            Assert.Contains("ExpiresSoon", table);
        }

        [NginxFact]
        public void Mutual_TLS_curl_and_Test_TlsEndpoint_get_in_with_a_TlsClient_certificate_from_PkiTools()
        {
            using var web = Web(clientCa: true);

            OpenSsl.Result with = Curl.Run("-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", S.File("root.crt"),
                "--cert", S.File("client.crt"), "--key", S.File("client.key"), web.Url);
            Assert.Equal("200", with.Stdout);
            OpenSsl.Result without = Curl.Run("-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", S.File("root.crt"), web.Url);
            Assert.Equal("400", without.Stdout);

            dynamic result = S.Run($"Test-TlsEndpoint localhost:{web.Port} -TrustedRoot ./root.crt -ClientCertificate $client").ThrowOnError().Single();
            Assert.True((bool)result.IsValid);
            Assert.True((bool)result.Handshake.ClientCertificateRequested);
            Assert.True((bool)result.Handshake.ClientCertificateSent);
            dynamic plain = S.Run($"Test-TlsEndpoint localhost:{web.Port} -TrustedRoot ./root.crt").ThrowOnError().Single();
            Assert.True((bool)plain.Handshake.ClientCertificateRequested);
            Assert.False((bool)plain.Handshake.ClientCertificateSent);
        }
    }
}
