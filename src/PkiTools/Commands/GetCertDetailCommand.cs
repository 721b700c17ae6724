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
    public sealed class GetCertDetailCommand : PkiCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const string ObjectSet = "Certificate";

        [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "FullName")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        /// <summary>An X509Certificate2, a CSR object, a CRL object, a Get-IssuedCert record, a FileInfo or a path.</summary>
        [Parameter(ParameterSetName = ObjectSet, Mandatory = true, ValueFromPipeline = true)]
        [Alias("Csr", "Crl", "InputObject")]
        public object[]? Certificate { get; set; }

        protected override void ProcessRecord()
        {
            if (ParameterSetName != ObjectSet)
            {
                bool literal = ParameterSetName == LiteralPathSet;
                ForEachInputFile(literal ? LiteralPath! : Path!, literal, (file, data) => Emit(file, data));
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
            IReadOnlyList<CertificateDetail> details = CertificateDetail.Read(data, file, ex => WriteError(ErrorFactory.Create(ex)));
            if (file != null) WriteVerbose($"Read {details.Count} item(s) from {file}.");
            foreach (CertificateDetail detail in details) WriteObject(detail);
        }
    }
}
