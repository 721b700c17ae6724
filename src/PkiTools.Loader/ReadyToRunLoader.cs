using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace PkiTools.Loader
{
    /// <summary>
    /// Runs when Import-Module loads this nested module, before the root module bin/PkiTools.dll. On .NET 10 or later
    /// (PowerShell 7.6+) with a ReadyToRun folder for this OS and CPU beside this assembly (bin/net10.0-linux-x64/ and
    /// the like), loads PkiTools.Core and BouncyCastle.Cryptography from it; PkiTools.dll then binds to those (an
    /// assembly already loaded by name is what the runtime hands out), and their code runs precompiled instead of being
    /// jitted on first use: that is most of the first command's start-up (issue 14). Anything else: nothing happens,
    /// and the netstandard2.0 builds in bin/ load as always. Never throws: a failure here only costs start-up time.
    /// </summary>
    public sealed class ReadyToRunLoader : IModuleAssemblyInitializer
    {
        /// <summary>The assemblies precompiled, in dependency order.</summary>
        public static readonly string[] Assemblies = { "BouncyCastle.Cryptography", "PkiTools.Core" };

        /// <summary>How much newer than its ReadyToRun copy the netstandard2.0 assembly in bin/ may be (files copied one by
        /// one when a module is installed) before the copy counts as left over from an older build and is not used.</summary>
        private static readonly TimeSpan CopySkew = TimeSpan.FromMinutes(1);

        public void OnImport()
        {
            string? folder = Folder();
            if (folder == null || !Current(folder)) return;
            foreach (string name in Assemblies)
            {
                string path = Path.Combine(folder, name + ".dll");
                if (IsLoaded(name)) return;
                try
                {
                    Assembly.LoadFrom(path);
                }
                catch (Exception)
                {
                    return;
                }
            }
        }

        /// <summary>The target the ReadyToRun code was compiled for: PowerShell 7.6's runtime. Its code stays valid on later
        /// runtimes (a method whose precompiled code no longer fits is jitted, as without ReadyToRun).</summary>
        public const string TargetFramework = "net10.0";

        /// <summary>bin/net10.0-&lt;rid&gt;/ for the running OS and CPU, if it exists; null on .NET Framework and before .NET 10.</summary>
        public static string? Folder()
        {
            if (Environment.Version.Major < 10 || RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal)) return null;
            string? bin = Path.GetDirectoryName(typeof(ReadyToRunLoader).Assembly.Location);
            if (string.IsNullOrEmpty(bin)) return null;
            string os = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "win" : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx" : RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? "linux" : "";
            string arch = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => "x64",
                Architecture.Arm64 => "arm64",
                _ => "",
            };
            if (os.Length == 0 || arch.Length == 0) return null;
            string folder = Path.Combine(bin, $"{TargetFramework}-{os}-{arch}");
            return Directory.Exists(folder) ? folder : null;
        }

        /// <summary>Every ReadyToRun copy is there and was made from the build in bin/ (not older than it): a build with
        /// -p:ReadyToRun=false after a change leaves the old copies behind, and those must not be mixed with a newer PkiTools.dll.</summary>
        private static bool Current(string folder)
        {
            string bin = Path.GetDirectoryName(folder)!;
            foreach (string name in Assemblies)
            {
                var copy = new FileInfo(Path.Combine(folder, name + ".dll"));
                var il = new FileInfo(Path.Combine(bin, name + ".dll"));
                if (!copy.Exists || (il.Exists && il.LastWriteTimeUtc - copy.LastWriteTimeUtc > CopySkew)) return false;
            }
            return true;
        }

        private static bool IsLoaded(string name)
        {
            foreach (Assembly assembly in AppDomain.CurrentDomain.GetAssemblies())
            {
                if (string.Equals(assembly.GetName().Name, name, StringComparison.Ordinal)) return true;
            }
            return false;
        }
    }
}
