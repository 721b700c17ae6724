using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using PkiTools.Core;
using PkiTools.Core.Ca;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// Cmdlets that work on a CA directory (-Ca): a CA object from New-Ca or Get-Ca, a DirectoryInfo, or a path. Paths
    /// are opened in the cmdlet, not in an argument transformation, so a wrong one gives the stable CaNotFound id.
    /// </summary>
    public abstract class CaCmdlet : PkiCmdlet
    {
        private readonly Dictionary<string, CaDirectory> _opened = new Dictionary<string, CaDirectory>(StringComparer.Ordinal);
        private CaArgument? _lastArgument;
        private CaDirectory? _lastOpened;

        /// <summary>The CA an argument names; each directory is opened once per command (and the same argument, bound once for a whole pipeline, resolved once).</summary>
        protected CaDirectory OpenCa(CaArgument? ca) => OpenCa(ca, null);

        /// <summary>
        /// The CA an argument names, a path opened with <paramref name="environment"/> (a ledger password from
        /// -LedgerCredential); a CA object is used as it was opened.
        /// </summary>
        protected CaDirectory OpenCa(CaArgument? ca, CaEnvironment? environment)
        {
            if (ca?.Ca != null) return ca.Ca;
            if (ca != null && ReferenceEquals(ca, _lastArgument)) return _lastOpened!;
            if (ca?.Path != null)
            {
                CaDirectory opened = Open(ResolveOutputPath(ca.Path), environment);
                _lastArgument = ca;
                _lastOpened = opened;
                return opened;
            }
            object? value = ca?.Unsupported;
            throw new PkiException(PkiErrorCode.InvalidArgument,
                $"-Ca takes a CA from New-Ca or Get-Ca, or the path of a CA directory; got {(value == null || value as string == string.Empty ? "nothing" : "a " + value.GetType().Name)}.", null, value);
        }

        private CaDirectory Open(string path, CaEnvironment? environment)
        {
            if (_opened.TryGetValue(path, out CaDirectory? known)) return known;
            CaDirectory ca = CaDirectory.Open(path, environment);
            WriteVerbose($"Opened the CA '{ca.Subject}' ({ca.Layout} layout) at {ca.Folder}.");
            WriteWarnings(ca.Warnings);
            _opened[path] = ca;
            return ca;
        }
    }
}
