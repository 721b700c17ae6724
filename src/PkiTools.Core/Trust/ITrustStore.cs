using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;

namespace PkiTools.Core.Trust
{
    /// <summary>What one store did with one certificate.</summary>
    public enum TrustAction
    {
        Installed,
        AlreadyPresent,
        Removed,
        NotFound,
        Failed,
    }

    /// <summary>
    /// One store's answer for one certificate at one location (an NSS store gives one per database). <see cref="Verified"/>
    /// is true only when the store was read back after the change and showed the expected state; an exit code alone
    /// never sets it.
    /// </summary>
    public sealed class TrustStoreResult
    {
        public TrustStoreResult(string store, TrustAction action, string location, bool verified, string message, string thumbprint, string subject)
        {
            Store = store;
            Action = action;
            Location = location;
            Verified = verified;
            Message = message;
            Thumbprint = thumbprint;
            Subject = subject;
        }

        /// <summary>The store name as given to -Store ("System", "Nss", "CurrentUser\Root" ...).</summary>
        public string Store { get; }

        public TrustAction Action { get; }

        /// <summary>Where: the file, database folder, keystore or X509Store the store wrote to or read.</summary>
        public string Location { get; }

        public bool Verified { get; }

        public string Message { get; }

        /// <summary>SHA-1 thumbprint of the certificate, upper-case hex (as <see cref="X509Certificate2.Thumbprint"/>).</summary>
        public string Thumbprint { get; }

        public string Subject { get; }

        public override string ToString() => $"{Store} {Action} {Location}";
    }

    /// <summary>
    /// One kind of trust store. A store may mean several places on one machine (NSS: every browser database); each is a
    /// location, and each operation is per location. Planning has no side effects; it is what -WhatIf shows.
    /// </summary>
    public interface ITrustStore
    {
        /// <summary>The -Store name.</summary>
        string Name { get; }

        /// <summary>
        /// The places this store means here and now. Throws <see cref="PkiErrorCode.StoreUnavailable"/> naming the package
        /// or command needed when there is none (no certutil, no JDK, no known Linux layout).
        /// </summary>
        IReadOnlyList<string> Locations();

        /// <summary>The files Install would write and the commands it would run at <paramref name="location"/>, one line each.</summary>
        IReadOnlyList<string> PlanInstall(X509Certificate2 certificate, string location);

        /// <summary>The files Uninstall would remove and the commands it would run.</summary>
        IReadOnlyList<string> PlanUninstall(string thumbprint, string location);

        /// <summary>
        /// Adds the certificate (as a trusted CA for trust stores; with its key for personal stores) and reads the store
        /// back. Throws <see cref="PkiErrorCode.StoreAccessDenied"/> when not allowed, saying which command to run as whom.
        /// </summary>
        TrustStoreResult Install(X509Certificate2 certificate, string location);

        /// <summary>Removes every entry with this thumbprint and reads the store back.</summary>
        TrustStoreResult Uninstall(string thumbprint, string location);

        /// <summary>The certificates at <paramref name="location"/> (for the Linux system store: the OS bundle).</summary>
        IReadOnlyList<X509Certificate2> List(string location);
    }
}
