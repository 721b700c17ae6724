using System;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using PkiTools.Core.Formats;

namespace PkiTools.Core.Keys
{
    /// <summary>
    /// A private key: a platform <see cref="RSA"/> or <see cref="ECDsa"/> (OpenSSL on Linux, CNG on Windows), or a
    /// BouncyCastle Ed25519 key, which .NET cannot hold. No property exposes private material.
    /// </summary>
    public sealed class PrivateKey
    {
        private static readonly SecureRandom Random = new SecureRandom();

        private readonly RSA? _rsa;
        private readonly ECDsa? _ecdsa;
        private readonly Ed25519PrivateKeyParameters? _ed25519;
        private readonly object _signLock = new object();
        private string? _publicKeyPem;
        private string? _keyId;

        private PrivateKey(RSA? rsa, ECDsa? ecdsa, Ed25519PrivateKeyParameters? ed25519, KeyType type, int size, string? curveOid, byte[] spki,
            bool pssOnly = false, RsaPssParameters? pssRestriction = null)
        {
            _rsa = rsa;
            PssOnly = pssOnly;
            PssRestriction = pssRestriction;
            _ecdsa = ecdsa;
            _ed25519 = ed25519;
            KeyType = type;
            KeySize = size;
            CurveOid = curveOid;
            SubjectPublicKeyInfo = spki;
            Algorithm = Curves.DescribeKey(type, size, curveOid);
        }

        /// <summary>Rsa2048, EcdsaP256, Ed25519 ...: the <see cref="KeyAlgorithm"/> name where one fits.</summary>
        public string Algorithm { get; }

        public KeyType KeyType { get; }

        /// <summary>
        /// An RSA-PSS key (PKCS#8 algorithm id-RSASSA-PSS, as <c>openssl genpkey -algorithm RSA-PSS</c> writes): it signs
        /// with RSASSA-PSS only, never PKCS#1 v1.5. <see cref="Algorithm"/> stays Rsa2048, Rsa3072 ... as for any RSA key.
        /// </summary>
        public bool PssOnly { get; }

        /// <summary>The RSASSA-PSS-params the key carries (hash, MGF1 hash, minimum salt length), or null when it carries none.</summary>
        internal RsaPssParameters? PssRestriction { get; }

        /// <summary>Modulus bits for RSA, field bits for ECDSA, 256 for Ed25519.</summary>
        public int KeySize { get; }

        /// <summary>Hex SHA-256 of the DER SubjectPublicKeyInfo: the same for the key, its CSR and its certificates.</summary>
        public string KeyId => _keyId ??= Hex.Sha256(SubjectPublicKeyInfo);

        public string PublicKeyPem => _publicKeyPem ??= Pem.Encode("PUBLIC KEY", SubjectPublicKeyInfo);

        internal string? CurveOid { get; }

        internal byte[] SubjectPublicKeyInfo { get; }

        internal RSA? Rsa => _rsa;

        internal ECDsa? Ecdsa => _ecdsa;

        internal bool IsEd25519 => _ed25519 != null;

        public override string ToString() => PssOnly ? $"{Algorithm} (RSA-PSS only) key {KeyId}" : $"{Algorithm} key {KeyId}";

        /// <summary>Generates a key with the platform's crypto (BouncyCastle only for Ed25519).</summary>
        public static PrivateKey Generate(KeyAlgorithm algorithm)
        {
            switch (algorithm)
            {
                case KeyAlgorithm.Rsa2048:
                case KeyAlgorithm.Rsa3072:
                case KeyAlgorithm.Rsa4096:
                    int bits = algorithm == KeyAlgorithm.Rsa2048 ? 2048 : algorithm == KeyAlgorithm.Rsa3072 ? 3072 : 4096;
                    RSA rsa = CreateRsa(bits);
                    if (rsa.KeySize != bits)
                    {
                        throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"The platform generated {Words.A(rsa.KeySize + "-bit")} RSA key instead of {bits} bits.");
                    }
                    return FromRsa(rsa);
                case KeyAlgorithm.EcdsaP256:
                    return FromECDsa(NativeKeys.NewEcdsa(ECCurve.NamedCurves.nistP256));
                case KeyAlgorithm.EcdsaP384:
                    return FromECDsa(NativeKeys.NewEcdsa(ECCurve.NamedCurves.nistP384));
                case KeyAlgorithm.EcdsaP521:
                    return FromECDsa(NativeKeys.NewEcdsa(ECCurve.NamedCurves.nistP521));
                case KeyAlgorithm.Ed25519:
                    return FromEd25519(new Ed25519PrivateKeyParameters(Random));
                default:
                    throw new PkiException(PkiErrorCode.InvalidArgument, $"Unknown key algorithm '{algorithm}'.");
            }
        }

