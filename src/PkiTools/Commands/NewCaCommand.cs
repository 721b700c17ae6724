using System;
using System.Linq;
using System.Management.Automation;
using System.Security;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core;
using PkiTools.Core.Ca;
using PkiTools.Core.Keys;

namespace PkiTools.Commands
{
    /// <summary>
    /// New-Ca: creates a CA directory (root, or intermediate with -Parent) that PkiTools, openssl ca and easy-rsa's
    /// tools understand: the key owner-only, the ledger, policy.json and openssl.cnf. Returns the CA.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "Ca", SupportsShouldProcess = true)]
    [OutputType(typeof(CaDirectory))]
    public sealed class NewCaCommand : CaCmdlet, IDynamicParameters
    {
        private readonly LedgerParameters _ledger = new LedgerParameters();

        /// <summary>-LedgerConnection and -LedgerCredential, shared with Move-CaLedger.</summary>
        public object GetDynamicParameters() => _ledger;

        /// <summary>The new CA directory (missing or empty).</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? Subject { get; set; }

        [Parameter]
        public KeyAlgorithm KeyAlgorithm { get; set; } = KeyAlgorithm.EcdsaP256;

        /// <summary>Lifetime of the CA certificate: 10 years for a root, 5 for an intermediate unless given.</summary>
        [Parameter]
        [ValidateRange(1, 100)]
        public int ValidYears { get; set; }

        /// <summary>Encrypts the CA key file (PKCS#8, PBES2 AES-256).</summary>
        [Parameter]
        public SecureString? Password { get; set; }

        /// <summary>A file whose first line is the password that encrypts the new CA key; refused unless only its owner can read it.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? PasswordFile { get; set; }

        /// <summary>DNS domains the CA may issue for: written into policy.json and, as critical name constraints, into the CA certificate.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] PermittedDnsDomain { get; set; } = Array.Empty<string>();

        /// <summary>IP ranges (CIDR) the CA may issue for, as for -PermittedDnsDomain.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] PermittedIpRange { get; set; } = Array.Empty<string>();

        /// <summary>Where this CA will publish its CRL: written into every certificate it issues.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public Uri[] CrlDistributionPoint { get; set; } = Array.Empty<Uri>();

        /// <summary>Where this CA's certificate can be downloaded (caIssuers): written into every certificate it issues.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public Uri[] AuthorityInfoAccess { get; set; } = Array.Empty<Uri>();

        /// <summary>Makes an intermediate signed by this CA (object or directory), recorded in its ledger.</summary>
        [Parameter]
        [ValidateNotNull]
        [CaArgumentTransformation]
        public CaArgument? Parent { get; set; }

        /// <summary>The password of the parent's key file.</summary>
        [Parameter]
        public SecureString? ParentPassword { get; set; }

        /// <summary>A file whose first line is the password of the parent's key file; refused unless only its owner can read it.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ParentPasswordFile { get; set; }

        /// <summary>The systemd credential holding the parent key's password (default pkitools-ca-password, looked up when the parent key is encrypted and no password is given).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ParentPasswordCredential { get; set; }

        /// <summary>pathLenConstraint: how many CA levels may follow. Default: none for a root, 0 for an intermediate.</summary>
        [Parameter]
        [ValidateRange(0, 32)]
        public int PathLength { get; set; }

        /// <summary>
        /// How the CA's RSA key signs: RsaPkcs1 (PKCS#1 v1.5, the default) or RsaPss (RSASSA-PSS). Kept in policy.json as
        /// signatureAlgorithm, so the certificates and CRLs the CA signs later use it too; a root CA's own certificate is
        /// signed with it. ECDSA and Ed25519 keys refuse it (SignatureAlgorithmMismatch).
        /// </summary>
        [Parameter]
        public SignatureScheme SignatureAlgorithm { get; set; }

        /// <summary>policy.json's maxValidityDays: the longest lifetime this CA issues (default 825).</summary>
        [Parameter]
        [ValidateRange(1, 36500)]
        public int MaxValidityDays { get; set; }

        /// <summary>policy.json's defaultCrlDays: how long a CRL is valid (default 30).</summary>
        [Parameter]
        [ValidateRange(1, 3650)]
        public int CrlDays { get; set; }

