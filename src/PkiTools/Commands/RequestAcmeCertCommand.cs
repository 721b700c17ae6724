using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core;
using PkiTools.Core.Acme;
using PkiTools.Core.Formats;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Commands
{
    /// <summary>
    /// Request-AcmeCert: orders a certificate from an ACME CA with a stored account, proves control of each name through
    /// the chosen challenge, finalizes with the CSR, downloads the chain. Returns the certificate with its key and writes
    /// the same files as Invoke-CaSign -Path (certificate, owner-only key, full chain) once the certificate arrived.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Request, "AcmeCert", SupportsShouldProcess = true, DefaultParameterSetName = NamesSet)]
    [OutputType(typeof(X509Certificate2))]
    public sealed class RequestAcmeCertCommand : AcmeCmdlet, IDynamicParameters
    {
        private readonly AcmeChallengeParameters _challenge = new AcmeChallengeParameters();

        /// <summary>-Challenge and its options, shared with Invoke-CertRenewal -Acme.</summary>
        public object GetDynamicParameters() => _challenge;

        private const string NamesSet = "DnsName";
        private const string CsrSet = "Csr";

        /// <summary>The account from New-AcmeAccount or Get-AcmeAccount, or its folder.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNull]
        public object? Account { get; set; }

        /// <summary>The DNS names the certificate is for (a new key is generated).</summary>
        [Parameter(ParameterSetName = NamesSet, Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[]? DnsName { get; set; }

        /// <summary>A CSR object from New-Csr (its key is written with -Path when it carries it), PEM text, or DER bytes.</summary>
        [Parameter(ParameterSetName = CsrSet, Mandatory = true, ValueFromPipeline = true)]
        [CsrArgumentTransformation]
        public CsrArgument? Csr { get; set; }

        /// <summary>With -DnsName: the new key's algorithm (default EcdsaP256).</summary>
        [Parameter(ParameterSetName = NamesSet)]
        public Core.Keys.KeyAlgorithm KeyAlgorithm { get; set; } = Core.Keys.KeyAlgorithm.EcdsaP256;

        /// <summary>File stem: writes &lt;Path&gt;.crt, &lt;Path&gt;.key (owner-only, when the key is known) and &lt;Path&gt;.fullchain.crt.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            Guard(() =>
            {
                _challenge.Check(MyInvocation.BoundParameters, ResolveOutputPath);
                StoredAcmeAccount account = AccountOf(Account);
                CertificateSigningRequest? csr = ParameterSetName == CsrSet ? CsrOf(Csr) : null;
                string[] names = csr?.DnsNames ?? DnsName!.Select(n => n.Trim().TrimEnd('.').ToLowerInvariant()).Where(n => n.Length > 0).Distinct().ToArray();
                string? stem = Path == null ? null : ResolveOutputPath(Path);
                if (stem != null && !Force) RefuseExisting(stem, csr == null ? null : csr.GetPrivateKey(), keyComesAlong: csr == null || csr.HasPrivateKey);
                WarnSkipCheck(account.SkipCertificateCheck, account.Directory);
                if (!ShouldProcess(string.Join(", ", names), $"Request a certificate from {account.Directory} by {_challenge.Challenge}" + (stem == null ? "" : " and write it to " + stem))) return;
                if (csr == null)
                {
                    PrivateKey key = GenerateKey(KeyAlgorithm);
                    csr = CertificateSigningRequest.Create(key, "CN=" + names[0], names, Array.Empty<string>());
                }
                PrivateKey accountKey = account.LoadKey();
                IAcmeChallengeResponder responder = _challenge.Responder(this, ResolveOutputPath);
                AcmeCertificateChain chain;
                try
                {
                    WriteVerbose($"Ordering a certificate for {string.Join(", ", names)} from {account.Directory} with the account {account.Url}, answering {_challenge.Challenge}.");
                    CertificateSigningRequest request = csr;
                    chain = RunOnWorker($"Requesting a certificate for {string.Join(", ", names)}", async cancel =>
                    {
                        using AcmeClient client = await AcmeClient.ConnectAsync(account.ClientOptions(VerboseFromWorker), cancel).ConfigureAwait(false);
                        client.UseAccount(accountKey, account.Url);
                        return await client.IssueAsync(request, responder, cancel).ConfigureAwait(false);
                    });
                }
                finally
                {
                    (responder as IDisposable)?.Dispose();
                }
                var issued = new IssuedCertificate(chain.Leaf.RawData, csr.GetPrivateKey(), Array.Empty<string>(), chain.Certificates.Skip(1).ToList());
                X509Certificate2 certificate = PipelineCertificates.Attach(issued);
                WriteVerbose($"Issued '{certificate.Subject}', serial {certificate.SerialNumber}, valid until {Words.Date(certificate.NotAfter)}, by '{certificate.Issuer}'.");
                if (stem != null)
                {
                    var files = new List<OutputFile>(OutputPlan.CertificateAndKey(stem, issued, includeKey: true));
                    files.AddRange(OutputPlan.FullChain(stem, issued.Certificate, issued.Chain));
                    WriteFilesConfirmed(files, Force);
                }
                else if (csr.GetPrivateKey() != null)
                {
                    WriteVerbose("No -Path: the certificate and its key exist only in this session (Export-Cert writes them).");
                }
                WriteObject(certificate);
            });
        }

        private CertificateSigningRequest CsrOf(CsrArgument? input)
        {
            input ??= CsrArgument.From(null);
            if (input.Request != null) return input.Request;
            if (input.Der != null) return CertificateSigningRequest.Parse(input.Der);
            if (input.FilePath is string path) return WithSource(path, () => CertificateSigningRequest.Parse(CertificateReader.ReadFile(path)));
            if (input.Line is string text && text.IndexOf("-----BEGIN", StringComparison.Ordinal) >= 0) return CertificateSigningRequest.Parse(Encoding.UTF8.GetBytes(text));
            object? value = input.Unsupported ?? input.Line;
            throw new PkiException(PkiErrorCode.CsrInvalid,
                $"Cannot request a certificate for {(value == null || value as string == string.Empty ? "nothing" : Words.A(value.GetType().Name))}: pass a CSR from New-Csr or PEM text, or use -DnsName.", null, value);
        }

        /// <summary>
        /// Files that exist are refused before anything is ordered (an order placed for nothing counts against the CA's
        /// limits): the certificate and full chain, and the key file unless it already holds the request's key (New-Csr
        /// -Path x | Request-AcmeCert -Path x).
        /// </summary>
        private static void RefuseExisting(string stem, PrivateKey? csrKey, bool keyComesAlong)
        {
            (string certificate, string key) = OutputPaths.CertificateAndKey(stem);
            var files = new List<string> { certificate, OutputPaths.FullChain(stem) };
            if (keyComesAlong && !HoldsKey(key, csrKey)) files.Add(key);
            foreach (string file in files)
            {
                if (System.IO.File.Exists(file))
                {
                    throw new PkiException(PkiErrorCode.FileExists, $"'{file}' already exists; nothing was ordered.", null, file,
                        new PkiHint("Use {0} to replace it, or choose another {1}.", "Force", "Path"));
                }
            }
        }

        private static bool HoldsKey(string keyPath, PrivateKey? key)
        {
            if (key == null || !System.IO.File.Exists(keyPath)) return false;
            try
            {
                return PrivateKey.Import(System.IO.File.ReadAllBytes(keyPath)).KeyId == key.KeyId;
            }
            catch (Exception ex) when (ex is PkiException || ex is System.IO.IOException || ex is UnauthorizedAccessException)
            {
                return false;
            }
        }
    }
}
