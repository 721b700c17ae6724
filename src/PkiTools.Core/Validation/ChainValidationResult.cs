using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;

namespace PkiTools.Core.Validation
{
    /// <summary>Stable problem codes of a path validation. Users match on these names: never rename one.</summary>
    public enum ChainProblemCode
    {
        Expired,
        NotYetValid,
        UntrustedRoot,
        SignatureInvalid,
        IssuerNotCa,

        /// <summary>A CA's pathLenConstraint, or <see cref="ChainValidationOptions.MaxDepth"/>, is exceeded.</summary>
        PathLengthExceeded,
        NameMismatch,
        WrongPurpose,
        MissingIssuer,

        /// <summary>
        /// The certificate cannot be parsed (malformed DER, a malformed extension, duplicate extensions), or breaks an
        /// RFC 5280 rule no correct CA breaks (a critical key identifier, a serial that is not 1 to 20 octets and
        /// positive, an empty subject without a critical subjectAltName, a leaf whose basicConstraints and keyUsage
        /// contradict each other, nameConstraints outside a CA).
        /// </summary>
        CertificateInvalid,

        /// <summary>The certificate has a critical extension this validator does not process.</summary>
        UnknownCriticalExtension,

        /// <summary>An issuer has a keyUsage extension without keyCertSign.</summary>
        KeyUsageMissing,

        /// <summary>The certificate is signed with MD5 or SHA-1 (see <see cref="ChainValidationOptions.AllowWeakSignatures"/>).</summary>
        WeakSignatureAlgorithm,

        /// <summary>Path building stopped at a limit (depth, signature checks or candidate paths) without finding a valid chain.</summary>
        PathBuildingLimitExceeded,

        /// <summary>A name of the certificate is outside what a CA above it may certify (nameConstraints).</summary>
        NameConstraintViolation,

        /// <summary>A CRL from the certificate's issuer lists it as revoked (the message gives the reason and date).</summary>
        Revoked,

        /// <summary>Revocation checking is on and no usable CRL covers the certificate (none given, expired, not yet valid, wrongly signed, unsupported).</summary>
        RevocationUnknown,

        /// <summary>
        /// A certificate in the path carries a key too weak to rely on: RSA under 2048 bits or not a whole number of
        /// bytes, DSA, or an elliptic curve under 256 bits (see <see cref="ChainValidationOptions.AllowWeakSignatures"/>).
        /// </summary>
        WeakKey,

        /// <summary>
        /// RFC 5280 §6.1 policy processing failed: an explicit certificate policy is required (by a CA's
        /// policyConstraints or by the caller) and no policy, or none of the acceptable ones, is valid for the chain.
        /// </summary>
        NoExplicitPolicy,

        // The codes below are reported by TLS endpoint tests (TlsEndpointTest), never by the chain validator. Index is -1
        // for a problem of the endpoint itself (no certificate was seen).

        /// <summary>The endpoint could not be reached: the name does not resolve, nothing listens, the connection is refused.</summary>
        EndpointUnreachable,

        /// <summary>The TLS handshake failed: the port speaks another protocol, or the server refused the handshake (or the client certificate).</summary>
        HandshakeFailed,

        /// <summary>The endpoint did not answer (connect or handshake) within the time limit.</summary>
        Timeout,

        /// <summary>The server's certificate expires within the minimum number of days asked for.</summary>
        ExpiresSoon,

        /// <summary>The server does not send an intermediate certificate needed to reach the trust anchor; clients that do not fetch it themselves fail.</summary>
        ChainIncomplete,

        /// <summary>The server sends a self-signed root certificate with its chain (clients ignore it at best; it only costs bytes and hides mistakes).</summary>
        ServesRoot,
    }

    /// <summary>One reason a chain is not valid: a code, the chain position (0 = the leaf), the subject, a sentence.</summary>
    public sealed class ChainProblem
    {
        public ChainProblem(ChainProblemCode code, int index, string subject, string message)
        {
            Code = code;
            Index = index;
            Subject = subject;
            Message = message;
        }

