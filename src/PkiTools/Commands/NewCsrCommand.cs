using System.Management.Automation;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Commands
{
    /// <summary>
    /// New-Csr: a PKCS#10 certificate signing request for a key from the pipeline (or a new one), the equivalent of
    /// openssl genrsa + openssl req -new. The key rides along on the CSR object to Invoke-CaSign.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "Csr", SupportsShouldProcess = true, DefaultParameterSetName = GenerateKeySet)]
    [OutputType(typeof(CertificateSigningRequest))]
    public sealed class NewCsrCommand : SubjectCmdlet
    {
        protected override void ProcessRecord()
        {
            Guard(() =>
            {
                PrivateKey key = SubjectKey();
                WarnPasswordUnused(Password, Path != null && KeyGenerated, Path == null ? "without -Path no key file is written." : "the key came from -Key, so New-Csr writes no key file.");
                CertificateSigningRequest csr = CertificateSigningRequest.Create(key, Subject, DnsName, IpAddress, null, Scheme);
                WriteVerbose($"Created a CSR for '{csr.Subject}' with {csr.DnsNames.Length} DNS name(s) and {csr.IpAddresses.Length} IP address(es).");
                if (Path != null && !Passwords.With(Password, pw => WriteFiles(OutputPlan.CsrAndKey(ResolveOutputPath(Path), csr, includeKey: KeyGenerated, pw), Force, "Write certificate signing request")))
                {
                    return;
                }
                WriteObject(csr);
            });
        }
    }
}
