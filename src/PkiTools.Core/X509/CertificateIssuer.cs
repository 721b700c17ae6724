using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.Keys;

namespace PkiTools.Core.X509
{
    /// <summary>
    /// Issues certificates under one CA certificate. The issuer is checked once (a CA with keyCertSign, a private key
    /// that matches it) and can then sign many requests; self-signed certificates come from <see cref="SelfSign"/>.
    /// </summary>
    public sealed class CertificateIssuer
    {
        private readonly CertificateBuilder.IssuerSide _side;
        private readonly PrivateKey? _key;
        private readonly System.Security.Cryptography.HashAlgorithmName? _hash;
        private readonly System.Collections.Concurrent.ConcurrentDictionary<SignatureScheme, CertificateBuilder.IssuerSide> _sides =
            new System.Collections.Concurrent.ConcurrentDictionary<SignatureScheme, CertificateBuilder.IssuerSide>();
        private IReadOnlyList<X509Certificate2> _above = Array.Empty<X509Certificate2>();

        /// <summary>Uses the private key the certificate object holds the platform way (RSA or ECDSA, <see cref="PlatformKeys"/>); pass other keys explicitly.</summary>
        /// <remarks>Whether the certificate is a CA is checked before its key is looked for: a leaf without its key is IssuerNotCa, not IssuerKeyMissing.</remarks>
        public CertificateIssuer(X509Certificate2 issuer, System.Security.Cryptography.HashAlgorithmName? hash = null)
            : this(issuer, RequireCa(issuer), hash)
        {
        }

        /// <summary>
        /// Signs with <paramref name="key"/>, the issuer certificate's private key, given explicitly (no lookup);
        /// <paramref name="chain"/> is what sits above the issuer (its issuer first, up to the root; empty for a root),
        /// carried into every <see cref="IssuedCertificate.Chain"/> after the issuer itself.
        /// </summary>
        public CertificateIssuer(X509Certificate2 issuer, PrivateKey key, IReadOnlyList<X509Certificate2>? chain = null, System.Security.Cryptography.HashAlgorithmName? hash = null)
            : this(issuer, key, chain, hash, null)
        {
        }

        /// <summary>
        /// As above, signing by default with <paramref name="scheme"/> (PKCS#1 v1.5 or RSASSA-PSS for an RSA key; null:
        /// the key's own default); a template's <see cref="CertificateTemplate.SignatureScheme"/> overrides it per certificate.
        /// </summary>
        public CertificateIssuer(X509Certificate2 issuer, PrivateKey key, IReadOnlyList<X509Certificate2>? chain, System.Security.Cryptography.HashAlgorithmName? hash, SignatureScheme? scheme)
            : this(issuer, RequireCa(issuer), MatchingSigner(issuer, key, hash, scheme))
        {
            _above = chain ?? Array.Empty<X509Certificate2>();
            _key = key;
            _hash = hash;
        }

        /// <summary>Uses an external signer (a store key, an HSM, a test's broken signer).</summary>
        public CertificateIssuer(X509Certificate2 issuer, ICertificateSigner signer)
            : this(issuer, RequireCa(issuer), signer)
        {
        }

        private CertificateIssuer(X509Certificate2 issuer, ParsedCertificate parsed, System.Security.Cryptography.HashAlgorithmName? hash)
            : this(issuer, parsed, SignerFor(issuer, hash))
        {
            _key = (_side.Signer as KeySigner)?.Key;
            _hash = hash;
        }

        private CertificateIssuer(X509Certificate2 issuer, ParsedCertificate parsed, ICertificateSigner signer)
        {
            Certificate = issuer;
            PublicKeyInfo publicKey = parsed.PublicKey ?? throw new PkiException(PkiErrorCode.CertificateInvalid, "The issuer certificate's public key is malformed.", null, issuer);
            byte[] keyId = parsed.SubjectKeyId ?? CertificateBuilder.KeyIdentifier(parsed.Tbs.SubjectPublicKeyInfo.GetDerEncoded());
            _side = new CertificateBuilder.IssuerSide(parsed.Tbs.Subject, keyId, signer, publicKey, parsed.NotBefore, parsed.NotAfter, parsed.PathLength);
        }

        public X509Certificate2 Certificate { get; }

        /// <summary>The clock used for validity. Replace it in tests.</summary>
        public Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.UtcNow;

