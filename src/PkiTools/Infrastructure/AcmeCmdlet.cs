using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using PkiTools.Core;
using PkiTools.Core.Acme;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// What the ACME cmdlets share: accounts, directories, trusted roots, the -SkipCertificateCheck warning. The async
    /// core runs through <see cref="PkiCmdlet.RunOnWorker{T}"/>.
    /// </summary>
    public abstract class AcmeCmdlet : PkiCmdlet
    {
        /// <summary>Runs ACME work on a worker (<see cref="PkiCmdlet.RunOnWorker{T}(string, string, Func{CancellationToken, Task{T}})"/>), its progress starting at the connection.</summary>
        protected T RunOnWorker<T>(string activity, Func<CancellationToken, Task<T>> work) => RunOnWorker(activity, "Connecting to the ACME server", work);

        /// <summary>Connects to the directory of <paramref name="options"/>, saying so first when its HTTPS certificate is not checked.</summary>
        protected void WarnSkipCheck(bool skip, Uri directory) => WarnSkipCheck(this, skip, directory);

        /// <summary>The -SkipCertificateCheck warning, every time an unchecked server is used (also from a stored account).</summary>
        internal static void WarnSkipCheck(PkiCmdlet cmdlet, bool skip, Uri directory)
        {
            if (skip)
            {
                cmdlet.WriteWarning($"The HTTPS certificate of {directory.Host} is not checked (-SkipCertificateCheck): anyone on the network path can impersonate this ACME server. Use it with throw-away test servers only; trust a private CA with -TrustedRoot instead.");
            }
        }

        /// <summary>The state folder: -StatePath, or the user's default.</summary>
        protected string StateFolder(string? statePath) =>
            statePath != null ? ResolveOutputPath(statePath) : AcmeAccountStore.DefaultFolder(Core.Trust.TrustEnvironment.Current);

        /// <summary>The directory URL a -Directory value names: LetsEncrypt, LetsEncryptStaging, or an http(s) URL.</summary>
        internal static Uri DirectoryUrl(string value)
        {
            if (string.Equals(value, "LetsEncrypt", StringComparison.OrdinalIgnoreCase)) return new Uri(AcmeClientOptions.LetsEncrypt);
            if (string.Equals(value, "LetsEncryptStaging", StringComparison.OrdinalIgnoreCase)) return new Uri(AcmeClientOptions.LetsEncryptStaging);
            if (Uri.TryCreate(value, UriKind.Absolute, out Uri? url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp)) return url;
            throw new PkiException(PkiErrorCode.InvalidArgument,
                $"'{value}' is not an ACME directory: give LetsEncrypt, LetsEncryptStaging, or the directory's https URL.", null, value, null, "Directory");
        }

        /// <summary>The root certificate a -TrustedRoot value names: a certificate object or a certificate file.</summary>
        protected X509Certificate2? TrustedRootOf(object? value, string parameter = "TrustedRoot")
        {
            if (value == null) return null;
            IReadOnlyList<X509Certificate2> certificates = InputArguments.Certificates(this, parameter, value);
            if (certificates.Count != 1)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"-{parameter} takes one root certificate; {certificates.Count} were given.", null, value);
            }
            return certificates[0];
        }

        /// <summary>The stored account an -Account value names: the object from New-AcmeAccount or Get-AcmeAccount, or its folder.</summary>
        protected StoredAcmeAccount AccountOf(object? value) => AccountOf(this, value, "Account");

        /// <summary>The stored account a parameter (-Account, Invoke-CertRenewal's -Acme) names: an account object or its folder.</summary>
        internal static StoredAcmeAccount AccountOf(PkiCmdlet cmdlet, object? value, string parameter)
        {
            object? item = value is PSObject ps ? ps.BaseObject : value;
            if (item is StoredAcmeAccount account) return account;
            string? folder = item is DirectoryInfo d ? d.FullName : InputArguments.PathOf(cmdlet, parameter, item);
            if (folder == null)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument,
                    $"-{parameter} cannot use {(item == null ? "nothing" : Words.A(item.GetType().Name))}: pass the account New-AcmeAccount or Get-AcmeAccount returns, or its folder.", null, item);
            }
            return AcmeAccountStore.Load(folder);
        }
    }

    /// <summary>Tab completion for -Directory: the well-known directories.</summary>
    public sealed class AcmeDirectoryCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
        {
            foreach ((string name, string url) in new[] { ("LetsEncrypt", AcmeClientOptions.LetsEncrypt), ("LetsEncryptStaging", AcmeClientOptions.LetsEncryptStaging) })
            {
                if (name.StartsWith(wordToComplete ?? "", StringComparison.OrdinalIgnoreCase)) yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, url);
            }
        }
    }
}
