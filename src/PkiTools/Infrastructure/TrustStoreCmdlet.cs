using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Security;
using PkiTools.Core;
using PkiTools.Core.Trust;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// What Install-Cert, Uninstall-Cert and Get-InstalledCert share: -Store (Tab-completed), -NssDatabase, -JavaKeystore
    /// and -KeystorePassword, turned into the core's stores for this machine.
    /// </summary>
    public abstract class TrustStoreCmdlet : PkiCmdlet
    {
        /// <summary>System, Nss, Java, CurrentUser\My, CurrentUser\Root, LocalMachine\My, LocalMachine\Root, LocalMachine\CA.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(StoreNameCompleter))]
        public string[]? Store { get; set; }

        /// <summary>NSS database folders to use with -Store Nss instead of the current user's browsers' databases.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? NssDatabase { get; set; }

        /// <summary>The Java keystore to use with -Store Java instead of the JDK's cacerts.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? JavaKeystore { get; set; }

        /// <summary>The Java keystore's password; the JDK's default (changeit) when not given.</summary>
        [Parameter]
        public SecureString? KeystorePassword { get; set; }

        /// <summary>Runs <paramref name="use"/> for every named store (see <see cref="PkiCmdlet.ForEachStore"/>).</summary>
        protected void ForEachStore(Action<ITrustStore> use) => ForEachStore(Store!, NssDatabase, JavaKeystore, KeystorePassword, use);

        /// <summary>Writes a store's result; a Failed one is also an error (StoreUpdateFailed) so that -ErrorAction Stop stops.</summary>
        protected void WriteResult(TrustStoreResult result)
        {
            WriteVerbose($"{result.Store} at {result.Location}: {result.Action}{(result.Verified ? " (read back)" : "")}. {result.Message}");
            WriteObject(result);
            if (result.Action == TrustAction.Failed)
            {
                WriteError(ErrorFactory.Create(new PkiException(PkiErrorCode.StoreUpdateFailed, $"{result.Store} at {result.Location}: {result.Message}", null, result)));
            }
        }

        /// <summary>Asks before a change, showing every file and command (-WhatIf lists them); false when -WhatIf or declined.</summary>
        protected bool ShouldChange(ITrustStore store, string location, string action, IReadOnlyList<string> plan)
        {
            string target = store.Name == location ? store.Name : $"{store.Name} ({location})";
            string lines = string.Join("; ", plan);
            return ShouldProcess(
                $"{action} in {target}: {lines}",
                $"{action} in {target}? It will {lines}.",
                "Change trust");
        }
    }

    /// <summary>Tab completion for -Store: the store names, case-insensitively by prefix.</summary>
    public sealed class StoreNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string prefix = (wordToComplete ?? "").Trim('\'', '"');
            return TrustStores.Names
                .Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
        }
    }
}
