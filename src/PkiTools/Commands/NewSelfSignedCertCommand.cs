using System;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Commands
{
    /// <summary>
    /// New-SelfSignedCert: a self-signed certificate (a stand-alone TLS certificate or a root CA) in one command, the
    /// equivalent of openssl req -x509 -newkey. Returns an X509Certificate2 with its private key.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "SelfSignedCert", SupportsShouldProcess = true, DefaultParameterSetName = GenerateKeySet)]
    [OutputType(typeof(X509Certificate2))]
    public sealed class NewSelfSignedCertCommand : SubjectCmdlet, IDynamicParameters
    {
        private readonly LifetimeParameters _lifetime = new LifetimeParameters();

        /// <summary>-ValidDays and -NotAfter, shared with the other signing cmdlets.</summary>
        public object GetDynamicParameters() => _lifetime;

        [Parameter]
        public CertificateProfile Profile { get; set; } = CertificateProfile.TlsServer;

        [Parameter]
        [ValidateRange(0, CertificateTemplate.MaxPathLength)]
        public int PathLength { get; set; } = -1;

        protected override void ProcessRecord()
        {
            Guard(() =>
            {
                var template = Templates.Build(this, Subject, DnsName, IpAddress, Profile, _lifetime, PathLength, scheme: Scheme);
                PrivateKey key = SubjectKey();
                WarnPasswordUnused(Password, Path != null, "without -Path no key file is written.");
                IssuedCertificate issued = CertificateIssuer.SelfSign(key, template);
                WriteWarnings(issued.Warnings);
                WriteVerbose($"Self-signed '{issued.Certificate.Subject}', serial {issued.Certificate.SerialNumber}, valid {PkiTools.Core.Words.Date(issued.Certificate.NotBefore)} to {PkiTools.Core.Words.Date(issued.Certificate.NotAfter)}.");
                if (Path != null && !Passwords.With(Password, pw => WriteFiles(OutputPlan.CertificateAndKey(ResolveOutputPath(Path), issued, includeKey: true, pw), Force, "Write certificate and private key")))
                {
                    return;
                }
                WriteObject(PipelineCertificates.Attach(issued));
            });
        }
    }
}
