using System;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core;
using PkiTools.Core.Ca;
using PkiTools.Core.Formats;
using PkiTools.Core.IO;
using PkiTools.Core.X509;

namespace PkiTools.Commands
{
    /// <summary>
    /// Invoke-CaSign: signs certificate signing requests with a CA certificate and its key. The CSR's signature is
    /// verified first; subject and SANs are copied, other requested extensions are not.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "CaSign", SupportsShouldProcess = true, DefaultParameterSetName = PipelineSet)]
    [OutputType(typeof(X509Certificate2))]
    public sealed class InvokeCaSignCommand : CaCmdlet, IDynamicParameters
    {
        private readonly LifetimeParameters _lifetime = new LifetimeParameters();

        /// <summary>-ValidDays and -NotAfter, shared with the other signing cmdlets.</summary>
        public object GetDynamicParameters() => _lifetime;

        private const string PipelineSet = "Csr";
        private const string FileSet = "CsrPath";
        private const string CaPipelineSet = "CaCsr";
        private const string CaFileSet = "CaCsrPath";

        private readonly StringBuilder _pemLines = new StringBuilder();
        private CertificateIssuer? _issuer;
        private CaDirectory? _ca;
        private CertificateTemplate? _template;

        /// <summary>A CSR object from New-Csr, PEM text, or DER bytes.</summary>
        [Parameter(ParameterSetName = PipelineSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [Parameter(ParameterSetName = CaPipelineSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [AllowEmptyString]
        [CsrArgumentTransformation]
        public CsrArgument? Csr { get; set; }

        /// <summary>CSR files (PEM or DER), including those made by openssl req.</summary>
        [Parameter(ParameterSetName = FileSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = CaFileSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string[]? CsrPath { get; set; }

        /// <summary>The CA certificate with its private key: an object, a certificate file, or a stem such as ./root (root.crt + root.key).</summary>
        [Parameter(ParameterSetName = PipelineSet, Mandatory = true)]
        [Parameter(ParameterSetName = FileSet, Mandatory = true)]
        [ValidateNotNull]
        public object? Issuer { get; set; }

        /// <summary>A CA directory (object from New-Ca/Get-Ca, or its path): signs under its policy and records in its ledger.</summary>
        [Parameter(ParameterSetName = CaPipelineSet, Mandatory = true)]
        [Parameter(ParameterSetName = CaFileSet, Mandatory = true)]
        [ValidateNotNull]
        [CaArgumentTransformation]
        public CaArgument? Ca { get; set; }

        [Parameter]
        public CertificateProfile Profile { get; set; } = CertificateProfile.TlsServer;

        [Parameter]
        [ValidateRange(0, 32)]
        public int PathLength { get; set; } = -1;

        /// <summary>Accept RSA keys of 1024 to 2047 bits in the request (legacy devices).</summary>
        [Parameter]
        public SwitchParameter AllowWeakKey { get; set; }

        /// <summary>File stem: writes &lt;Path&gt;.crt, and &lt;Path&gt;.key when the CSR carried its private key.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>The password of the issuer's (or the CA's) key file, when it is encrypted.</summary>
        [Parameter]
        [Alias("CaPassword")]
        public SecureString? IssuerPassword { get; set; }

        /// <summary>With -Ca: a file whose first line is the CA key's password; refused unless only its owner can read it.</summary>
        [Parameter(ParameterSetName = CaPipelineSet)]
        [Parameter(ParameterSetName = CaFileSet)]
        [ValidateNotNullOrEmpty]
        public string? CaPasswordFile { get; set; }

        /// <summary>With -Ca: the systemd credential holding the CA key's password (default pkitools-ca-password, looked up when the key is encrypted and no password is given).</summary>
        [Parameter(ParameterSetName = CaPipelineSet)]
        [Parameter(ParameterSetName = CaFileSet)]
        [ValidateNotNullOrEmpty]
        public string? CaPasswordCredential { get; set; }

        /// <summary>Writes the key file (when the CSR carried its key) encrypted.</summary>
        [Parameter]
        public SecureString? Password { get; set; }

        protected override void BeginProcessing()
        {
            try
            {
                // Before anything is issued: with -Ca the ledger records the certificate before the key file is encrypted.
                if (Password != null && Password.Length == 0) PkiTools.Core.Keys.PasswordBasedEncryption.RequireEncryptionPassword(Array.Empty<char>());
                if (Ca != null)
                {
                    _ca = OpenCa(Ca);
                    CertificateProfile profile = MyInvocation.BoundParameters.ContainsKey(nameof(Profile)) ? Profile : _ca.Policy.DefaultProfile;
                    _template = Templates.Build(this, null, Array.Empty<string>(), Array.Empty<string>(), profile, _lifetime, PathLength, AllowWeakKey);
                    return;
                }
                _template = Templates.Build(this, null, Array.Empty<string>(), Array.Empty<string>(), Profile, _lifetime, PathLength, AllowWeakKey);
                _issuer = PipelineCertificates.IssuerFor(LoadIssuer());
            }
            catch (PkiException ex)
            {
                ThrowTerminatingError(ErrorFactory.Create(ex));
            }
        }

        /// <summary>
        /// The -Issuer certificate with its key: an object as it is (its encrypted key file unlocked with -IssuerPassword),
        /// or read from a certificate file or stem (./root for root.crt + root.key) here, so a missing or broken file
        /// gives its own id (FileNotFound, CertificateInvalid, KeyInvalid...) with the path as target.
        /// </summary>
        private X509Certificate2 LoadIssuer()
        {
            object? value = Issuer is PSObject ps ? ps.BaseObject : Issuer;
            if (value is X509Certificate2 certificate)
            {
                return IssuerPassword == null ? certificate : Passwords.With(IssuerPassword, pw => PipelineCertificates.UnlockKey(certificate, pw!));
            }
            string path = InputArguments.PathOf(this, nameof(Issuer), value)
                ?? throw new PkiException(PkiErrorCode.InvalidArgument,
                    $"-Issuer cannot use {(value == null ? "nothing" : Words.A(value.GetType().Name))}: pass a CA certificate with its key (from New-SelfSignedCert -Profile RootCa or Import-Cert), a certificate file, or a stem such as ./root (root.crt + root.key); for a CA folder use -Ca.", null, value);
            if (!System.IO.File.Exists(path) && !System.IO.File.Exists(path + ".crt"))
            {
                throw new PkiException(PkiErrorCode.FileNotFound,
                    $"-Issuer: neither '{path}' nor '{path}.crt' exists. Give the CA certificate file, or the stem New-SelfSignedCert -Path wrote.", null, path);
            }
            return InputArguments.FromFile(nameof(Issuer), path, () =>
            {
                X509Certificate2 read = PipelineCertificates.From(CertificateReader.ReadCertificateAndKey(path))[0];
                return IssuerPassword == null ? read : Passwords.With(IssuerPassword, pw => PipelineCertificates.UnlockKey(read, pw!));
            });
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == FileSet || ParameterSetName == CaFileSet)
            {
                ForEachInputFile(CsrPath!, literal: false, (file, data) => Sign(CertificateSigningRequest.Parse(data)));
                return;
            }
            CsrArgument input = Csr ?? CsrArgument.From(null);
            Guard(() =>
            {
                if (input.Request != null)
                {
                    Sign(input.Request);
                }
                else if (input.Der != null)
                {
                    Sign(CertificateSigningRequest.Parse(input.Der));
                }
                else if (input.FilePath is string path)
                {
                    WithSource(path, () =>
                    {
                        Sign(CertificateSigningRequest.Parse(CertificateReader.ReadFile(path)));
                        return true;
                    });
                }
                else if (input.Line is string text)
                {
                    // Get-Content sends a file line by line: gather lines until a PEM block is complete.
                    _pemLines.Append(text).Append('\n');
                    if (text.IndexOf("-----END", StringComparison.Ordinal) >= 0)
                    {
                        string pem = _pemLines.ToString();
                        _pemLines.Clear();
                        Sign(CertificateSigningRequest.Parse(Encoding.UTF8.GetBytes(pem)));
                    }
                }
                else
                {
                    object? value = input.Unsupported;
                    throw new PkiException(PkiErrorCode.CsrInvalid,
                        $"Cannot sign {(value == null || value as string == string.Empty ? "nothing" : Words.A(value.GetType().Name))}: pass a CSR from New-Csr, PEM text, or use -CsrPath.", null, value);
                }
            });
        }

        protected override void EndProcessing()
        {
            if (_pemLines.ToString().Trim().Length > 0)
            {
                WriteError(ErrorFactory.Create(PkiErrorCode.FormatUnknown, "The PEM text ended without an END line: the CSR is truncated.", null));
            }
        }

        private void Sign(CertificateSigningRequest csr)
        {
            string? stem = Path == null ? null : ResolveOutputPath(Path);
            IssuedCertificate issued;
            if (_ca != null)
            {
                // Issuing from a CA changes its ledger even without -Path: -WhatIf must sign and record nothing.
                string action = stem == null ? $"Issue '{csr.Subject}' from the CA '{_ca.Subject}' and record it in its ledger"
                    : $"Issue '{csr.Subject}' from the CA '{_ca.Subject}' and write it";
                if (!ShouldProcess(stem ?? _ca.Folder, action)) return;
                // One core call: output files checked, policy, serial, sign, self-check, CA copy, ledger line, files written.
                IssueOutput? output = null;
                issued = Passwords.WithCaPassword(IssuerPassword, CaPasswordFile == null ? null : ResolveOutputPath(CaPasswordFile), CaPasswordCredential,
                    () => _ca.KeyIsEncrypted, "-CaPassword", "-CaPasswordFile", pw => Passwords.With(Password, keyPassword =>
                    {
                        output = stem == null ? null : new IssueOutput(stem, Force, keyPassword, writeFullChain: !_ca.IsRoot);
                        return _ca.Issue(csr, _template, pw, output);
                    }));
                foreach (OutputFile file in output?.Written ?? Array.Empty<OutputFile>())
                {
                    WriteVerbose(file.Secret ? $"Wrote {file.FilePath} (owner-only)." : $"Wrote {file.FilePath}.");
                }
            }
            else
            {
                issued = _issuer!.Sign(csr, _template!);
            }
            WarnPasswordUnused(Password, stem != null && issued.Key != null, stem == null ? "without -Path no key file is written." : "the request carries no private key, so no key file is written.");
            WriteWarnings(issued.Warnings);
            X509Certificate2 certificate = PipelineCertificates.Attach(issued);
            string by = _ca != null ? $"the CA '{_ca.Subject}' (recorded in its ledger)" : $"'{_issuer!.Certificate.Subject}'";
            WriteVerbose($"Issued '{certificate.Subject}', serial {certificate.SerialNumber}, valid until {PkiTools.Core.Words.Date(certificate.NotAfter)}, signed by {by}.");
            if (stem != null && _ca == null)
            {
                var files = Passwords.With(Password, pw => OutputPlan.CertificateAndKey(stem, issued, includeKey: true, pw));
                if (!WriteFiles(files, Force, "Write issued certificate")) return;
            }
            WriteObject(certificate);
        }
    }
}
