using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Validation;
using Xunit;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>.NET's X509Chain (custom root trust, no revocation) and ChainValidator agree on pass/fail.</summary>
    public class DotNetChainAgreementTests
    {
        public static TheoryData<string> DotNetCases() => new TheoryData<string>(
            ValidationPki.Cases.Values.Where(c => c.DotNet && c.DnsName == null && c.IpAddress == null).Select(c => c.Name).OrderBy(n => n));

        [Theory]
        [MemberData(nameof(DotNetCases))]
        public void X509Chain_agrees(string name)
        {
            ChainCase c = ValidationPki.Cases[name];
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(c.Roots);
            chain.ChainPolicy.ExtraStore.AddRange(c.Intermediates);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationTime = ValidationPki.At.UtcDateTime;
            chain.ChainPolicy.VerificationTimeIgnored = false;
            if (c.Purpose == CertificatePurpose.ServerAuth) chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.1"));
            if (c.Purpose == CertificatePurpose.ClientAuth) chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2"));
            bool dotnet = chain.Build(c.Leaf);

            ChainValidationResult ours = ChainValidator.Validate(c.Leaf, c.Options);
            Assert.True(dotnet == ours.IsValid,
                $"{name}: X509Chain says {dotnet} ({string.Join(", ", chain.ChainStatus.Select(s => s.Status))})\nPkiTools says {(ours.IsValid ? "valid" : string.Join("; ", ours.Problems))}");
            if (dotnet)
            {
                Assert.Equal(chain.ChainElements.Select(e => e.Certificate.Thumbprint), ours.Chain.Select(x => x.Thumbprint));
            }
        }
    }
}
