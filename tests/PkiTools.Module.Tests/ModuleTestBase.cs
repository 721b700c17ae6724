using System;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>A fresh engine session per test, and assertions the cmdlet tests share.</summary>
    public abstract class ModuleTestBase : IDisposable
    {
        protected ModuleTestBase()
        {
            S = new PwshSession();
        }

        protected PwshSession S { get; }

        public void Dispose() => S.Dispose();

        protected static System.Collections.Generic.Dictionary<string, object?> Vars(string name, object? value) =>
            new System.Collections.Generic.Dictionary<string, object?> { [name] = value };

        protected static void AssertOwnerOnly(string path)
        {
            if (OperatingSystem.IsWindows()) return;
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        protected static void AssertNoSecrets(string text)
        {
            Assert.DoesNotContain("PRIVATE KEY", text);
        }

        /// <summary>The extension with this OID, or null.</summary>
        protected static X509Extension? Extension(X509Certificate2 cert, string oid)
        {
            foreach (X509Extension e in cert.Extensions)
            {
                if (e.Oid?.Value == oid) return e;
            }
            return null;
        }
    }
}
