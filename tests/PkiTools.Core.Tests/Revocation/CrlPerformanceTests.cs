using System;
using System.Diagnostics;
using PkiTools.Core.Revocation;
using PkiTools.Core.Tests.Validation;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.Core.Tests.Revocation
{
    public sealed class CrlPerformanceTests
    {
        private readonly ITestOutputHelper _output;

        public CrlPerformanceTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void A_100000_entry_crl_builds_and_parses_quickly()
        {
            var pki = new CrlTestPki();
            const int count = 100_000;
            var entries = new RevokedEntry[count];
            var rng = new Random(42);
            for (int i = 0; i < count; i++)
            {
                var serial = new byte[16];
                rng.NextBytes(serial);
                serial[0] = (byte)(0x10 | (serial[0] & 0x7F));
                serial[15] = (byte)i;
                serial[14] = (byte)(i >> 8);
                serial[13] = (byte)(i >> 16);
                entries[i] = new RevokedEntry(serial, ValidationPki.Days(-1 - i % 300), (RevocationReason)(i % 6));
            }
            CrlBuilder.Build(pki.Intermediate, entries, 1, ValidationPki.Days(-1), ValidationPki.Days(6)); // warm-up
            var build = Stopwatch.StartNew();
            CertificateRevocationList crl = CrlBuilder.Build(pki.Intermediate, entries, 2, ValidationPki.Days(-1), ValidationPki.Days(6));
            build.Stop();
            byte[] der = crl.GetEncoded();
            var parse = Stopwatch.StartNew();
            CertificateRevocationList parsed = CertificateRevocationList.Parse(der);
            parse.Stop();
            var find = Stopwatch.StartNew();
            for (int i = 0; i < count; i++) Assert.NotNull(parsed.Find(entries[i].SerialNumber));
            find.Stop();
            _output.WriteLine($"{count:N0} entries, {der.Length:N0} bytes: build+sign+self-check+parse {build.ElapsedMilliseconds} ms, parse {parse.ElapsedMilliseconds} ms, {count:N0} lookups {find.ElapsedMilliseconds} ms");
            Assert.Equal(count, parsed.RevokedCount);
            Assert.True(build.Elapsed < TimeSpan.FromSeconds(10), $"build took {build.Elapsed}");
            Assert.True(parse.Elapsed < TimeSpan.FromSeconds(10), $"parse took {parse.Elapsed}");
        }
    }
}
