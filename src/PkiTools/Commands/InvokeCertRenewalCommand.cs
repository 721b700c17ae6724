using System;
using System.Collections.ObjectModel;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core;
using PkiTools.Core.Acme;
using PkiTools.Core.Ca;
using PkiTools.Core.Keys;
using PkiTools.Core.Renewal;

namespace PkiTools.Commands
{
    /// <summary>
    /// Invoke-CertRenewal: renews the certificate files that are due (a third of their lifetime left, or
    /// -RenewBeforeDays) from a CA folder, or with -Acme through an ACME account, in place and crash-safe, keeps the previous set as a backup, runs a deploy hook
    /// per renewed certificate and a post hook once, and reports one result per certificate.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "CertRenewal", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = CaSet)]
    [OutputType(typeof(RenewalResult))]
    public sealed class InvokeCertRenewalCommand : CaKeyCmdlet, IDynamicParameters
    {
        private const string CaSet = "Ca";
        private const string AcmeSet = "Acme";
        private static readonly string[] CertificateExtensions = { ".crt", ".pem", ".cer", ".der" };
        private readonly List<RenewalResult> _renewed = new List<RenewalResult>();
        private List<IRenewalIssuer>? _caIssuers;
        private RenewalOptions? _options;
        private AcmeChallengeParameters? _challenge;

        /// <summary>Certificate files, or folders to search (recursively) for certificate files with a key beside them.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName", "PSPath")]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        /// <summary>The CAs that renew them (each certificate by the one that issued it): objects from New-Ca or Get-Ca, or their folders.</summary>
        [Parameter(ParameterSetName = CaSet, Mandatory = true)]
        [Parameter(ParameterSetName = AcmeSet)]
        [ValidateNotNullOrEmpty]
        [CaArgumentTransformation]
        public CaArgument[]? Ca { get; set; }

        /// <summary>
        /// An ACME account (from New-AcmeAccount or Get-AcmeAccount, or its folder) that renews the certificates no -Ca
        /// issued, through -Challenge; due inside the server's renewal window (RFC 9773) when it offers one, otherwise at
        /// two thirds of the lifetime.
        /// </summary>
        [Parameter(ParameterSetName = AcmeSet, Mandatory = true)]
        [ValidateNotNull]
        public object? Acme { get; set; }

        /// <summary>With -Acme: -Challenge and its options, as Request-AcmeCert takes them.</summary>
        public object? GetDynamicParameters() => MyInvocation.BoundParameters.ContainsKey(nameof(Acme)) ? _challenge ??= new AcmeChallengeParameters() : null;

        /// <summary>Renew when fewer days than this remain (default: when less than a third of the lifetime remains).</summary>
        [Parameter]
        [ValidateRange(1, 3650)]
        public int RenewBeforeDays { get; set; }

        /// <summary>Keep the existing (unencrypted) key instead of generating a new one.</summary>
        [Parameter]
        public SwitchParameter ReuseKey { get; set; }

        /// <summary>Runs once per renewed certificate (a script block, or PowerShell text such as 'nginx -s reload').</summary>
        [Parameter]
        [ValidateNotNull]
        public object? DeployHook { get; set; }

        /// <summary>Runs once at the end, only when something was renewed.</summary>
        [Parameter]
        [ValidateNotNull]
        public object? PostHook { get; set; }

        /// <summary>How many previous sets to keep in .pkitools-backup beside the files (0 keeps none).</summary>
        [Parameter]
        [ValidateRange(0, 100)]
        public int KeepBackups { get; set; } = 3;

