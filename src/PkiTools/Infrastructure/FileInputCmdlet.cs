using System;
using System.Management.Automation;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// The -Path / -LiteralPath pair, declared once (PowerShell's Get-FileHash is the model): -Path takes wildcards,
    /// -LiteralPath is taken as written and binds PSPath/FullName from the pipeline (Get-ChildItem output). Both are
    /// resolved through the provider, so ~, relative paths and PSDrives work. A cmdlet whose -Path also binds from the
    /// pipeline overrides <see cref="Path"/> with its own attributes (PowerShell reads the most derived declaration).
    /// </summary>
    public abstract class FileInputCmdlet : PkiCmdlet
    {
        protected const string PathSet = "Path";
        protected const string LiteralPathSet = "LiteralPath";

        /// <summary>Input files; wildcards are expanded.</summary>
        [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public virtual string[]? Path { get; set; }

        /// <summary>Input files, taken exactly as written (no wildcards).</summary>
        [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "FullName")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        /// <summary>True when this invocation names files (-Path or -LiteralPath) rather than objects or text.</summary>
        protected bool ReadsFiles => ParameterSetName == PathSet || ParameterSetName == LiteralPathSet;

        /// <summary>
        /// Every file -Path or -LiteralPath names, each read with the size cap and handed over with its path; a bad
        /// pattern or file is one error naming the file, and the rest go on.
        /// </summary>
        protected void ForEachFile(Action<string, byte[]> process)
        {
            bool literal = ParameterSetName == LiteralPathSet;
            ForEachInputFile(literal ? LiteralPath! : Path!, literal, process);
        }
    }
}
