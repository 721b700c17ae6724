using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Validation;
using Xunit;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>The operating system's roots are trusted only with UseSystemTrust.</summary>
    public class SystemTrustTests
    {
        private static X509Certificate2? CurrentSystemRoot() =>
            ChainValidator.SystemTrustedRoots.FirstOrDefault(c => c.NotBefore.ToUniversalTime() < DateTime.UtcNow && DateTime.UtcNow < c.NotAfter.ToUniversalTime() && c.Subject == c.Issuer);

        [Fact]
        public void System_roots_are_read_on_linux_when_the_bundle_exists()
        {
            if (!File.Exists("/etc/ssl/certs/ca-certificates.crt")) return;
            Assert.True(ChainValidator.SystemTrustedRoots.Count > 10);
        }

        [Fact]
        public void A_system_root_validates_itself_only_with_system_trust()
        {
            X509Certificate2? root = CurrentSystemRoot();
            if (root == null) return; // no system store on this machine
            ChainValidationResult trusted = ChainValidator.Validate(root, new ChainValidationOptions { UseSystemTrust = true });
            Assert.True(trusted.IsValid, string.Join("\n", trusted.Problems));
            Assert.Single(trusted.Chain);

            ChainValidationResult untrusted = ChainValidator.Validate(root, new ChainValidationOptions());
            Assert.Equal(ChainProblemCode.UntrustedRoot, untrusted.Problems.Single().Code);
        }

        [Fact]
        public void System_trust_does_not_trust_a_private_root()
        {
            ChainValidationResult result = ChainValidator.Validate(ValidationPki.Leaf, new ChainValidationOptions
            {
                UseSystemTrust = true,
                Intermediates = new[] { ValidationPki.Intermediate, ValidationPki.Root },
                At = ValidationPki.At,
            });
            Assert.Equal(new[] { (ChainProblemCode.UntrustedRoot, 2) }, result.Problems.Select(p => (p.Code, p.Index)));
        }
    }
}
