using System.Management.Automation;
using PkiTools.Core;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>The one place core error codes become PowerShell error records: id = code name, a category, the target.</summary>
    public static class ErrorFactory
    {
        public static ErrorRecord Create(PkiException ex) => Create(ex, null);

        /// <summary>
        /// The record for an error raised in <paramref name="cmdlet"/>: a hint naming a switch the cmdlet does not have
        /// (-AllowWeakKey where only Invoke-CaSign has it) is given in its plain form instead.
        /// </summary>
        public static ErrorRecord Create(PkiException ex, PSCmdlet? cmdlet)
        {
            var record = new ErrorRecord(ex, ex.Code.ToString(), CategoryOf(ex.Code), ex.Target);
            record.ErrorDetails = new ErrorDetails(Message(ex, cmdlet));
            return record;
        }

        /// <summary>The exception's message in cmdlet language: every input the core names becomes "-Name" ("-Profile IntermediateCa").</summary>
        public static string Message(PkiException ex) => ex.Render(Spell);

        /// <summary>As <see cref="Message(PkiException)"/>, for an error of <paramref name="cmdlet"/>: see <see cref="Create(PkiException, PSCmdlet)"/>.</summary>
        public static string Message(PkiException ex, PSCmdlet? cmdlet)
        {
            if (cmdlet == null || ex.Hint?.Otherwise == null) return Message(ex);
            var parameters = cmdlet.MyInvocation?.MyCommand?.Parameters;
            if (parameters == null) return Message(ex);
            return ex.Render((name, value) => parameters.ContainsKey(name) ? Spell(name, value) : null);
        }

        public static string Spell(string input, string? value) => value == null ? "-" + input : "-" + input + " " + value;

        public static ErrorRecord Create(PkiErrorCode code, string message, object? target) => Create(new PkiException(code, message, null, target));

        /// <summary>
        /// The category of every code. Exhaustive on purpose: a new PkiErrorCode without an entry here throws (and
        /// ErrorFactoryTests fails) instead of silently becoming InvalidArgument.
        /// </summary>
        public static ErrorCategory CategoryOf(PkiErrorCode code) => code switch
        {
            PkiErrorCode.InvalidArgument => ErrorCategory.InvalidArgument,
            PkiErrorCode.FileExists => ErrorCategory.ResourceExists,
            PkiErrorCode.FileNotFound => ErrorCategory.ObjectNotFound,
            PkiErrorCode.FileWriteFailed => ErrorCategory.WriteError,
            PkiErrorCode.FileTooLarge => ErrorCategory.LimitsExceeded,
            PkiErrorCode.FileReadFailed => ErrorCategory.ReadError,
            PkiErrorCode.FormatUnknown => ErrorCategory.InvalidData,
            PkiErrorCode.CertificateInvalid => ErrorCategory.InvalidData,
            PkiErrorCode.CsrInvalid => ErrorCategory.InvalidData,
            PkiErrorCode.CsrSignatureInvalid => ErrorCategory.SecurityError,
            PkiErrorCode.KeyInvalid => ErrorCategory.InvalidData,
            PkiErrorCode.KeyNotExportable => ErrorCategory.PermissionDenied,
            PkiErrorCode.PasswordIncorrect => ErrorCategory.AuthenticationError,
            PkiErrorCode.PasswordRequired => ErrorCategory.AuthenticationError,
            PkiErrorCode.IssuerNotCa => ErrorCategory.InvalidArgument,
            PkiErrorCode.IssuerKeyMissing => ErrorCategory.ObjectNotFound,
            PkiErrorCode.UnsupportedAlgorithm => ErrorCategory.NotImplemented,
            PkiErrorCode.ValidityInvalid => ErrorCategory.InvalidArgument,
            PkiErrorCode.WeakKey => ErrorCategory.InvalidArgument,
            PkiErrorCode.KeyMismatch => ErrorCategory.InvalidArgument,
            PkiErrorCode.SignatureSelfCheckFailed => ErrorCategory.SecurityError,
            PkiErrorCode.SignatureAlgorithmMismatch => ErrorCategory.InvalidArgument,
            PkiErrorCode.CrlInvalid => ErrorCategory.InvalidData,
            PkiErrorCode.PolicyViolation => ErrorCategory.PermissionDenied,
            PkiErrorCode.LedgerCorrupt => ErrorCategory.InvalidData,
            PkiErrorCode.CaNotFound => ErrorCategory.ObjectNotFound,
            PkiErrorCode.SerialConflict => ErrorCategory.ResourceExists,
            PkiErrorCode.LockTimeout => ErrorCategory.ResourceBusy,
            PkiErrorCode.SerialNotFound => ErrorCategory.ObjectNotFound,
            PkiErrorCode.PasswordFileInsecure => ErrorCategory.SecurityError,
            PkiErrorCode.StoreUnavailable => ErrorCategory.ResourceUnavailable,
            PkiErrorCode.StoreAccessDenied => ErrorCategory.PermissionDenied,
            PkiErrorCode.StoreUpdateFailed => ErrorCategory.WriteError,
            PkiErrorCode.EndpointUnreachable => ErrorCategory.ConnectionError,
            PkiErrorCode.HandshakeFailed => ErrorCategory.ProtocolError,
            PkiErrorCode.Timeout => ErrorCategory.OperationTimeout,
            PkiErrorCode.HookFailed => ErrorCategory.OperationStopped,
            PkiErrorCode.SchedulerUnavailable => ErrorCategory.ResourceUnavailable,
            PkiErrorCode.AcmeProblem => ErrorCategory.InvalidResult,
            PkiErrorCode.AcmeRateLimited => ErrorCategory.QuotaExceeded,
            PkiErrorCode.AcmeUnavailable => ErrorCategory.ConnectionError,
            PkiErrorCode.AcmeChallengeFailed => ErrorCategory.AuthenticationError,
            PkiErrorCode.LedgerUnavailable => ErrorCategory.ConnectionError,
            PkiErrorCode.WrongFileType => ErrorCategory.InvalidType,
            _ => throw new System.ArgumentOutOfRangeException(nameof(code), code, "PkiErrorCode " + code + " has no ErrorCategory: add it to ErrorFactory.CategoryOf."),
        };
    }
}
