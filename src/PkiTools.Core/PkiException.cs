using System;
using System.Collections.Generic;
using System.Globalization;

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
        /// <summary>The signature algorithm asked for does not fit the key: RSA-PSS or PKCS#1 v1.5 with an ECDSA or Ed25519 key, PKCS#1 v1.5 with an RSA-PSS key.</summary>
        SignatureAlgorithmMismatch,
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
        /// <summary>A trust store cannot be reached here: its program (certutil, keytool, update-ca-certificates) or its files are missing.</summary>
        StoreUnavailable,
        /// <summary>Changing a trust store needs rights this process does not have (root, Administrator); the message says which command to run as whom.</summary>
        StoreAccessDenied,
        /// <summary>A trust store's program failed, or reading the store back did not show the change.</summary>
        StoreUpdateFailed,
        /// <summary>A TLS endpoint could not be reached (name not resolved, connection refused or reset).</summary>
        EndpointUnreachable,
        /// <summary>A TLS handshake failed (the peer does not speak TLS, or refused every offer).</summary>
        HandshakeFailed,
        /// <summary>A network operation or an external program did not finish within its time limit.</summary>
        Timeout,
        /// <summary>A renewal hook (-DeployHook, -PostHook) failed or timed out; the renewed files stay in place.</summary>
        HookFailed,
        /// <summary>No scheduler can be used here (no systemd, no crontab, no Task Scheduler), or it refused the job.</summary>
        SchedulerUnavailable,
        /// <summary>An ACME server answered with a problem document; the message carries its type and detail.</summary>
        AcmeProblem,
        /// <summary>An ACME server refused the request for its rate limits; the message says when to try again.</summary>
        AcmeRateLimited,
        /// <summary>An ACME server could not be reached, did not answer in ACME, or did not finish within the time bound.</summary>
        AcmeUnavailable,
        /// <summary>An ACME authorization ended invalid: the server could not validate the challenge (its detail is in the message).</summary>
        AcmeChallengeFailed,
        /// <summary>The CA's database ledger (PostgreSQL) could not be reached or the connection was lost mid-operation; nothing was recorded, retry when it is back.</summary>
        LedgerUnavailable,
        /// <summary>The file is a PKI object of another kind (a CRL, a CSR or a public key where a certificate or private key is read); the message says what it is.</summary>
        WrongFileType,
    }

    /// <summary>
    /// A remedy expressed in the caller's inputs. The core names an input by its option name ("CaPassword", or
    /// "Profile=IntermediateCa" for an input with a value) and never by a cmdlet's spelling; the cmdlet layer renders
    /// "-CaPassword" / "-Profile IntermediateCa" (<see cref="Render"/>), a C# caller reads the plain names.
    /// </summary>
    public sealed class PkiHint
    {
        private readonly string[] _inputs;

        /// <param name="text">The sentence, with {0}, {1}, ... where the inputs go.</param>
        /// <param name="inputs">Option names, optionally "Name=value".</param>
        public PkiHint(string text, params string[] inputs)
        {
            Text = text;
            _inputs = inputs;
        }

        public string Text { get; }

        public IReadOnlyList<string> Inputs => _inputs;

        /// <summary>
        /// The remedy for a caller that has none of these inputs (a cmdlet without the switch the hint names), in plain
        /// words; null when the hint has no such form.
        /// </summary>
        public string? Otherwise { get; init; }

        /// <summary>
        /// The sentence with every input spelled by <paramref name="spell"/> (which receives the name and the value or
        /// null). A spell that returns null says the caller has no such input: the result is then <see cref="Otherwise"/>
        /// (or null when the hint has no such form, and the hint is left out).
        /// </summary>
        public string? Render(Func<string, string?, string?> spell)
        {
            var spelled = new object[_inputs.Length];
            for (int i = 0; i < _inputs.Length; i++)
            {
                int eq = _inputs[i].IndexOf('=');
                string? s = eq < 0 ? spell(_inputs[i], null) : spell(_inputs[i].Substring(0, eq), _inputs[i].Substring(eq + 1));
                if (s == null) return Otherwise;
                spelled[i] = s;
            }
            return string.Format(CultureInfo.InvariantCulture, Text, spelled);
        }

        /// <summary>The plain rendering, for C# callers and logs: the option names as they are ("Force", "Profile IntermediateCa").</summary>
        public override string ToString() => Render((name, value) => value == null ? name : name + " " + value)!;
    }

    /// <summary>
    /// The one exception type the core throws for expected failures. It always keeps its inner exception. The core
    /// speaks no cmdlet language: <see cref="Reason"/> says what is wrong, <see cref="Input"/> which input is at fault
    /// and <see cref="Hint"/> what to do, in option names; the cmdlet layer's error factory renders them.
    /// </summary>
    public sealed class PkiException : Exception
    {
        public PkiException(PkiErrorCode code, string reason, Exception? inner = null, object? target = null, PkiHint? hint = null, string? input = null)
            : base(hint == null ? reason : reason + " " + hint, inner)
        {
            Code = code;
            Target = target;
            Reason = reason;
            Hint = hint;
            Input = input;
        }

        /// <summary>The stable code; its name is the PowerShell error id.</summary>
        public PkiErrorCode Code { get; }

        /// <summary>The path, certificate or value at fault, when there is one.</summary>
        public object? Target { get; }

        /// <summary>What is wrong, without the remedy.</summary>
        public string Reason { get; }

        /// <summary>What to do about it, in the caller's inputs; null when the reason says it all.</summary>
        public PkiHint? Hint { get; }

        /// <summary>The option name of the input at fault ("ValidYears"), when one input is.</summary>
        public string? Input { get; }

        /// <summary>The message with the hint spelled by <paramref name="spell"/> (the cmdlet layer passes "-Name value").</summary>
        public string Render(Func<string, string?, string?> spell) => Hint?.Render(spell) is string hint ? Reason + " " + hint : Reason;
    }
}
