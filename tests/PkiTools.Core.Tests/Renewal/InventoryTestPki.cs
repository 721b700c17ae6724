using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Core.Tests.Renewal
{
    /// <summary>A throw-away CA and leaves with chosen lifetimes, written as the files an inventory finds.</summary>
    public sealed class InventoryTestPki
    {
        public InventoryTestPki()
        {
            Root = CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), new CertificateTemplate
            {
                Subject = "CN=Inventory Test Root",
                Profile = CertificateProfile.RootCa,
                NotBefore = DateTimeOffset.UtcNow.AddDays(-10),
                NotAfter = DateTimeOffset.UtcNow.AddDays(3650),
            });
            _issuer = new CertificateIssuer(Root.Certificate, Root.Key!);
            LeafKey = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
        }

        private readonly CertificateIssuer _issuer;

        public IssuedCertificate Root { get; }

        /// <summary>One key for every leaf: generating is the slow part and the inventory does not care.</summary>
        public PrivateKey LeafKey { get; }

        /// <summary>A TLS server certificate for <paramref name="dns"/> that expires in <paramref name="days"/> days (negative: expired).</summary>
        public IssuedCertificate Leaf(string dns, double days) =>
            _issuer.Issue(LeafKey, new CertificateTemplate
            {
                Subject = "CN=" + dns,
                DnsNames = new[] { dns },
                Profile = CertificateProfile.TlsServer,
                NotBefore = DateTimeOffset.UtcNow.AddDays(Math.Min(days, 0) - 30),
                NotAfter = DateTimeOffset.UtcNow.AddDays(days),
            });

        /// <summary>The certificate as PEM at <paramref name="path"/>, and its key at <paramref name="keyPath"/> when given.</summary>
        public static void WritePem(string path, X509Certificate2 certificate, PrivateKey? key = null, string? keyPath = null, params X509Certificate2[] chain)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var all = new List<X509Certificate2> { certificate };
            all.AddRange(chain);
            File.WriteAllBytes(path, CertificateFiles.WritePem(all));
            if (key != null && keyPath != null) File.WriteAllText(keyPath, key.ExportPem());
        }
    }
}
