using System;
using System.Reflection;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;

namespace PkiTools.Core.Keys
{
    /// <summary>How a password protects data: modern PBES2, or the PKCS#12 3DES scheme old Windows needs.</summary>
    public enum PbeScheme
    {
        /// <summary>PBES2: AES-256-CBC with a PBKDF2-HMAC-SHA256 key (what OpenSSL 3 writes by default, with more iterations).</summary>
        Aes256Pbkdf2Sha256,

        /// <summary>pbeWithSHAAnd3-KeyTripleDES-CBC (PKCS#12 KDF, SHA-1): Windows Server 2016 and older.</summary>
        TripleDesSha1,
    }

    /// <summary>
    /// Password-based encryption for encrypted PKCS#8 and PKCS#12. Writes PBES2 AES-256-CBC + PBKDF2-HMAC-SHA256 (or
    /// the legacy 3DES scheme); reads every PBES2 PRF and cipher OpenSSL offers, plus PBES1 and the PKCS#12 schemes.
    /// PBKDF2 runs in the platform's native code when it can (600,000 iterations take a fraction of a second).
    /// </summary>
    internal static class PasswordBasedEncryption
    {
        /// <summary>PBKDF2 iterations written by default (OWASP 2023 guidance for PBKDF2-HMAC-SHA256).</summary>
        public const int DefaultIterations = 600_000;

        /// <summary>Iterations of the legacy PKCS#12 scheme (what Windows writes).</summary>
        public const int LegacyIterations = 2048;

        /// <summary>Inputs asking for more work than this are refused: a hostile file must not hang a script.</summary>
        public const int MaxIterations = 10_000_000;

        private static readonly ConstructorInfo? NativePbkdf2 = typeof(Rfc2898DeriveBytes).GetConstructor(
            new[] { typeof(byte[]), typeof(byte[]), typeof(int), typeof(HashAlgorithmName) });

        /// <summary>
        /// Refuses an empty password for encryption (<see cref="PkiErrorCode.InvalidArgument"/>): a key or PFX "protected"
        /// by nothing looks encrypted but opens for anyone. Every write that encrypts (encrypted PKCS#8 keys, PFX bags and
        /// its MAC) passes here; reading a file someone else encrypted with an empty password stays allowed.
        /// </summary>
        public static void RequireEncryptionPassword(char[] password)
        {
            if (password.Length > 0) return;
            throw new PkiException(PkiErrorCode.InvalidArgument,
                "The password is empty: a key or PFX encrypted with it would open for anyone who can read the file.", null, null,
                new PkiHint("Give {0} a real password, or leave {0} out to write the key unencrypted (a PFX then also needs {1}).", "Password", "NoPassword"),
                "Password");
        }

