using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Oiw;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using PkiTools.Core.Keys;
using BcContentInfo = Org.BouncyCastle.Asn1.Pkcs.ContentInfo;

namespace PkiTools.Core.Formats
{
    /// <summary>Iteration counts written into a PFX (tests lower them to keep hostile-input runs fast).</summary>
    internal sealed class PfxIterations
    {
        public PfxIterations(int key, int certificates, int mac)
        {
            Key = key;
            Certificates = certificates;
            Mac = mac;
        }

        public int Key { get; }
        public int Certificates { get; }
        public int Mac { get; }

        /// <summary>
        /// Modern: 300,000 rounds for the key bag, the certificate bag and the MAC alike. Any of the three lets an
        /// attacker test password guesses offline, so none may be cheaper than the others. 300,000 is the most .NET 9+'s
        /// PKCS#12 loader accepts per derivation by default (Pkcs12LoaderLimits.IndividualKdfIterationLimit; 900,000 in
        /// all stays under its 1,000,000 total), which is why PFX files do not get PKCS#8's 600,000.
        /// </summary>
        public static readonly PfxIterations Modern = new PfxIterations(300_000, 300_000, 300_000);

        /// <summary>Legacy (3DES, SHA-1 MAC): 2048 everywhere, what Windows writes and old Windows reads.</summary>
        public static readonly PfxIterations Legacy = new PfxIterations(PasswordBasedEncryption.LegacyIterations, PasswordBasedEncryption.LegacyIterations, PasswordBasedEncryption.LegacyIterations);
    }

    /// <summary>PKCS#12 (PFX) reading and writing, with our own structure code so that algorithms and limits are ours.</summary>
    internal static class Pkcs12
    {
        /// <summary>
        /// Total key-derivation iterations one file may ask for: the MAC plus every encrypted bag, each counted as often
        /// as it may be derived (an empty or missing password tries each empty-password encoding). Counted from the
        /// file's parameters before any is spent. Legitimate files need far less: OpenSSL 2,048 and Windows 2,000 per
        /// derivation, PkiTools 3 x 300,000, files with 600,000 per bag and MAC 1,800,000 (4,200,000 when read without a
        /// password, which tries every empty encoding).
        /// </summary>
        public const long MaxTotalIterations = 5_000_000;

        /// <summary>Most safe bags accepted in one file.</summary>
        public const int MaxBags = CertificateFiles.MaxCertificates;

        private const int MaxNesting = 4;

        // ---------------------------------------------------------------- reading

        internal sealed class Contents
        {
            public List<X509Certificate2> Certificates { get; } = new List<X509Certificate2>();
            public List<PrivateKey> Keys { get; } = new List<PrivateKey>();
        }

        private sealed class ReadState
        {
            public ReadState(char[]? password, string where)
            {
                Password = password;
                Where = where;
            }

            public char[]? Password;
            public bool PasswordGiven;
            public string Where;
            public long Work;
            public int Bags;
            public WorkMeter Meter = new WorkMeter();
            public Contents Result = new Contents();
        }

        /// <summary>Counts key derivations a read starts (a test seam: a refused file must cost none).</summary>
        internal sealed class WorkMeter
        {
            /// <summary>Iterations spent so far, added just before each derivation runs.</summary>
            public long Spent;

            /// <summary>Iterations the file's parameters asked for, counted before any was spent.</summary>
            public long Planned;
        }

        public static Contents Read(byte[] data, char[]? password, string where) => Read(data, password, where, null);

