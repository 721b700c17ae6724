using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using PkiTools.Core.Ca;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// What a -Ca or -Parent argument names: a CA object from New-Ca or Get-Ca, or the path of a CA folder or openssl.cnf
    /// (a string, DirectoryInfo or FileInfo). The transformation only sorts the value; the folder is opened by the cmdlet
    /// (<see cref="CaCmdlet.OpenCa"/>), because PowerShell reports anything a transformation throws as
    /// ParameterArgumentTransformationError, which would hide the stable CaNotFound / LedgerCorrupt ids and the path.
    /// </summary>
    public sealed class CaArgument
    {
        private CaArgument(CaDirectory? ca, string? path, object? unsupported)
        {
            Ca = ca;
            Path = path;
            Unsupported = unsupported;
        }

        /// <summary>The CA object, when one was passed.</summary>
        public CaDirectory? Ca { get; }

        /// <summary>The path as given (resolved by the cmdlet against the current location), when a path was passed.</summary>
        public string? Path { get; }

        /// <summary>A value of a type that names no CA, kept so the cmdlet can say so with the InvalidArgument id.</summary>
        public object? Unsupported { get; }

        public static CaArgument From(object? value)
        {
            value = value is PSObject ps ? ps.BaseObject : value;
            return value switch
            {
                CaArgument argument => argument,
                CaDirectory ca => new CaArgument(ca, null, null),
                DirectoryInfo folder => new CaArgument(null, folder.FullName, null),
                FileInfo file => new CaArgument(null, file.FullName, null),
                string path when path.Trim().Length > 0 => new CaArgument(null, path, null),
                _ => new CaArgument(null, null, value ?? string.Empty),
            };
        }

        public override string ToString() => Ca?.Folder ?? Path ?? Convert.ToString(Unsupported, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
    }

    /// <summary>Turns whatever was bound to a -Ca/-Parent parameter into a <see cref="CaArgument"/> (never throws).</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class CaArgumentTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object value = inputData is PSObject ps ? ps.BaseObject : inputData;
            // -Ca ./ca1, ./ca2 (a CaArgument[] parameter): each element on its own; a scalar stays a scalar (PowerShell
            // wraps it for an array parameter).
            if (value is System.Collections.IEnumerable many && !(value is string)) return many.Cast<object?>().Select(CaArgument.From).ToArray();
            return CaArgument.From(inputData);
        }
    }
}
