using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core;
using PkiTools.Core.Acme;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.Revocation;

namespace PkiTools.Commands
{
    /// <summary>
    /// Revoke-AcmeCert: asks the ACME CA that issued a certificate to revoke it, signed with the account key, or with the
    /// certificate's own key (no account needed: -Directory names the CA).
    /// </summary>
    [Cmdlet(VerbsSecurity.Revoke, "AcmeCert", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = AccountSet)]
    [OutputType(typeof(X509Certificate2))]
    public sealed class RevokeAcmeCertCommand : AcmeCmdlet
    {
        private const string AccountSet = "Account";
        private const string CertificateKeySet = "CertificateKey";

        /// <summary>The account from New-AcmeAccount or Get-AcmeAccount, or its folder.</summary>
        [Parameter(ParameterSetName = AccountSet, Mandatory = true)]
        [ValidateNotNull]
        public object? Account { get; set; }

        /// <summary>The certificate: an object (with its key for -UseCertificateKey), or a certificate file (its key file beside it).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public object? Certificate { get; set; }

        /// <summary>With -Account: sign with the certificate's key instead of the account key (the server's directory still comes from the account).</summary>
        [Parameter(ParameterSetName = AccountSet)]
        public SwitchParameter UseCertificateKey { get; set; }

        /// <summary>Without an account: the CA's directory (LetsEncrypt, LetsEncryptStaging or a URL); signed with the certificate's key.</summary>
        [Parameter(ParameterSetName = CertificateKeySet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(AcmeDirectoryCompleter))]
        public string? Directory { get; set; }

        [Parameter(ParameterSetName = CertificateKeySet)]
        [ValidateNotNull]
        public object? TrustedRoot { get; set; }

        [Parameter(ParameterSetName = CertificateKeySet)]
        public SwitchParameter SkipCertificateCheck { get; set; }

        /// <summary>The RFC 5280 reason (Unspecified, KeyCompromise, Superseded, CessationOfOperation ...).</summary>
        [Parameter]
        public RevocationReason Reason { get; set; } = RevocationReason.Unspecified;

        /// <summary>Writes each revoked certificate.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            Guard(() =>
            {
                StoredAcmeAccount? account = ParameterSetName == AccountSet ? AccountOf(Account) : null;
                X509Certificate2 certificate = CertificateOf(Certificate, out PrivateKey? certificateKey);
                bool withCertificateKey = account == null || UseCertificateKey;
                if (withCertificateKey && certificateKey == null)
                {
                    throw new PkiException(PkiErrorCode.IssuerKeyMissing, $"The private key of '{certificate.Subject}' is not known here, and revoking without the account needs it.", null, certificate,
                        new PkiHint("Pass the certificate file with its .key beside it, or the object Request-AcmeCert returned (its key attached), or revoke with {0}.", "Account"));
                }
                AcmeClientOptions options = account?.ClientOptions(VerboseFromWorker) ?? new AcmeClientOptions(DirectoryUrl(Directory!))
                {
                    TrustedRoot = TrustedRootOf(TrustedRoot),
                    SkipCertificateCheck = SkipCertificateCheck,
                    Log = VerboseFromWorker,
                };
                WarnSkipCheck(options.SkipCertificateCheck, options.Directory);
                if (!ShouldProcess($"'{certificate.Subject}' (serial {certificate.SerialNumber})", $"Revoke ({Reason}) at {options.Directory}")) return;
                PrivateKey? accountKey = withCertificateKey ? null : account!.LoadKey();
                int? reason = MyInvocation.BoundParameters.ContainsKey(nameof(Reason)) ? (int)Reason : (int?)null;
                RunOnWorker($"Revoking {certificate.Subject}", async cancel =>
                {
                    using AcmeClient client = await AcmeClient.ConnectAsync(options, cancel).ConfigureAwait(false);
                    if (accountKey != null) client.UseAccount(accountKey, account!.Url);
                    await client.RevokeAsync(certificate, reason, withCertificateKey ? certificateKey : null, cancel).ConfigureAwait(false);
                    return true;
                });
                WriteVerbose($"Revoked '{certificate.Subject}' (serial {certificate.SerialNumber}) for {Reason}, signed with the {(withCertificateKey ? "certificate's" : "account")} key.");
                if (PassThru) WriteObject(certificate);
            });
        }

        private X509Certificate2 CertificateOf(object? value, out PrivateKey? key)
        {
            object? item = value is PSObject ps ? ps.BaseObject : value;
            if (item is X509Certificate2 certificate)
            {
                key = CertificateKeys.Find(certificate);
                return certificate;
            }
            string path = InputArguments.PathOf(this, nameof(Certificate), item)
                ?? throw new PkiException(PkiErrorCode.InvalidArgument,
                    $"-Certificate cannot use {(item == null ? "nothing" : Words.A(item.GetType().Name))}: pass a certificate object or a certificate file.", null, item);
            if (!System.IO.File.Exists(path)) throw new PkiException(PkiErrorCode.FileNotFound, $"-Certificate: '{path}' does not exist.", null, path);
            X509Certificate2 read = InputArguments.FromFile(nameof(Certificate), path, () => PipelineCertificates.From(CertificateReader.ReadCertificateAndKey(path))[0]);
            key = CertificateKeys.Find(read);
            return read;
        }
    }
}
