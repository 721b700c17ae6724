using System.Management.Automation;
using System.Threading;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.Tls;

namespace PkiTools.Commands
{
    /// <summary>
    /// Get-TlsCert: what a TLS server presents. Completes a handshake trusting nothing and returns the negotiated
    /// protocol and cipher suite and the certificates exactly as the server sent them. Several hosts are probed in
    /// parallel; each failure is its own error (EndpointUnreachable, HandshakeFailed, Timeout).
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "TlsCert")]
    [OutputType(typeof(TlsHandshakeInfo))]
    public sealed class GetTlsCertCommand : TlsEndpointCmdlet<TlsHandshakeInfo>
    {
        protected override TlsHandshakeInfo Probe(TlsEndpoint endpoint, TlsProbeOptions options, CancellationToken cancellation) =>
            TlsProbe.Handshake(endpoint, options, cancellation);

        protected override void WriteResult(TlsHandshakeInfo result)
        {
            WriteVerbose($"{result.HostName}:{result.Port} ({result.RemoteAddress}): {result.Protocol}, {result.CipherSuite}, {result.Chain.Length} certificate(s) sent.");
            WriteObject(result);
        }
    }
}
