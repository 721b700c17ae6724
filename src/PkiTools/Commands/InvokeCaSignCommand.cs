using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core;
using PkiTools.Core.Ca;
using PkiTools.Core.Formats;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;
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

        /// <summary>
        /// With -Ca, requests are issued in batches: one hold of the CA lock, one append and flush of the ledger per
        /// batch, and the batch's certificates handed out (and their files written) only after that commit. A batch is
        /// issued when it holds this many requests, when its oldest request has waited <see cref="BatchWait"/>, when the
        /// producer paused that long before a request (so a slow producer gets each certificate at once), before an
        /// error of the pipeline input is written, and at the end.
        /// </summary>
        internal const int BatchSize = 128;

        private static readonly TimeSpan BatchWait = TimeSpan.FromMilliseconds(200);

        private readonly StringBuilder _pemLines = new StringBuilder();
        private readonly List<(CertificateSigningRequest Csr, string? Stem)> _batch = new List<(CertificateSigningRequest, string?)>();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _batchStarted;
        private TimeSpan _lastInput;
        private CertificateIssuer? _issuer;
        private CaDirectory? _ca;
        private CertificateTemplate? _template;
        private string? _stem;
        private bool _intoFolder;
        private bool _verbose;

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

        /// <summary>
        /// How an RSA key signs: RsaPkcs1 (PKCS#1 v1.5) or RsaPss (RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt).
        /// Default: RsaPkcs1 for an RSA key, RsaPss for an RSA-PSS key (with -Ca: the CA policy's signatureAlgorithm first). Other keys refuse it (SignatureAlgorithmMismatch).
        /// </summary>
        [Parameter]
        public SignatureScheme SignatureAlgorithm { get; set; }

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
                _stem = Path == null ? null : ResolveOutputPath(Path);
                _intoFolder = _stem != null && System.IO.Directory.Exists(_stem);
                _verbose = VerboseShown();
                if (Ca != null)
                {
                    _ca = OpenCa(Ca);
                    CertificateProfile profile = MyInvocation.BoundParameters.ContainsKey(nameof(Profile)) ? Profile : _ca.Policy.DefaultProfile;
                    _template = Templates.Build(this, null, Array.Empty<string>(), Array.Empty<string>(), profile, _lifetime, PathLength, AllowWeakKey, Templates.Scheme(this, SignatureAlgorithm));
                    return;
                }
                _template = Templates.Build(this, null, Array.Empty<string>(), Array.Empty<string>(), Profile, _lifetime, PathLength, AllowWeakKey, Templates.Scheme(this, SignatureAlgorithm));
                _issuer = PipelineCertificates.IssuerFor(LoadIssuer());
            }
            catch (PkiException ex)
            {
                ThrowTerminatingError(ErrorFactory.Create(ex, this));
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
            if (_ca != null && _batch.Count > 0 && _clock.Elapsed - _lastInput >= BatchWait)
            {
                IssueBatch(); // the producer is slow: what waits goes out before this input is even read
            }
            _lastInput = _clock.Elapsed;
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

        /// <summary>
        /// A bad input's error: the requests before it are issued and handed out first, so errors and certificates keep
        /// their order and -ErrorAction Stop leaves every recorded certificate emitted.
        /// </summary>
        protected override void BeforeError()
        {
            if (_batch.Count > 0) IssueBatch();
        }

        protected override void EndProcessing()
        {
            if (_batch.Count > 0) IssueBatch();
            if (_pemLines.ToString().Trim().Length > 0)
            {
                WriteError(ErrorFactory.Create(PkiErrorCode.FormatUnknown, "The PEM text ended without an END line: the CSR is truncated.", null));
            }
        }

        private void Sign(CertificateSigningRequest csr)
        {
            // -Path naming a folder: each certificate goes there under the request's name (web01.crt, web01.key).
            string? stem = _intoFolder ? System.IO.Path.Combine(_stem!, OutputPaths.NameFor(csr)) : _stem;
            if (_ca != null)
            {
                // Issuing from a CA changes its ledger even without -Path: -WhatIf must sign and record nothing.
                string action = stem == null ? $"Issue '{csr.Subject}' from the CA '{_ca.Subject}' and record it in its ledger"
                    : $"Issue '{csr.Subject}' from the CA '{_ca.Subject}' and write it";
                if (!ShouldProcess(stem ?? _ca.Folder, action)) return;
                if (_batch.Count == 0) _batchStarted = _clock.Elapsed;
                _batch.Add((csr, stem));
                if (_batch.Count >= BatchSize || _clock.Elapsed - _batchStarted >= BatchWait) IssueBatch();
                return;
            }
            IssuedCertificate issued = _issuer!.Sign(csr, _template!);
            X509Certificate2 certificate = Emit(issued, $"'{_issuer!.Certificate.Subject}'");
            if (stem != null)
            {
                var files = Passwords.With(Password, pw => OutputPlan.CertificateAndKey(stem, issued, includeKey: true, pw));
                if (!WriteFiles(files, Force, "Write issued certificate")) return;
            }
            WriteObject(certificate);
        }

        /// <summary>
        /// Issues the batch: one core call (each request's output files checked, policy, serial, sign, self-check;
        /// then the CA copies and ledger lines of all of them under one lock hold; then the files written). The
        /// certificates the ledger recorded are handed out first, in order, then the errors: with -ErrorAction Stop
        /// the first error stops the pipeline after every recorded certificate went out.
        /// </summary>
        private void IssueBatch()
        {
            (CertificateSigningRequest Csr, string? Stem)[] csrs = _batch.ToArray();
            _batch.Clear();
            IReadOnlyList<IssueOutcome> outcomes;
            var requests = new IssueRequest[csrs.Length];
            bool fullChain = !_ca!.IsRoot;
            try
            {
                outcomes = Passwords.WithCaPassword(IssuerPassword, CaPasswordFile == null ? null : ResolveOutputPath(CaPasswordFile), CaPasswordCredential,
                    () => _ca!.KeyIsEncrypted, "-CaPassword", "-CaPasswordFile", pw => Passwords.With(Password, keyPassword =>
                    {
                        for (int i = 0; i < csrs.Length; i++)
                        {
                            IssueOutput? output = csrs[i].Stem == null ? null : new IssueOutput(csrs[i].Stem!, Force, keyPassword, writeFullChain: fullChain);
                            requests[i] = new IssueRequest(csrs[i].Csr, _template, output);
                        }
                        return _ca!.IssueBatch(requests, pw);
                    }));
            }
            catch (PkiException ex)
            {
                // The password could not be read: nothing of the batch was issued.
                foreach (var _ in csrs) WriteError(ErrorFactory.Create(ex, this));
                return;
            }
            // The .NET objects (a parse of the DER and the key attached) are the largest per-certificate cost left: built
            // over all cores for a batch, then handed out in order.
            var made = new List<IssuedCertificate>(outcomes.Count);
            foreach (IssueOutcome outcome in outcomes) if (outcome.Certificate != null) made.Add(outcome.Certificate);
            CaIssuance.OnAllCores(made.Count, i => _ = made[i].Certificate);
            string by = $"the CA '{_ca!.Subject}' (recorded in its ledger)";
            var errors = new List<PkiException>();
            for (int i = 0; i < outcomes.Count; i++)
            {
                IssueOutcome outcome = outcomes[i];
                if (outcome.Error != null)
                {
                    errors.Add(outcome.Error);
                    continue;
                }
                if (_verbose)
                {
                    foreach (OutputFile file in requests[i].Output?.Written ?? Array.Empty<OutputFile>())
                    {
                        WriteVerbose(file.Secret ? $"Wrote {file.FilePath} (owner-only)." : $"Wrote {file.FilePath}.");
                    }
                }
                WriteObject(Emit(outcome.Certificate!, by));
            }
            foreach (PkiException error in errors) WriteError(ErrorFactory.Create(error, this));
        }

        /// <summary>The pipeline object of one issued certificate, with its warnings and verbose lines (the verbose text built only when asked for).</summary>
        private X509Certificate2 Emit(IssuedCertificate issued, string by)
        {
            WarnPasswordUnused(Password, _stem != null && issued.Key != null, _stem == null ? "without -Path no key file is written." : "the request carries no private key, so no key file is written.");
            WriteWarnings(issued.Warnings);
            X509Certificate2 certificate = PipelineCertificates.Attach(issued);
            if (_verbose) WriteVerbose($"Issued '{certificate.Subject}', serial {certificate.SerialNumber}, valid until {PkiTools.Core.Words.Date(certificate.NotAfter)}, signed by {by}.");
            return certificate;
        }
    }
}
