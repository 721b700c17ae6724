using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace PkiTools.Core.Trust
{
    /// <summary>The operating systems whose trust stores differ.</summary>
    public enum TrustPlatform
    {
        Linux,
        MacOS,
        Windows,
    }

    /// <summary>
    /// Everything a store learns from the machine: the process runner, the platform, the user's home, environment
    /// variables, whether this process is root (Administrator), and the file-system root under which the system paths
    /// (/etc, /usr) are looked up. Tests build one over a temporary tree and a recording runner; cmdlets use
    /// <see cref="Current"/>.
    /// </summary>
    public sealed class TrustEnvironment
    {
        public TrustEnvironment(IProcessRunner runner, TrustPlatform platform, string home, Func<string, string?> variable, bool isElevated, string systemRoot = "/")
        {
            Runner = runner;
            Platform = platform;
            Home = home;
            Variable = variable;
            IsElevated = isElevated;
            SystemRoot = systemRoot;
        }

        public IProcessRunner Runner { get; }

        public TrustPlatform Platform { get; }

        /// <summary>The current user's home folder (HOME; USERPROFILE on Windows).</summary>
        public string Home { get; }

        /// <summary>Reads an environment variable (JAVA_HOME, PATH ...); null when unset or empty.</summary>
        public Func<string, string?> Variable { get; }

        /// <summary>Root on Unix, an elevated Administrator on Windows.</summary>
        public bool IsElevated { get; }

        /// <summary>Where "/" is for system paths; "/" except in tests.</summary>
        public string SystemRoot { get; }

        /// <summary>A system path (such as "/etc/ssl/certs") under <see cref="SystemRoot"/>.</summary>
        public string SystemPath(string absolute) =>
            SystemRoot == "/" ? absolute : Path.Combine(SystemRoot, absolute.TrimStart('/'));

        /// <summary>This process on this machine.</summary>
        public static TrustEnvironment Current
        {
            get
            {
                TrustPlatform platform = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? TrustPlatform.Windows
                    : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? TrustPlatform.MacOS : TrustPlatform.Linux;
                string home = Environment.GetEnvironmentVariable(platform == TrustPlatform.Windows ? "USERPROFILE" : "HOME")
                    ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                return new TrustEnvironment(SystemProcessRunner.Instance, platform, home, ReadVariable, Elevation.IsElevated(platform));
            }
        }

        private static string? ReadVariable(string name)
        {
            string? value = Environment.GetEnvironmentVariable(name);
            return string.IsNullOrEmpty(value) ? null : value;
        }

        private static class Elevation
        {
            [DllImport("libc", SetLastError = false)]
            private static extern uint geteuid();

            public static bool IsElevated(TrustPlatform platform)
            {
                if (platform == TrustPlatform.Windows)
                {
                    using var identity = System.Security.Principal.WindowsIdentity.GetCurrent();
                    return new System.Security.Principal.WindowsPrincipal(identity).IsInRole(System.Security.Principal.WindowsBuiltInRole.Administrator);
                }
                return geteuid() == 0;
            }
        }
    }

    /// <summary>What the caller names beside the store: NSS databases, a Java keystore and its password.</summary>
    public sealed class TrustStoreOptions
    {
        /// <summary>NSS database folders to use instead of discovering the user's browsers' databases.</summary>
        public IReadOnlyList<string> NssDatabases { get; set; } = Array.Empty<string>();

        /// <summary>A Java keystore file to use instead of the JDK's cacerts.</summary>
        public string? JavaKeystore { get; set; }

        /// <summary>The keystore's password; "changeit" (the JDK's default for cacerts) when null.</summary>
        public char[]? KeystorePassword { get; set; }
    }

    /// <summary>The -Store names and the store each means on this platform.</summary>
    public static class TrustStores
    {
        public const string System = "System";
        public const string Nss = "Nss";
        public const string Java = "Java";

        /// <summary>Every -Store value, in the order Tab completion offers them.</summary>
        public static readonly IReadOnlyList<string> Names = new[]
        {
            System, Nss, Java,
            @"CurrentUser\My", @"CurrentUser\Root", @"LocalMachine\My", @"LocalMachine\Root", @"LocalMachine\CA",
        };

        /// <summary>The store named <paramref name="name"/> (case-insensitive) on the environment's platform.</summary>
        public static ITrustStore Create(string name, TrustStoreOptions options, TrustEnvironment environment)
        {
            string? canonical = Names.FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
            switch (canonical)
            {
                case System:
                    return SystemTrustStore.For(environment);
                case Nss:
                    return new NssTrustStore(environment, options.NssDatabases);
                case Java:
                    return new JavaTrustStore(environment, options.JavaKeystore, options.KeystorePassword);
                case null:
                    throw new PkiException(PkiErrorCode.InvalidArgument, $"'{name}' is not a store.", null, name,
                        new PkiHint("Give one of " + string.Join(", ", Names) + " as {0}.", "Store"), "Store");
                default:
                    return new DotNetTrustStore(canonical, environment);
            }
        }
    }
}