        /// <summary>
        /// Signs a CSR: its signature must verify, its key must be acceptable; subject and SANs are copied, other
        /// requested extensions are not. The CSR's private key, when it has one, rides on the result.
        /// </summary>
        public IssuedCertificate Sign(CertificateSigningRequest csr, CertificateTemplate template)
        {
            // The key's family first: a request for a key PkiTools does not use (DSA, Ed448) is refused as such, whether or
            // not its signature could be verified.
            if (csr.KeyType == null) CheckSubjectKey(null, csr.KeyAlgorithm, csr.KeySize, template);
            if (!csr.SignatureValid && csr.SignatureUnsupported is string why)
            {
                throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"The signature on the certificate signing request for '{csr.Subject}' cannot be verified: {why}.", null, csr);
            }
            if (!csr.SignatureValid)
            {
                throw new PkiException(PkiErrorCode.CsrSignatureInvalid,
                    $"The signature on the certificate signing request for '{csr.Subject}' does not verify: the request was altered or is corrupt. Ask for a new CSR.", null, csr);
            }
            KeyType keyType = CheckSubjectKey(csr.KeyType, csr.KeyAlgorithm, csr.KeySize, template);
            var names = new List<GeneralName>();
            foreach (string dns in csr.DnsNames) names.Add(new GeneralName(GeneralName.DnsName, Names.NormalizeDnsName(dns)));
            foreach (string ip in csr.IpAddresses) names.Add(new GeneralName(GeneralName.IPAddress, new DerOctetString(Names.ParseIpAddress(ip).GetAddressBytes())));
            var subject = X509Name.GetInstance(Asn1Object.FromByteArray(csr.SubjectDer));
            bool empty = subject.GetOidList().Count == 0;
            if (empty && names.Count == 0)
            {
                throw new PkiException(PkiErrorCode.CsrInvalid, "The request has neither a subject nor any DNS name or IP address.", null, csr);
            }
            var warnings = new List<string>();
            if (csr.OtherNames.Length > 0)
            {
                warnings.Add("Requested names not issued (only DNS names and IP addresses are copied): " + string.Join(", ", csr.OtherNames));
            }
            if (csr.RequestedExtensions.Length > 0)
            {
                warnings.Add("Requested extensions ignored (the profile decides): " + string.Join(", ", csr.RequestedExtensions));
            }
            CertificateBuilder.IssuerSide side = SideFor(template);
            byte[] der = CertificateBuilder.Build(template, subject, names.Count == 0 ? null : new GeneralNames(names.ToArray()), empty,
                csr.SubjectPublicKeyInfo, keyType, side, side.Signer, side.PublicKey, Clock(), warnings);
            return new IssuedCertificate(der, csr.GetPrivateKey(), warnings, ChainAbove);
        }

