using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core;
using PkiTools.Core.Ca;
using PkiTools.Core.Revocation;

namespace PkiTools.Commands
{
    /// <summary>
    /// Revoke-Cert: marks certificates revoked in the CA's ledger (New-Crl then publishes it). Takes serial numbers,
    /// certificates, or Get-IssuedCert's records from the pipeline. Asks first (ConfirmImpact High): revocation
    /// cannot be undone, except for CertificateHold.
    /// </summary>
    // The Certificate set is the default so that a piped X509Certificate2 binds to -Certificate (and its issuer is
    // checked): with SerialNumber as the default, PowerShell bound the certificate's SerialNumber property by name and
    // revoked whatever this CA had under that serial, even for a certificate from another CA.
    [Cmdlet(VerbsSecurity.Revoke, "Cert", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = CertificateSet)]
    [OutputType(typeof(IssuedCertificateRecord))]
    public sealed class RevokeCertCommand : CaCmdlet
    {
        private const string SerialSet = "SerialNumber";
        private const string CertificateSet = "Certificate";

        /// <summary>The CA: an object from New-Ca or Get-Ca, or its directory (bound from Get-IssuedCert's CaPath).</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("CaPath")]
        [ValidateNotNull]
        [CaArgumentTransformation]
        public CaArgument? Ca { get; set; }

        /// <summary>Serial numbers in hex, any spelling (0A:1B, 0a1b).</summary>
        [Parameter(ParameterSetName = SerialSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? SerialNumber { get; set; }

        /// <summary>Certificates this CA issued.</summary>
        [Parameter(ParameterSetName = CertificateSet, Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public X509Certificate2[]? Certificate { get; set; }

        [Parameter]
        public RevocationReason Reason { get; set; } = RevocationReason.Unspecified;

        /// <summary>Writes the ledger record of each revoked certificate.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>
        /// Revocations are applied in batches (one lock hold and one rewrite of index.txt per batch, then the verbose
        /// lines and records): a batch goes when it holds this many, when its oldest has waited <see cref="BatchWait"/>
        /// or the producer paused that long, when the CA changes, before an input's error, and at the end.
        /// </summary>
        internal const int BatchSize = 1024;

        private static readonly TimeSpan BatchWait = TimeSpan.FromMilliseconds(200);

        private readonly List<(string Serial, string? Subject)> _batch = new List<(string, string?)>();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private CaDirectory? _batchCa;
        private TimeSpan _batchStarted;
        private TimeSpan _lastInput;
        private bool _verbose;

        protected override void BeginProcessing() => _verbose = VerboseShown();

        protected override void ProcessRecord()
        {
            if (_batch.Count > 0 && _clock.Elapsed - _lastInput >= BatchWait) RevokeBatch();
            _lastInput = _clock.Elapsed;
            Guard(() =>
            {
                CaDirectory ca = OpenCa(Ca);
                if (ParameterSetName == CertificateSet)
                {
                    foreach (X509Certificate2 certificate in Certificate!)
                    {
                        Guard(() =>
                        {
                            ca.CheckIssuedHere(certificate);
                            Queue(ca, certificate.SerialNumber, certificate.Subject);
                        });
                    }
                    return;
                }
                foreach (string serial in SerialNumber!)
                {
                    Guard(() => Queue(ca, serial, null));
                }
            });
        }

        protected override void BeforeError()
        {
            if (_batch.Count > 0) RevokeBatch();
        }

        protected override void EndProcessing()
        {
            if (_batch.Count > 0) RevokeBatch();
        }

        private void Queue(CaDirectory ca, string serial, string? subject)
        {
            if (_batch.Count > 0 && !ReferenceEquals(ca, _batchCa)) RevokeBatch();
            if (_batch.Count == 0)
            {
                _batchCa = ca;
                _batchStarted = _clock.Elapsed;
            }
            _batch.Add((serial, subject));
            if (_batch.Count >= BatchSize || _clock.Elapsed - _batchStarted >= BatchWait) RevokeBatch();
        }

        /// <summary>
        /// Asks for each revocation of the batch (-WhatIf, -Confirm: the subjects of bare serials looked up in one read
        /// of the ledger), then one change of the ledger for those confirmed; then, in order, each one's verbose line and
        /// record, then the errors.
        /// </summary>
        private void RevokeBatch()
        {
            CaDirectory ca = _batchCa!;
            (string Serial, string? Subject)[] pending = _batch.ToArray();
            _batch.Clear();
            Dictionary<string, string>? subjects = null;
            bool release = Reason == RevocationReason.RemoveFromCrl;
            string action = release ? $"Release the hold in the CA '{ca.Subject}'" : $"Revoke ({Reason}) in the CA '{ca.Subject}'";
            var serials = new List<string>(pending.Length);
            foreach ((string serial, string? known) in pending)
            {
                string? subject = known;
                if (subject == null)
                {
                    subjects ??= SubjectsOf(ca, pending);
                    subjects.TryGetValue(Normalized(serial) ?? serial, out subject);
                }
                string target = subject == null ? $"serial {serial}" : $"serial {serial} ({subject})";
                if (ShouldProcess(target, action)) serials.Add(serial);
            }
            if (serials.Count == 0) return;
            IReadOnlyList<LedgerOutcome> outcomes;
            try
            {
                outcomes = ca.RevokeBatch(serials, Reason);
            }
            catch (PkiException ex)
            {
                // The lock or the ledger could not be had: nothing of the batch was revoked.
                foreach (string _ in serials) WriteError(ErrorFactory.Create(ex, this));
                return;
            }
            var errors = new List<PkiException>();
            foreach (LedgerOutcome outcome in outcomes)
            {
                if (outcome.Entry is not LedgerEntry entry)
                {
                    errors.Add(outcome.Error!);
                    continue;
                }
                if (_verbose)
                {
                    WriteVerbose(release
                        ? $"Released the hold on {entry.SerialNumber} ({entry.Subject}): it is valid again. Run New-Crl to publish that."
                        : $"Revoked {entry.SerialNumber} ({entry.Subject}) for {Reason}. Run New-Crl to publish the revocation.");
                }
                if (PassThru) WriteObject(ca.Record(entry));
            }
            foreach (PkiException error in errors) WriteError(ErrorFactory.Create(error, this));
        }

        /// <summary>The ledger's subjects of the bare serials of a batch, from one read of the ledger.</summary>
        private static Dictionary<string, string> SubjectsOf(CaDirectory ca, (string Serial, string? Subject)[] pending)
        {
            var wanted = new HashSet<string>(StringComparer.Ordinal);
            foreach ((string serial, string? subject) in pending)
            {
                if (subject == null && Normalized(serial) is string n) wanted.Add(n);
            }
            var subjects = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (LedgerEntry entry in ca.Ledger.Entries())
            {
                string serial = OpenSslIndexLedger.NormalizeSerial(entry.SerialNumber);
                if (wanted.Contains(serial)) subjects[serial] = entry.Subject;
            }
            return subjects;
        }

        /// <summary>The serial as the ledger spells it, or null when it is not hex (the revocation then says why).</summary>
        private static string? Normalized(string serial)
        {
            try
            {
                return OpenSslIndexLedger.NormalizeSerial(serial);
            }
            catch (PkiException)
            {
                return null;
            }
        }
    }
}
