using System;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using PkiTools.Core;
using PkiTools.Core.Keys;
using PkiTools.Core.Tls;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// What Get-TlsCert and Test-TlsEndpoint share: the endpoint parameters, and running the probes in parallel (at most
    /// -ThrottleLimit at a time) while every object and error is written from the pipeline thread, in input order.
    /// Each endpoint's failure is its own error; the rest go on.
    /// </summary>
    public abstract class TlsEndpointCmdlet<T> : PkiCmdlet
        where T : class
    {
        /// <summary>Hosts: "web01.corp", "web01.corp:8443", "10.0.0.5", "[::1]:8443", or an https:// URL.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("ComputerName", "DnsName", "Host")]
        [ValidateNotNullOrEmpty]
        public string[] HostName { get; set; } = Array.Empty<string>();

        /// <summary>The port when the host name carries none.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, 65535)]
        public int Port { get; set; } = 443;

        /// <summary>The SNI name (and the name the certificate must match); default: the host name, none for an IP address.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Sni")]
        public string? ServerName { get; set; }

        /// <summary>The most seconds one endpoint may take: name resolution, connection and handshake.</summary>
        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; } = 10;

        /// <summary>How many endpoints are probed at the same time.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = DefaultThrottleLimit;

        /// <summary>A certificate with its private key, offered when a server asks for one (mutual TLS).</summary>
        [Parameter]
        [ValidateNotNull]
        public X509Certificate2? ClientCertificate { get; set; }

        public const int DefaultThrottleLimit = 16;

        private ParallelProbes<T>? _probes;
        private TlsClientCredential? _credential;

        protected override void BeginProcessing()
        {
            try
            {
                _credential = ClientCertificate == null ? null : Credential(ClientCertificate);
                BeginEndpoints();
            }
            catch (PkiException ex)
            {
                ThrowTerminatingError(ErrorFactory.Create(ex, this));
            }
            _probes = new ParallelProbes<T>(ThrottleLimit);
        }

        /// <summary>Reads what the derived cmdlet needs once (trust anchors); a PkiException stops the command.</summary>
        protected virtual void BeginEndpoints()
        {
        }

        protected override void ProcessRecord()
        {
            var options = new TlsProbeOptions
            {
                Timeout = TimeSpan.FromSeconds(TimeoutSec),
                ServerName = string.IsNullOrWhiteSpace(ServerName) ? null : ServerName,
                ClientCredential = _credential,
            };
            int port = Port;
            foreach (string text in HostName)
            {
                // Parsed on the worker too, so that a bad name takes its place in the output order like any failure.
                _probes!.Add(cancellation => Probe(TlsEndpoint.Parse(text, port), options, cancellation), text);
            }
            foreach (ProbeOutcome<T> outcome in _probes!.TakeCompleted()) Write(outcome);
        }

        protected override void EndProcessing()
        {
            foreach (ProbeOutcome<T> outcome in _probes!.TakeAll()) Write(outcome);
        }

        protected override void StopProcessing()
        {
            base.StopProcessing();
            _probes?.Cancel();
        }

        /// <summary>Runs on a worker thread: no Write* here.</summary>
        protected abstract T Probe(TlsEndpoint endpoint, TlsProbeOptions options, CancellationToken cancellation);

        /// <summary>Runs on the pipeline thread.</summary>
        protected abstract void WriteResult(T result);

        private void Write(ProbeOutcome<T> outcome)
        {
            switch (outcome.Error)
            {
                case null:
                    WriteResult(outcome.Result);
                    break;
                case PkiException ex:
                    WriteError(ErrorFactory.Create(ex, this));
                    break;
                case OperationCanceledException _:
                    break; // the pipeline is stopping
                default:
                    outcome.GetResult(); // an unexpected failure: rethrown with its stack
                    break;
            }
        }

        private static TlsClientCredential Credential(X509Certificate2 certificate)
        {
            PrivateKey? key = CertificateKeys.Find(certificate);
            if (key == null)
            {
                string why = CertificateKeys.KeyFileOf(certificate) != null
                    ? "its private key is in an encrypted key file, not unlocked"
                    : "it has no private key";
                throw new PkiException(PkiErrorCode.InvalidArgument, $"The client certificate '{certificate.Subject}' cannot be offered: {why}.", null, certificate,
                    new PkiHint("Give {0} a certificate that carries its key: Import-Cert of a PFX (with -Password), or of the certificate with its key file.", "ClientCertificate"),
                    "ClientCertificate");
            }
            return new TlsClientCredential(certificate, key, CertificateChains.Issuers(certificate));
        }
    }
}
