using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core;
using PkiTools.Core.Formats;
using PkiTools.Core.Revocation;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// Loads what a certificate or CRL parameter names (-TrustedRoot, -Intermediate, -Chain, -Crl, -Issuer): objects as
    /// they are, paths (resolved through the provider) and FileInfo objects read from disk. The parameters are typed
    /// object and the files are read here, inside the cmdlet, not in an ArgumentTransformationAttribute: PowerShell
    /// wraps whatever a transformation throws as ParameterArgumentTransformationError, which hides the stable id
    /// (FileNotFound, FormatUnknown, CertificateInvalid, CrlInvalid...) and the file at fault.
    /// </summary>
    internal static class InputArguments
    {
        /// <summary>
        /// Every certificate <paramref name="values"/> names: X509Certificate2 objects, paths of PEM (one or many
        /// certificates), DER, P7B or unprotected PFX files, FileInfo objects, or arrays of those.
        /// </summary>
        public static IReadOnlyList<X509Certificate2> Certificates(PSCmdlet cmdlet, string parameter, object? values)
        {
            var result = new List<X509Certificate2>();
            foreach (object item in Flatten(values))
            {
                if (item is X509Certificate2 certificate)
                {
                    result.Add(certificate);
                    continue;
                }
                string path = PathOf(cmdlet, parameter, item)
                    ?? throw WrongType(parameter, item, "an X509Certificate2, or the path of a PEM, DER, P7B or unprotected PFX certificate file");
                result.AddRange(FromFile(parameter, path, () => PipelineCertificates.From(CertificateFiles.Read(CertificateReader.ReadFile(path), null, path))));
            }
            return result;
        }

        /// <summary>
        /// Every CRL <paramref name="values"/> names: CRL objects, paths of PEM ("X509 CRL") or DER files, FileInfo
        /// objects. A file that cannot be read as a CRL goes to <paramref name="unreadable"/> and is left out (one bad CRL
        /// among several must not stop a validation); an object of another type is still an error.
        /// </summary>
        public static IReadOnlyList<CertificateRevocationList> Crls(PSCmdlet cmdlet, string parameter, object? values, Action<PkiException> unreadable)
        {
            var result = new List<CertificateRevocationList>();
            foreach (object item in Flatten(values))
            {
                if (item is CertificateRevocationList crl)
                {
                    result.Add(crl);
                    continue;
                }
                string path = PathOf(cmdlet, parameter, item)
                    ?? throw WrongType(parameter, item, "a CRL object, or the path of a PEM or DER CRL file");
                try
                {
                    result.Add(FromFile(parameter, path, () => CertificateRevocationList.Parse(CertificateReader.ReadFile(path))));
                }
                catch (PkiException ex)
                {
                    unreadable(ex);
                }
            }
            return result;
        }

        /// <summary>The file system path a string or FileInfo names (provider-resolved, so ~, relative paths and PSDrives work); null for any other object.</summary>
        public static string? PathOf(PSCmdlet cmdlet, string parameter, object? value)
        {
            switch (value is PSObject ps ? ps.BaseObject : value)
            {
                case FileInfo file:
                    return file.FullName;
                case string text when text.Trim().Length > 0:
                    try
                    {
                        return cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(text);
                    }
                    catch (Exception ex) when (ex is ProviderNotFoundException || ex is System.Management.Automation.DriveNotFoundException || ex is NotSupportedException
                        || ex is ProviderInvocationException || ex is PSInvalidOperationException)
                    {
                        throw new PkiException(PkiErrorCode.InvalidArgument,
                            $"-{parameter}: '{text}' is not a file system path ({ex.Message}); give the path of a file.", ex, text);
                    }
                default:
                    return null;
            }
        }

        /// <summary>Runs a read of <paramref name="path"/>; a failure keeps its code, names the parameter and the file, and targets the file at fault.</summary>
        public static T FromFile<T>(string parameter, string path, Func<T> read)
        {
            try
            {
                return read();
            }
            catch (PkiException ex)
            {
                // The file at fault: the one named, or one it led to (the key file next to an -Issuer certificate).
                string file = ex.Target is string inner && inner.Length > 0 ? inner : path;
                // The reason is prefixed; the hint and the input at fault stay structured (ErrorFactory renders them).
                string reason = ex.Reason.IndexOf(file, StringComparison.Ordinal) >= 0 ? ex.Reason : $"'{file}': {ex.Reason}";
                throw new PkiException(ex.Code, $"-{parameter}: {reason}", ex, file, ex.Hint, ex.Input);
            }
        }

        private static PkiException WrongType(string parameter, object item, string expected) =>
            new PkiException(PkiErrorCode.InvalidArgument, $"-{parameter} cannot use {Words.A(item.GetType().Name)} ('{item}'): pass {expected}.", null, item);

        /// <summary>The items of a parameter value, arrays (also nested: -TrustedRoot $roots, ./extra.crt) unrolled, PSObject wrappers and nulls removed.</summary>
        private static IEnumerable<object> Flatten(object? value, int depth = 0)
        {
            object? item = value is PSObject ps ? ps.BaseObject : value;
            if (item == null) yield break;
            if (depth < 8 && item is IEnumerable list && !(item is string) && !(item is byte[]))
            {
                foreach (object? inner in list)
                {
                    foreach (object leaf in Flatten(inner, depth + 1)) yield return leaf;
                }
                yield break;
            }
            yield return item;
        }
    }
}
