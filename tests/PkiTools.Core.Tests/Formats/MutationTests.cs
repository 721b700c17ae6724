using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using Xunit;

namespace PkiTools.Core.Tests.Formats
{
    /// <summary>
    /// Deterministic mutation of small valid files (fixed seeds): bit flips, truncation, byte overwrites and splices.
    /// Whatever the reader makes of them, only PkiException may escape.
    /// </summary>
    public class MutationTests
    {
        private const int Mutations = 20_000;
        private static readonly char[] Password = "mut".ToCharArray();

        private static IEnumerable<byte[]> Mutate(byte[] seed, int seedValue, int count)
        {
            var random = new Random(seedValue);
            for (int n = 0; n < count; n++)
            {
                var data = (byte[])seed.Clone();
                int kind = random.Next(5);
                switch (kind)
                {
                    case 0:
                        for (int k = random.Next(1, 4); k > 0; k--) data[random.Next(data.Length)] ^= (byte)(1 << random.Next(8));
                        break;
                    case 1:
                        Array.Resize(ref data, random.Next(data.Length));
                        break;
                    case 2:
                        for (int k = random.Next(1, 4); k > 0; k--) data[random.Next(data.Length)] = (byte)random.Next(256);
                        break;
                    case 3:
                        {
                            // Overwrite a likely length byte with something large or zero.
                            int at = random.Next(data.Length);
                            data[at] = random.Next(2) == 0 ? (byte)0x80 : (byte)(0x81 + random.Next(4));
                            break;
                        }
                    default:
                        {
                            // Duplicate a slice in place (nested-looking structure).
                            int from = random.Next(data.Length);
                            int length = Math.Min(random.Next(1, 64), data.Length - from);
                            var spliced = new byte[data.Length + length];
                            Buffer.BlockCopy(data, 0, spliced, 0, from + length);
                            Buffer.BlockCopy(data, from, spliced, from + length, data.Length - from);
                            data = spliced;
                            break;
                        }
                }
                yield return data;
            }
        }

        private static void Run(byte[] seed, int seedValue, char[]? password)
        {
            var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
            var inputs = new List<byte[]>(Mutate(seed, seedValue, Mutations));
            Parallel.For(0, inputs.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
            {
                try
                {
                    CertificateFiles.Read(inputs[i], password);
                }
                catch (PkiException)
                {
                }
                catch (Exception ex)
                {
                    failures.Add($"input {i}: {ex.GetType().Name}: {ex.Message}\n{Convert.ToBase64String(inputs[i])}");
                }
            });
            Assert.True(failures.IsEmpty, string.Join("\n\n", failures));
        }

        private static readonly PfxIterations Fast = new PfxIterations(1, 1, 1);

        [Fact]
        public void Mutated_password_protected_pfx_only_throws_pki_exceptions()
        {
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            byte[] seed = CertificateFiles.WritePfx(chain.Leaf, chain.LeafKey, new[] { chain.Intermediate }, Password, PfxCompatibility.Modern, "m", Fast);
            Run(seed, 1234, Password);
        }

        [Fact]
        public void Mutated_unprotected_pfx_only_throws_pki_exceptions()
        {
            // No MAC and no encryption, so mutations reach the bag, key and certificate parsers.
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            byte[] seed = CertificateFiles.WritePfx(chain.Leaf, chain.LeafKey, new[] { chain.Intermediate }, null, PfxCompatibility.Modern, "m", Fast);
            Run(seed, 5678, null);
        }

        [Fact]
        public void Mutated_legacy_pfx_only_throws_pki_exceptions()
        {
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            byte[] seed = CertificateFiles.WritePfx(chain.Leaf, chain.LeafKey, Array.Empty<System.Security.Cryptography.X509Certificates.X509Certificate2>(), Password, PfxCompatibility.Legacy, null, Fast);
            Run(seed, 91011, Password);
        }

        [Fact]
        public void Mutated_p7b_only_throws_pki_exceptions()
        {
            TestChain chain = TestChain.For(KeyAlgorithm.EcdsaP256);
            Run(CertificateFiles.WriteP7b(new[] { chain.Leaf, chain.Intermediate }, pem: false), 4321, null);
        }
    }
}