        /// <summary>
        /// A new platform RSA key of <paramref name="bits"/>. On .NET Framework RSA.Create() is RSACryptoServiceProvider,
        /// whose KeySize setter does not resize the key it generates, so CNG's RSACng is used there.
        /// </summary>
        private static RSA CreateRsa(int bits)
        {
            if (System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal))
            {
                Type? cng = Type.GetType("System.Security.Cryptography.RSACng, System.Core, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089");
                if (cng != null && Activator.CreateInstance(cng, bits) is RSA rsaCng) return rsaCng;
            }
            RSA rsa = NativeKeys.NewRsa();
            rsa.KeySize = bits;
            return rsa;
        }

        /// <summary>Wraps a platform RSA key (it may be non-exportable: only its public half is read).</summary>
        public static PrivateKey FromRsa(RSA rsa) => FromRsa(rsa, false, null);

        /// <summary>
        /// Wraps a platform RSA key; <paramref name="pssOnly"/> makes it an RSA-PSS key (SubjectPublicKeyInfo id-RSASSA-PSS,
        /// with <paramref name="restriction"/> as its parameters when given, absent otherwise, as OpenSSL writes it).
        /// </summary>
        internal static PrivateKey FromRsa(RSA rsa, bool pssOnly, RsaPssParameters? restriction)
        {
            RSAParameters p = rsa.ExportParameters(false);
            var spki = new SubjectPublicKeyInfo(RsaAlgorithmIdentifier(pssOnly, restriction),
                new RsaPublicKeyStructure(new BigInteger(1, p.Modulus), new BigInteger(1, p.Exponent)));
            return new PrivateKey(rsa, null, null, KeyType.Rsa, rsa.KeySize, null, spki.GetDerEncoded(), pssOnly, restriction);
        }

        private static AlgorithmIdentifier RsaAlgorithmIdentifier(bool pssOnly, RsaPssParameters? restriction) =>
            !pssOnly ? new AlgorithmIdentifier(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance)
            : restriction == null ? new AlgorithmIdentifier(new DerObjectIdentifier(RsaPssParameters.Oid))
            : new AlgorithmIdentifier(new DerObjectIdentifier(RsaPssParameters.Oid), restriction.ToAsn1());

        /// <summary>Wraps a platform ECDSA key on a named curve.</summary>
        public static PrivateKey FromECDsa(ECDsa ecdsa)
        {
            ECParameters p = ecdsa.ExportParameters(false);
            string? oid = p.Curve.Oid?.Value;
            if (oid == null && p.Curve.Oid?.FriendlyName != null)
            {
                oid = FriendlyCurveOid(p.Curve.Oid.FriendlyName);
            }
            if (oid == null || !p.Curve.IsNamed)
            {
                throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, "Only ECDSA keys on named curves are supported.");
            }
            return new PrivateKey(null, ecdsa, null, KeyType.Ecdsa, ecdsa.KeySize, oid, EcSpki(oid, p.Q.X!, p.Q.Y!));
        }

        internal static PrivateKey FromEd25519(Ed25519PrivateKeyParameters key)
        {
            var spki = new SubjectPublicKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519), key.GeneratePublicKey().GetEncoded());
            return new PrivateKey(null, null, key, KeyType.Ed25519, 256, null, spki.GetDerEncoded());
        }

        /// <summary>Signs with this key using the given algorithm (which must fit the key family).</summary>
        internal byte[] Sign(byte[] data, SignatureAlgorithm algorithm)
        {
            if (algorithm.KeyType != KeyType)
            {
                throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"{Words.Capital(Words.A(Algorithm.ToString()))} key cannot sign with {algorithm.Name}.");
            }
            try
            {
                if (_rsa != null)
                {
                    if (!algorithm.IsPss)
                    {
                        if (PssOnly) throw PkcsWithPssKey();
                        return _rsa.SignData(data, algorithm.Hash, RSASignaturePadding.Pkcs1);
                    }
                    RsaPssParameters p = algorithm.PssParameters ?? throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, "RSASSA-PSS needs its parameters to sign.");
                    CheckPssRestriction(p);
                    // .NET's PSS is MGF1 on the same hash with a salt as long as the hash (what PkiTools chooses). A key whose
                    // parameters demand more (OpenSSL's rsa_pss_keygen_md:sha256 alone: MGF1 with SHA-1) signs through BouncyCastle.
                    if (p.MgfHash == p.Hash && p.SaltLength == RsaPssParameters.HashLength(p.Hash)) return _rsa.SignData(data, p.Hash, RSASignaturePadding.Pss);
                    return SignPssWithBouncyCastle(data, p);
                }
                if (_ecdsa != null)
                {
                    return EcdsaSignatureFormat.P1363ToDer(_ecdsa.SignData(data, algorithm.Hash));
                }
            }
            catch (CryptographicException ex)
            {
                // A platform key that refuses to sign (a damaged key held by a store, a provider error): words, not Interop+Crypto+...
                throw new PkiException(PkiErrorCode.KeyInvalid, $"The {Algorithm} key could not sign: {PlainReason.Of(ex)}.", ex);
            }
            var signer = new Ed25519Signer();
            lock (_signLock)
            {
                signer.Init(true, _ed25519);
                signer.BlockUpdate(data, 0, data.Length);
                return signer.GenerateSignature();
            }
        }

        private byte[] SignPssWithBouncyCastle(byte[] data, RsaPssParameters p)
        {
            RSAParameters k;
            try
            {
                k = _rsa!.ExportParameters(true);
            }
            catch (CryptographicException ex)
            {
                throw new PkiException(PkiErrorCode.KeyNotExportable, $"This RSA-PSS key's parameters ({p.Name}) need a signature the platform cannot make, and the key cannot be exported to make it otherwise.", ex);
            }
            try
            {
                var key = new RsaPrivateCrtKeyParameters(U(k.Modulus), U(k.Exponent), U(k.D), U(k.P), U(k.Q), U(k.DP), U(k.DQ), U(k.InverseQ));
                var signer = new PssSigner(new Org.BouncyCastle.Crypto.Engines.RsaBlindedEngine(),
                    DigestUtilities.GetDigest(RsaPssParameters.HashOid(p.Hash)), DigestUtilities.GetDigest(RsaPssParameters.HashOid(p.MgfHash)), p.SaltLength);
                signer.Init(true, new ParametersWithRandom(key, Random));
                signer.BlockUpdate(data, 0, data.Length);
                return signer.GenerateSignature();
            }
            finally
            {
                foreach (byte[]? secret in new[] { k.D, k.P, k.Q, k.DP, k.DQ, k.InverseQ })
                {
                    if (secret != null) Array.Clear(secret, 0, secret.Length);
                }
            }
        }

        /// <summary>
        /// The signature algorithm for this key: <paramref name="scheme"/> when given (RsaPss and RsaPkcs1 fit RSA keys
        /// only, and an RSA-PSS key signs with RsaPss only), else PKCS#1 v1.5 for an RSA key, RSASSA-PSS for an RSA-PSS key
        /// (with the hash its parameters name, SHA-256 without), the curve's hash for ECDSA, Ed25519 for Ed25519.
        /// </summary>
        internal SignatureAlgorithm DefaultSignatureAlgorithm(HashAlgorithmName? hash = null, SignatureScheme? scheme = null)
        {
            if (scheme != null && KeyType != KeyType.Rsa)
            {
                string wanted = scheme == SignatureScheme.RsaPss ? "RSASSA-PSS (RsaPss)" : "PKCS#1 v1.5 (RsaPkcs1)";
                throw new PkiException(PkiErrorCode.SignatureAlgorithmMismatch,
                    $"{Words.Capital(Words.A(Algorithm))} key cannot sign with {wanted}: that is an RSA signature algorithm; {Algorithm} keys sign with {SignatureAlgorithm.For(KeyType, KeySize, hash).Name}.",
                    null, null, new PkiHint("Leave out {0}, or sign with an RSA key.", "SignatureAlgorithm"), "SignatureAlgorithm");
            }
            if (scheme == SignatureScheme.RsaPkcs1 && PssOnly) throw PkcsWithPssKey();
            if (KeyType == KeyType.Rsa && (scheme == SignatureScheme.RsaPss || PssOnly))
            {
                HashAlgorithmName h = hash ?? PssRestriction?.Hash ?? HashAlgorithmName.SHA256;
                SignatureAlgorithm.For(KeyType.Rsa, KeySize, h); // SHA-256, SHA-384 or SHA-512 only
                // MGF1 on the same hash and a salt as long as the hash, unless the key's own parameters ask for another
                // MGF1 hash or a longer salt (RFC 4055 §3.1: the key's saltLength is a minimum).
                var p = PssRestriction is RsaPssParameters r
                    ? new RsaPssParameters(h, r.MgfHash, Math.Max(RsaPssParameters.HashLength(h), r.SaltLength))
                    : RsaPssParameters.For(h);
                CheckPssRestriction(p);
                return SignatureAlgorithm.ForPss(p);
            }
            return SignatureAlgorithm.For(KeyType, KeySize, hash);
        }

        private PkiException PkcsWithPssKey() => new PkiException(PkiErrorCode.SignatureAlgorithmMismatch,
            $"This {Algorithm} key is an RSA-PSS key (id-RSASSA-PSS): it may sign with RSASSA-PSS only, not PKCS#1 v1.5.",
            null, null, new PkiHint("Use {0}, or leave {1} out.", "SignatureAlgorithm=RsaPss", "SignatureAlgorithm"), "SignatureAlgorithm");

        /// <summary>An RSA-PSS key with parameters signs only with its hashes and at least its salt length (RFC 4055 §3.1, as OpenSSL enforces).</summary>
        private void CheckPssRestriction(RsaPssParameters p)
        {
            if (PssRestriction is RsaPssParameters r && (r.Hash != p.Hash || r.MgfHash != p.MgfHash || p.SaltLength < r.SaltLength))
            {
                throw new PkiException(PkiErrorCode.SignatureAlgorithmMismatch,
                    $"This RSA-PSS key is restricted to {r.Name} (at least {r.SaltLength} bytes of salt); it cannot sign with {p.Name}.");
            }
        }

        /// <summary>Unencrypted PKCS#8 DER. Secret material: only for writing a key file.</summary>
        public byte[] ExportPkcs8()
        {
            try
            {
                if (_rsa != null)
                {
                    RSAParameters p = _rsa.ExportParameters(true);
                    var structure = new RsaPrivateKeyStructure(
                        U(p.Modulus), U(p.Exponent), U(p.D), U(p.P), U(p.Q), U(p.DP), U(p.DQ), U(p.InverseQ));
                    return new PrivateKeyInfo(RsaAlgorithmIdentifier(PssOnly, PssRestriction), structure).GetDerEncoded();
                }
                if (_ecdsa != null)
                {
                    ECParameters p = _ecdsa.ExportParameters(true);
                    var curve = new DerObjectIdentifier(CurveOid);
                    var publicPoint = new DerBitString(EcPoint(p.Q.X!, p.Q.Y!));
                    var structure = new ECPrivateKeyStructure(KeySize, new BigInteger(1, p.D), publicPoint, null);
                    return new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey, curve), structure).GetDerEncoded();
                }
                return new PrivateKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519), new DerOctetString(_ed25519!.GetEncoded())).GetDerEncoded();
            }
            catch (CryptographicException ex)
            {
                throw new PkiException(PkiErrorCode.KeyNotExportable, $"The {Algorithm} private key cannot be exported (it may be held non-exportable by the platform key store).", ex);
            }
        }


        /// <summary>
        /// Reads a private key: PKCS#8 (RSA, RSA-PSS, EC, Ed25519), encrypted PKCS#8 (with <paramref name="password"/>), PKCS#1 RSA
        /// or SEC1 EC, as PEM or DER. A wrong password is PasswordIncorrect; a missing one PasswordRequired.
        /// </summary>
        public static PrivateKey Import(byte[] data, char[]? password = null)
        {
            if (Pem.LooksLikePem(data))
            {
                string text = System.Text.Encoding.UTF8.GetString(data);
                var (block, encoding) = PemKey(text);
                if (block == null) return ImportTraditionalEncrypted(text, RequirePassword(password));
                if (encoding.Encrypted) return ImportPkcs8(PasswordBasedEncryption.DecryptPkcs8(block.Data, RequirePassword(password)));
                return encoding.Format switch
                {
                    PrivateKeyFormat.Pkcs1 => Guard(() => FromRsaStructure(RsaPrivateKeyStructure.GetInstance(Asn1Object.FromByteArray(block.Data)))),
                    PrivateKeyFormat.Sec1 => Guard(() => FromSec1(ECPrivateKeyStructure.GetInstance(Asn1Object.FromByteArray(block.Data)), null)),
                    _ => ImportPkcs8(block.Data),
                };
            }
            return ImportDer(data, password);
        }

        /// <summary>DER of any of the three forms, told apart by shape (openssl pkey -outform DER writes PKCS#1 and SEC1).</summary>
        private static PrivateKey ImportDer(byte[] der, char[]? password)
        {
            if (LooksLikePfx(der)) return ImportPfx(der, password);
            return ImportDerKey(der, password);
        }

        private static PrivateKey ImportDerKey(byte[] der, char[]? password) => Guard(() =>
        {
            var (sequence, shape, encrypted) = DerShape(der);
            if (encrypted) return ImportPkcs8(PasswordBasedEncryption.DecryptPkcs8(der, RequirePassword(password)));
            return shape switch
            {
                PrivateKeyFormat.Pkcs1 => FromRsaStructure(RsaPrivateKeyStructure.GetInstance(sequence)),
                PrivateKeyFormat.Sec1 => FromSec1(ECPrivateKeyStructure.GetInstance(sequence), null),
                _ => ImportPkcs8(der),
            };
        });

        private static bool LooksLikePfx(byte[] der)
        {
            try
            {
                return CertificateFiles.Detect(der) == CertificateFormat.Pfx;
            }
            catch (PkiException)
            {
                return false;
            }
        }

        /// <summary>The private key of a PFX/PKCS#12 file (with or without certificates), checked like every other key read.</summary>
        private static PrivateKey ImportPfx(byte[] pfx, char[]? password)
        {
            Pkcs12.Contents contents;
            try
            {
                contents = Pkcs12.Read(pfx, password, "The PFX file");
            }
            catch (PkiException ex) when (ex.Code == PkiErrorCode.CertificateInvalid)
            {
                throw new PkiException(PkiErrorCode.KeyInvalid, ex.Reason, ex, ex.Target, ex.Hint, ex.Input);
            }
            foreach (var certificate in contents.Certificates) certificate.Dispose();
            if (contents.Keys.Count == 0)
            {
                throw new PkiException(PkiErrorCode.WrongFileType, "The PFX file holds certificates and no private key.");
            }
            PrivateKey first = contents.Keys[0];
            foreach (PrivateKey other in contents.Keys)
            {
                if (other.KeyId != first.KeyId)
                {
                    throw new PkiException(PkiErrorCode.KeyInvalid, $"The PFX file holds {contents.Keys.Count} different private keys; a PFX is read as a key file only when it holds one.");
                }
            }
            return first;
        }

        private static (Asn1Sequence Sequence, PrivateKeyFormat Format, bool Encrypted) DerShape(byte[] der)
        {
            if (der.Length == 0 || der[0] != 0x30)
            {
                throw new PkiException(PkiErrorCode.FormatUnknown, "The data is neither PEM nor a DER private key.");
            }
            var sequence = Asn1Sequence.GetInstance(Asn1Object.FromByteArray(der));
            if (sequence.Count == 2 && sequence[0] is Asn1Sequence && sequence[1] is Asn1OctetString) return (sequence, PrivateKeyFormat.Pkcs8, true);
            if (sequence.Count == 2 && sequence[0] is Asn1Sequence && sequence[1] is DerBitString) throw PublicKeyOnly();
            // OpenSSL's traditional DSA form: SEQUENCE { 0, p, q, g, y, x }.
            if (sequence.Count == 6 && sequence[0] is DerInteger v0 && v0.HasValue(0) && IsIntegers(sequence)) throw KeyFamilies.UnusedKey("The private key", "DSA");
            if (sequence.Count == 9 && sequence[1] is DerInteger) return (sequence, PrivateKeyFormat.Pkcs1, false);
            if (sequence.Count >= 2 && sequence[0] is DerInteger version && version.HasValue(1) && sequence[1] is Asn1OctetString) return (sequence, PrivateKeyFormat.Sec1, false);
            return (sequence, PrivateKeyFormat.Pkcs8, false);
        }

        private static bool IsIntegers(Asn1Sequence sequence)
        {
            foreach (Asn1Encodable element in sequence)
            {
                if (!(element is DerInteger)) return false;
            }
            return true;
        }

        private static PkiException PublicKeyOnly() =>
            new PkiException(PkiErrorCode.WrongFileType, "The data is a public key (SubjectPublicKeyInfo), not a private key.");

        /// <summary>The first key block of PEM text and its encoding; no block for the obsolete "Proc-Type: 4,ENCRYPTED" form (read whole by BouncyCastle).</summary>
        private static (PemBlock? Block, PrivateKeyEncoding Encoding) PemKey(string text)
        {
            if (text.IndexOf("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal) >= 0) return (null, new PrivateKeyEncoding(PrivateKeyFormat.Pkcs1, pem: true, encrypted: true));
            string? other = null;
            foreach (PemBlock block in Pem.Decode(text))
            {
                switch (block.Label)
                {
                    case "PRIVATE KEY": return (block, new PrivateKeyEncoding(PrivateKeyFormat.Pkcs8, pem: true, encrypted: false));
                    case "RSA PRIVATE KEY": return (block, new PrivateKeyEncoding(PrivateKeyFormat.Pkcs1, pem: true, encrypted: false));
                    case "EC PRIVATE KEY": return (block, new PrivateKeyEncoding(PrivateKeyFormat.Sec1, pem: true, encrypted: false));
                    case "ENCRYPTED PRIVATE KEY": return (block, new PrivateKeyEncoding(PrivateKeyFormat.Pkcs8, pem: true, encrypted: true));
                    case "DSA PRIVATE KEY":
                    case "PUBLIC KEY":
                    case "RSA PUBLIC KEY":
                    case "OPENSSH PRIVATE KEY":
                        other ??= block.Label;
                        break;
                }
            }
            // No key block PkiTools reads: say what the text holds instead, when it is something known.
            switch (other)
            {
                case "DSA PRIVATE KEY": throw KeyFamilies.UnusedKey("The private key", "DSA");
                case "PUBLIC KEY":
                case "RSA PUBLIC KEY": throw PublicKeyOnly();
                case "OPENSSH PRIVATE KEY":
                    throw new PkiException(PkiErrorCode.FormatUnknown, "The PEM text holds an OpenSSH private key, which PkiTools does not read; convert it to PKCS#8 with ssh-keygen -p -m PKCS8 (on a copy).");
            }
            throw new PkiException(PkiErrorCode.FormatUnknown, "The PEM text holds no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block.");
        }

        /// <summary>
        /// How a key file's bytes are encoded (PEM or DER; PKCS#8, PKCS#1 or SEC1; encrypted or not), so that a
        /// replacement key can be written the same way. Reads the structure only, never the key.
        /// </summary>
        public static PrivateKeyEncoding DetectEncoding(byte[] data)
        {
            if (Pem.LooksLikePem(data)) return PemKey(System.Text.Encoding.UTF8.GetString(data)).Encoding;
            var (_, format, encrypted) = Guard(() => DerShape(data));
            return new PrivateKeyEncoding(format, pem: false, encrypted);
        }

        /// <summary>The key, unencrypted, in <paramref name="encoding"/>'s format and PEM or DER form. Secret material: only for writing a key file.</summary>
        public byte[] Export(PrivateKeyEncoding encoding)
        {
            if (encoding.Encrypted) throw new PkiException(PkiErrorCode.InvalidArgument, "An encrypted key is written with a password.");
            return encoding.Pem ? System.Text.Encoding.ASCII.GetBytes(ExportPem(encoding.Format)) : ExportDer(encoding.Format);
        }

        /// <summary>
        /// The obsolete OpenSSL PEM encryption ("Proc-Type: 4,ENCRYPTED" + "DEK-Info", what openssl rsa -aes256 wrote
        /// before 3.0), read through BouncyCastle's OpenSSL reader. Never written.
        /// </summary>
        private static PrivateKey ImportTraditionalEncrypted(string text, char[] password)
        {
            object? read;
            try
            {
                using var reader = new System.IO.StringReader(text);
                read = new Org.BouncyCastle.OpenSsl.PemReader(reader, new FixedPassword(password)).ReadObject();
            }
            catch (Exception ex)
            {
                // Decrypting with a wrong password yields garbage that fails to parse: indistinguishable from corruption.
                throw PasswordBasedEncryption.WrongPassword(ex);
            }
            var privateKey = read switch
            {
                Org.BouncyCastle.Crypto.AsymmetricCipherKeyPair pair => pair.Private,
                Org.BouncyCastle.Crypto.AsymmetricKeyParameter key when key.IsPrivate => key,
                _ => throw new PkiException(PkiErrorCode.FormatUnknown, "The encrypted PEM block holds no private key."),
            };
            return ImportPkcs8(PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey).GetDerEncoded());
        }

        private sealed class FixedPassword : Org.BouncyCastle.OpenSsl.IPasswordFinder
        {
            private readonly char[] _password;

            public FixedPassword(char[] password) => _password = password;

            public char[] GetPassword() => (char[])_password.Clone();
        }

        private static char[] RequirePassword(char[]? password) => password ?? throw new PkiException(PkiErrorCode.PasswordRequired,
            "The private key is encrypted.", null, null, new PkiHint("Give its password with {0}.", "Password"), "Password");

        /// <summary>Unencrypted DER: PKCS#8, PKCS#1 (RSA only) or SEC1 (ECDSA only, naming its curve). Secret material: only for writing a key file.</summary>
        public byte[] ExportDer(PrivateKeyFormat format)
        {
            byte[] pkcs8 = ExportPkcs8();
            if (format == PrivateKeyFormat.Pkcs8) return pkcs8;
            try
            {
                KeyType wanted = format == PrivateKeyFormat.Pkcs1 ? KeyType.Rsa : format == PrivateKeyFormat.Sec1 ? KeyType.Ecdsa
                    : throw new PkiException(PkiErrorCode.InvalidArgument, $"Unknown key format '{format}'.");
                if (format == PrivateKeyFormat.Pkcs1 && PssOnly)
                {
                    throw new PkiException(PkiErrorCode.InvalidArgument, $"The Pkcs1 format cannot say that this {Algorithm} key is an RSA-PSS key (only PKCS#8 can: id-RSASSA-PSS).", null, null,
                        new PkiHint("Use {0}.", "Format=Pkcs8"), "Format");
                }
                if (KeyType != wanted)
                {
                    throw new PkiException(PkiErrorCode.InvalidArgument, $"The {format} format is for {(wanted == KeyType.Rsa ? "RSA" : "ECDSA")} keys; this is {Words.A(Algorithm.ToString())} key.", null, null,
                        new PkiHint("Use {0}.", "Format=Pkcs8"), "Format");
                }
                byte[] inner = PrivateKeyInfo.GetInstance(Asn1Object.FromByteArray(pkcs8)).PrivateKey.GetOctets();
                if (format == PrivateKeyFormat.Pkcs1) return inner;
                // SEC1 on its own names its curve (inside PKCS#8 the curve sits in the algorithm identifier).
                var ec = ECPrivateKeyStructure.GetInstance(Asn1Object.FromByteArray(inner));
                Array.Clear(inner, 0, inner.Length);
                return new ECPrivateKeyStructure(KeySize, ec.GetKey(), ec.PublicKey, new DerObjectIdentifier(CurveOid)).GetDerEncoded();
            }
            finally
            {
                Array.Clear(pkcs8, 0, pkcs8.Length);
            }
        }

        /// <summary>
        /// The key as PEM text: PKCS#8 ("PRIVATE KEY", or "ENCRYPTED PRIVATE KEY" with a password: PBES2 AES-256-CBC and
        /// PBKDF2-HMAC-SHA256, <paramref name="iterations"/> rounds), PKCS#1 ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY").
        /// Secret material: only for writing a key file.
        /// </summary>
        public string ExportPem(PrivateKeyFormat format = PrivateKeyFormat.Pkcs8, char[]? password = null, int iterations = PasswordBasedEncryption.DefaultIterations)
        {
            switch (format)
            {
                case PrivateKeyFormat.Pkcs8:
                    byte[] pkcs8 = ExportPkcs8();
                    try
                    {
                        return password == null
                            ? Pem.Encode("PRIVATE KEY", pkcs8)
                            : Pem.Encode("ENCRYPTED PRIVATE KEY", PasswordBasedEncryption.EncryptPkcs8(pkcs8, password, PbeScheme.Aes256Pbkdf2Sha256, iterations));
                    }
                    finally
                    {
                        Array.Clear(pkcs8, 0, pkcs8.Length);
                    }
                case PrivateKeyFormat.Pkcs1:
                case PrivateKeyFormat.Sec1:
                    if (password != null)
                    {
                        throw new PkiException(PkiErrorCode.InvalidArgument, "Encrypted keys are written as PKCS#8 only (the PKCS#1/SEC1 PEM encryption is obsolete).", null, null,
                            new PkiHint("Use {0} with {1}.", "Format=Pkcs8", "Password"), "Format");
                    }
                    byte[] inner = ExportDer(format);
                    try
                    {
                        return Pem.Encode(format == PrivateKeyFormat.Pkcs1 ? "RSA PRIVATE KEY" : "EC PRIVATE KEY", inner);
                    }
                    finally
                    {
                        Array.Clear(inner, 0, inner.Length);
                    }
                default:
                    throw new PkiException(PkiErrorCode.InvalidArgument, $"Unknown key format '{format}'.");
            }
        }

        private static PrivateKey ImportPkcs8(byte[] der) => Guard(() =>
        {
            PrivateKeyInfo info = PrivateKeyInfo.GetInstance(Asn1Object.FromByteArray(der));
            DerObjectIdentifier alg = info.PrivateKeyAlgorithm.Algorithm;
            KeyFamilies.RefuseUnusedPrivateKey(alg);
            if (alg.Equals(PkcsObjectIdentifiers.RsaEncryption))
            {
                return FromRsaStructure(RsaPrivateKeyStructure.GetInstance(info.ParsePrivateKey()));
            }
            if (alg.Id == RsaPssParameters.Oid)
            {
                // RFC 4055 §1.2: an RSA key restricted to RSASSA-PSS, its parameters (when present) restricting the hashes and salt.
                RsaPssParameters? restriction = null;
                Asn1Encodable? parameters = info.PrivateKeyAlgorithm.Parameters;
                if (parameters != null)
                {
                    restriction = RsaPssParameters.Decode(parameters, out string? reason);
                    if (restriction == null)
                    {
                        throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"This RSA-PSS private key cannot be used: {reason}.");
                    }
                }
                return FromRsaStructure(RsaPrivateKeyStructure.GetInstance(info.ParsePrivateKey()), true, restriction);
            }
            if (alg.Equals(X9ObjectIdentifiers.IdECPublicKey))
            {
                return FromSec1(ECPrivateKeyStructure.GetInstance(info.ParsePrivateKey()), info.PrivateKeyAlgorithm.Parameters);
            }
            if (alg.Equals(EdECObjectIdentifiers.id_Ed25519))
            {
                return FromEd25519Checked(info);
            }
            throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"Private keys of algorithm {alg.Id} are not supported.");
        });

        private static PrivateKey FromEd25519Checked(PrivateKeyInfo info)
        {
            var key = (Ed25519PrivateKeyParameters)PrivateKeyFactory.CreateKey(info);
            KeyConsistency.CheckEd25519(key.GeneratePublicKey().GetEncoded(), info.PublicKey);
            return FromEd25519(key);
        }

        private static PrivateKey FromRsaStructure(RsaPrivateKeyStructure k, bool pssOnly = false, RsaPssParameters? restriction = null)
        {
            KeyConsistency.CheckRsa(k);
            var p = new RSAParameters
            {
                Modulus = k.Modulus.ToByteArrayUnsigned(),
                Exponent = k.PublicExponent.ToByteArrayUnsigned(),
            };
            int n = p.Modulus.Length;
            int half = (n + 1) / 2;
            p.D = Pad(k.PrivateExponent, n);
            p.P = Pad(k.Prime1, half);
            p.Q = Pad(k.Prime2, half);
            p.DP = Pad(k.Exponent1, half);
            p.DQ = Pad(k.Exponent2, half);
            p.InverseQ = Pad(k.Coefficient, half);
            RSA rsa = NativeKeys.NewRsa();
            rsa.ImportParameters(p);
            return FromRsa(rsa, pssOnly, restriction);
        }

        /// <summary>
        /// An EC key from SEC1, on the curve <paramref name="algorithmParameters"/> (PKCS#8's) or the SEC1 structure
        /// names, checked: the private value in range, the public point (when stored) on the curve and equal to d·G.
        /// </summary>
        private static PrivateKey FromSec1(ECPrivateKeyStructure k, Asn1Encodable? algorithmParameters)
        {
            DerObjectIdentifier curve = CurveOf(algorithmParameters ?? k.Parameters);
            X9ECParameters x9 = ECNamedCurveTable.GetByOid(curve)
                ?? throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"The EC curve {curve.Id} is not supported.");
            int fieldBytes = (x9.Curve.FieldSize + 7) / 8;
            BigInteger d = k.GetKey();
            var q = KeyConsistency.CheckEc(x9, d, k.PublicKey);
            var p = new ECParameters
            {
                Curve = Curves.ToCurve(curve.Id),
                D = Pad(d, fieldBytes),
                Q = new ECPoint { X = Pad(q.AffineXCoord.ToBigInteger(), fieldBytes), Y = Pad(q.AffineYCoord.ToBigInteger(), fieldBytes) },
            };
            return FromECDsa(NativeKeys.Ecdsa(p));
        }

        /// <summary>The named curve of EC parameters: a curve OID, or explicit parameters equal to a named curve's.</summary>
        private static DerObjectIdentifier CurveOf(Asn1Encodable? parameters)
        {
            switch (parameters?.ToAsn1Object())
            {
                case null:
                case Asn1Null _:
                    throw new PkiException(PkiErrorCode.KeyInvalid, "The EC private key names no curve.");
                case DerObjectIdentifier oid:
                    return oid;
                case Asn1Sequence explicitCurve:
                    return KeyFamilies.NamedCurveOf(X9ECParameters.GetInstance(explicitCurve));
                default:
                    throw new PkiException(PkiErrorCode.KeyInvalid, "The EC private key's curve is neither named nor given by explicit parameters.");
            }
        }

        private static T Guard<T>(Func<T> parse)
        {
            try
            {
                return parse();
            }
            catch (PkiException)
            {
                throw;
            }
            catch (Exception ex)
            {
                throw new PkiException(PkiErrorCode.KeyInvalid, "The private key is malformed: " + PlainReason.Of(ex) + ".", ex);
            }
        }

        internal static byte[] EcSpki(string curveOid, byte[] x, byte[] y)
        {
            return new SubjectPublicKeyInfo(
                new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey, new DerObjectIdentifier(curveOid)),
                EcPoint(x, y)).GetDerEncoded();
        }

        private static byte[] EcPoint(byte[] x, byte[] y)
        {
            var point = new byte[1 + x.Length + y.Length];
            point[0] = 0x04;
            Buffer.BlockCopy(x, 0, point, 1, x.Length);
            Buffer.BlockCopy(y, 0, point, 1 + x.Length, y.Length);
            return point;
        }

        private static string? FriendlyCurveOid(string name) => name switch
        {
            "nistP256" or "ECDSA_P256" or "prime256v1" or "secp256r1" => Curves.P256Oid,
            "nistP384" or "ECDSA_P384" or "secp384r1" => Curves.P384Oid,
            "nistP521" or "ECDSA_P521" or "secp521r1" => Curves.P521Oid,
            _ => null,
        };

        private static BigInteger U(byte[]? b) => new BigInteger(1, b ?? Array.Empty<byte>());

        private static byte[] Pad(BigInteger value, int length)
        {
            byte[] raw = value.ToByteArrayUnsigned();
            if (raw.Length >= length) return raw;
            var padded = new byte[length];
            Buffer.BlockCopy(raw, 0, padded, length - raw.Length, raw.Length);
            return padded;
        }
    }
}
