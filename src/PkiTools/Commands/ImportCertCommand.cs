using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.Formats;

namespace PkiTools.Commands
{
    /// <summary>
    /// Import-Cert: reads certificates from PEM (one or many, with or without a key), DER, PFX/P12 (certificates, key
    /// and chain) or P7B (PEM or DER), detecting the format from the content. Keys are attached to their certificate;
    /// the other certificates of a file are remembered as the first one's chain for Export-Cert -IncludeChain.
    /// </summary>
    [Cmdlet(VerbsData.Import, "Cert", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(X509Certificate2))]
    public sealed class ImportCertCommand : ImportFileCommand<CertificateFileContents>
    {
        /// <summary>The password of a PFX or of an encrypted key in a PEM file.</summary>
        [Parameter]
        public SecureString? Password { get; set; }

        protected override CertificateFileContents Parse(byte[] data, string source)
        {
            try
            {
                return Passwords.With(Password, pw => CertificateFiles.Read(data, pw, source));
            }
            catch (Core.PkiException ex) when (ex.Code == Core.PkiErrorCode.WrongFileType && ex.Hint == null && CertificateFiles.OtherKindOf(data) is PkiFileKind kind)
            {
                // The core says what the file is; which cmdlet reads it is the cmdlet layer's to say.
                string reader = kind == PkiFileKind.Crl ? "Import-Crl" : "Import-Csr";
                throw new Core.PkiException(ex.Code, ex.Reason, ex, ex.Target, new Core.PkiHint($"Read it with {reader}."), ex.Input);
            }
        }

        protected override void Emit(CertificateFileContents contents, string source)
        {
            IReadOnlyList<X509Certificate2> certificates = PipelineCertificates.From(contents);
            WriteVerbose($"Read {certificates.Count} certificate(s) from {source}.");
            foreach (X509Certificate2 certificate in certificates) WriteObject(certificate);
        }
    }
}
