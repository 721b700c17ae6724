using System.Management.Automation;
using PkiTools.Core;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>The one place core error codes become PowerShell error records: id = code name, a category, the target.</summary>
    public static class ErrorFactory
    {
        public static ErrorRecord Create(PkiException ex)
        {
            var record = new ErrorRecord(ex, ex.Code.ToString(), CategoryOf(ex.Code), ex.Target);
            record.ErrorDetails = new ErrorDetails(Message(ex));
            return record;
        }

        /// <summary>The exception's message in cmdlet language: every input the core names becomes "-Name" ("-Profile IntermediateCa").</summary>
        public static string Message(PkiException ex) => ex.Render(Spell);

        public static string Spell(string input, string? value) => value == null ? "-" + input : "-" + input + " " + value;

        public static ErrorRecord Create(PkiErrorCode code, string message, object? target) => Create(new PkiException(code, message, null, target));

        public static ErrorCategory CategoryOf(PkiErrorCode code) => code switch
        {
            PkiErrorCode.FileExists => ErrorCategory.ResourceExists,
            PkiErrorCode.FileNotFound => ErrorCategory.ObjectNotFound,
            PkiErrorCode.FileWriteFailed => ErrorCategory.WriteError,
            PkiErrorCode.FileReadFailed => ErrorCategory.ReadError,
            PkiErrorCode.FileTooLarge => ErrorCategory.LimitsExceeded,
            PkiErrorCode.FormatUnknown => ErrorCategory.InvalidData,
            PkiErrorCode.CertificateInvalid => ErrorCategory.InvalidData,
            PkiErrorCode.CsrInvalid => ErrorCategory.InvalidData,
            PkiErrorCode.KeyInvalid => ErrorCategory.InvalidData,
            PkiErrorCode.CsrSignatureInvalid => ErrorCategory.SecurityError,
            PkiErrorCode.SignatureSelfCheckFailed => ErrorCategory.SecurityError,
            PkiErrorCode.KeyNotExportable => ErrorCategory.PermissionDenied,
            PkiErrorCode.IssuerKeyMissing => ErrorCategory.ObjectNotFound,
            PkiErrorCode.UnsupportedAlgorithm => ErrorCategory.NotImplemented,
            PkiErrorCode.PasswordIncorrect => ErrorCategory.AuthenticationError,
            PkiErrorCode.PasswordRequired => ErrorCategory.AuthenticationError,
            PkiErrorCode.PasswordFileInsecure => ErrorCategory.SecurityError,
            PkiErrorCode.CrlInvalid => ErrorCategory.InvalidData,
            PkiErrorCode.PolicyViolation => ErrorCategory.PermissionDenied,
            PkiErrorCode.LedgerCorrupt => ErrorCategory.InvalidData,
            PkiErrorCode.CaNotFound => ErrorCategory.ObjectNotFound,
            PkiErrorCode.SerialNotFound => ErrorCategory.ObjectNotFound,
            PkiErrorCode.SerialConflict => ErrorCategory.ResourceExists,
            PkiErrorCode.LockTimeout => ErrorCategory.ResourceBusy,
            _ => ErrorCategory.InvalidArgument,
        };
    }
}
