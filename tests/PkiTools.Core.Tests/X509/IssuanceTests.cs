using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests
{
    public class IssuanceTests
    {
        public static TheoryData<KeyAlgorithm> AllAlgorithms() => new TheoryData<KeyAlgorithm>(Enum.GetValues<KeyAlgorithm>());

        [Theory]
        [MemberData(nameof(AllAlgorithms))]
        public void Root_intermediate_leaf_for_every_algorithm_is_accepted_by_openssl(KeyAlgorithm algorithm)
        {
            using var dir = new TempDir();
            var root = CertificateIssuer.SelfSign(PrivateKey.Generate(algorithm), new CertificateTemplate { Subject = "CN=Test Root " + algorithm, Profile = CertificateProfile.RootCa });
            var intermediate = new CertificateIssuer(root.Certificate, root.Key!).Issue(PrivateKey.Generate(algorithm), new CertificateTemplate { Subject = "CN=Test Intermediate", Profile = CertificateProfile.IntermediateCa });
            var key = PrivateKey.Generate(algorithm);
            var csr = CertificateSigningRequest.Create(key, null, new[] { "web01.corp.example" }, new[] { "127.0.0.1" });
            Assert.True(csr.SignatureValid);
            var leaf = new CertificateIssuer(intermediate.Certificate, intermediate.Key!, intermediate.Chain).Sign(csr, new CertificateTemplate { ValidDays = 90 });
            Assert.True(leaf.Certificate.HasPrivateKey || algorithm == KeyAlgorithm.Ed25519);
            Assert.Same(key, leaf.Key);
            Assert.Equal("CN=web01.corp.example", leaf.Certificate.Subject);

            File.WriteAllText(dir.File("root.pem"), root.Pem);
            File.WriteAllText(dir.File("int.pem"), intermediate.Pem);
            File.WriteAllText(dir.File("leaf.pem"), leaf.Pem);
            File.WriteAllText(dir.File("leaf.csr"), csr.Pem);
            File.WriteAllText(dir.File("leaf.key"), key.ExportPem());
            string verify = OpenSsl.Ok("verify", "-CAfile", dir.File("root.pem"), "-untrusted", dir.File("int.pem"), "-verify_hostname", "web01.corp.example", "-purpose", "sslserver", dir.File("leaf.pem"));
            Assert.Contains("OK", verify);
            OpenSsl.Ok("req", "-verify", "-noout", "-in", dir.File("leaf.csr"));
            OpenSsl.Ok("pkey", "-in", dir.File("leaf.key"), "-noout");
            string text = OpenSsl.Ok("x509", "-in", dir.File("leaf.pem"), "-noout", "-text");
            Assert.Contains("DNS:web01.corp.example", text);
            Assert.Contains("IP Address:127.0.0.1", text);
        }
    }
}
