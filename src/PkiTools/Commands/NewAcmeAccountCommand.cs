using System;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core;
using PkiTools.Core.Acme;
using PkiTools.Core.Keys;

namespace PkiTools.Commands
{
    /// <summary>
    /// New-AcmeAccount: creates an account at an ACME directory (Let's Encrypt, an internal ACME server) and stores it
    /// under the state folder; when an account of this directory is already stored there, finds it again with its key.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "AcmeAccount", SupportsShouldProcess = true)]
    [OutputType(typeof(StoredAcmeAccount))]
    public sealed class NewAcmeAccountCommand : AcmeCmdlet
    {
        /// <summary>LetsEncrypt, LetsEncryptStaging, or the directory URL of an ACME server.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(AcmeDirectoryCompleter))]
        public string? Directory { get; set; }

        /// <summary>E-mail addresses (mailto: is added) the CA may write to about the account's certificates.</summary>
        [Parameter]
        [ValidateNotNull]
        public string[] Contact { get; set; } = Array.Empty<string>();

        /// <summary>Agrees to the CA's terms of service (shown by the directory's meta.termsOfService).</summary>
        [Parameter(Mandatory = true)]
        public SwitchParameter AcceptTermsOfService { get; set; }

        /// <summary>
        /// External account binding: a credential whose user name is the key id the CA gave and whose password is the
        /// HMAC key (base64url, as CAs print it), e.g. Get-Credential, or New-Object PSCredential(kid, (Read-Host -AsSecureString)).
        /// </summary>
        [Parameter]
        [ValidateNotNull]
        [Credential]
        public PSCredential? ExternalAccountBinding { get; set; }

        /// <summary>The account key's algorithm (new accounts only): EcdsaP256 (ES256, the default), EcdsaP384 or RSA.</summary>
        [Parameter]
        [ValidateSet("EcdsaP256", "EcdsaP384", "Rsa2048", "Rsa3072", "Rsa4096")]
        public string KeyAlgorithm { get; set; } = "EcdsaP256";

        /// <summary>The folder the accounts are stored in (default: the user's config folder, see about_PkiTools).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? StatePath { get; set; }

        /// <summary>The root certificate (object or file) the directory's HTTPS certificate must chain to; remembered with the account.</summary>
        [Parameter]
        [ValidateNotNull]
        public object? TrustedRoot { get; set; }

        /// <summary>Accept any HTTPS certificate from the directory; remembered with the account. Throw-away test servers only.</summary>
        [Parameter]
        public SwitchParameter SkipCertificateCheck { get; set; }

        protected override void ProcessRecord()
        {
            Guard(() =>
            {
                Uri directory = DirectoryUrl(Directory!);
                string state = StateFolder(StatePath);
                // Another account's damaged folder does not stand in the way of this one: it is named, and skipped.
                StoredAcmeAccount? existing = AcmeAccountStore.List(state, directory, ex => WriteWarning(ex.Message)).FirstOrDefault();
                X509Certificate2? root = TrustedRootOf(TrustedRoot) ?? existing?.TrustedRoot;
                bool skip = SkipCertificateCheck || (existing?.SkipCertificateCheck ?? false);
                WarnSkipCheck(skip, directory);
                string action = existing == null ? "Create an ACME account and store its key under " + state : "Find the stored ACME account " + existing.Url;
                if (!ShouldProcess(directory.AbsoluteUri, action)) return;
                PrivateKey key = existing != null ? existing.LoadKey() : GenerateKey((Core.Keys.KeyAlgorithm)Enum.Parse(typeof(Core.Keys.KeyAlgorithm), KeyAlgorithm));
                if (existing != null) WriteVerbose($"Using the stored account key of {existing.Folder} (key id {key.KeyId}).");
                AcmeExternalAccountBinding? eab = ExternalAccountBinding == null ? null : Passwords.With(ExternalAccountBinding.Password, chars =>
                    AcmeExternalAccountBinding.FromBase64Url(ExternalAccountBinding.UserName, new string(chars!)));
                var options = new AcmeClientOptions(directory) { TrustedRoot = root, SkipCertificateCheck = skip, Log = VerboseFromWorker };
                var request = new AcmeAccountRequest { Contact = Contact, TermsOfServiceAgreed = AcceptTermsOfService, ExternalAccountBinding = eab };
                (StoredAcmeAccount stored, AcmeAccount account) = RunOnWorker($"ACME account at {directory.Host}", cancel => AcmeAccountStore.CreateOrFindAsync(state, options, key, existing, request, cancel));
                WriteVerbose($"{(account.Created ? "Created" : "Found")} the ACME account {account.Url} ({account.Status}); stored in {stored.Folder} (key owner-only).");
                WriteObject(stored);
            });
        }
    }

    /// <summary>Get-AcmeAccount: the ACME accounts stored in the state folder.</summary>
    [Cmdlet(VerbsCommon.Get, "AcmeAccount")]
    [OutputType(typeof(StoredAcmeAccount))]
    public sealed class GetAcmeAccountCommand : AcmeCmdlet
    {
        /// <summary>The folder the accounts are stored in (default: the user's config folder).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? StatePath { get; set; }

        /// <summary>Only the accounts of this directory: LetsEncrypt, LetsEncryptStaging, or a URL.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(AcmeDirectoryCompleter))]
        public string? Directory { get; set; }

        protected override void ProcessRecord()
        {
            Guard(() =>
            {
                Uri? directory = Directory == null ? null : DirectoryUrl(Directory);
                foreach (StoredAcmeAccount account in AcmeAccountStore.List(StateFolder(StatePath), directory, ex => WriteError(ErrorFactory.Create(ex, this)))) WriteObject(account);
            });
        }
    }
}