        internal static Contents Read(byte[] data, char[]? password, string where, WorkMeter? meter)
        {
            var state = new ReadState(password, where) { PasswordGiven = password != null, Meter = meter ?? new WorkMeter() };
            Asn1Object root = Asn1Guard.Parse(data, PkiErrorCode.CertificateInvalid, where);
            Pfx pfx;
            byte[] authSafeOctets;
            try
            {
                pfx = Pfx.GetInstance(root);
                BcContentInfo authSafe = pfx.AuthSafe;
                if (authSafe.ContentType.Equals(PkcsObjectIdentifiers.SignedData))
                {
                    throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"{where} is a PFX protected by a public-key signature instead of a password; that mode is not supported.");
                }
                if (!authSafe.ContentType.Equals(PkcsObjectIdentifiers.Data))
                {
                    throw new ArgumentException("the outer content type is " + authSafe.ContentType.Id);
                }
                authSafeOctets = Asn1OctetString.GetInstance(authSafe.Content).GetOctets();
            }
            catch (Exception ex) when (!(ex is PkiException))
            {
                throw Malformed(where, ex);
            }
            Asn1Object authSafeObject = Asn1Guard.Parse(authSafeOctets, PkiErrorCode.CertificateInvalid, where);
            Asn1Sequence infos;
            try
            {
                infos = Asn1Sequence.GetInstance(authSafeObject);
                if (infos.Count > MaxBags) throw TooMany(where);
                // The whole budget first: the MAC and every encrypted bag in sight, before any derivation runs.
                long planned = 0;
                if (pfx.MacData != null) planned += CheckIterations(pfx.MacData.IterationCount) * MacTries(state);
                foreach (Asn1Encodable element in infos)
                {
                    BcContentInfo info = BcContentInfo.GetInstance(element);
                    if (info.ContentType.Equals(PkcsObjectIdentifiers.EncryptedData))
                    {
                        EncryptedData encrypted = EncryptedData.GetInstance(info.Content);
                        if (encrypted.Content != null) planned += IterationsOf(encrypted.EncryptionAlgorithm) * BagTries(state);
                    }
                    else if (info.ContentType.Equals(PkcsObjectIdentifiers.Data))
                    {
                        planned += PlannedIn(Asn1OctetString.GetInstance(info.Content).GetOctets(), state, 0);
                    }
                }
                Plan(state, planned);
            }
            catch (Exception ex) when (!(ex is PkiException))
            {
                throw Malformed(where, ex);
            }
            if (pfx.MacData != null)
            {
                VerifyMac(pfx.MacData, authSafeOctets, state);
            }
            try
            {
                foreach (Asn1Encodable element in infos)
                {
                    BcContentInfo info = BcContentInfo.GetInstance(element);
                    if (info.ContentType.Equals(PkcsObjectIdentifiers.Data))
                    {
                        ReadSafeContents(Asn1OctetString.GetInstance(info.Content).GetOctets(), state, 0);
                    }
                    else if (info.ContentType.Equals(PkcsObjectIdentifiers.EncryptedData))
                    {
                        EncryptedData encrypted = EncryptedData.GetInstance(info.Content);
                        if (encrypted.Content == null) continue;
                        byte[] plain = Decrypt(encrypted.EncryptionAlgorithm, encrypted.Content.GetOctets(), state);
                        ReadSafeContents(plain, state, 0, decrypted: true, planBags: true);
                    }
                    else
                    {
                        throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"{where} holds content of type {info.ContentType.Id} (public-key encrypted), which is not supported.");
                    }
                }
            }
            catch (Exception ex) when (!(ex is PkiException))
            {
                throw Malformed(where, ex);
            }
            return state.Result;
        }

        private static void ReadSafeContents(byte[] der, ReadState state, int nesting, bool decrypted = false, bool planBags = false)
        {
            Asn1Object parsed;
            try
            {
                parsed = Asn1Guard.Parse(der, PkiErrorCode.CertificateInvalid, state.Where);
            }
            catch (PkiException ex) when (decrypted && !state.PasswordGiven)
            {
                throw PasswordRequired(state.Where, ex);
            }
            catch (PkiException ex) when (decrypted)
            {
                // Without a MAC, a wrong password shows up as garbage that happened to have valid padding.
                throw WrongPassword(state.Where, ex);
            }
            // Bags that were encrypted were out of sight when the budget was counted: count them before any is decrypted.
            if (planBags) Plan(state, PlannedIn(parsed, state, nesting));
            Asn1Sequence bags = Asn1Sequence.GetInstance(parsed);
            foreach (Asn1Encodable element in bags)
            {
                if (++state.Bags > MaxBags) throw TooMany(state.Where);
                SafeBag bag = SafeBag.GetInstance(element);
                DerObjectIdentifier id = bag.BagID;
                if (id.Equals(PkcsObjectIdentifiers.CertBag))
                {
                    CertBag certBag = CertBag.GetInstance(bag.BagValueEncodable);
                    if (!certBag.CertID.Equals(PkcsObjectIdentifiers.X509Certificate)) continue; // SDSI certificates: skipped
                    byte[] certificateDer = Asn1OctetString.GetInstance(certBag.CertValue).GetOctets();
                    state.Result.Certificates.Add(CertificateFiles.CertificateFromDer(certificateDer, state.Where));
                }
                else if (id.Equals(PkcsObjectIdentifiers.KeyBag))
                {
                    state.Result.Keys.Add(ImportKey(bag.BagValueEncodable.ToAsn1Object().GetEncoded(), state.Where));
                }
                else if (id.Equals(PkcsObjectIdentifiers.Pkcs8ShroudedKeyBag))
                {
                    EncryptedPrivateKeyInfo info = EncryptedPrivateKeyInfo.GetInstance(bag.BagValueEncodable);
                    byte[] plain = Decrypt(info.EncryptionAlgorithm, info.GetEncryptedData(), state);
                    try
                    {
                        PrivateKeyInfo.GetInstance(Asn1Guard.Parse(plain, PkiErrorCode.KeyInvalid, state.Where));
                    }
                    catch (Exception ex)
                    {
                        if (!state.PasswordGiven) throw PasswordRequired(state.Where, ex);
                        throw WrongPassword(state.Where, ex);
                    }
                    try
                    {
                        state.Result.Keys.Add(ImportKey(plain, state.Where));
                    }
                    finally
                    {
                        Array.Clear(plain, 0, plain.Length);
                    }
                }
                else if (id.Equals(PkcsObjectIdentifiers.SafeContentsBag))
                {
                    if (nesting >= MaxNesting) throw Malformed(state.Where, new ArgumentException("safe contents nest too deeply"));
                    ReadSafeContents(bag.BagValueEncodable.ToAsn1Object().GetEncoded(), state, nesting + 1);
                }
                // CRL bags, secret bags: not certificates or keys, skipped.
            }
        }

        private static PrivateKey ImportKey(byte[] pkcs8, string where)
        {
            try
            {
                return PrivateKey.Import(pkcs8);
            }
            catch (PkiException ex) when (ex.Code == PkiErrorCode.FormatUnknown)
            {
                throw new PkiException(PkiErrorCode.KeyInvalid, $"The private key in {where} is malformed.", ex);
            }
        }

        private static byte[] Decrypt(AlgorithmIdentifier algorithm, byte[] ciphertext, ReadState state)
        {
            long iterations = IterationsOf(algorithm);
            try
            {
                if (state.Password == null || state.Password.Length == 0)
                {
                    // No MAC told us which empty password the writer meant: try each.
                    for (int i = 0; ; i++)
                    {
                        Spend(state, iterations);
                        try
                        {
                            byte[] plain = PasswordBasedEncryption.Decrypt(algorithm, ciphertext, EmptyPasswords[i]);
                            if (i == EmptyPasswords.Length - 1 || LooksLikeDer(plain)) return plain;
                        }
                        catch (PkiException ex) when (ex.Code == PkiErrorCode.PasswordIncorrect && i < EmptyPasswords.Length - 1)
                        {
                        }
                    }
                }
                Spend(state, iterations);
                return PasswordBasedEncryption.Decrypt(algorithm, ciphertext, state.Password);
            }
            catch (PkiException ex) when (ex.Code == PkiErrorCode.PasswordIncorrect && !state.PasswordGiven)
            {
                throw PasswordRequired(state.Where, ex);
            }
            catch (PkiException ex) when (ex.Code == PkiErrorCode.PasswordIncorrect)
            {
                throw WrongPassword(state.Where, ex);
            }
            catch (Exception ex) when (!(ex is PkiException))
            {
                throw Malformed(state.Where, ex);
            }
        }

        private static bool LooksLikeDer(byte[] data)
        {
            try
            {
                Asn1Guard.CheckOne(data, 0, data.Length, PkiErrorCode.CertificateInvalid, "");
                return data[0] == 0x30;
            }
            catch (PkiException)
            {
                return false;
            }
        }

        /// <summary>The iteration count an encryption algorithm asks for, read before any work is done.</summary>
        private static long IterationsOf(AlgorithmIdentifier algorithm)
        {
            Org.BouncyCastle.Math.BigInteger? count = null;
            if (algorithm.Algorithm.Equals(PkcsObjectIdentifiers.IdPbeS2))
            {
                PbeS2Parameters pbes2 = PbeS2Parameters.GetInstance(algorithm.Parameters);
                if (pbes2.KeyDerivationFunc.Algorithm.Equals(PkcsObjectIdentifiers.IdPbkdf2))
                {
                    count = Pbkdf2Params.GetInstance(pbes2.KeyDerivationFunc.Parameters).IterationCount;
                }
                else
                {
                    throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"Key derivation {pbes2.KeyDerivationFunc.Algorithm.Id} is not supported in a PFX.");
                }
            }
            else if (algorithm.Parameters is Asn1Sequence sequence && sequence.Count == 2 && sequence[1] is DerInteger integer)
            {
                count = integer.Value; // PKCS#12 PBE and PBES1: SEQUENCE { salt, iterations }
            }
            if (count == null) return 1;
            return CheckIterations(count);
        }

        private static long CheckIterations(Org.BouncyCastle.Math.BigInteger count)
        {
            if (count.SignValue <= 0 || count.BitLength > 31 || count.IntValue > PasswordBasedEncryption.MaxIterations)
            {
                throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"The file asks for {(count.BitLength > 64 ? "an absurd number of" : count.ToString())} key-derivation iterations; more than {PasswordBasedEncryption.MaxIterations:N0} are refused.");
            }
            return count.IntValue;
        }

        /// <summary>How often the MAC may be derived: once with a password, once per empty-password encoding without.</summary>
        private static int MacTries(ReadState state) => state.Password != null && state.Password.Length > 0 ? 1 : 3;

        /// <summary>How often an encrypted bag may be derived: once with a password, once per empty password without.</summary>
        private static int BagTries(ReadState state) => state.Password != null && state.Password.Length > 0 ? 1 : EmptyPasswords.Length;

        /// <summary>Iterations the shrouded key bags of a SafeContents ask for (nested SafeContents included), read without deriving anything.</summary>
        private static long PlannedIn(byte[] der, ReadState state, int nesting) =>
            PlannedIn(Asn1Guard.Parse(der, PkiErrorCode.CertificateInvalid, state.Where), state, nesting);

        private static long PlannedIn(Asn1Object parsed, ReadState state, int nesting)
        {
            long planned = 0;
            int bags = 0;
            foreach (Asn1Encodable element in Asn1Sequence.GetInstance(parsed))
            {
                if (++bags > MaxBags) throw TooMany(state.Where);
                SafeBag bag = SafeBag.GetInstance(element);
                if (bag.BagID.Equals(PkcsObjectIdentifiers.Pkcs8ShroudedKeyBag))
                {
                    planned += IterationsOf(EncryptedPrivateKeyInfo.GetInstance(bag.BagValueEncodable).EncryptionAlgorithm) * BagTries(state);
                }
                else if (bag.BagID.Equals(PkcsObjectIdentifiers.SafeContentsBag) && nesting < MaxNesting)
                {
                    planned += PlannedIn(bag.BagValueEncodable.ToAsn1Object(), state, nesting + 1);
                }
                if (planned > MaxTotalIterations) break; // enough to refuse; no need to read further
            }
            return planned;
        }

        /// <summary>Adds what the file asks for to the budget and refuses it, before any of it is spent, when the total is too much.</summary>
        private static void Plan(ReadState state, long iterations)
        {
            state.Meter.Planned += iterations;
            if (state.Meter.Planned > MaxTotalIterations)
            {
                throw new PkiException(PkiErrorCode.UnsupportedAlgorithm,
                    $"{state.Where} asks for {state.Meter.Planned:N0} key-derivation iterations in total (its MAC and encrypted bags); more than {MaxTotalIterations:N0} are refused, before any is spent.",
                    null, state.Where);
            }
        }

        private static void Spend(ReadState state, long iterations)
        {
            state.Meter.Spent += iterations;
            state.Work += iterations;
            if (state.Work > MaxTotalIterations)
            {
                throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"{state.Where} asks for more than {MaxTotalIterations:N0} key-derivation iterations in total; refused.");
            }
        }

        private static void VerifyMac(MacData macData, byte[] authSafe, ReadState state)
        {
            IDigest digest;
            byte[] expected;
            byte[] salt;
            long iterations;
            try
            {
                DigestInfo mac = macData.Mac;
                digest = MacDigest(mac.DigestAlgorithm.Algorithm)
                    ?? throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"{state.Where} uses MAC algorithm {mac.DigestAlgorithm.Algorithm.Id}, which is not supported.");
                expected = mac.Digest.GetOctets();
                salt = macData.GetSalt();
                iterations = CheckIterations(macData.IterationCount);
            }
            catch (Exception ex) when (!(ex is PkiException))
            {
                throw Malformed(state.Where, ex);
            }
            if (state.Password != null && state.Password.Length > 0)
            {
                Spend(state, iterations);
                if (!MacMatches(digest, PbeParametersGenerator.Pkcs12PasswordToBytes(state.Password), salt, (int)iterations, authSafe, expected))
                {
                    throw WrongPassword(state.Where, null);
                }
                return;
            }
            // No password, or an empty one. Writers disagree on what "" means in the PKCS#12 KDF (no bytes, a lone BMP
            // terminator, a NUL character): each is tried, as OpenSSL and Windows do.
            foreach (char[] candidate in EmptyPasswords)
            {
                foreach (bool wrongZero in candidate.Length == 0 ? new[] { false, true } : new[] { false })
                {
                    Spend(state, iterations);
                    if (MacMatches(digest, PbeParametersGenerator.Pkcs12PasswordToBytes(candidate, wrongZero), salt, (int)iterations, authSafe, expected))
                    {
                        state.Password = candidate;
                        return;
                    }
                }
            }
            if (!state.PasswordGiven) throw PasswordRequired(state.Where, null);
            throw WrongPassword(state.Where, null);
        }

        private static readonly char[][] EmptyPasswords = { new char[0], new[] { '\0' } };

        private static bool MacMatches(IDigest digest, byte[] password, byte[] salt, int iterations, byte[] data, byte[] expected)
        {
            byte[] actual = ComputeMac(digest, password, salt, iterations, data);
            return Org.BouncyCastle.Utilities.Arrays.FixedTimeEquals(actual, expected);
        }

        private static byte[] ComputeMac(IDigest digest, byte[] password, byte[] salt, int iterations, byte[] data)
        {
            digest = DigestUtilities.GetDigest(digest.AlgorithmName); // a fresh instance for each computation
            var generator = new Pkcs12ParametersGenerator(digest);
            generator.Init(password, salt, iterations);
            var key = (KeyParameter)generator.GenerateDerivedMacParameters(digest.GetDigestSize() * 8);
            var hmac = new HMac(DigestUtilities.GetDigest(digest.AlgorithmName));
            hmac.Init(key);
            hmac.BlockUpdate(data, 0, data.Length);
            var result = new byte[hmac.GetMacSize()];
            hmac.DoFinal(result, 0);
            Array.Clear(password, 0, password.Length);
            return result;
        }

        private static IDigest? MacDigest(DerObjectIdentifier oid) => oid.Id switch
        {
            "1.3.14.3.2.26" => new Sha1Digest(),
            "2.16.840.1.101.3.4.2.4" => new Sha224Digest(),
            "2.16.840.1.101.3.4.2.1" => new Sha256Digest(),
            "2.16.840.1.101.3.4.2.2" => new Sha384Digest(),
            "2.16.840.1.101.3.4.2.3" => new Sha512Digest(),
            _ => null,
        };

        private static PkiException Malformed(string where, Exception inner) =>
            new PkiException(PkiErrorCode.CertificateInvalid, $"{where} is not a well-formed PFX/PKCS#12 file (damaged or truncated): {PlainReason.Of(inner)}.", inner);

        private static PkiException TooMany(string where) =>
            new PkiException(PkiErrorCode.CertificateInvalid, $"{where} holds more than {MaxBags:N0} items; refused.");

        private static PkiException WrongPassword(string where, Exception? inner) =>
            new PkiException(PkiErrorCode.PasswordIncorrect, $"{where} could not be opened: wrong password, or the file is corrupt.", inner);

        private static PkiException PasswordRequired(string where, Exception? inner) =>
            new PkiException(PkiErrorCode.PasswordRequired, $"{where} is password-protected.", inner, null, new PkiHint("Give its password with {0}.", "Password"), "Password");

        // ---------------------------------------------------------------- writing

        public static byte[] Write(X509Certificate2 certificate, PrivateKey? key, IReadOnlyList<X509Certificate2> chain, char[]? password,
            PfxCompatibility compatibility, string? friendlyName, PfxIterations iterations)
        {
            if (password != null) PasswordBasedEncryption.RequireEncryptionPassword(password);
            PbeScheme scheme = compatibility == PfxCompatibility.Legacy ? PbeScheme.TripleDesSha1 : PbeScheme.Aes256Pbkdf2Sha256;
            byte[] localKeyId = DigestUtilities.CalculateDigest("SHA-1", certificate.RawData);

            var certificateBags = new Asn1EncodableVector();
            certificateBags.Add(CertificateBag(certificate.RawData, Attributes(friendlyName, key != null ? localKeyId : null)));
            var seen = new HashSet<string>(StringComparer.Ordinal) { certificate.Thumbprint };
            foreach (X509Certificate2 extra in chain)
            {
                if (!seen.Add(extra.Thumbprint)) continue;
                certificateBags.Add(CertificateBag(extra.RawData, null));
            }
            byte[] certificateContents = new DerSequence(certificateBags).GetEncoded(Asn1Encodable.Der);

            var infos = new Asn1EncodableVector();
            if (password == null)
            {
                infos.Add(DataContentInfo(certificateContents));
            }
            else
            {
                (AlgorithmIdentifier algorithm, byte[] ciphertext) = PasswordBasedEncryption.Encrypt(certificateContents, password, scheme, iterations.Certificates);
                var encrypted = new EncryptedData(PkcsObjectIdentifiers.Data, algorithm, new DerOctetString(ciphertext));
                infos.Add(new BcContentInfo(PkcsObjectIdentifiers.EncryptedData, encrypted));
            }

            if (key != null)
            {
                byte[] pkcs8 = key.ExportPkcs8();
                try
                {
                    SafeBag keyBag = password == null
                        ? new SafeBag(PkcsObjectIdentifiers.KeyBag, Asn1Object.FromByteArray(pkcs8), Attributes(friendlyName, localKeyId))
                        : new SafeBag(PkcsObjectIdentifiers.Pkcs8ShroudedKeyBag,
                            Asn1Object.FromByteArray(PasswordBasedEncryption.EncryptPkcs8(pkcs8, password, scheme, iterations.Key)),
                            Attributes(friendlyName, localKeyId));
                    infos.Add(DataContentInfo(new DerSequence(keyBag).GetEncoded(Asn1Encodable.Der)));
                }
                finally
                {
                    Array.Clear(pkcs8, 0, pkcs8.Length);
                }
            }

            byte[] authSafe = new DerSequence(infos).GetEncoded(Asn1Encodable.Der);
            MacData? macData = null;
            if (password != null)
            {
                bool legacy = compatibility == PfxCompatibility.Legacy;
                IDigest digest = legacy ? new Sha1Digest() : new Sha256Digest();
                var digestAlgorithm = new AlgorithmIdentifier(legacy ? OiwObjectIdentifiers.IdSha1 : NistObjectIdentifiers.IdSha256, DerNull.Instance);
                byte[] salt = new byte[legacy ? 8 : 16];
                new SecureRandom().NextBytes(salt);
                byte[] mac = ComputeMac(digest, PbeParametersGenerator.Pkcs12PasswordToBytes(password), salt, iterations.Mac, authSafe);
                macData = new MacData(new DigestInfo(digestAlgorithm, mac), salt, iterations.Mac);
            }
            var pfx = new Pfx(DataContentInfo(authSafe), macData);
            return pfx.GetEncoded(Asn1Encodable.Der);
        }

        private static BcContentInfo DataContentInfo(byte[] content) => new BcContentInfo(PkcsObjectIdentifiers.Data, new DerOctetString(content));

        private static SafeBag CertificateBag(byte[] der, Asn1Set? attributes) =>
            new SafeBag(PkcsObjectIdentifiers.CertBag, new CertBag(PkcsObjectIdentifiers.X509Certificate, new DerOctetString(der)).ToAsn1Object(), attributes);

        private static Asn1Set? Attributes(string? friendlyName, byte[]? localKeyId)
        {
            var attributes = new Asn1EncodableVector();
            if (!string.IsNullOrEmpty(friendlyName))
            {
                attributes.Add(new DerSequence(PkcsObjectIdentifiers.Pkcs9AtFriendlyName, new DerSet(new DerBmpString(friendlyName))));
            }
            if (localKeyId != null)
            {
                attributes.Add(new DerSequence(PkcsObjectIdentifiers.Pkcs9AtLocalKeyID, new DerSet(new DerOctetString(localKeyId))));
            }
            return attributes.Count == 0 ? null : new DerSet(attributes);
        }
    }
}
