using PkiTools.Core.Tls;
using Xunit;

namespace PkiTools.Core.Tests.Tls
{
    public class TlsEndpointTests
    {
        [Theory]
        [InlineData("web01.corp.example", 443, "web01.corp.example", 443, false, "web01.corp.example:443")]
        [InlineData("Web01.Corp.Example.", 443, "web01.corp.example", 443, false, "web01.corp.example:443")]
        [InlineData("web01.corp.example:8443", 443, "web01.corp.example", 8443, false, "web01.corp.example:8443")]
        [InlineData("  localhost:1 ", 443, "localhost", 1, false, "localhost:1")]
        [InlineData("10.0.0.5", 8443, "10.0.0.5", 8443, true, "10.0.0.5:8443")]
        [InlineData("10.0.0.5:65535", 443, "10.0.0.5", 65535, true, "10.0.0.5:65535")]
        [InlineData("::1", 443, "::1", 443, true, "[::1]:443")]
        [InlineData("[::1]:8443", 443, "::1", 8443, true, "[::1]:8443")]
        [InlineData("[2001:db8::1]", 9443, "2001:db8::1", 9443, true, "[2001:db8::1]:9443")]
        [InlineData("https://web01.corp.example/status?x=1", 443, "web01.corp.example", 443, false, "web01.corp.example:443")]
        [InlineData("https://[::1]:9443/", 443, "::1", 9443, true, "[::1]:9443")]
        [InlineData("bücher.example", 443, "xn--bcher-kva.example", 443, false, "xn--bcher-kva.example:443")]
        [InlineData("_dmarc.corp.example", 443, "_dmarc.corp.example", 443, false, "_dmarc.corp.example:443")]
        public void Parses_what_people_type(string text, int defaultPort, string host, int port, bool isIp, string display)
        {
            TlsEndpoint e = TlsEndpoint.Parse(text, defaultPort);
            Assert.Equal(host, e.Host);
            Assert.Equal(port, e.Port);
            Assert.Equal(isIp, e.IsIpAddress);
            Assert.Equal(display, e.Display);
            Assert.Equal(text, e.Input);
        }

        [Theory]
        [InlineData("")]
        [InlineData("   ")]
        [InlineData("web01:0")]
        [InlineData("web01:65536")]
        [InlineData("web01:https")]
        [InlineData("web01:")]
        [InlineData("[::1")]
        [InlineData("[::1]x")]
        [InlineData("[web01]:443")]
        [InlineData("web 01")]
        [InlineData("web01..corp")]
        [InlineData("web01/x")]
        [InlineData("https://user:pw@web01/")]
        [InlineData("1.2.3.4.5:443:1")]
        public void Refuses_malformed_endpoints_with_InvalidArgument(string text)
        {
            var ex = Assert.Throws<PkiException>(() => TlsEndpoint.Parse(text, 443));
            Assert.Equal(PkiErrorCode.InvalidArgument, ex.Code);
            Assert.Contains("is not a TLS endpoint", ex.Message);
        }

        [Fact]
        public void Does_not_take_short_numbers_for_addresses()
        {
            // IPAddress.Parse reads "10.1" as 10.0.0.1; a person typing it means a name (which will not resolve).
            TlsEndpoint e = TlsEndpoint.Parse("10.1", 443);
            Assert.False(e.IsIpAddress);
        }

        [Theory]
        [InlineData("web01.corp", null, "web01.corp")]
        [InlineData("web01.corp", "Other.Example.", "other.example")]
        [InlineData("10.0.0.5", null, null)]
        [InlineData("10.0.0.5", "web01.corp", "web01.corp")]
        [InlineData("web01.corp", "10.0.0.5", null)]
        [InlineData("web01.corp", "  ", "web01.corp")]
        public void Sends_SNI_for_names_only(string host, string? serverName, string? sni)
        {
            Assert.Equal(sni, TlsProbe.SniName(TlsEndpoint.Parse(host, 443), serverName));
        }
    }
}