        /// <summary>Where the ledger lives: index.txt in the folder (default), or PostgreSQL (-LedgerConnection; PowerShell 7.4+).</summary>
        [Parameter]
        public CaLedgerType Ledger { get; set; } = CaLedgerType.IndexTxt;



        protected override void ProcessRecord()
        {
            Guard(() =>
            {
                var bound = MyInvocation.BoundParameters;
                CaDirectory? parent = Parent == null ? null : OpenCa(Parent);
                var policy = new CaPolicy
                {
                    PermittedDnsSuffixes = PermittedDnsDomain.ToList(),
                    PermittedIpRanges = PermittedIpRange.ToList(),
                    CrlDistributionPoints = CrlDistributionPoint.Select(u => u.OriginalString).ToList(),
                    AuthorityInfoAccess = AuthorityInfoAccess.Select(u => u.OriginalString).ToList(),
                };
                if (bound.ContainsKey(nameof(MaxValidityDays))) policy.MaxValidityDays = MaxValidityDays;
                if (bound.ContainsKey(nameof(CrlDays))) policy.DefaultCrlDays = CrlDays;
                policy.SignatureAlgorithm = Templates.Scheme(this, SignatureAlgorithm);
                policy.Validate();
                int years = bound.ContainsKey(nameof(ValidYears)) ? ValidYears : parent == null ? 10 : 5;
                if ((ParentPassword != null || ParentPasswordFile != null || ParentPasswordCredential != null) && parent == null)
                {
                    WriteWarning("-ParentPassword, -ParentPasswordFile and -ParentPasswordCredential have no effect without -Parent.");
                }
                if (Password != null && PasswordFile != null)
                {
                    throw new PkiException(PkiErrorCode.InvalidArgument, "Give the new CA key's password with -Password or -PasswordFile, not both.");
                }
                string? ledgerConnection = _ledger.Connection(Ledger);
                string path = ResolveOutputPath(Path!);
                string what = parent == null ? $"Create root CA '{Subject}'" : $"Create intermediate CA '{Subject}' signed by '{parent.Subject}'";
                if (!ShouldProcess(path, what)) return;
                WriteProgress(new ProgressRecord(1, "New-Ca", $"Generating the {KeyAlgorithm} CA key") { PercentComplete = 10 });
                try
                {
                    string? passwordFile = PasswordFile == null ? null : ResolveOutputPath(PasswordFile);
                    string? parentFile = ParentPasswordFile == null ? null : ResolveOutputPath(ParentPasswordFile);
                    CaDirectory ca = Passwords.WithCaPassword(Password, passwordFile, null, () => false, "-Password", "-PasswordFile", password =>
                        Passwords.WithCaPassword(ParentPassword, parent == null ? null : parentFile, parent == null ? null : ParentPasswordCredential,
                            () => parent != null && parent.KeyIsEncrypted, "-ParentPassword", "-ParentPasswordFile", parentPassword =>
                            CaDirectory.Create(path, Subject!, KeyAlgorithm, years, password, policy, parent, parentPassword,
                                bound.ContainsKey(nameof(PathLength)) ? PathLength : (int?)null, ledgerConnection, _ledger.Password())));
                    bool encrypted = Password != null || PasswordFile != null;
                    WriteVerbose($"Created the CA '{ca.Subject}' at {ca.Folder}: key {ca.KeyPath} ({(encrypted ? "encrypted" : "not encrypted")}, owner-only), valid until {PkiTools.Core.Words.Date(ca.NotAfter)}, with its first CRL at {ca.CrlPath}.");
                    if (ca.Ledger is not OpenSslIndexLedger) WriteVerbose($"Its ledger: {ca.Ledger} (ledger.json; no index.txt).");
                    if (parent != null) WriteVerbose($"Recorded in the ledger of '{parent.Subject}' ({parent.Folder}).");
                    WriteWarnings(ca.Warnings);
                    WriteObject(ca);
                }
                finally
                {
                    WriteProgress(new ProgressRecord(1, "New-Ca", "Done") { RecordType = ProgressRecordType.Completed });
                }
            });
        }
    }
}
