using System;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace PkiTools.Core.Keys
{
    /// <summary>
    /// New platform key objects of the concrete OpenSSL classes on Linux. Since .NET 8, ECDsa.Create() and RSA.Create()
    /// hand out a wrapper around the OpenSSL implementation, and X509Certificate2.CopyWithPrivateKey only shares the key
    /// handle when it is given a public ECDsaOpenSsl or RSAOpenSsl: for the wrapper it exports the private parameters and
    /// imports them into a fresh key, about 100 µs per certificate for P-256 (measured with PowerShell 7.6 on .NET 10:
    /// 120 µs against 16 µs per attach), which is most of attaching a key to each certificate of a bulk issuance
    /// (issue 14). Same keys, same OpenSSL underneath; only the object the runtime hands back differs. Anywhere else
    /// (Windows, macOS, .NET Framework, a runtime without those types) the factories are the platform defaults.
    /// </summary>
    internal static class NativeKeys
    {
        private static readonly ConstructorInfo? EcdsaOnCurve = Find("System.Security.Cryptography.ECDsaOpenSsl")?.GetConstructor(new[] { typeof(ECCurve) });
        private static readonly ConstructorInfo? EmptyEcdsa = Find("System.Security.Cryptography.ECDsaOpenSsl")?.GetConstructor(Type.EmptyTypes);
        private static readonly ConstructorInfo? EmptyRsa = Find("System.Security.Cryptography.RSAOpenSsl")?.GetConstructor(Type.EmptyTypes);

        /// <summary>A new key pair on <paramref name="curve"/>.</summary>
        public static ECDsa NewEcdsa(ECCurve curve) => EcdsaOnCurve != null ? (ECDsa)Create(EcdsaOnCurve, curve) : ECDsa.Create(curve);

        /// <summary>A key holding <paramref name="parameters"/> (public, or private too).</summary>
        public static ECDsa Ecdsa(ECParameters parameters)
        {
            if (EmptyEcdsa == null) return ECDsa.Create(parameters);
            var key = (ECDsa)Create(EmptyEcdsa);
            try
            {
                key.ImportParameters(parameters);
                return key;
            }
            catch
            {
                key.Dispose();
                throw;
            }
        }

        /// <summary>An RSA object with no key yet (one is generated on first use, or imported).</summary>
        public static RSA NewRsa() => EmptyRsa != null ? (RSA)Create(EmptyRsa) : RSA.Create();

        /// <summary>The constructor's object; its own exception (an unsupported curve, say) rather than reflection's wrapper.</summary>
        private static object Create(ConstructorInfo ctor, params object[] args)
        {
            try
            {
                return ctor.Invoke(args);
            }
            catch (TargetInvocationException e) when (e.InnerException != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }

        private static bool UseOpenSslClasses =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Linux)
            && !RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);

        /// <summary>The OpenSSL class (in System.Security.Cryptography since .NET 7, in System.Security.Cryptography.OpenSsl
        /// before); null off Linux or where the runtime has no such type.</summary>
        private static Type? Find(string typeName)
        {
            if (!UseOpenSslClasses) return null;
            try
            {
                return Type.GetType(typeName + ", System.Security.Cryptography", throwOnError: false)
                    ?? Type.GetType(typeName + ", System.Security.Cryptography.OpenSsl", throwOnError: false);
            }
            catch (Exception)
            {
                return null; // an assembly that fails to load: the platform defaults serve
            }
        }
    }
}
