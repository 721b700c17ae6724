using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core;
using PkiTools.Core.Formats;
using PkiTools.Core.Revocation;
using PkiTools.Core.Validation;

namespace PkiTools.Commands
{
    /// <summary>
    /// Test-CertChain: would a TLS client trust this certificate, and if not, why? Builds and checks the path to the
    /// given trust anchors only; a bad chain is a result, never an error.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "CertChain", DefaultParameterSetName = CertificateSet)]
    [OutputType(typeof(ChainValidationResult), typeof(bool))]
    public sealed class TestCertChainCommand : FileInputCmdlet
    {
        private const string CertificateSet = "Certificate";

        [Parameter(ParameterSetName = CertificateSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
        public X509Certificate2[]? Certificate { get; set; }

        /// <summary>Certificate files; in a PEM bundle the first certificate is tested and the rest serve as intermediates.</summary>
        [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public override string[]? Path { get; set; }

        /// <summary>Trust anchors: certificate objects, file paths or FileInfo objects (read when the command starts).</summary>
        [Parameter]
        public object[] TrustedRoot { get; set; } = Array.Empty<object>();

        /// <summary>Untrusted intermediates: certificate objects, file paths or FileInfo objects.</summary>
        [Parameter]
        public object[] Intermediate { get; set; } = Array.Empty<object>();

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? DnsName { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? IpAddress { get; set; }

        /// <summary>ServerAuth, ClientAuth or Any. Default: ServerAuth when -DnsName or -IpAddress is given, else Any.</summary>
        [Parameter]
        public CertificatePurpose Purpose { get; set; }

        /// <summary>Validation time (default: now).</summary>
        [Parameter]
        public DateTime At { get; set; }

        [Parameter]
        public SwitchParameter UseSystemTrust { get; set; }

        /// <summary>CRLs to check revocation against: objects or files (PEM or DER).</summary>
        [Parameter]
        public object[] Crl { get; set; } = Array.Empty<object>();

        /// <summary>NoCheck, or Offline (the given CRLs). Default: Offline when -Crl is given, else NoCheck.</summary>
        [Parameter]
        public RevocationMode RevocationMode { get; set; }

        /// <summary>
        /// Which certificates are checked for revocation: EndCertificateOnly (the leaf: the issuing CA's CRL is enough),
        /// ExcludeRoot (every certificate below the trust anchor; the default) or EntireChain (the anchor too).
        /// </summary>
        [Parameter]
        public RevocationFlag RevocationFlag { get; set; } = RevocationFlag.ExcludeRoot;

        /// <summary>Most intermediate CA certificates between the certificate and the anchor (self-issued ones not counted).</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int MaxDepth { get; set; }

        /// <summary>Accept MD5/SHA-1 signatures and weak keys (legacy devices).</summary>
        [Parameter]
        public SwitchParameter AllowWeakSignatures { get; set; }

        /// <summary>Output only $true or $false.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <summary>The certificate policy OIDs acceptable to you (RFC 5280's user-initial-policy-set); anyPolicy when not given.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Policy { get; set; }

        /// <summary>The chain must be valid for a certificate policy (one of -Policy when given).</summary>
        [Parameter]
        public SwitchParameter RequireExplicitPolicy { get; set; }

        /// <summary>Policy mappings in the chain are not honoured.</summary>
        [Parameter]
        public SwitchParameter InhibitPolicyMapping { get; set; }

        /// <summary>anyPolicy in a CA certificate matches no policy.</summary>
        [Parameter]
        public SwitchParameter InhibitAnyPolicy { get; set; }

        private bool _verbose;
        private IReadOnlyList<X509Certificate2> _trustedRoots = Array.Empty<X509Certificate2>();
        private IReadOnlyList<X509Certificate2> _intermediates = Array.Empty<X509Certificate2>();
        private IReadOnlyList<CertificateRevocationList> _crls = Array.Empty<CertificateRevocationList>();
        /// <summary>How a warning about a CRL that is not used ends.</summary>
        private const string UncoveredCertificates = "certificates it would cover are RevocationUnknown unless another CRL covers them.";

        /// <summary>-Crl files that could not be read (skipped with a warning).</summary>
        private int _crlsSkipped;
        private ChainValidationOptions? _options;
        /// <summary>Validations running on the thread pool, oldest first; null when they run on the pipeline thread.</summary>
        private Queue<Task<ChainValidationResult>>? _pending;

        /// <summary>Validations queued but not yet written: beyond this many, the pipeline thread waits for the oldest.</summary>
        private static readonly int MaxPending = Math.Max(16, 8 * Environment.ProcessorCount);

        /// <summary>
        /// Reads the roots, intermediates and CRLs once for the whole call (every certificate is checked against the
        /// same objects): a missing or broken file stops the command with its own id. Many certificates (a wildcard,
        /// several paths, a pipeline of files or objects) are validated on one worker per CPU, each file read and
        /// parsed by its worker too, and the results written in input order. With -Verbose the trace of each
        /// validation is written as it happens, so the work stays on the pipeline thread.
        /// </summary>
        protected override void BeginProcessing()
        {
            _verbose = VerboseShown();
            try
            {
                _trustedRoots = InputArguments.Certificates(this, nameof(TrustedRoot), TrustedRoot);
                _intermediates = InputArguments.Certificates(this, nameof(Intermediate), Intermediate);
                _crls = InputArguments.Crls(this, nameof(Crl), Crl, ex =>
                {
                    _crlsSkipped++;
                    WriteWarning($"{ex.Code}: {ErrorFactory.Message(ex)} The CRL is skipped; {UncoveredCertificates}");
                });
                foreach (CertificateRevocationList crl in _crls)
                {
                    if (crl.UnsupportedCriticalExtension is string oid)
                    {
                        WriteWarning($"-Crl: {crl} has a critical extension {oid} that PkiTools does not process, so it is never used; {UncoveredCertificates}");
                    }
                }
                foreach (string oid in Policy ?? Array.Empty<string>())
                {
                    if (!System.Text.RegularExpressions.Regex.IsMatch(oid, @"^[0-2](\.(0|[1-9][0-9]*))+$"))
                    {
                        throw new PkiException(PkiErrorCode.InvalidArgument, $"'{oid}' is not a policy OID; give dotted numbers such as 2.16.840.1.101.3.2.1.3.13 (2.5.29.32.0 is anyPolicy).", null, oid, null, nameof(Policy));
                    }
                }
            }
            catch (PkiException ex)
            {
                ThrowTerminatingError(ErrorFactory.Create(ex, this));
            }
            _options = Options(Array.Empty<X509Certificate2>());
            if (MyInvocation.BoundParameters.ContainsKey(nameof(RevocationFlag)) && _options.EffectiveRevocationMode == RevocationMode.NoCheck)
            {
                WriteWarning("-RevocationFlag has no effect: revocation is not checked. Give the CRLs with -Crl.");
            }
            if (_options.Trace == null && Environment.ProcessorCount > 1)
            {
                _pending = new Queue<Task<ChainValidationResult>>();
            }
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == CertificateSet)
            {
                foreach (X509Certificate2 certificate in Certificate!)
                {
                    if (certificate == null) continue;
                    Run(() => ChainValidator.Validate(certificate, _options!));
                }
                return;
            }
            bool literal = ParameterSetName == LiteralPathSet;
            foreach (string pattern in literal ? LiteralPath! : Path!)
            {
                Guard(() =>
                {
                    foreach (string file in ResolveInputPaths(pattern, literal))
                    {
                        Run(() => WithSource(file, () => ValidateFile(file)));
                    }
                });
            }
        }

        protected override void EndProcessing()
        {
            if (_pending == null) return;
            while (_pending.Count > 0) Write(_pending.Dequeue());
        }

        /// <summary>Runs on a worker (or inline): reads the file, tests its first certificate, the rest of a bundle serve as intermediates.</summary>
        private ChainValidationResult ValidateFile(string file)
        {
            IReadOnlyList<X509Certificate2> certificates = CertificateFiles.Read(CertificateReader.ReadFile(file), null, file).Certificates;
            if (certificates.Count == 1) return ChainValidator.Validate(certificates[0], _options!);
            var extra = new X509Certificate2[certificates.Count - 1];
            for (int i = 1; i < certificates.Count; i++) extra[i - 1] = certificates[i];
            return ChainValidator.Validate(certificates[0], Options(extra));
        }

        /// <summary>Queues one validation (or runs it here when sequential) and writes every result that is ready, in order.</summary>
        private void Run(Func<ChainValidationResult> work)
        {
            if (_pending == null)
            {
                Guard(() => Write(work()));
                return;
            }
            _pending.Enqueue(Task.Run(work));
            while (_pending.Count > 0 && (_pending.Peek().IsCompleted || _pending.Count > MaxPending)) Write(_pending.Dequeue());
        }

        /// <summary>Writes a finished (or, waiting for it, the oldest) validation: its result, or its PkiException as an error.</summary>
        private void Write(Task<ChainValidationResult> validation)
        {
            ChainValidationResult result;
            try
            {
                result = validation.GetAwaiter().GetResult(); // an unexpected exception is rethrown with its stack
            }
            catch (PkiException ex)
            {
                WriteError(ErrorFactory.Create(ex, this));
                return;
            }
            Write(result);
        }

        /// <summary>The validation inputs of this call; <paramref name="bundled"/> (the rest of a PEM bundle) joins the intermediates.</summary>
        private ChainValidationOptions Options(IReadOnlyList<X509Certificate2> bundled)
        {
            var bound = MyInvocation.BoundParameters;
            CertificatePurpose purpose = bound.ContainsKey(nameof(Purpose)) ? Purpose
                : (DnsName != null || IpAddress != null) ? CertificatePurpose.ServerAuth : CertificatePurpose.Any;
            IReadOnlyList<X509Certificate2> intermediates = _intermediates;
            if (bundled.Count > 0)
            {
                var all = new List<X509Certificate2>(_intermediates);
                all.AddRange(bundled);
                intermediates = all;
            }
            return new ChainValidationOptions
            {
                TrustedRoots = _trustedRoots,
                Intermediates = intermediates,
                DnsName = DnsName,
                IpAddress = IpAddress,
                Purpose = purpose,
                At = bound.ContainsKey(nameof(At)) ? Templates.ToUtc(At) : (DateTimeOffset?)null,
                UseSystemTrust = UseSystemTrust,
                Crls = _crls,
                // A CRL file given turns checking on even when it was skipped as unreadable: its certificates are then unknown, not good.
                RevocationMode = bound.ContainsKey(nameof(RevocationMode)) ? RevocationMode : _crlsSkipped > 0 ? Core.Validation.RevocationMode.Offline : (RevocationMode?)null,
                MaxDepth = bound.ContainsKey(nameof(MaxDepth)) ? MaxDepth : (int?)null,
                AllowWeakSignatures = AllowWeakSignatures,
                RevocationFlag = bound.ContainsKey(nameof(RevocationFlag)) ? RevocationFlag : (RevocationFlag?)null,
                Trace = _verbose ? WriteVerbose : (Action<string>?)null, // read on the pipeline thread, in BeginProcessing
                InitialPolicies = Policy,
                RequireExplicitPolicy = RequireExplicitPolicy,
                InhibitPolicyMapping = InhibitPolicyMapping,
                InhibitAnyPolicy = InhibitAnyPolicy,
            };
        }

        private void Write(ChainValidationResult result)
        {
            foreach (ChainProblem problem in result.Problems)
            {
                WriteVerbose(problem.ToString());
            }
            if (Quiet)
            {
                WriteObject(result.IsValid);
            }
            else
            {
                WriteObject(result);
            }
        }
    }
}
