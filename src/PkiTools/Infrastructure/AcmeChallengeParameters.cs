using System;
using System.Collections.Generic;
using System.Management.Automation;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core;
using PkiTools.Core.Acme;

namespace PkiTools.Commands
{
    /// <summary>The ACME challenge types PkiTools answers.</summary>
    public enum AcmeChallengeType
    {
        Http01,
        TlsAlpn01,
        Dns01,
    }
}

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// -Challenge and its options (-WebRoot, -HttpPort, -TlsPort, -DnsHook, -DnsPropagationSeconds), declared once for
    /// Request-AcmeCert and Invoke-CertRenewal -Acme (shared as dynamic parameters, as <see cref="LifetimeParameters"/>
    /// are): checked before anything is ordered, and turned into the core's challenge responder.
    /// </summary>
    public sealed class AcmeChallengeParameters
    {
        /// <summary>How control of the names is proven: Http01, TlsAlpn01 or Dns01.</summary>
        [Parameter(Mandatory = true)]
        public AcmeChallengeType Challenge { get; set; }

        /// <summary>Http01: the web server's document root; the token is written under .well-known/acme-challenge/ and removed afterwards.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? WebRoot { get; set; }

        /// <summary>Http01 without -WebRoot: the port PkiTools answers on for the duration (default 80).</summary>
        [Parameter]
        [ValidateRange(1, 65535)]
        public int HttpPort { get; set; } = 80;

        /// <summary>TlsAlpn01: the port PkiTools answers on for the duration (default 443).</summary>
        [Parameter]
        [ValidateRange(1, 65535)]
        public int TlsPort { get; set; } = 443;

        /// <summary>Dns01: called with ('Create' or 'Delete', record name, value) to create, then delete, the TXT record.</summary>
        [Parameter]
        [ValidateNotNull]
        public ScriptBlock? DnsHook { get; set; }

        /// <summary>Dns01: seconds to wait after creating the records before the CA looks (DNS propagation; default 0).</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int DnsPropagationSeconds { get; set; }

        /// <summary>
        /// Each challenge's own parameters with it only, and what it needs there, before anything is ordered.
        /// <paramref name="bound"/>: the cmdlet's bound parameters; <paramref name="resolve"/>: its provider path resolution.
        /// </summary>
        internal void Check(IDictionary<string, object> bound, Func<string, string> resolve)
        {
            var owners = new (string Parameter, AcmeChallengeType Challenge)[]
            {
                (nameof(WebRoot), AcmeChallengeType.Http01), (nameof(HttpPort), AcmeChallengeType.Http01), (nameof(TlsPort), AcmeChallengeType.TlsAlpn01),
                (nameof(DnsHook), AcmeChallengeType.Dns01), (nameof(DnsPropagationSeconds), AcmeChallengeType.Dns01),
            };
            foreach ((string parameter, AcmeChallengeType challenge) in owners)
            {
                if (challenge != Challenge && bound.ContainsKey(parameter))
                {
                    throw new PkiException(PkiErrorCode.InvalidArgument, $"-{parameter} belongs to the {challenge} challenge, not {Challenge}.", null, parameter,
                        new PkiHint("Leave it out, or choose {0}.", "Challenge=" + challenge));
                }
            }
            if (WebRoot != null && bound.ContainsKey(nameof(HttpPort)))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "-WebRoot and -HttpPort exclude each other: the web server answers from its web root, or PkiTools listens on the port.", null, WebRoot);
            }
            if (WebRoot != null && !System.IO.Directory.Exists(resolve(WebRoot)))
            {
                throw new PkiException(PkiErrorCode.FileNotFound, $"The web root '{resolve(WebRoot)}' does not exist; nothing was ordered.", null, WebRoot);
            }
            if (Challenge == AcmeChallengeType.Dns01 && DnsHook == null)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "Dns01 needs a hook that creates and deletes the TXT record.", null, null,
                    new PkiHint("Give {0} a script block; it is called with 'Create' or 'Delete', the record name and the value.", "DnsHook"));
            }
        }

        /// <summary>
        /// The responder for the chosen challenge (a listener starts listening now; the caller disposes it). The -DnsHook
        /// runs on <paramref name="cmdlet"/>'s pipeline thread, from a worker (<see cref="PkiCmdlet.RunOnWorker{T}"/>).
        /// </summary>
        internal IAcmeChallengeResponder Responder(PkiCmdlet cmdlet, Func<string, string> resolve)
        {
            switch (Challenge)
            {
                case AcmeChallengeType.Http01:
                    if (WebRoot != null)
                    {
                        string root = resolve(WebRoot);
                        cmdlet.WriteVerbose($"Answering http-01 with files under {root}/.well-known/acme-challenge/.");
                        return new Http01WebRootResponder(root);
                    }
                    var http = new Http01Listener(HttpPort);
                    cmdlet.WriteVerbose($"Answering http-01 on port {http.Port} for the duration.");
                    return http;
                case AcmeChallengeType.TlsAlpn01:
                    var tls = new TlsAlpn01Listener(TlsPort);
                    cmdlet.WriteVerbose($"Answering tls-alpn-01 on port {tls.Port} for the duration.");
                    return tls;
                default:
                    ScriptBlock hook = DnsHook!;
                    return new Dns01Responder((name, value, create, cancel) =>
                        cmdlet.OnPipelineThread(() =>
                        {
                            string action = create ? "Create" : "Delete";
                            cmdlet.WriteVerbose($"-DnsHook: {action} TXT {name} \"{value}\".");
                            cmdlet.InvokeHook(hook, "-DnsHook", null, action, name, value);
                            return true;
                        }))
                    { PropagationDelay = TimeSpan.FromSeconds(DnsPropagationSeconds) };
            }
        }
    }
}