        /// <summary>Renew even when not due.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            Guard(() =>
            {
                if (Acme == null)
                {
                    foreach (RenewalResult result in new CertificateRenewer(CaIssuers(), Options()).RenewAll(Path!.SelectMany(CertificateFiles), ShouldRenew))
                    {
                        Guard(() => Handle(result));
                    }
                    return;
                }
                RenewWithAcme();
            });
        }

        private bool ShouldRenew(string file, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, string reason) =>
            ShouldProcess(file, $"Renew '{certificate.Subject}' ({reason})");

        /// <summary>
        /// With -Acme the renewals run on a worker (an ACME order waits on the network, and the core is async), while
        /// this thread asks ShouldProcess, runs the -DnsHook and handles each result (its deploy hook under the folder's
        /// lock, as without -Acme); the files are listed here first, through the provider.
        /// </summary>
        private void RenewWithAcme()
        {
            StoredAcmeAccount account = AcmeCmdlet.AccountOf(this, Acme, nameof(Acme));
            _challenge!.Check(MyInvocation.BoundParameters, ResolveOutputPath);
            List<string> files = Path!.SelectMany(CertificateFiles).ToList();
            List<IRenewalIssuer> cas = CaIssuers();
            RenewalOptions options = Options();
            AcmeCmdlet.WarnSkipCheck(this, account.SkipCertificateCheck, account.Directory);
            PrivateKey accountKey = account.LoadKey();
            using var responder = new DisposableResponder(_challenge.Responder(this, ResolveOutputPath));
            RunOnWorker($"Renewing with {account.Directory.Host}", $"{files.Count} certificate file(s)", async cancel =>
            {
                using var acme = new AcmeRenewalIssuer(account.Directory, async connecting =>
                {
                    AcmeClient client = await AcmeClient.ConnectAsync(account.ClientOptions(VerboseFromWorker), connecting).ConfigureAwait(false);
                    client.UseAccount(accountKey, account.Url);
                    return client;
                }, responder.Responder, null, cancel) { Log = VerboseFromWorker };
                var renewer = new CertificateRenewer(cas.Concat(new IRenewalIssuer[] { acme }).ToList(), options);
                foreach (RenewalResult result in renewer.RenewAll(files, (file, certificate, reason) => OnPipelineThread(() => ShouldRenew(file, certificate, reason)).GetAwaiter().GetResult()))
                {
                    await OnPipelineThread(() =>
                    {
                        Guard(() => Handle(result));
                        return true;
                    }).ConfigureAwait(false);
                }
                return true;
            });
        }

        /// <summary>A challenge responder disposed with the run (a listener stops listening).</summary>
        private sealed class DisposableResponder : IDisposable
        {
            public DisposableResponder(IAcmeChallengeResponder responder) => Responder = responder;

            public IAcmeChallengeResponder Responder { get; }

            public void Dispose() => (Responder as IDisposable)?.Dispose();
        }

        protected override void EndProcessing()
        {
            if (_renewed.Count == 0 || PostHook == null) return;
            Guard(() => RunHook(PostHook, "-PostHook", new Dictionary<string, string>
            {
                ["PKITOOLS_RENEWED_COUNT"] = _renewed.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["PKITOOLS_RENEWED_PATHS"] = string.Join(System.IO.Path.PathSeparator.ToString(), _renewed.Select(r => r.Path)),
            }));
        }

        private RenewalOptions Options() => _options ??= new RenewalOptions
        {
            RenewBeforeDays = MyInvocation.BoundParameters.ContainsKey(nameof(RenewBeforeDays)) ? RenewBeforeDays : (int?)null,
            Force = Force,
            ReuseKey = ReuseKey,
            KeepBackups = KeepBackups,
        };

        /// <summary>The -Ca folders, opened once per run (the password read once: file, credential or SecureString, kept for this run only).</summary>
        private List<IRenewalIssuer> CaIssuers()
        {
            if (_caIssuers != null) return _caIssuers;
            List<CaDirectory> cas = (Ca ?? Array.Empty<CaArgument>()).Select(OpenCa).ToList();
            CaDirectory? encrypted = cas.FirstOrDefault(c => c.KeyIsEncrypted);
            char[]? password = encrypted == null ? null : WithCaPassword(encrypted, pw => pw == null ? null : (char[])pw.Clone());
            return _caIssuers = cas.Select(ca => (IRenewalIssuer)new CaRenewalIssuer(ca, password)).ToList();
        }

        private void Handle(RenewalResult result)
        {
            string file = result.Path;
            if (result.Action == RenewalAction.Renewed)
            {
                _renewed.Add(result);
                if (DeployHook != null)
                {
                    try
                    {
                        RunHook(DeployHook, "-DeployHook", DeployVariables(result));
                    }
                    catch (PkiException ex)
                    {
                        // Renewed, but not deployed: Failed, with the new files left in place (a hook never undoes them).
                        WriteObject(new RenewalResult(result.Path, RenewalAction.Failed, result.Subject, result.OldNotAfter, result.NewNotAfter,
                            result.Message + " The new files are in place, but the deploy hook failed: " + ex.Reason, result.Files, result.KeyPath, result.ChainPath, PkiErrorCode.HookFailed, result.DnsNames));
                        WriteError(ErrorFactory.Create(ex, this));
                        return;
                    }
                }
            }
            WriteVerbose($"{file}: {result.Action}. {result.Message}");
            WriteObject(result);
            if (result.Action == RenewalAction.Failed)
            {
                WriteError(ErrorFactory.Create(new PkiException(result.FailureCode ?? PkiErrorCode.InvalidArgument, $"'{file}' was not renewed: {result.Message}", null, result)));
            }
        }

        /// <summary>certbot's names (RENEWED_LINEAGE, RENEWED_DOMAINS) and PkiTools' own, for the deploy hook, from the result (no second read of the file).</summary>
        private static Dictionary<string, string> DeployVariables(RenewalResult result)
        {
            string folder = System.IO.Path.GetDirectoryName(result.Path) ?? ".";
            return new Dictionary<string, string>
            {
                ["RENEWED_LINEAGE"] = folder,
                ["RENEWED_DOMAINS"] = string.Join(" ", result.DnsNames),
                ["PKITOOLS_RENEWED_CERT"] = result.Path,
                ["PKITOOLS_RENEWED_KEY"] = result.KeyPath ?? "",
                ["PKITOOLS_RENEWED_CHAIN"] = result.ChainPath ?? "",
                ["PKITOOLS_RENEWED_NOTAFTER"] = result.NewNotAfter?.ToUniversalTime().ToString("o") ?? "",
            };
        }

        /// <summary>
        /// Runs a hook (a script block, or PowerShell text such as 'nginx -s reload') in this session with the variables in
        /// the process environment for its duration; a failure is HookFailed, and the renewed files stay in place.
        /// </summary>
        private void RunHook(object hook, string name, IReadOnlyDictionary<string, string> variables)
        {
            object value = hook is PSObject ps ? ps.BaseObject : hook;
            ScriptBlock script = value switch
            {
                ScriptBlock block => block,
                string text => ScriptBlock.Create(text),
                _ => throw new PkiException(PkiErrorCode.InvalidArgument, $"{name} takes a script block or a command string.", null, hook),
            };
            try
            {
                InvokeHook(script, name, variables);
            }
            catch (PkiException ex) when (ex.Code == PkiErrorCode.HookFailed)
            {
                throw new PkiException(ex.Code, ex.Reason + " The renewed files stay in place.", ex.InnerException, hook);
            }
        }

        /// <summary>
        /// A file as given, or the certificate files (with a key beside them) below a folder, walked as Find-ExpiringCert
        /// walks it; backups are never renewed, and a folder that cannot be listed is an error and the walk goes on.
        /// </summary>
        private IEnumerable<string> CertificateFiles(string pattern)
        {
            foreach (string path in ResolveInputPaths(pattern, literal: false))
            {
                if (!Directory.Exists(path))
                {
                    yield return path;
                    continue;
                }
                // Backups are not walked at all (after a few runs they hold more folders than the services do), and a
                // folder given inside one is not renewed.
                foreach (var (folder, files, error) in CertificateInventory.Folders(path, recurse: true, skip: name => name == CertificateRenewer.BackupFolderName))
                {
                    if (error != null) WriteError(ErrorFactory.Create(error, this));
                    if (folder.Split(System.IO.Path.DirectorySeparatorChar).Contains(CertificateRenewer.BackupFolderName)) continue;
                    foreach (string file in files.Where(IsRenewable)) yield return file;
                }
            }
        }

        private static bool IsRenewable(string file)
        {
            string name = System.IO.Path.GetFileName(file);
            if (name.StartsWith(".", StringComparison.Ordinal) || name.EndsWith(".fullchain.crt", StringComparison.OrdinalIgnoreCase)) return false;
            if (!CertificateExtensions.Contains(System.IO.Path.GetExtension(name).ToLowerInvariant())) return false;
            if (name.EndsWith("-key.pem", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".key.pem", StringComparison.OrdinalIgnoreCase)) return false;
            return CertificateRenewer.KeyBeside(file) != null;
        }
    }
}
