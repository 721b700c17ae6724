using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core;
using PkiTools.Core.Ca;
using PkiTools.Core.Inspection;
using PkiTools.Core.Revocation;
using PkiTools.Core.X509;

namespace PkiTools.Commands
{
    /// <summary>
    /// Get-CertDetail: what openssl x509/req/crl -text show, as one object per certificate, request or CRL. Takes files
    /// (-Path with wildcards, -LiteralPath, FileInfo from Get-ChildItem) or objects from the pipeline (X509Certificate2,
    /// New-Csr / Import-Csr requests, Import-Crl CRLs, Get-IssuedCert records). A bundle gives one object per item.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "CertDetail", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(CertificateDetail))]
    public sealed class GetCertDetailCommand : FileInputCmdlet
    {
        private const string ObjectSet = "Certificate";

        /// <summary>An X509Certificate2, a CSR object, a CRL object, a Get-IssuedCert record, a FileInfo or a path.</summary>
        [Parameter(ParameterSetName = ObjectSet, Mandatory = true, ValueFromPipeline = true)]
        [Alias("Csr", "Crl", "InputObject")]
        public object[]? Certificate { get; set; }

        protected override void ProcessRecord()
        {
            if (ReadsFiles)
            {
                ForEachFile((file, data) => Emit(file, data));
                return;
            }
            foreach (object? item in Certificate!)
            {
                object? value = item is PSObject ps ? ps.BaseObject : item;
                Guard(() => Show(value, item));
            }
        }

        private void Show(object? value, object? original)
        {
            switch (value)
            {
                case null:
                    return;
                case X509Certificate2 certificate:
                    WriteObject(CertificateDetail.FromCertificate(certificate));
                    return;
                case CertificateSigningRequest csr:
                    WriteObject(CertificateDetail.FromCsr(csr));
                    return;
                case CertificateRevocationList crl:
                    WriteObject(CertificateDetail.FromCrl(crl));
                    return;
                case IssuedCertificateRecord record:
                    X509Certificate2 issued = record.Certificate ?? throw new PkiException(PkiErrorCode.FileNotFound,
                        $"The CA holds no copy of certificate {record.SerialNumber} ({record.FilePath}).", null, record);
                    WriteObject(CertificateDetail.FromCertificate(issued));
                    return;
                case FileInfo file:
                    ReadFiles(file.FullName, literal: true);
                    return;
                case byte[] der:
                    Emit(null, der);
                    return;
                case string path:
                    ReadFiles(path, literal: false);
                    return;
            }
            // Objects that name a file by property: PSPath (provider items) or FullName.
            if (original is PSObject ps && (ps.Properties["PSPath"]?.Value ?? ps.Properties["FullName"]?.Value) is string named)
            {
                ReadFiles(named, literal: true);
                return;
            }
            throw new PkiException(PkiErrorCode.InvalidArgument,
                $"Cannot show a {value.GetType().Name}: pass a certificate, a CSR, a CRL or the path of a file holding them.", null, value);
        }

        private void ReadFiles(string pattern, bool literal) =>
            ForEachInputFile(new[] { pattern }, literal, (file, data) => Emit(file, data));

        private void Emit(string? file, byte[] data)
        {
            IReadOnlyList<CertificateDetail> details = CertificateDetail.Read(data, file, ex => WriteError(ErrorFactory.Create(WithRemedy(ex, data))));
            if (file != null) WriteVerbose($"Read {details.Count} item(s) from {file}.");
            foreach (CertificateDetail detail in details) WriteObject(detail);
        }

        /// <summary>The cmdlet's own remedy for a PFX, which Get-CertDetail cannot open (no password parameter): Import-Cert can.</summary>
        private static PkiException WithRemedy(PkiException ex, byte[] data)
        {
            if (ex.Code != PkiErrorCode.FormatUnknown || ex.Hint != null) return ex;
            try
            {
                if (Core.Formats.CertificateFiles.Detect(data) != Core.Formats.CertificateFormat.Pfx) return ex;
            }
            catch (PkiException)
            {
                return ex;
            }
            return new PkiException(ex.Code, ex.Reason, ex, ex.Target, new PkiHint("Read it with Import-Cert {0} and pipe the certificates to Get-CertDetail.", "Password"), ex.Input);
        }
    }
}
