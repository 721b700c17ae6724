using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core;
using PkiTools.Core.Encoding;
using PkiTools.Core.Revocation;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// Lets a certificate parameter take certificate objects, file paths (PEM, DER, P7B or an unprotected PFX) or FileInfo objects,
    /// resolved through the provider: -TrustedRoot $root, -TrustedRoot ./root.crt, -TrustedRoot (dir *.crt).
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class CertificateArgumentAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var certificates = new List<X509Certificate2>();
            foreach (object? item in Items(inputData))
            {
                object? value = item is PSObject ps ? ps.BaseObject : item;
                switch (value)
                {
                    case null:
                        break;
                    case X509Certificate2 certificate:
                        certificates.Add(certificate);
                        break;
                    case FileInfo file:
                        certificates.AddRange(Load(file.FullName));
                        break;
                    case string path:
                        certificates.AddRange(Load(ResolvePath(engineIntrinsics, path)));
                        break;
                    default:
                        throw new ArgumentTransformationMetadataException(
                            $"Cannot use a {value.GetType().Name} as a certificate: pass an X509Certificate2 or the path of a PEM or DER certificate file.");
                }
            }
            return certificates.ToArray();
        }

        internal static string ResolvePath(EngineIntrinsics engineIntrinsics, string path)
        {
            try
            {
                return engineIntrinsics.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            }
            catch (Exception ex) when (ex is ProviderNotFoundException || ex is System.Management.Automation.DriveNotFoundException || ex is NotSupportedException)
            {
                throw new ArgumentTransformationMetadataException($"'{path}' is not a file path: {ex.Message}", ex);
            }
        }

        private static IEnumerable<object?> Items(object input)
        {
            object? value = input is PSObject ps ? ps.BaseObject : input;
            if (value is IEnumerable list && !(value is string))
            {
                foreach (object? item in list) yield return item;
            }
            else
            {
                yield return value;
            }
        }

        private static IReadOnlyList<X509Certificate2> Load(string path) => Guarded(() => CertificateFiles.Read(CertificateReader.ReadFile(path), null, path));

        internal static T Guarded<T>(Func<T> read)
        {
            try
            {
                return read();
            }
            catch (PkiException ex)
            {
                throw new ArgumentTransformationMetadataException($"{ex.Code}: {ex.Message}", ex);
            }
        }
    }

    /// <summary>Lets -Crl take CRL objects or files (PEM "X509 CRL" or DER), resolved through the provider.</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class CrlArgumentAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var crls = new List<CertificateRevocationList>();
            object? value = inputData is PSObject ps ? ps.BaseObject : inputData;
            IEnumerable items = value is IEnumerable list && !(value is string) ? list : new[] { value };
            foreach (object? item in items)
            {
                switch (item is PSObject p ? p.BaseObject : item)
                {
                    case null:
                        break;
                    case CertificateRevocationList crl:
                        crls.Add(crl);
                        break;
                    case FileInfo file:
                        crls.Add(CertificateArgumentAttribute.Guarded(() => CertificateRevocationList.Parse(CertificateReader.ReadFile(file.FullName))));
                        break;
                    case string path:
                        string resolved = CertificateArgumentAttribute.ResolvePath(engineIntrinsics, path);
                        crls.Add(CertificateArgumentAttribute.Guarded(() => CertificateRevocationList.Parse(CertificateReader.ReadFile(resolved))));
                        break;
                    default:
                        throw new ArgumentTransformationMetadataException($"Cannot use a {item.GetType().Name} as a CRL: pass a CRL object or the path of a PEM or DER CRL file.");
                }
            }
            return crls.ToArray();
        }
    }

    /// <summary>
    /// Lets -Issuer take a certificate object, or a path: a certificate file, or the stem New-SelfSignedCert -Path
    /// wrote ("./root" for root.crt + root.key), with the key read from the same PEM file or the sibling .key file.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class IssuerArgumentAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object? value = inputData is PSObject ps ? ps.BaseObject : inputData;
            string? path = value switch
            {
                string s => CertificateArgumentAttribute.ResolvePath(engineIntrinsics, s),
                FileInfo f => f.FullName,
                _ => null,
            };
            return path == null ? inputData : CertificateArgumentAttribute.Guarded(() => CertificateReader.ReadWithKey(path));
        }
    }
}
