using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Security;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core;
using PkiTools.Core.Ca;
using PkiTools.Core.Renewal;
using PkiTools.Core.Tls;
using PkiTools.Core.Trust;

namespace PkiTools.Commands
{
    /// <summary>
    /// Find-ExpiringCert: one inventory across certificate files and folders, trust/X509 stores, CA ledgers and live TLS
    /// endpoints, as ExpiringCertificate objects in the order found. Each unreadable file, store, CA or endpoint is its
    /// own error and the rest go on. The core (CertificateInventory) does the reading; this cmdlet resolves paths,
    /// reports progress and writes.
    /// </summary>
    [Cmdlet(VerbsCommon.Find, "ExpiringCert", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(ExpiringCertificate))]
    public sealed class FindExpiringCertCommand : CaCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const int ProgressEvery = 200;

        /// <summary>Certificate files or folders; wildcards are expanded.</summary>
        [Parameter(ParameterSetName = PathSet, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        /// <summary>Certificate files or folders, taken as written; binds FullName/PSPath from Get-ChildItem.</summary>
        [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "FullName")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        /// <summary>Walks subfolders of the folders named.</summary>
        [Parameter]
        public SwitchParameter Recurse { get; set; }

        /// <summary>Stores to list, as Install-Cert's -Store names them.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(StoreNameCompleter))]
        public string[]? Store { get; set; }

        /// <summary>NSS database folders to list with -Store Nss instead of the current user's browsers' databases.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? NssDatabase { get; set; }

        /// <summary>The Java keystore to list with -Store Java instead of the JDK's cacerts.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JavaKeystore { get; set; }

        /// <summary>The Java keystore's password; the JDK's default (changeit) when not given.</summary>
        [Parameter]
        public SecureString? KeystorePassword { get; set; }

        /// <summary>CAs whose valid issued certificates are listed: objects from New-Ca or Get-Ca, or CA folders.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [CaArgumentTransformation]
        public CaArgument[]? Ca { get; set; }

        /// <summary>TLS endpoints (host, host:port, [::1]:port, https:// URL) whose leaf certificate is listed; port 443 by default.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? HostName { get; set; }

        /// <summary>Only certificates with at most this many days left (already expired ones included).</summary>
        [Parameter]
        [ValidateRange(0, 36500)]
        public int WithinDays { get; set; }

        /// <summary>The most seconds one endpoint may take.</summary>
        [Parameter]
        [ValidateRange(1, 600)]
        public int TimeoutSec { get; set; } = 10;

        private DateTime _now;
        private int _filesRead;
        private bool _anything;

        private int? Within => MyInvocation.BoundParameters.ContainsKey(nameof(WithinDays)) ? WithinDays : (int?)null;

        protected override void BeginProcessing() => _now = DateTime.UtcNow;

        protected override void ProcessRecord()
        {
            string[]? patterns = ParameterSetName == LiteralPathSet ? LiteralPath : Path;
            if (patterns == null) return;
            _anything = true;
            bool literal = ParameterSetName == LiteralPathSet;
            foreach (string pattern in patterns)
            {
                Guard(() =>
                {
                    IReadOnlyList<string> roots = ResolveInputPaths(pattern, literal);
                    foreach (InventoryEntry entry in CertificateInventory.ScanFiles(roots, Recurse.IsPresent, _now))
                    {
                        if (++_filesRead % ProgressEvery == 0)
                        {
                            WriteProgress(new ProgressRecord(1, "Find-ExpiringCert", $"{_filesRead:N0} files read") { CurrentOperation = entry.File });
                        }
                        if (entry.Error != null) WriteError(ErrorFactory.Create(entry.Error, this));
                        else if (entry.Item != null) Write(entry.Item);
                    }
                });
            }
        }

        protected override void EndProcessing()
        {
            if (_filesRead >= ProgressEvery)
            {
                WriteProgress(new ProgressRecord(1, "Find-ExpiringCert", "Done") { RecordType = ProgressRecordType.Completed });
            }
            if (Store != null) ListStores();
            if (Ca != null) ListLedgers();
            if (HostName != null) ProbeEndpoints();
            if (!_anything && Store == null && Ca == null && HostName == null)
            {
                ThrowTerminatingError(ErrorFactory.Create(new PkiException(PkiErrorCode.InvalidArgument,
                    "Find-ExpiringCert needs something to look at.", null, null,
                    new PkiHint("Give {0} (files or folders), {1}, {2} or {3}.", "Path", "Store", "Ca", "HostName"), "Path")));
            }
        }

        private void Write(ExpiringCertificate item)
        {
            if (CertificateInventory.IsWithin(item, Within)) WriteObject(item);
        }

        private void ListStores() => ForEachStore(Store!, NssDatabase, JavaKeystore, KeystorePassword, store =>
        {
            foreach (string location in store.Locations())
            {
                Guard(() =>
                {
                    string source = "Store:" + (location == store.Name ? location : $"{store.Name} ({location})");
                    foreach (X509Certificate2 certificate in store.List(location)) Write(CertificateInventory.FromStore(source, certificate, _now));
                });
            }
        });

        private void ListLedgers()
        {
            foreach (CaArgument argument in Ca!)
            {
                Guard(() =>
                {
                    CaDirectory ca = OpenCa(argument);
                    foreach (IssuedCertificateRecord record in ca.Records(new LedgerQuery { Status = LedgerStatus.Valid }))
                    {
                        if (record.Certificate == null)
                        {
                            WriteWarning($"The ledger of {ca.Folder} lists serial {record.SerialNumber}, but its certificate file {record.FilePath} is missing or unreadable.");
                            continue;
                        }
                        Write(CertificateInventory.FromLedger("Ledger:" + ca.Folder, record.Certificate, _now));
                    }
                });
            }
        }

        private void ProbeEndpoints()
        {
            var options = new TlsProbeOptions { Timeout = TimeSpan.FromSeconds(TimeoutSec) };
            using var probes = new ParallelProbes<TlsHandshakeInfo>(TlsEndpointCmdlet<TlsHandshakeInfo>.DefaultThrottleLimit);
            foreach (string text in HostName!)
            {
                probes.Add(cancellation => TlsProbe.Handshake(TlsEndpoint.Parse(text, 443), options, cancellation), text);
            }
            foreach (ProbeOutcome<TlsHandshakeInfo> outcome in probes.TakeAll())
            {
                if (outcome.Error is PkiException ex)
                {
                    WriteError(ErrorFactory.Create(ex, this));
                    continue;
                }
                if (outcome.Error is OperationCanceledException) break; // the pipeline is stopping
                TlsHandshakeInfo info = outcome.GetResult();
                Write(CertificateInventory.FromEndpoint($"{info.HostName}:{info.Port}", info.Certificate, _now));
            }
        }
    }
}
