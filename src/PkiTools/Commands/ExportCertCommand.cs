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
                ThrowTerminatingError(ErrorFactory.Create(ex));
            }
        }

        protected override void ProcessRecord() => _certificates.AddRange(Certificate!);

        protected override void EndProcessing()
        {
            Guard(() =>
            {
                if (_certificates.Count == 0) return;
                if (_certificates.Count > 1 && (Format == CertificateFormat.Der || Format == CertificateFormat.Pfx || Key != null))
                {
                    throw new PkiException(PkiErrorCode.InvalidArgument,
                        $"{_certificates.Count} certificates arrived but {Words.A(Format.ToString())} file{(Key != null ? " with -Key" : string.Empty)} holds one: export them one by one, or use -Format Pem or P7b for a bundle.");
                }
                string target = ResolveOutputPath(Path!);
                byte[] content = WithSource(target, () => Passwords.With(Password, Build));
                bool secret = Format == CertificateFormat.Pfx || (Format == CertificateFormat.Pem && IncludeKey);
                if (WriteFiles(OutputPlan.Single(target, content, secret), Force, $"Write {Format} file") && PassThru)
                {
                    foreach (X509Certificate2 certificate in _certificates) WriteObject(certificate);
                }
            });
        }

        private byte[] Build(char[]? password)
        {
            if (FriendlyName != null && Format != CertificateFormat.Pfx) throw Unusable("-FriendlyName applies to -Format Pfx only.");
            if (Key != null && Format != CertificateFormat.Pfx && !(Format == CertificateFormat.Pem && IncludeKey))
            {
                throw Unusable("-Key goes into a PFX, or a PEM written with -IncludeKey.");
            }
            if (password != null && (Format == CertificateFormat.Der || Format == CertificateFormat.P7b)) throw Unusable($"{Words.Capital(Words.A(Format.ToString()))} file is never encrypted: -Password applies to Pfx, and to Pem with -IncludeKey.");
            switch (Format)
            {
                case CertificateFormat.Der:
                    if (IncludeKey || IncludeChain || _chain != null) throw Unusable("DER holds one certificate: -IncludeKey and -IncludeChain need -Format Pem or Pfx.");
                    return CertificateFiles.WriteDer(_certificates[0]);
                case CertificateFormat.P7b:
                    if (IncludeKey) throw Unusable("A P7B file holds no keys: use -Format Pfx, or Pem with -IncludeKey.");
                    return CertificateFiles.WriteP7b(WithChains(), pem: true);
                case CertificateFormat.Pfx:
                    if (password == null && !NoPassword)
                    {
                        throw new PkiException(PkiErrorCode.PasswordRequired, "A PFX needs -Password (or -NoPassword for an unprotected file, which anyone who can read it can use).");
                    }
                    if (password != null && NoPassword) throw Unusable("Give -Password or -NoPassword, not both.");
                    X509Certificate2 leaf = _certificates[0];
                    PrivateKey? pfxKey = KeyFor(leaf, required: false);
                    if (pfxKey == null) WriteWarning($"No private key is known for '{leaf.Subject}': the PFX holds certificates only. Pass -Key to include one.");
                    return CertificateFiles.WritePfx(leaf, pfxKey, ChainOf(leaf), password, PfxCompatibility, FriendlyName);
                default:
                    if (password != null && !IncludeKey) throw Unusable("-Password with -Format Pem encrypts the key: add -IncludeKey.");
                    PrivateKey? key = IncludeKey ? KeyFor(_certificates[0], required: true) : null;
                    return CertificateFiles.WritePem(WithChains(), key, password);
            }
        }

        /// <summary>The certificates, each followed by its chain when asked.</summary>
        private List<X509Certificate2> WithChains()
        {
            var all = new List<X509Certificate2>();
            foreach (X509Certificate2 certificate in _certificates)
            {
                all.Add(certificate);
                all.AddRange(ChainOf(certificate));
            }
            return all;
        }

        /// <summary>
        /// The issuers to write after <paramref name="certificate"/>: everything given with -Chain, in every format; else the
        /// known chain, with the self-signed root for PFX and P7B (as Windows' export does) but not for PEM, which is
        /// what a server sends (the client has the root already).
        /// </summary>
        private IReadOnlyList<X509Certificate2> ChainOf(X509Certificate2 certificate)
        {
            if (_chain != null) return _chain;
            if (!IncludeChain) return Array.Empty<X509Certificate2>();
            IReadOnlyList<X509Certificate2> chain = CertificateChains.Issuers(certificate);
            if (chain.Count == 0)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument,
                    $"No chain is known for '{certificate.Subject}': pass the intermediates with -Chain (objects or files).", null, certificate);
            }
            if (Format != CertificateFormat.Pem) return chain;
            var sent = new List<X509Certificate2>();
            foreach (X509Certificate2 issuer in chain)
            {
                if (CertificateFacts.IsSelfIssued(issuer))
                {
                    WriteVerbose($"The root '{issuer.Subject}' is left out of the PEM file: servers do not send it. Pass it with -Chain to write it anyway.");
                    continue;
                }
                sent.Add(issuer);
            }
            return sent;
        }

        private PrivateKey? KeyFor(X509Certificate2 certificate, bool required)
        {
            PrivateKey? key = Key ?? CertificateKeys.Find(certificate);
            if (key == null)
            {
                if (!required) return null;
                throw new PkiException(PkiErrorCode.InvalidArgument,
                    $"No private key is known for '{certificate.Subject}': pass it with -Key (Import-PrivateKey ./site.key).", null, certificate);
            }
            if (!CertificateFacts.KeyMatches(certificate, key))
            {
                throw new PkiException(PkiErrorCode.KeyMismatch, $"The private key {key.KeyId} does not belong to '{certificate.Subject}'.", null, certificate);
            }
            return key;
        }

        private static PkiException Unusable(string message) => new PkiException(PkiErrorCode.InvalidArgument, message);
    }
}