        public ChainProblemCode Code { get; }

        /// <summary>Position in the chain, 0 for the certificate being validated.</summary>
        public int Index { get; }

        public string Subject { get; }

        public string Message { get; }

        public override string ToString() => $"{Code} [{Index}] {Subject}: {Message}";
    }

    /// <summary>A certificate's revocation status as RFC 5280 §6.3 decides it. The names are part of the cmdlet contract.</summary>
    public enum RevocationStatus
    {
        /// <summary>Current CRLs covering every reason were found, and none lists the certificate.</summary>
        Good,

        /// <summary>A CRL (or its delta) lists the certificate.</summary>
        Revoked,

        /// <summary>No usable CRL (or set of CRLs) covers the certificate for every reason.</summary>
        Unknown,
    }

    /// <summary>How the revocation of one certificate of the chain was decided, and by which CRLs.</summary>
    public sealed class RevocationCheck
    {
        public RevocationCheck(int index, string subject, RevocationStatus status, IReadOnlyList<Revocation.CertificateRevocationList> crls,
            Revocation.RevokedEntry? entry, string message)
        {
            Index = index;
            Subject = subject;
            Status = status;
            Crls = crls;
            Entry = entry;
            Message = message;
        }

        /// <summary>Position in the chain, 0 for the certificate being validated.</summary>
        public int Index { get; }

        public string Subject { get; }

        public RevocationStatus Status { get; }

        /// <summary>The CRLs that decided: the one listing the certificate (and the complete CRL its delta updates), or
        /// every CRL whose reasons together cover it; empty when the status is unknown.</summary>
        public IReadOnlyList<Revocation.CertificateRevocationList> Crls { get; }

        /// <summary>The entry that revokes the certificate, or null.</summary>
        public Revocation.RevokedEntry? Entry { get; }

        /// <summary>One sentence on the decision (the CRL that decided, or why none could).</summary>
        public string Message { get; }

        public override string ToString() => $"{Status} [{Index}] {Subject}: {Message}";
    }

    /// <summary>The outcome of a validation: never an exception for a bad chain.</summary>
    public sealed class ChainValidationResult
    {
        public ChainValidationResult(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain, IReadOnlyList<ChainProblem> problems,
            IReadOnlyList<string>? validPolicies = null, IReadOnlyList<string>? authorityConstrainedPolicies = null,
            IReadOnlyList<RevocationCheck>? revocation = null)
        {
            Revocation = revocation ?? Array.Empty<RevocationCheck>();
            Certificate = certificate;
            Chain = chain;
            Problems = problems;
            ValidPolicies = validPolicies ?? Array.Empty<string>();
            AuthorityConstrainedPolicies = authorityConstrainedPolicies ?? Array.Empty<string>();
        }

        public bool IsValid => Problems.Count == 0;

        /// <summary>The certificate that was validated.</summary>
        public X509Certificate2 Certificate { get; }

        /// <summary>The chain that validated, or the best candidate, leaf first.</summary>
        public IReadOnlyList<X509Certificate2> Chain { get; }

        public IReadOnlyList<ChainProblem> Problems { get; }

        /// <summary>
        /// The certificate policies (OIDs, in the trust anchor's domain) valid for the chain and acceptable to the
        /// caller (RFC 5280's user-constrained policy set); "2.5.29.32.0" (anyPolicy) when every policy is; empty when
        /// the chain carries none.
        /// </summary>
        public IReadOnlyList<string> ValidPolicies { get; }

        /// <summary>
        /// The revocation check of each certificate checked (empty when revocation is not checked), chain order: its
        /// status and the CRLs that decided it.
        /// </summary>
        public IReadOnlyList<RevocationCheck> Revocation { get; }

        /// <summary>The certificate policies the CAs allow for the chain, before the caller's set is applied.</summary>
        public IReadOnlyList<string> AuthorityConstrainedPolicies { get; }
    }
}
