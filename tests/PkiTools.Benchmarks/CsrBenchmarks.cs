using System;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Benchmarks
{
    /// <summary>
    /// CSR parse + signature verify (issue 14: what Import-Csr and Invoke-CaSign do with each request) through
    /// CertificateSigningRequest.Parse, for P-256 (PEM and DER) and RSA-2048 requests made once in GlobalSetup, and
    /// beside it the parts it is made of, to say where the time goes: the ASN.1 decode alone (BouncyCastle's
    /// CertificationRequest), the PEM decode alone, the platform key import alone, and the bare platform verify of the same signature (a key imported
    /// once, as the ceiling: Parse also imports the request's key each time, which the bare verify does not).
    /// </summary>
    [MemoryDiagnoser]
    [SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 5)]
    public class CsrBenchmarks
    {
        private byte[] _ecPem = null!;
        private byte[] _ecDer = null!;
        private byte[] _rsaDer = null!;
        private byte[] _ecInfo = null!;
        private byte[] _ecSignature = null!;
        private byte[] _ecSpki = null!;
        private ECDsa _ecKey = null!;

        [GlobalSetup]
        public void Setup()
        {
            CertificateSigningRequest ec = CertificateSigningRequest.Create(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), null, Fixtures.LeafDnsNames, Array.Empty<string>());
            CertificateSigningRequest rsa = CertificateSigningRequest.Create(PrivateKey.Generate(KeyAlgorithm.Rsa2048), null, Fixtures.LeafDnsNames, Array.Empty<string>());
            _ecDer = ec.GetEncoded();
            _ecPem = Encoding.ASCII.GetBytes(ec.Pem);
            _rsaDer = rsa.GetEncoded();

            // The bare verify: the signed CertificationRequestInfo and the signature in IEEE P1363 form, key imported once.
            var request = CertificationRequest.GetInstance(Asn1Object.FromByteArray(_ecDer));
            _ecInfo = request.GetCertificationRequestInfo().GetDerEncoded();
            _ecSignature = EcdsaSignatureFormat.DerToP1363(request.Signature.GetOctets(), 32) ?? throw new InvalidOperationException("signature not DER");
            _ecSpki = request.GetCertificationRequestInfo().SubjectPublicKeyInfo.GetDerEncoded();
            _ecKey = ECDsa.Create();
            _ecKey.ImportSubjectPublicKeyInfo(_ecSpki, out _);

            // Fail fast rather than benchmarking a refusal.
            if (!EcP256Der().SignatureValid || !EcP256Pem().SignatureValid || !Rsa2048Der().SignatureValid || !BareVerifyEcP256())
            {
                throw new InvalidOperationException("a request's signature does not verify");
            }
        }

        [GlobalCleanup]
        public void Cleanup() => _ecKey.Dispose();

        [Benchmark(Description = "P-256 CSR, DER: Parse (decode + verify)")]
        public CertificateSigningRequest EcP256Der() => CertificateSigningRequest.Parse(_ecDer);

        [Benchmark(Description = "P-256 CSR, PEM: Parse (decode + verify)")]
        public CertificateSigningRequest EcP256Pem() => CertificateSigningRequest.Parse(_ecPem);

        [Benchmark(Description = "RSA-2048 CSR, DER: Parse (decode + verify)")]
        public CertificateSigningRequest Rsa2048Der() => CertificateSigningRequest.Parse(_rsaDer);

        [Benchmark(Description = "part: P-256 CSR ASN.1 decode only (BouncyCastle)")]
        public CertificationRequest DecodeOnly() => CertificationRequest.GetInstance(Asn1Object.FromByteArray(_ecDer));

        [Benchmark(Description = "part: PEM to DER only")]
        public int PemOnly()
        {
            foreach (PemBlock block in Pem.Decode(Encoding.UTF8.GetString(_ecPem))) return block.Data.Length;
            return 0;
        }

        [Benchmark(Description = "part: P-256 public key import only (platform)")]
        public int KeyImport()
        {
            using ECDsa key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(_ecSpki, out int read);
            return read;
        }

        [Benchmark(Description = "ceiling: P-256 verify only (platform, key imported once)")]
        public bool BareVerifyEcP256() => _ecKey.VerifyData(_ecInfo, _ecSignature, HashAlgorithmName.SHA256);
    }
}