        /// <summary>Encrypts <paramref name="plaintext"/>; returns the algorithm identifier and the ciphertext. An empty password is refused.</summary>
        public static (AlgorithmIdentifier Algorithm, byte[] Ciphertext) Encrypt(byte[] plaintext, char[] password, PbeScheme scheme, int iterations)
        {
            RequireEncryptionPassword(password);
            byte[] salt = RandomBytes(scheme == PbeScheme.TripleDesSha1 ? 8 : 16);
            if (scheme == PbeScheme.TripleDesSha1)
            {
                var algorithm = new AlgorithmIdentifier(PkcsObjectIdentifiers.PbeWithShaAnd3KeyTripleDesCbc, new Pkcs12PbeParams(salt, iterations));
                return (algorithm, BouncyCastleCipher(algorithm, password, plaintext, encrypt: true));
            }
            byte[] iv = RandomBytes(16);
            var prf = new AlgorithmIdentifier(PkcsObjectIdentifiers.IdHmacWithSha256, DerNull.Instance);
            var kdf = new KeyDerivationFunc(PkcsObjectIdentifiers.IdPbkdf2, new Pbkdf2Params(salt, iterations, prf));
            var cipher = new EncryptionScheme(NistObjectIdentifiers.IdAes256Cbc, new DerOctetString(iv));
            byte[] key = Pbkdf2(System.Text.Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
            try
            {
                using Aes aes = Aes.Create();
                return (new AlgorithmIdentifier(PkcsObjectIdentifiers.IdPbeS2, new PbeS2Parameters(kdf, cipher)), Transform(aes, key, iv, plaintext, encrypt: true));
            }
            finally
            {
                Array.Clear(key, 0, key.Length);
            }
        }

        /// <summary>Decrypts; a wrong password is <see cref="PkiErrorCode.PasswordIncorrect"/> (callers confirm by parsing the plaintext).</summary>
        public static byte[] Decrypt(AlgorithmIdentifier algorithm, byte[] ciphertext, char[] password)
        {
            if (algorithm.Algorithm.Equals(PkcsObjectIdentifiers.IdPbeS2))
            {
                PbeS2Parameters pbes2 = PbeS2Parameters.GetInstance(algorithm.Parameters);
                byte[]? native = TryDecryptPbes2Natively(pbes2, ciphertext, password);
                if (native != null) return native;
            }
            else
            {
                CheckIterations(algorithm);
            }
            return BouncyCastleCipher(algorithm, password, ciphertext, encrypt: false);
        }

        /// <summary>An EncryptedPrivateKeyInfo (DER) holding <paramref name="pkcs8"/>.</summary>
        public static byte[] EncryptPkcs8(byte[] pkcs8, char[] password, PbeScheme scheme, int iterations)
        {
            (AlgorithmIdentifier algorithm, byte[] ciphertext) = Encrypt(pkcs8, password, scheme, iterations);
            return new EncryptedPrivateKeyInfo(algorithm, ciphertext).GetDerEncoded();
        }

        /// <summary>The PrivateKeyInfo (DER) inside an EncryptedPrivateKeyInfo.</summary>
        public static byte[] DecryptPkcs8(byte[] encryptedPkcs8, char[] password)
        {
            EncryptedPrivateKeyInfo info;
            try
            {
                info = EncryptedPrivateKeyInfo.GetInstance(Asn1Object.FromByteArray(encryptedPkcs8));
            }
            catch (Exception ex) when (!(ex is PkiException))
            {
                throw new PkiException(PkiErrorCode.KeyInvalid, "The encrypted private key is malformed: " + PlainReason.Of(ex) + ".", ex);
            }
            byte[] plaintext;
            try
            {
                plaintext = Decrypt(info.EncryptionAlgorithm, info.GetEncryptedData(), password);
            }
            catch (Exception ex) when (!(ex is PkiException))
            {
                // BouncyCastle's GetInstance throws ArgumentException for parameters of the wrong shape (PBES2 with a
                // tagged IV, PBKDF2 parameters that are not a SEQUENCE, ...): a corrupt file, not a wrong password.
                throw new PkiException(PkiErrorCode.KeyInvalid, "The encrypted private key's encryption parameters are malformed: " + PlainReason.Of(ex) + ".", ex);
            }
            try
            {
                PrivateKeyInfo.GetInstance(Asn1Object.FromByteArray(plaintext));
                return plaintext;
            }
            catch (Exception ex)
            {
                // Garbage that happened to have valid padding: the password was wrong.
                throw WrongPassword(ex);
            }
        }

        public static PkiException WrongPassword(Exception? inner = null) =>
            new PkiException(PkiErrorCode.PasswordIncorrect, "The password is incorrect (or the file is corrupt): decryption failed.", inner, null, new PkiHint("Check {0}.", "Password"), "Password");

        /// <summary>PBKDF2 in native code where the runtime offers it (.NET Framework 4.7.2+, .NET Core), else managed HMAC.</summary>
        public static byte[] Pbkdf2(byte[] password, byte[] salt, int iterations, HashAlgorithmName hash, int length)
        {
            if (NativePbkdf2 != null)
            {
                using var derive = (Rfc2898DeriveBytes)NativePbkdf2.Invoke(new object[] { password, salt, iterations, hash });
                return derive.GetBytes(length);
            }
            return ManagedPbkdf2(password, salt, iterations, hash, length);
        }

        private static byte[]? TryDecryptPbes2Natively(PbeS2Parameters pbes2, byte[] ciphertext, char[] password)
        {
            if (!pbes2.KeyDerivationFunc.Algorithm.Equals(PkcsObjectIdentifiers.IdPbkdf2)) return null;
            Pbkdf2Params kdf = Pbkdf2Params.GetInstance(pbes2.KeyDerivationFunc.Parameters);
            int iterations = Iterations(kdf.IterationCount);
            HashAlgorithmName? hash = kdf.IsDefaultPrf ? HashAlgorithmName.SHA1 : PrfHash(kdf.Prf.Algorithm);
            string cipherOid = pbes2.EncryptionScheme.Algorithm.Id;
            int keyLength = cipherOid switch
            {
                "2.16.840.1.101.3.4.1.2" => 16, // aes128-CBC
                "2.16.840.1.101.3.4.1.22" => 24, // aes192-CBC
                "2.16.840.1.101.3.4.1.42" => 32, // aes256-CBC
                "1.2.840.113549.3.7" => 24, // des-ede3-cbc
                _ => 0,
            };
            if (hash == null || keyLength == 0) return null; // other PRFs and ciphers: BouncyCastle
            byte[] iv = Asn1OctetString.GetInstance(pbes2.EncryptionScheme.Parameters).GetOctets();
            byte[] passwordBytes = System.Text.Encoding.UTF8.GetBytes(password);
            byte[] key = Pbkdf2(passwordBytes, kdf.GetSalt(), iterations, hash.Value, keyLength);
            try
            {
                using SymmetricAlgorithm cipher = keyLength == 24 && cipherOid == "1.2.840.113549.3.7" ? TripleDES.Create() : Aes.Create();
                if (iv.Length != cipher.BlockSize / 8) throw new PkiException(PkiErrorCode.KeyInvalid, "The encryption parameters are malformed (wrong IV length).");
                return Transform(cipher, key, iv, ciphertext, encrypt: false);
            }
            catch (CryptographicException ex)
            {
                throw WrongPassword(ex);
            }
            finally
            {
                Array.Clear(key, 0, key.Length);
                Array.Clear(passwordBytes, 0, passwordBytes.Length);
            }
        }

        private static HashAlgorithmName? PrfHash(DerObjectIdentifier prf) => prf.Id switch
        {
            "1.2.840.113549.2.7" => HashAlgorithmName.SHA1,
            "1.2.840.113549.2.9" => HashAlgorithmName.SHA256,
            "1.2.840.113549.2.10" => HashAlgorithmName.SHA384,
            "1.2.840.113549.2.11" => HashAlgorithmName.SHA512,
            _ => null,
        };

        private static byte[] BouncyCastleCipher(AlgorithmIdentifier algorithm, char[] password, byte[] input, bool encrypt)
        {
            IBufferedCipher cipher;
            ICipherParameters parameters;
            try
            {
                if (!PbeUtilities.IsPbeAlgorithm(algorithm.Algorithm.Id) && !algorithm.Algorithm.Equals(PkcsObjectIdentifiers.IdPbeS2))
                {
                    throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"Password-based encryption {algorithm.Algorithm.Id} is not supported.");
                }
                if (algorithm.Algorithm.Equals(PkcsObjectIdentifiers.IdPbeS2))
                {
                    var pbes2 = PbeS2Parameters.GetInstance(algorithm.Parameters);
                    Iterations(Pbkdf2Params.GetInstance(pbes2.KeyDerivationFunc.Parameters).IterationCount);
                }
                cipher = (IBufferedCipher)PbeUtilities.CreateEngine(algorithm);
                parameters = PbeUtilities.GenerateCipherParameters(algorithm, password);
            }
            catch (PkiException)
            {
                throw;
            }
            catch (Exception ex)
            {
                throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"Password-based encryption {algorithm.Algorithm.Id} with these parameters is not supported: {PlainReason.Of(ex)}.", ex);
            }
            try
            {
                cipher.Init(encrypt, parameters);
                return cipher.DoFinal(input);
            }
            catch (Exception ex) when (ex is InvalidCipherTextException || ex is DataLengthException || ex is ArgumentException)
            {
                throw WrongPassword(ex);
            }
        }

