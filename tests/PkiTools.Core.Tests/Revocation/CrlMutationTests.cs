using System;
using System.Collections.Generic;
using PkiTools.Core.Revocation;
using PkiTools.Core.Tests.Fuzzing;
using PkiTools.Core.Tests.Validation;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.Core.Tests.Revocation
{
    /// <summary>Deterministic mutation fuzzing of CertificateRevocationList.Parse: only PkiException may escape.</summary>
    public sealed class CrlMutationTests
    {
        private readonly ITestOutputHelper _output;

        public CrlMutationTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void Mutated_crls_throw_only_PkiException()
        {
            var pki = new CrlTestPki();
            var entries = new List<RevokedEntry>();
            for (int i = 0; i < 12; i++)
            {
                entries.Add(new RevokedEntry(new byte[] { (byte)(0x40 + i), 0x11, (byte)i }, ValidationPki.Days(-i), i % 3 == 0 ? (RevocationReason?)null : (RevocationReason)(i % 7)));
            }
            CertificateRevocationList crl = CrlBuilder.Build(pki.Intermediate, entries, 77, ValidationPki.Days(-1), ValidationPki.Days(6));
            CertificateRevocationList empty = CrlBuilder.Build(pki.Root, Array.Empty<RevokedEntry>(), 1, ValidationPki.Days(-1), ValidationPki.Days(6));
            byte[][] seeds = { crl.GetEncoded(), empty.GetEncoded() };
            var fuzzer = new MutationFuzzer(40);
            FuzzRunner.Report report = FuzzRunner.Run("CertificateRevocationList.Parse", MutationFuzzer.Iterations,
                i => i % 4 == 3 ? fuzzer.MutatePem(crl.Pem) : fuzzer.MutateBinary(seeds[i % 2]),
                input =>
                {
                    CertificateRevocationList parsed = CertificateRevocationList.Parse(input);
                    // What a parsed CRL offers must not throw either.
                    _ = parsed.Issuer + parsed.CrlNumber + parsed.AuthorityKeyId + parsed.Pem + parsed.ToString();
                    parsed.IsSignedBy(pki.Intermediate);
                    parsed.Find(new byte[] { 0x41, 0x11, 0x01 });
                },
                _output);
            Assert.Equal(MutationFuzzer.Iterations, report.Inputs);
        }
    }
}