        /// <summary>The issuer side signing with the template's signature scheme, or the issuer's default without one.</summary>
        private CertificateBuilder.IssuerSide SideFor(CertificateTemplate template)
        {
            if (template.SignatureScheme is not SignatureScheme scheme) return _side;
            if (_key == null)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "This issuer signs through an external signer, which decides its signature algorithm itself.", null, Certificate,
                    new PkiHint("Leave out {0}.", "SignatureAlgorithm"), "SignatureAlgorithm");
            }
            return _sides.GetOrAdd(scheme, s => _side.WithSigner(new KeySigner(_key, _hash, s)));
        }

        /// <summary>Issues directly for a key, with names from the template (no CSR round trip).</summary>
        public IssuedCertificate Issue(PrivateKey subjectKey, CertificateTemplate template)
        {
            CheckSubjectKey(subjectKey.KeyType, subjectKey.Algorithm, subjectKey.KeySize, template);
            CertificateBuilder.ResolvedNames names = CertificateBuilder.ResolveNames(template);
            var warnings = new List<string>();
            CertificateBuilder.IssuerSide side = SideFor(template);
            byte[] der = CertificateBuilder.Build(template, names.Subject, names.SubjectAltNames, names.SubjectIsEmpty,
                subjectKey.SubjectPublicKeyInfo, subjectKey.KeyType, side, side.Signer, side.PublicKey, Clock(), warnings);
            return new IssuedCertificate(der, subjectKey, warnings, ChainAbove);
        }

        /// <summary>A self-signed certificate for <paramref name="key"/> (a root CA or a stand-alone TLS certificate).</summary>
        public static IssuedCertificate SelfSign(PrivateKey key, CertificateTemplate template, DateTimeOffset? now = null)
        {
            CheckSubjectKey(key.KeyType, key.Algorithm, key.KeySize, template);
            CertificateBuilder.ResolvedNames names = CertificateBuilder.ResolveNames(template);
            var warnings = new List<string>();
            var signer = new KeySigner(key, template.HashAlgorithm, template.SignatureScheme);
            PublicKeyInfo publicKey = PublicKeyInfo.Create(SubjectPublicKeyInfo.GetInstance(key.SubjectPublicKeyInfo));
            byte[] der = CertificateBuilder.Build(template, names.Subject, names.SubjectAltNames, names.SubjectIsEmpty,
                key.SubjectPublicKeyInfo, key.KeyType, null, signer, publicKey, now ?? DateTimeOffset.UtcNow, warnings);
            return new IssuedCertificate(der, key, warnings);
        }

        private static KeyType CheckSubjectKey(KeyType? type, string algorithm, int size, CertificateTemplate template)
        {
            if (type == null)
            {
                throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"Keys of type {algorithm} are not supported; use RSA (2048 bits or more), ECDSA P-256/P-384/P-521 or Ed25519.");
            }
            if (type == KeyType.Rsa && size < 2048 && !template.AllowWeakKey)
            {
                throw new PkiException(PkiErrorCode.WeakKey, $"An RSA key of {size} bits is too weak.", null, null, new PkiHint("Use 2048 bits or more (or {0} for a legacy device).", "AllowWeakKey") { Otherwise = "Use 2048 bits or more." });
            }
            if (type == KeyType.Rsa && size < 1024)
            {
                throw new PkiException(PkiErrorCode.WeakKey, $"An RSA key of {size} bits is refused even for legacy devices (the weak-key allowance covers 1024 to 2047 bits).");
            }
            return type.Value;
        }

        /// <summary>The parsed issuer, when it is a CA certificate allowed to sign certificates; else IssuerNotCa.</summary>
        private static ParsedCertificate RequireCa(X509Certificate2 issuer)
        {
            if (issuer == null) throw new ArgumentNullException(nameof(issuer));
            ParsedCertificate parsed = ParsedCertificate.Parse(issuer.RawData);
            if (!parsed.CanSignCertificates)
            {
                throw new PkiException(PkiErrorCode.IssuerNotCa,
                    $"The issuer '{parsed.Subject}' is not a CA certificate: it needs basicConstraints CA:TRUE and the keyCertSign key usage.",
                    null, issuer, new PkiHint("Use a certificate made with {0} or IntermediateCa.", "Profile=RootCa"));
            }
            return parsed;
        }

        internal static ICertificateSigner MatchingSigner(X509Certificate2 issuer, PrivateKey key, System.Security.Cryptography.HashAlgorithmName? hash, SignatureScheme? scheme = null)
        {
            if (key == null) throw new ArgumentNullException(nameof(key));
            if (!CertificateFacts.KeyMatches(issuer, key))
            {
                throw new PkiException(PkiErrorCode.KeyMismatch, $"The private key given for '{issuer.Subject}' does not match its certificate.", null, issuer);
            }
            return new KeySigner(key, hash, scheme);
        }

        /// <summary>The issuers above the certificates this issuer signs: the issuer, then what sits above it.</summary>
        public IReadOnlyList<X509Certificate2> ChainAbove
        {
            get
            {
                var chain = new List<X509Certificate2>(_above.Count + 1) { Certificate };
                chain.AddRange(_above);
                return chain;
            }
        }

        internal static ICertificateSigner SignerFor(X509Certificate2 issuer, System.Security.Cryptography.HashAlgorithmName? hash, SignatureScheme? scheme = null)
        {
            PrivateKey key = PlatformKeys.Find(issuer) ?? throw new PkiException(PkiErrorCode.IssuerKeyMissing,
                $"The issuer certificate '{issuer.Subject}' has no private key. Pass the certificate object that was issued with its key, or one imported together with its key.",
                null, issuer);
            return MatchingSigner(issuer, key, hash, scheme);
        }
    }
}
