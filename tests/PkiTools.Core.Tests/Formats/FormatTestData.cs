using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Core.Tests.Formats
{
    /// <summary>A root, an intermediate and a leaf with its key, generated at test time.</summary>
    public sealed class TestChain
    {
        private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow.AddMinutes(-5);

        public TestChain(KeyAlgorithm leafAlgorithm = KeyAlgorithm.EcdsaP256)
        {
            var root = CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate { Subject = "CN=Formats Root", Profile = CertificateProfile.RootCa }, Now);
            var intermediate = new CertificateIssuer(root.Certificate) { Clock = () => Now }.Issue(PrivateKey.Generate(KeyAlgorithm.EcdsaP256),
                new CertificateTemplate { Subject = "CN=Formats Intermediate", Profile = CertificateProfile.IntermediateCa, ValidDays = 365 });
            LeafKey = PrivateKey.Generate(leafAlgorithm);
            var leaf = new CertificateIssuer(intermediate.Certificate) { Clock = () => Now }.Issue(LeafKey,
                new CertificateTemplate { Subject = "CN=leaf.example", DnsNames = new[] { "leaf.example" }, ValidDays = 30 });
            Root = new X509Certificate2(root.Der);
            Intermediate = new X509Certificate2(intermediate.Der);
            Leaf = new X509Certificate2(leaf.Der);
        }

        public X509Certificate2 Root { get; }
        public X509Certificate2 Intermediate { get; }
        public X509Certificate2 Leaf { get; }
        public PrivateKey LeafKey { get; }

        /// <summary>Intermediate, then root.</summary>
        public IReadOnlyList<X509Certificate2> Chain => new[] { Intermediate, Root };

        public IReadOnlyList<X509Certificate2> All => new[] { Leaf, Intermediate, Root };

        private static readonly Lazy<TestChain> SharedEc = new Lazy<TestChain>(() => new TestChain(KeyAlgorithm.EcdsaP256));
        private static readonly Lazy<TestChain> SharedRsa = new Lazy<TestChain>(() => new TestChain(KeyAlgorithm.Rsa2048));
        private static readonly Lazy<TestChain> SharedEd = new Lazy<TestChain>(() => new TestChain(KeyAlgorithm.Ed25519));

        public static TestChain For(KeyAlgorithm algorithm) => algorithm switch
        {
            KeyAlgorithm.EcdsaP256 => SharedEc.Value,
            KeyAlgorithm.Rsa2048 => SharedRsa.Value,
            KeyAlgorithm.Ed25519 => SharedEd.Value,
            _ => new TestChain(algorithm),
        };
    }
}
