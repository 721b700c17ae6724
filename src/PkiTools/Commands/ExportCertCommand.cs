using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core;
using PkiTools.Core.Formats;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;
using CertificateChains = PkiTools.Commands.Infrastructure.CertificateChains;
using CertificateKeys = PkiTools.Commands.Infrastructure.CertificateKeys;

namespace PkiTools.Commands
{
    /// <summary>
    /// Export-Cert: writes certificates in the form the consumer wants: PEM (with the chain for nginx, with the key for
    /// HAProxy), DER, PFX (Modern AES-256/SHA-256 or Legacy 3DES/SHA-1) or P7B. Files with a key are owner-only.
    /// </summary>
    [Cmdlet(VerbsData.Export, "Cert", SupportsShouldProcess = true)]
    [OutputType(typeof(X509Certificate2))]
    public sealed class ExportCertCommand : PkiCmdlet
    {
        private readonly List<X509Certificate2> _certificates = new List<X509Certificate2>();

        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public X509Certificate2[]? Certificate { get; set; }

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter]
        public CertificateFormat Format { get; set; } = CertificateFormat.Pem;

        /// <summary>Protects the PFX, or encrypts the key in a PEM written with -IncludeKey.</summary>
        [Parameter]
        public SecureString? Password { get; set; }

        /// <summary>Adds the issuer chain: given with -Chain, or known from Invoke-CaSign / Import-Cert.</summary>
        [Parameter]
        public SwitchParameter IncludeChain { get; set; }

        /// <summary>The issuer chain to include (issuer first): objects, file paths or FileInfo objects; implies -IncludeChain. Every certificate given is written, the root too.</summary>
        [Parameter]
        public object[]? Chain { get; set; }

        /// <summary>Adds the private key to a PEM file (HAProxy's combined file).</summary>
        [Parameter]
        public SwitchParameter IncludeKey { get; set; }

        /// <summary>The private key to pair with the certificate (refused when it does not match: KeyMismatch).</summary>
        [Parameter]
        public PrivateKey? Key { get; set; }

        [Parameter]
        public PfxCompatibility PfxCompatibility { get; set; } = PfxCompatibility.Modern;

        /// <summary>Allows a PFX without a password.</summary>
        [Parameter]
        public SwitchParameter NoPassword { get; set; }

        [Parameter]
        public string? FriendlyName { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private IReadOnlyList<X509Certificate2>? _chain;

        /// <summary>Reads -Chain once: a missing or broken file stops the command with its own id, before anything is written.</summary>
        protected override void BeginProcessing()
        {
            if (Chain == null) return;
            try
            {
                _chain = InputArguments.Certificates(this, nameof(Chain), Chain);
            }
            catch (PkiException ex)
            {
                ThrowTerminatingError(ErrorFactory.Create(ex, this));
            }
        }

        protected override void ProcessRecord() => _certificates.AddRange(Certificate!);

        protected override void EndProcessing()
        {
            Guard(() =>
            {
                if (_certificates.Count == 0) return;
                var options = new CertificateExportOptions
                {
                    Format = Format,
                    IncludeChain = IncludeChain,
                    Chain = _chain,
                    IncludeKey = IncludeKey,
                    Key = Key,
                    NoPassword = NoPassword,
                    PfxCompatibility = PfxCompatibility,
                    FriendlyName = FriendlyName,
                };
                // What the pipeline knows about each certificate: the key riding on it (only looked up when a key can be written) and its chain.
                bool keyWanted = Format == CertificateFormat.Pfx || IncludeKey;
                var items = _certificates.Select(c => new ExportedCertificate(c, keyWanted ? CertificateKeys.Find(c) : null, CertificateChains.Issuers(c))).ToList();
                string target = ResolveOutputPath(Path!);
                CertificateExportPlan plan = WithSource(target, () => Passwords.With(Password, pw => CertificateExport.Plan(target, items, options, pw)));
                foreach (X509Certificate2 root in plan.OmittedRoots)
                {
                    WriteVerbose($"The root '{root.Subject}' is left out of the PEM file: servers do not send it. Pass it with -Chain to write it anyway.");
                }
                if (plan.PfxWithoutKey != null)
                {
                    WriteWarning($"No private key is known for '{plan.PfxWithoutKey.Subject}': the PFX holds certificates only. Pass -Key to include one.");
                }
                if (WriteFiles(plan.Files, Force, $"Write {Format} file") && PassThru)
                {
                    foreach (X509Certificate2 certificate in _certificates) WriteObject(certificate);
                }
            });
        }
    }
}
