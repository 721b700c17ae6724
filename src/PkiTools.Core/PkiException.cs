using System;

namespace PkiTools.Core
{
    /// <summary>
    /// Stable error codes. The name of each member is the PowerShell error id users catch, so never rename one.
    /// </summary>
    public enum PkiErrorCode
    {
        /// <summary>A parameter value is out of range or contradicts another.</summary>
        InvalidArgument,
        /// <summary>An output file already exists and -Force was not given.</summary>
        FileExists,
        /// <summary>An input file does not exist.</summary>
        FileNotFound,
        /// <summary>An output file could not be written.</summary>
        FileWriteFailed,
        /// <summary>An input file is larger than any legitimate certificate, key or CSR file.</summary>
        FileTooLarge,
        /// <summary>An input file could not be read.</summary>
        FileReadFailed,
        /// <summary>The input is neither PEM nor DER of a known structure.</summary>
        FormatUnknown,
        /// <summary>A certificate could not be parsed.</summary>
        CertificateInvalid,
        /// <summary>A certificate signing request could not be parsed.</summary>
        CsrInvalid,
        /// <summary>The signature on a certificate signing request does not verify.</summary>
        CsrSignatureInvalid,
        /// <summary>A private key could not be parsed or used.</summary>
        KeyInvalid,
        /// <summary>The private key cannot be exported (for example a non-exportable key in a Windows store).</summary>
        KeyNotExportable,
        /// <summary>The password does not decrypt the key or PFX (or the file is corrupt).</summary>
        PasswordIncorrect,
        /// <summary>An encrypted input needs a password and none was given.</summary>
        PasswordRequired,
        /// <summary>The issuer certificate is not a CA certificate allowed to sign certificates.</summary>
        IssuerNotCa,
        /// <summary>The issuer certificate has no private key available.</summary>
        IssuerKeyMissing,
        /// <summary>An algorithm or key type is not supported, or is too weak without an explicit switch.</summary>
        UnsupportedAlgorithm,
        /// <summary>The validity period is empty or inconsistent.</summary>
        ValidityInvalid,
        /// <summary>A key is too weak for the default policy (RSA under 2048 bits).</summary>
        WeakKey,
        /// <summary>A private key does not belong to the certificate it was paired with.</summary>
        KeyMismatch,
        /// <summary>The signature just produced does not verify with the issuer's public key (a broken signer).</summary>
        SignatureSelfCheckFailed,
        /// <summary>A certificate revocation list could not be parsed.</summary>
        CrlInvalid,
        /// <summary>A request falls outside the CA's policy (names, validity, profile): nothing was issued or recorded.</summary>
        PolicyViolation,
        /// <summary>The CA's ledger (index.txt) holds a line that is not in OpenSSL's format.</summary>
        LedgerCorrupt,
        /// <summary>The folder is not a CA directory (PkiTools, easy-rsa 3 pki or openssl ca layout).</summary>
        CaNotFound,
        /// <summary>A serial number is already in the CA's ledger.</summary>
        SerialConflict,
        /// <summary>The CA directory's lock was held by another process for longer than the timeout.</summary>
        LockTimeout,
        /// <summary>No certificate with that serial number is in the CA's ledger.</summary>
        SerialNotFound,
        /// <summary>A password file (or systemd credential) can be read by others than its owner; it was not read.</summary>
        PasswordFileInsecure,
    }

    /// <summary>The one exception type the core throws for expected failures. It always keeps its inner exception.</summary>
    public sealed class PkiException : Exception
    {
        public PkiException(PkiErrorCode code, string message, Exception? inner = null, object? target = null)
            : base(message, inner)
        {
            Code = code;
            Target = target;
        }

        /// <summary>The stable code; its name is the PowerShell error id.</summary>
        public PkiErrorCode Code { get; }

        /// <summary>The path, certificate or value at fault, when there is one.</summary>
        public object? Target { get; }
    }
}
