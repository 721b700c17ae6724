using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PkiTools.Core.Trust
{
    /// <summary>
    /// A .NET <see cref="X509Store"/>: CurrentUser or LocalMachine, My (with the private key, persisted), Root or CA.
    /// On Windows these are the system's stores (Cert:\); on Linux and macOS .NET keeps CurrentUser stores under
    /// ~/.dotnet/corefx/cryptography/x509stores, and LocalMachine stores are read-only views of the system's trust.
    /// </summary>
    public sealed class DotNetTrustStore : ITrustStore
    {
        private readonly TrustEnvironment _environment;
        private readonly StoreLocation _location;
        private readonly StoreName _storeName;

        /// <param name="name">CurrentUser or LocalMachine, a backslash, then My, Root or CA.</param>
        /// <param name="environment">The machine.</param>
        /// <param name="displayName">The -Store name results carry when it differs (Windows' System store is LocalMachine\Root).</param>
        public DotNetTrustStore(string name, TrustEnvironment environment, string? displayName = null)
        {
            string[] parts = name.Split('\\');
            if (parts.Length != 2 || !Enum.TryParse(parts[0], true, out _location) || !TryStoreName(parts[1], out _storeName))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"'{name}' is not an X509 store name such as CurrentUser\\Root.", null, name);
            }
            StoreLabel = _location + "\\" + parts[1];
            Name = displayName ?? StoreLabel;
            _environment = environment;
        }

        public string Name { get; }

        /// <summary>The X509 store itself ("LocalMachine\Root").</summary>
        public string StoreLabel { get; }

        private bool Personal => _storeName == StoreName.My;

        private bool Machine => _location == StoreLocation.LocalMachine;

        public IReadOnlyList<string> Locations() => new[] { StoreLabel };

        public IReadOnlyList<string> PlanInstall(X509Certificate2 certificate, string location) => new[]
        {
            $"add {Describe(certificate)} to the X509 store {StoreLabel}" + (Personal && certificate.HasPrivateKey ? " with its private key (persisted)" : ""),
        };

        public IReadOnlyList<string> PlanUninstall(string thumbprint, string location) => new[] { $"remove every certificate with thumbprint {thumbprint} from the X509 store {StoreLabel}" };

        public TrustStoreResult Install(X509Certificate2 certificate, string location)
        {
            RefuseWithoutRights("add a certificate to");
            using (X509Store store = Open(OpenFlags.ReadWrite))
            {
                X509Certificate2? present = Find(store, certificate.Thumbprint);
                if (present != null && (!Personal || present.HasPrivateKey || !certificate.HasPrivateKey))
                {
                    return Result(TrustAction.AlreadyPresent, true, "It was already in the store.", certificate.Thumbprint, certificate.Subject);
                }
                using X509Certificate2 toAdd = Personal && certificate.HasPrivateKey ? WithPersistedKey(certificate) : new X509Certificate2(certificate.RawData);
                Guarded("add the certificate to", () => store.Add(toAdd));
            }
            bool verified = ReadBack(certificate.Thumbprint, out bool hasKey) && (!Personal || !certificate.HasPrivateKey || hasKey);
            string message = verified
                ? (Personal && certificate.HasPrivateKey ? "Added with its private key; read back from the store." : "Added; read back from the store.")
                : "The store did not show the certificate" + (Personal && certificate.HasPrivateKey ? " with its key" : "") + " after adding it.";
            return Result(verified ? TrustAction.Installed : TrustAction.Failed, verified, message, certificate.Thumbprint, certificate.Subject);
        }

        public TrustStoreResult Uninstall(string thumbprint, string location)
        {
            RefuseWithoutRights("remove a certificate from");
            string subject;
            using (X509Store store = Open(OpenFlags.ReadWrite))
            {
                var found = store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint, false);
                if (found.Count == 0) return Result(TrustAction.NotFound, true, "No certificate with this thumbprint is in the store.", thumbprint, "");
                subject = found[0].Subject;
                Guarded("remove the certificate from", () => store.RemoveRange(found));
            }
            bool gone = !ReadBack(thumbprint, out _);
            return Result(gone ? TrustAction.Removed : TrustAction.Failed, gone,
                gone ? "Removed; the store no longer shows it." : "The store still shows the certificate after removing it.", thumbprint, subject);
        }

        public IReadOnlyList<X509Certificate2> List(string location)
        {
            using X509Store store = Open(OpenFlags.ReadOnly);
            return store.Certificates.Cast<X509Certificate2>().ToList();
        }

        private void RefuseWithoutRights(string what)
        {
            if (!Machine) return;
            if (_environment.Platform != TrustPlatform.Windows)
            {
                throw new PkiException(PkiErrorCode.StoreUnavailable,
                    $"{StoreLabel} is read-only on {_environment.Platform}: .NET shows the system's trust there but cannot {what} it.", null, StoreLabel,
                    new PkiHint("Use {0} for the operating system's trust, or a CurrentUser store.", "Store=System"), "Store");
            }
            if (!_environment.IsElevated)
            {
                throw new PkiException(PkiErrorCode.StoreAccessDenied,
                    $"Only an Administrator can {what} {StoreLabel}; nothing was changed. Run the same command in PowerShell started with 'Run as administrator'.", null, StoreLabel);
            }
        }

        private X509Store Open(OpenFlags flags)
        {
            var store = new X509Store(_storeName, _location);
            try
            {
                store.Open(flags);
                return store;
            }
            catch (CryptographicException ex)
            {
                store.Dispose();
                throw Unavailable(ex);
            }
            catch (UnauthorizedAccessException ex)
            {
                store.Dispose();
                throw Denied(ex);
            }
        }

        private void Guarded(string what, Action action)
        {
            try
            {
                action();
            }
            catch (UnauthorizedAccessException ex)
            {
                throw Denied(ex);
            }
            catch (CryptographicException ex)
            {
                throw new PkiException(PkiErrorCode.StoreUpdateFailed, $"Could not {what} {StoreLabel}: {ex.Message}", ex, StoreLabel);
            }
        }

        private PkiException Unavailable(Exception ex) =>
            new PkiException(PkiErrorCode.StoreUnavailable, $"The X509 store {StoreLabel} cannot be opened here: {ex.Message}", ex, StoreLabel);

        private PkiException Denied(Exception ex) =>
            new PkiException(PkiErrorCode.StoreAccessDenied, $"This account may not change {StoreLabel}: {ex.Message} Nothing was changed.", ex, StoreLabel);

        private bool ReadBack(string thumbprint, out bool hasKey)
        {
            using X509Store store = Open(OpenFlags.ReadOnly);
            X509Certificate2? found = Find(store, thumbprint);
            hasKey = found?.HasPrivateKey == true;
            return found != null;
        }

        private static X509Certificate2? Find(X509Store store, string thumbprint) =>
            store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint, false).Cast<X509Certificate2>().FirstOrDefault();

        /// <summary>
        /// The certificate with its key re-imported as persisted (not ephemeral), so the store keeps the key and SslStream,
        /// IIS and Cert:\ can use it. The PKCS#12 in between exists only in memory, under a random password.
        /// </summary>
        private X509Certificate2 WithPersistedKey(X509Certificate2 certificate)
        {
            byte[] pfx;
            string password = Convert.ToBase64String(RandomBytes(24));
            try
            {
                pfx = certificate.Export(X509ContentType.Pkcs12, password);
            }
            catch (CryptographicException ex)
            {
                throw new PkiException(PkiErrorCode.KeyNotExportable,
                    $"The private key of '{certificate.Subject}' cannot be exported, so it cannot be copied into {StoreLabel}.", ex, certificate.Subject);
            }
            X509KeyStorageFlags flags = X509KeyStorageFlags.PersistKeySet | (Machine ? X509KeyStorageFlags.MachineKeySet : X509KeyStorageFlags.UserKeySet);
            try
            {
                return new X509Certificate2(pfx, password, flags);
            }
            finally
            {
                Array.Clear(pfx, 0, pfx.Length);
            }
        }

        private static byte[] RandomBytes(int count)
        {
            var bytes = new byte[count];
            using var rng = RandomNumberGenerator.Create();
            rng.GetBytes(bytes);
            return bytes;
        }

        private TrustStoreResult Result(TrustAction action, bool verified, string message, string thumbprint, string subject) =>
            new TrustStoreResult(Name, action, StoreLabel, verified, message, thumbprint, subject);

        internal static string Describe(X509Certificate2 certificate) => $"'{certificate.Subject}' ({certificate.Thumbprint})";

        private static bool TryStoreName(string text, out StoreName name)
        {
            switch (text.ToUpperInvariant())
            {
                case "MY": name = StoreName.My; return true;
                case "ROOT": name = StoreName.Root; return true;
                case "CA": name = StoreName.CertificateAuthority; return true;
                default: name = default; return false;
            }
        }
    }
}
