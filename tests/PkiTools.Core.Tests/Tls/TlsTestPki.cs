using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;
using PkiTools.Core.Tls;
using PkiTools.Core.X509;
using PkiTools.Tests;

namespace PkiTools.Core.Tests.Tls
{
    /// <summary>
    /// A root, an issuing CA under it, a server certificate for localhost and 127.0.0.1 and a client certificate, all
    /// valid now, written as the PEM files a server is configured with: the leaf alone, the full chain (leaf, then the
    /// intermediate) and the chain with the root.
    /// </summary>
    public sealed class TlsTestPki : IDisposable
    {
        private readonly TempDir _dir = new TempDir();

        public TlsTestPki(KeyAlgorithm algorithm = KeyAlgorithm.EcdsaP256, int leafDays = 90)
        {
            Root = CertificateIssuer.SelfSign(PrivateKey.Generate(algorithm), new CertificateTemplate { Subject = "CN=Tls Test Root, O=PkiTools Tests", Profile = CertificateProfile.RootCa });
            var rootIssuer = new CertificateIssuer(Root.Certificate, Root.Key!);
            Intermediate = rootIssuer.Issue(PrivateKey.Generate(algorithm), new CertificateTemplate { Subject = "CN=Tls Test Issuing CA", Profile = CertificateProfile.IntermediateCa });
            var issuing = new CertificateIssuer(Intermediate.Certificate, Intermediate.Key!, new[] { Root.Certificate });
            Leaf = issuing.Issue(PrivateKey.Generate(algorithm), new CertificateTemplate
            {
                DnsNames = new[] { "localhost", "tls.test.example" },
                IpAddresses = new[] { "127.0.0.1" },
                ValidDays = leafDays,
            });
            Client = issuing.Issue(PrivateKey.Generate(algorithm), new CertificateTemplate { Subject = "CN=tls-test-client", Profile = CertificateProfile.TlsClient });

            LeafFile = Write("leaf.pem", Leaf.Der);
            FullChainFile = Write("fullchain.pem", Leaf.Der, Intermediate.Der);
            WithRootFile = Write("withroot.pem", Leaf.Der, Intermediate.Der, Root.Der);
            KeyFile = _dir.File("leaf.key");
            System.IO.File.WriteAllText(KeyFile, Leaf.Key!.ExportPem());
            RootFile = Write("root.pem", Root.Der);
            IntermediateFile = Write("intermediate.pem", Intermediate.Der);
            CaBundleFile = Write("ca-bundle.pem", Intermediate.Der, Root.Der);
            ClientCertFile = Write("client.pem", Client.Der);
            ClientKeyFile = _dir.File("client.key");
            System.IO.File.WriteAllText(ClientKeyFile, Client.Key!.ExportPem());
        }

        public IssuedCertificate Root { get; }
        public IssuedCertificate Intermediate { get; }
        public IssuedCertificate Leaf { get; }
        public IssuedCertificate Client { get; }

        public string LeafFile { get; }
        public string FullChainFile { get; }
        public string WithRootFile { get; }
        public string KeyFile { get; }
        public string RootFile { get; }
        public string IntermediateFile { get; }
        public string CaBundleFile { get; }
        public string ClientCertFile { get; }
        public string ClientKeyFile { get; }

        public TlsClientCredential ClientCredential => new TlsClientCredential(Client.Certificate, Client.Key!, new[] { Intermediate.Certificate });

        public string File(string name) => _dir.File(name);

        public string Write(string name, params byte[][] ders)
        {
            string path = _dir.File(name);
            System.IO.File.WriteAllText(path, string.Concat(ders.Select(d => PkiTools.Core.Formats.Pem.Encode("CERTIFICATE", d))));
            return path;
        }

        public void Dispose() => _dir.Dispose();
    }
}
