using System.Management.Automation;
using System.Text;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// The shared shape of Import-Cert, Import-Csr and Import-Crl: -Path (wildcards) or -LiteralPath (PSPath/FullName
    /// from the pipeline) files (<see cref="FileInputCmdlet"/>), or PEM text from the pipeline (whole strings or
    /// Get-Content's lines), each parsed into one T.
    /// </summary>
    public abstract class ImportFileCommand<T> : FileInputCmdlet
    {
        protected const string TextSet = "Text";

        private readonly StringBuilder _text = new StringBuilder();

        /// <summary>PEM text from the pipeline (whole strings or the lines Get-Content sends).</summary>
        [Parameter(ParameterSetName = TextSet, Mandatory = true, ValueFromPipeline = true)]
        [AllowEmptyString]
        public string[]? Pem { get; set; }

        /// <summary>Parses one file's bytes (PEM or DER) from <paramref name="source"/> (a path, or "the pipeline"); a PkiException becomes the item's error.</summary>
        protected abstract T Parse(byte[] data, string source);

        /// <summary>Writes one parsed item (with its verbose line and any warning).</summary>
        protected abstract void Emit(T item, string source);

        protected override void ProcessRecord()
        {
            if (ParameterSetName == TextSet)
            {
                foreach (string line in Pem!) _text.Append(line).Append('\n');
                return;
            }
            ForEachFile((file, data) => Emit(Parse(data, file), file));
        }

        protected override void EndProcessing()
        {
            if (ParameterSetName == TextSet)
            {
                Guard(() => Emit(Parse(Encoding.UTF8.GetBytes(_text.ToString()), "the pipeline"), "the pipeline"));
            }
        }
    }
}