        private static void CheckIterations(AlgorithmIdentifier algorithm)
        {
            if (algorithm.Parameters is Asn1Sequence sequence && sequence.Count == 2 && sequence[1] is DerInteger count)
            {
                Iterations(count.Value);
            }
        }

        private static int Iterations(Org.BouncyCastle.Math.BigInteger count)
        {
            if (count.SignValue <= 0 || count.BitLength > 31 || count.IntValue > MaxIterations)
            {
                throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"The file asks for {count} key-derivation iterations; more than {MaxIterations:N0} are refused.");
            }
            return count.IntValue;
        }

        private static byte[] Transform(SymmetricAlgorithm algorithm, byte[] key, byte[] iv, byte[] input, bool encrypt)
        {
            algorithm.Mode = CipherMode.CBC;
            algorithm.Padding = PaddingMode.PKCS7;
            using ICryptoTransform transform = encrypt ? algorithm.CreateEncryptor(key, iv) : algorithm.CreateDecryptor(key, iv);
            return transform.TransformFinalBlock(input, 0, input.Length);
        }

        private static byte[] ManagedPbkdf2(byte[] password, byte[] salt, int iterations, HashAlgorithmName hash, int length)
        {
            using HMAC hmac = hash.Name switch
            {
                "SHA1" => new HMACSHA1(password),
                "SHA384" => new HMACSHA384(password),
                "SHA512" => new HMACSHA512(password),
                _ => new HMACSHA256(password),
            };
            int hashLength = hmac.HashSize / 8;
            var output = new byte[length];
            var block = new byte[salt.Length + 4];
            Buffer.BlockCopy(salt, 0, block, 0, salt.Length);
            for (int i = 1, offset = 0; offset < length; i++, offset += hashLength)
            {
                block[salt.Length] = (byte)(i >> 24);
                block[salt.Length + 1] = (byte)(i >> 16);
                block[salt.Length + 2] = (byte)(i >> 8);
                block[salt.Length + 3] = (byte)i;
                byte[] u = hmac.ComputeHash(block);
                byte[] t = (byte[])u.Clone();
                for (int n = 1; n < iterations; n++)
                {
                    u = hmac.ComputeHash(u);
                    for (int k = 0; k < t.Length; k++) t[k] ^= u[k];
                }
                Buffer.BlockCopy(t, 0, output, offset, Math.Min(hashLength, length - offset));
            }
            return output;
        }

        private static byte[] RandomBytes(int length)
        {
            var bytes = new byte[length];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(bytes);
            return bytes;
        }
    }
}
