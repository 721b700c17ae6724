using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.Tls;
using PkiTools.Core.Validation;

namespace PkiTools.Commands
{
    /// <summary>
    /// Test-TlsEndpoint: would a TLS client trust this server, and is the server set up well? Probes each endpoint and
    /// validates the chain it serves with PkiTools' own validator against the roots given; an unreachable server, a failed
    /// handshake or a bad chain is a result (IsValid false, with Problems), not an error.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "TlsEndpoint")]
    [OutputType(typeof(TlsEndpointTestResult))]
    public sealed class TestTlsEndpointCommand : TlsEndpointCmdlet<TlsEndpointTestResult>
    {
        /// <summary>Trust anchors: certificate objects, file paths or FileInfo objects.</summary>
        [Parameter]
        public object[] TrustedRoot { get; set; } = Array.Empty<object>();

        /// <summary>Intermediates the clients are known to hold (not sent by the server): objects or files.</summary>
        [Parameter]
        public object[] Intermediate { get; set; } = Array.Empty<object>();

        [Parameter]
        public SwitchParameter UseSystemTrust { get; set; }

        /// <summary>ExpiresSoon when the server's certificate expires within this many days.</summary>
        [Parameter]
        [ValidateRange(0, 36500)]
        public int MinimumDaysLeft { get; set; }

        private IReadOnlyList<X509Certificate2> _trustedRoots = Array.Empty<X509Certificate2>();
        private IReadOnlyList<X509Certificate2> _intermediates = Array.Empty<X509Certificate2>();

        protected override void BeginEndpoints()
        {
            _trustedRoots = InputArguments.Certificates(this, nameof(TrustedRoot), TrustedRoot);
            _intermediates = InputArguments.Certificates(this, nameof(Intermediate), Intermediate);
            if (_trustedRoots.Count == 0 && !UseSystemTrust)
            {
                WriteWarning("Nothing is trusted: without -TrustedRoot or -UseSystemTrust every chain is reported untrusted.");
            }
        }

        protected override TlsEndpointTestResult Probe(TlsEndpoint endpoint, TlsProbeOptions options, CancellationToken cancellation) =>
            TlsEndpointTest.Run(endpoint, new TlsEndpointTestOptions
            {
                Probe = options,
                TrustedRoots = _trustedRoots,
                Intermediates = _intermediates,
                UseSystemTrust = UseSystemTrust,
                MinimumDaysLeft = MinimumDaysLeft,
                Describe = ErrorFactory.Message,
            }, cancellation);

        protected override void WriteResult(TlsEndpointTestResult result)
        {
            foreach (ChainProblem problem in result.Problems)
            {
                WriteVerbose($"{result.HostName}:{result.Port}: {problem}");
            }
            WriteObject(result);
        }
    }
}
