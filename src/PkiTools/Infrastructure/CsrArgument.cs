using System;
using System.IO;
using System.Management.Automation;
using PkiTools.Core.X509;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// What a -Csr argument carries: a CSR object from New-Csr or Import-Csr, DER bytes, a FileInfo (Get-Item x.csr), or
    /// one line of PEM text (Get-Content sends a file line by line). Sorting only: parsing and reading happen in the cmdlet,
    /// so a broken request keeps its stable id (CsrInvalid, FormatUnknown, FileNotFound) and its file as the target.
    /// </summary>
    public sealed class CsrArgument
    {
        private CsrArgument(CertificateSigningRequest? request, byte[]? der, string? filePath, string? line, object? unsupported)
        {
            Request = request;
            Der = der;
            FilePath = filePath;
            Line = line;
            Unsupported = unsupported;
        }

        public CertificateSigningRequest? Request { get; }

        public byte[]? Der { get; }

        /// <summary>The full path of a FileInfo that was passed.</summary>
        public string? FilePath { get; }

        /// <summary>A line of PEM text (or a whole PEM block).</summary>
        public string? Line { get; }

        /// <summary>A value of a type that carries no CSR, kept so the cmdlet can say so with the CsrInvalid id.</summary>
        public object? Unsupported { get; }

        public static CsrArgument From(object? value)
        {
            value = value is PSObject ps ? ps.BaseObject : value;
            return value switch
            {
                CsrArgument argument => argument,
                CertificateSigningRequest request => new CsrArgument(request, null, null, null, null),
                byte[] der => new CsrArgument(null, der, null, null, null),
                FileInfo file => new CsrArgument(null, null, file.FullName, null, null),
                string line => new CsrArgument(null, null, null, line, null),
                _ => new CsrArgument(null, null, null, null, value),
            };
        }

        public override string ToString() => Request?.Subject ?? FilePath ?? Line ?? (Der != null ? $"{Der.Length} bytes" : Convert.ToString(Unsupported, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
    }

    /// <summary>Turns whatever was bound to -Csr into a <see cref="CsrArgument"/> (never throws).</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class CsrArgumentTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData) => CsrArgument.From(inputData);
    }
}
