using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using PkiTools.Core.Keys;

namespace PkiTools.Benchmarks
{
    /// <summary>PrivateKey.Generate for the fast algorithms (ECDSA, Ed25519): a normal short throughput job.</summary>
    [MemoryDiagnoser]
    [SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 5)]
    public class KeyGenerationBenchmarks
    {
        [Params(KeyAlgorithm.EcdsaP256, KeyAlgorithm.EcdsaP384, KeyAlgorithm.EcdsaP521, KeyAlgorithm.Ed25519)]
        public KeyAlgorithm Algorithm { get; set; }

        [Benchmark]
        public PrivateKey Generate() => PrivateKey.Generate(Algorithm);
    }

    /// <summary>
    /// PrivateKey.Generate for RSA. Prime search makes one RSA-4096 key take up to a second or more, and its time
    /// varies widely from key to key, so this class uses a monitoring job: one key per iteration, no pilot stage, a fixed
    /// small number of iterations, so RSA-4096 costs seconds rather than minutes. Expect a wide error column.
    /// </summary>
    [MemoryDiagnoser]
    [SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 8, invocationCount: 1)]
    public class RsaKeyGenerationBenchmarks
    {
        [Params(KeyAlgorithm.Rsa2048, KeyAlgorithm.Rsa3072, KeyAlgorithm.Rsa4096)]
        public KeyAlgorithm Algorithm { get; set; }

        [Benchmark]
        public PrivateKey Generate() => PrivateKey.Generate(Algorithm);
    }
}
