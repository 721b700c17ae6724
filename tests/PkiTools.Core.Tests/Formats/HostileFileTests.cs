using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.Tests.Validation;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.Core.Tests.Fuzzing
{
    /// <summary>
    /// A hostile corpus generated at test time. Each input must give exactly one <see cref="PkiException"/> with the
    /// expected stable code, quickly, with no stack trace and no password in its message.
    /// </summary>
    public class HostileFileTests : IClassFixture<FuzzSeeds>, IDisposable
    {
        private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);
        private static readonly char[] Password = FuzzSeeds.Password;
        private readonly FuzzSeeds _seeds;
        private readonly ITestOutputHelper _output;
        private readonly TempDir _dir = new TempDir();
        private int _files;

        public HostileFileTests(FuzzSeeds seeds, ITestOutputHelper output)
        {
            _seeds = seeds;
            _output = output;
        }

        public void Dispose() => _dir.Dispose();

        private enum Parser { Certificates, Csr, Key }

        private static readonly Parser[] All = { Parser.Certificates, Parser.Csr, Parser.Key };

        /// <summary>The stable code each parser gives for DER that starts like a SEQUENCE but is not its structure.</summary>
        private static PkiErrorCode Invalid(Parser p) => p switch
        {
            Parser.Certificates => PkiErrorCode.CertificateInvalid,
            Parser.Csr => PkiErrorCode.CsrInvalid,
            _ => PkiErrorCode.KeyInvalid,
        };

        /// <summary>Runs one parser the way the cmdlets do: certificates from a file (ReadFile + ReadCertificates).</summary>
        private void Parse(Parser parser, byte[] data, char[]? password)
        {
            switch (parser)
            {
                case Parser.Certificates:
                    string path = _dir.File($"input{_files++}.bin");
                    File.WriteAllBytes(path, data);
                    CertificateReader.ReadCertificates(CertificateReader.ReadFile(path), path);
                    break;
                case Parser.Csr:
                    CertificateSigningRequest.Parse(data);
                    break;
                default:
                    PrivateKey.Import(data, password);
                    break;
            }
        }

        /// <summary>Asserts exactly one PkiException with <paramref name="code"/>, within <see cref="Bound"/>.</summary>
        private static PkiException Expect(PkiErrorCode code, Action action, string what, TimeSpan? bound = null)
        {
            var watch = Stopwatch.StartNew();
            PkiException? caught = null;
            try
            {
                action();
            }
            catch (PkiException ex)
            {
                caught = ex;
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"{what}: expected PkiException {code}, got {ex.GetType().FullName}: {ex.Message}\n{ex.StackTrace}");
            }
            watch.Stop();
            if (caught == null) throw new Xunit.Sdk.XunitException($"{what}: expected PkiException {code}, but it parsed.");
            if (caught.Code != code) throw new Xunit.Sdk.XunitException($"{what}: expected {code}, got {caught.Code}: {caught.Message}");
            Assert.DoesNotContain("   at ", caught.Message);
            if (LibraryText.In(caught.Message) is string leak) throw new Xunit.Sdk.XunitException($"{what}: library text '{leak}' in the message: {caught.Message}");
            Assert.DoesNotContain(new string(Password), caught.Message);
            Assert.DoesNotContain("wrong-password", caught.Message);
            TimeSpan limit = bound ?? Bound;
            Assert.True(watch.Elapsed < limit, $"{what}: took {watch.Elapsed.TotalMilliseconds:F0} ms (bound {limit.TotalMilliseconds:F0} ms)");
            return caught;
        }

        private void Expect(Parser parser, PkiErrorCode code, byte[] data, string what, char[]? password = null) =>
            Expect(code, () => Parse(parser, data, password ?? Password), $"{parser} {what}");

        private static byte[] Bytes(string s) => System.Text.Encoding.ASCII.GetBytes(s);

        // The valid files of each kind, DER and PEM, one block each.
        private IEnumerable<(Parser Parser, string Name, byte[] Data)> ValidFiles()
        {
            byte[] cert = _seeds.ManyExtensionsDer;
            yield return (Parser.Certificates, "certificate.der", cert);
            yield return (Parser.Certificates, "certificate.pem", Bytes(Pem.Encode("CERTIFICATE", cert)));
            yield return (Parser.Csr, "ec.csr.der", _seeds.EcCsrs[0]);
            yield return (Parser.Csr, "ec.csr.pem", _seeds.EcCsrs[1]);
            yield return (Parser.Csr, "rsa.csr.der", _seeds.RsaCsrs[0]);
            for (int i = 0; i < _seeds.CheapKeys.Length; i++) yield return (Parser.Key, $"key{i}", _seeds.CheapKeys[i]);
            yield return (Parser.Key, "rsa.pkcs8.der", _seeds.RsaKeys[0]);
            yield return (Parser.Key, "rsa.pkcs1.pem", _seeds.RsaKeys[3]);
        }

        [Fact]
        public void Empty_file_is_format_unknown()
        {
            foreach (Parser p in All) Expect(p, PkiErrorCode.FormatUnknown, Array.Empty<byte>(), "empty");
            Expect(Parser.Key, PkiErrorCode.FormatUnknown, Bytes(" \r\n\t\n"), "white space");
        }

        [Fact]
        public void Random_bytes_are_format_unknown_or_invalid()
        {
            var rng = new Random(MutationFuzzer.Seed);
            for (int i = 0; i < 40; i++)
            {
                var data = new byte[1 + rng.Next(i < 20 ? 64 : 8192)];
                rng.NextBytes(data);
                data[0] = (byte)(0x40 + rng.Next(0x80)); // not a SEQUENCE, not white space, not '-'
                foreach (Parser p in All) Expect(p, PkiErrorCode.FormatUnknown, data, $"random #{i}");
                data[0] = 0x30;
                foreach (Parser p in All) Expect(p, Invalid(p), data, $"random SEQUENCE #{i}");
            }
        }

        [Fact]
        public void Every_valid_file_truncated_is_refused()
        {
            int checkedInputs = 0;
            foreach (var (parser, name, data) in ValidFiles())
            {
                bool pem = Pem.LooksLikePem(data);
                // A PEM file cut after its END marker still holds a complete block: cut only before it.
                int complete = pem ? System.Text.Encoding.ASCII.GetString(data).LastIndexOf("-----", StringComparison.Ordinal) + 5 : data.Length;
                var offsets = new SortedSet<int> { 0, 1, 2, 3, 4, 11, complete - 1, complete - 6 };
                for (int at = 5; at < complete; at += Math.Max(1, complete / 60)) offsets.Add(at);
                foreach (int at in offsets.Where(o => o >= 0 && o < complete))
                {
                    PkiErrorCode code = at == 0 || pem ? PkiErrorCode.FormatUnknown : Invalid(parser);
                    Expect(parser, code, data.Take(at).ToArray(), $"{name} truncated at {at}");
                    checkedInputs++;
                }
            }
            _output.WriteLine($"{checkedInputs} truncated inputs refused");
        }

        [Fact]
        public void Bit_flips_in_headers_and_base64_are_refused_with_the_right_code()
        {
            foreach (var (parser, name, data) in ValidFiles())
            {
                if (Pem.LooksLikePem(data))
                {
                    // A flipped top bit makes a base64 character invalid UTF-8: the body is no longer base64.
                    string text = System.Text.Encoding.ASCII.GetString(data);
                    int bodyStart = text.IndexOf('\n') + 1, bodyEnd = text.LastIndexOf("-----END", StringComparison.Ordinal) - 1;
                    for (int at = bodyStart; at < bodyEnd; at += 7)
                    {
                        if (data[at] == '\n') continue;
                        byte[] m = (byte[])data.Clone();
                        m[at] ^= 0x80;
                        Expect(parser, PkiErrorCode.FormatUnknown, m, $"{name} with bit 7 of byte {at} flipped");
                    }
                    continue;
                }
                // The outer SEQUENCE header: its tag (no longer a SEQUENCE) and its length (no longer the file's length).
                int headerLength = data[1] < 0x80 ? 2 : 2 + (data[1] & 0x7F);
                for (int at = 0; at < headerLength; at++)
                {
                    for (int bit = 0; bit < 8; bit++)
                    {
                        byte[] m = (byte[])data.Clone();
                        m[at] ^= (byte)(1 << bit);
                        Expect(parser, at == 0 ? PkiErrorCode.FormatUnknown : Invalid(parser), m, $"{name} with bit {bit} of byte {at} flipped");
                    }
                }
            }
        }

        [Fact]
        public void Random_bit_flips_anywhere_parse_or_give_a_code_of_their_parser()
        {
            var fuzzer = new MutationFuzzer(101);
            foreach (var (parser, name, data) in ValidFiles())
            {
                var allowed = new HashSet<PkiErrorCode> { PkiErrorCode.FormatUnknown, Invalid(parser) };
                if (parser == Parser.Key) allowed.UnionWith(new[] { PkiErrorCode.UnsupportedAlgorithm, PkiErrorCode.PasswordIncorrect });
                for (int i = 0; i < 100; i++)
                {
                    byte[] m = fuzzer.FlipBits(data, 1 + i % 4);
                    try
                    {
                        Parse(parser, m, Password);
                    }
                    catch (PkiException ex)
                    {
                        Assert.True(allowed.Contains(ex.Code), $"{name} flip #{i}: {ex.Code}: {ex.Message}");
                        Assert.DoesNotContain("   at ", ex.Message);
                    }
                }
            }
        }

        [Fact]
        public void Wrong_pem_labels_are_refused()
        {
            byte[] cert = _seeds.ManyExtensionsDer;
            byte[] csr = _seeds.EcCsrs[0];
            byte[] pkcs8 = _seeds.CheapKeys[0];
            byte[] sec1 = _seeds.CheapKeys[2];
            byte[] encrypted = _seeds.CheapKeys[6];
            byte[] P(string label, byte[] der) => Bytes(Pem.Encode(label, der));

            Expect(Parser.Certificates, PkiErrorCode.CertificateInvalid, P("CERTIFICATE", pkcs8), "a key in a CERTIFICATE block");
            Expect(Parser.Certificates, PkiErrorCode.CertificateInvalid, P("CERTIFICATE", csr), "a CSR in a CERTIFICATE block");
            Expect(Parser.Certificates, PkiErrorCode.FormatUnknown, P("PRIVATE KEY", pkcs8), "a key file");
            Expect(Parser.Certificates, PkiErrorCode.FormatUnknown, P("CERTIFICATE REQUEST", cert), "a certificate in a CSR block");
            Expect(Parser.Csr, PkiErrorCode.CsrInvalid, P("CERTIFICATE REQUEST", pkcs8), "a key in a CERTIFICATE REQUEST block");
            Expect(Parser.Csr, PkiErrorCode.CsrInvalid, P("CERTIFICATE REQUEST", cert), "a certificate in a CERTIFICATE REQUEST block");
            Expect(Parser.Csr, PkiErrorCode.CsrInvalid, P("CERTIFICATE", csr), "a CSR in a CERTIFICATE block");
            Expect(Parser.Key, PkiErrorCode.KeyInvalid, P("PRIVATE KEY", cert), "a certificate in a PRIVATE KEY block");
            Expect(Parser.Key, PkiErrorCode.KeyInvalid, P("PRIVATE KEY", csr), "a CSR in a PRIVATE KEY block");
            Expect(Parser.Key, PkiErrorCode.KeyInvalid, P("EC PRIVATE KEY", pkcs8), "PKCS#8 in an EC PRIVATE KEY block");
            Expect(Parser.Key, PkiErrorCode.KeyInvalid, P("RSA PRIVATE KEY", sec1), "SEC1 in an RSA PRIVATE KEY block");
            Expect(Parser.Key, PkiErrorCode.KeyInvalid, P("PRIVATE KEY", encrypted), "encrypted PKCS#8 in a PRIVATE KEY block");
            Expect(Parser.Key, PkiErrorCode.KeyInvalid, P("ENCRYPTED PRIVATE KEY", pkcs8), "plain PKCS#8 in an ENCRYPTED PRIVATE KEY block");
            Expect(Parser.Key, PkiErrorCode.FormatUnknown, P("CERTIFICATE", cert), "a certificate file");
            Expect(Parser.Key, PkiErrorCode.WrongFileType, P("PUBLIC KEY", pkcs8), "a PUBLIC KEY block (named as a public key)");
            string mismatched = Pem.Encode("PRIVATE KEY", pkcs8).Replace("END PRIVATE KEY", "END CERTIFICATE");
            foreach (Parser p in All) Expect(p, PkiErrorCode.FormatUnknown, Bytes(mismatched), "BEGIN and END labels that differ");
        }

        [Fact]
        public void Base64_garbage_is_refused()
        {
            var rng = new Random(MutationFuzzer.Seed);
            var random = new byte[700];
            rng.NextBytes(random);
            var labels = new Dictionary<Parser, string> { [Parser.Certificates] = "CERTIFICATE", [Parser.Csr] = "CERTIFICATE REQUEST", [Parser.Key] = "PRIVATE KEY" };
            foreach (Parser p in All)
            {
                string label = labels[p];
                foreach (string body in new[] { "!!!not*base64***", "QUJD\n$$$$\n", "QUJDRA=\n", "====", "QQ==QQ==", "\u00e9\u00e9\u00e9\u00e9", "" })
                {
                    Expect(p, PkiErrorCode.FormatUnknown, System.Text.Encoding.UTF8.GetBytes($"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"), $"base64 '{body}'");
                }
                Expect(p, Invalid(p), Bytes(Pem.Encode(label, random)), "valid base64 of random bytes");
                random[0] = 0x30;
                Expect(p, Invalid(p), Bytes(Pem.Encode(label, random)), "valid base64 of random bytes after a SEQUENCE tag");
            }
        }

        [Fact]
        public void A_50_MB_file_is_refused_by_size_before_it_is_read()
        {
            string path = _dir.File("huge.pem");
            using (var stream = new FileStream(path, FileMode.CreateNew))
            {
                byte[] head = Bytes(Pem.Encode("CERTIFICATE", _seeds.ManyExtensionsDer));
                stream.Write(head, 0, head.Length);
                stream.SetLength(50L * 1024 * 1024);
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            PkiException ex = Expect(PkiErrorCode.FileTooLarge, () => CertificateReader.ReadFile(path), "50 MB file", TimeSpan.FromSeconds(1));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 1024 * 1024, $"{allocated:N0} bytes allocated: the file was read");
            Assert.Equal(path, ex.Target);
            Expect(PkiErrorCode.FileTooLarge, () => CertificateReader.ReadCertificateAndKey(path), "50 MB file with key", TimeSpan.FromSeconds(1));
        }

        /// <summary>depth SEQUENCEs, each with a 4-byte definite length (6 bytes per level).</summary>
        private static byte[] NestedDefinite(int depth)
        {
            var data = new byte[depth * 6 + 2];
            data[depth * 6] = 0x30;
            for (int level = depth - 1; level >= 0; level--)
            {
                int at = level * 6;
                int length = data.Length - at - 6;
                data[at] = 0x30;
                data[at + 1] = 0x84;
                data[at + 2] = (byte)(length >> 24);
                data[at + 3] = (byte)(length >> 16);
                data[at + 4] = (byte)(length >> 8);
                data[at + 5] = (byte)length;
            }
            return data;
        }

        /// <summary>depth indefinite-length BER SEQUENCEs, each closed by an end-of-contents.</summary>
        private static byte[] NestedIndefinite(int depth)
        {
            var data = new byte[depth * 4];
            for (int i = 0; i < depth; i++)
            {
                data[2 * i] = 0x30;
                data[2 * i + 1] = 0x80;
            }
            return data; // the rest is 00 00 pairs
        }

        [Fact]
        public void Deeply_nested_asn1_is_refused_without_stack_overflow()
        {
            const int depth = 100_000;
            var inputs = new (string Name, byte[] Data)[]
            {
                ("definite", NestedDefinite(depth)),
                ("indefinite BER", NestedIndefinite(depth)),
            };
            foreach (var (name, data) in inputs)
            {
                foreach (Parser p in All) Expect(p, Invalid(p), data, $"{depth:N0} nested SEQUENCEs ({name})");
            }
            Expect(Parser.Key, PkiErrorCode.KeyInvalid, Bytes(Pem.Encode("PRIVATE KEY", NestedDefinite(depth))), "nested SEQUENCEs in a PRIVATE KEY block");
            Expect(Parser.Key, PkiErrorCode.KeyInvalid, Bytes(Pem.Encode("EC PRIVATE KEY", NestedIndefinite(depth))), "nested SEQUENCEs in an EC PRIVATE KEY block");
            Expect(Parser.Key, PkiErrorCode.KeyInvalid, Bytes(Pem.Encode("ENCRYPTED PRIVATE KEY", NestedDefinite(depth))), "nested SEQUENCEs in an ENCRYPTED PRIVATE KEY block");
        }

        [Fact]
        public void Deeply_nested_asn1_inside_an_extension_is_refused_without_stack_overflow()
        {
            // A well-formed, signed certificate whose subjectAltName value is 100,000 nested SEQUENCEs.
            var (root, rootKey) = RawCertificates.Root("CN=Nest Root");
            byte[] nested = NestedDefinite(100_000);
            var cert = RawCertificates.Build(RawCertificates.Name("CN=nest.example"), RawCertificates.NewKey().Public, RawCertificates.NameOf(root), rootKey.Private,
                g => g.AddExtension(X509Extensions.SubjectAlternativeName, false, nested));
            Expect(Parser.Certificates, PkiErrorCode.CertificateInvalid, cert.RawData, "nested SEQUENCEs in subjectAltName");
            Expect(PkiErrorCode.CertificateInvalid, () => ParsedCertificate.Parse(cert.RawData), "ParsedCertificate.Parse of nested subjectAltName");
        }

        [Fact]
        public void Huge_declared_lengths_do_not_allocate()
        {
            byte[] huge = { 0x84, 0xFF, 0xFF, 0xFF, 0xFF };
            byte[] cert = _seeds.ManyExtensionsDer;
            var inputs = new List<(string, byte[])>
            {
                ("outer length 0x84FFFFFFFF", new byte[] { 0x30 }.Concat(huge).Concat(new byte[64]).ToArray()),
                ("outer length 0x847FFFFFFF", new byte[] { 0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x02, 0x01, 0x00 }),
                ("inner length 0x84FFFFFFFF", cert.Take(4).Concat(new byte[] { 0x30 }).Concat(huge).Concat(cert.Skip(8)).ToArray()),
                ("OCTET STRING length 0x84FFFFFFFF", new byte[] { 0x30, 0x0A, 0x04 }.Concat(huge).Concat(new byte[4]).ToArray()),
                ("length of length 0x88", new byte[] { 0x30, 0x88, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00 }),
            };
            foreach (var (name, data) in inputs)
            {
                foreach (Parser p in All)
                {
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    Expect(p, Invalid(p), data, name);
                    long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    Assert.True(allocated < 16L * 1024 * 1024, $"{p} {name}: {allocated:N0} bytes allocated");
                }
            }
        }

        [Fact]
        public void A_pem_file_with_10000_certificates_parses()
        {
            string one = Pem.Encode("CERTIFICATE", _seeds.CertificatesDer[0]) + Pem.Encode("CERTIFICATE", _seeds.CertificatesDer[1]);
            var sb = new StringBuilder(one.Length * 5000);
            for (int i = 0; i < 5000; i++) sb.Append(one);
            string path = _dir.File("bundle.pem");
            File.WriteAllText(path, sb.ToString());
            var watch = Stopwatch.StartNew();
            var certificates = CertificateReader.ReadCertificates(CertificateReader.ReadFile(path), path);
            watch.Stop();
            Assert.Equal(10_000, certificates.Count);
            _output.WriteLine($"10,000 certificates ({new FileInfo(path).Length:N0} bytes of PEM) read in {watch.Elapsed.TotalMilliseconds:F0} ms");
            foreach (var c in certificates) c.Dispose();
        }

        [Fact]
        public void Encrypted_key_with_a_wrong_or_no_password_is_told_apart()
        {
            foreach (byte[] key in new[] { _seeds.CheapKeys[6], _seeds.CheapKeys[7], _seeds.CheapKeys[8], _seeds.CheapKeys[9] })
            {
                Expect(Parser.Key, PkiErrorCode.PasswordIncorrect, key, "wrong password", "wrong-password".ToCharArray());
                Expect(Parser.Key, PkiErrorCode.PasswordIncorrect, key, "empty password", Array.Empty<char>());
                Expect(PkiErrorCode.PasswordRequired, () => PrivateKey.Import(key, null), "no password");
            }
        }

        private static byte[] EncryptedWithIterations(Org.BouncyCastle.Math.BigInteger iterations, DerObjectIdentifier? prf = null)
        {
            var kdfParams = new DerSequence(new DerOctetString(new byte[16]), new DerInteger(iterations),
                new AlgorithmIdentifier(prf ?? PkcsObjectIdentifiers.IdHmacWithSha256, DerNull.Instance));
            var pbes2 = new PbeS2Parameters(new KeyDerivationFunc(PkcsObjectIdentifiers.IdPbkdf2, kdfParams),
                new EncryptionScheme(NistObjectIdentifiers.IdAes256Cbc, new DerOctetString(new byte[16])));
            return new EncryptedPrivateKeyInfo(new AlgorithmIdentifier(PkcsObjectIdentifiers.IdPbeS2, pbes2), new byte[48]).GetDerEncoded();
        }

        [Fact]
        public void Encrypted_key_claiming_huge_iteration_counts_is_refused_quickly()
        {
            var quick = TimeSpan.FromSeconds(1);
            var counts = new[]
            {
                Org.BouncyCastle.Math.BigInteger.ValueOf(int.MaxValue),
                Org.BouncyCastle.Math.BigInteger.ValueOf(PasswordBasedEncryption.MaxIterations + 1L),
                Org.BouncyCastle.Math.BigInteger.One.ShiftLeft(64),
                Org.BouncyCastle.Math.BigInteger.Zero,
                Org.BouncyCastle.Math.BigInteger.ValueOf(-1),
            };
            foreach (var count in counts)
            {
                byte[] der = EncryptedWithIterations(count);
                Expect(PkiErrorCode.UnsupportedAlgorithm, () => PrivateKey.Import(der, Password), $"PBKDF2 with {count} iterations (DER)", quick);
                Expect(PkiErrorCode.UnsupportedAlgorithm, () => PrivateKey.Import(Bytes(Pem.Encode("ENCRYPTED PRIVATE KEY", der)), Password), $"PBKDF2 with {count} iterations (PEM)", quick);
                // A PRF the native path does not take (hmacWithSHA512-224): BouncyCastle's path checks the count too.
                byte[] bc = EncryptedWithIterations(count, new DerObjectIdentifier("1.2.840.113549.2.12"));
                Expect(PkiErrorCode.UnsupportedAlgorithm, () => PrivateKey.Import(bc, Password), $"PBKDF2-SHA512/224 with {count} iterations", quick);
            }
            // The legacy PKCS#12 scheme (SHA-1 3DES) asking for 2^31-1 rounds.
            byte[] legacy = new EncryptedPrivateKeyInfo(
                new AlgorithmIdentifier(PkcsObjectIdentifiers.PbeWithShaAnd3KeyTripleDesCbc, new Pkcs12PbeParams(new byte[8], int.MaxValue)), new byte[48]).GetDerEncoded();
            Expect(PkiErrorCode.UnsupportedAlgorithm, () => PrivateKey.Import(legacy, Password), "PKCS#12 PBE with 2^31-1 iterations", quick);
        }

        [Fact]
        public void Ec_key_with_an_oversized_private_scalar_is_refused_quickly()
        {
            // SEC1 with a 64 KiB "private key": a scalar multiplication with it would take seconds to minutes.
            var scalar = new byte[64 * 1024];
            new Random(1).NextBytes(scalar);
            scalar[0] |= 0x80;
            byte[] sec1 = new DerSequence(DerInteger.One, new DerOctetString(scalar), new DerTaggedObject(true, 0, X9ObjectIdentifiers.Prime256v1)).GetDerEncoded();
            Expect(Parser.Key, PkiErrorCode.KeyInvalid, sec1, "SEC1 with a 64 KiB scalar");
            byte[] zero = new DerSequence(DerInteger.One, new DerOctetString(new byte[32]), new DerTaggedObject(true, 0, X9ObjectIdentifiers.Prime256v1)).GetDerEncoded();
            Expect(Parser.Key, PkiErrorCode.KeyInvalid, zero, "SEC1 with a zero scalar");
        }
    }
}
