using System;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Revocation;
using PkiTools.Core.Validation;
using PkiTools.Tests;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.Core.Tests.Revocation
{
    /// <summary>CRLs written by `openssl ca -gencrl` are read by Parse, and the validator agrees with openssl verify on them.</summary>
    public sealed class OpenSslCaCrlTests
    {
        private const string Config = @"[ ca ]
default_ca = CA_default
[ CA_default ]
dir = .
database = $dir/index.txt
new_certs_dir = $dir/newcerts
certificate = $dir/ca.pem
private_key = $dir/ca.key
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 30
default_crl_days = 7
policy = policy_any
unique_subject = no
x509_extensions = leaf_ext
crl_extensions = crl_ext
[ policy_any ]
commonName = supplied
[ leaf_ext ]
basicConstraints = CA:FALSE
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ crl_ext ]
authorityKeyIdentifier = keyid
[ req ]
distinguished_name = dn
[ dn ]
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
";

        private readonly ITestOutputHelper _output;

        public OpenSslCaCrlTests(ITestOutputHelper output) => _output = output;

        private static void Ok(string dir, params string[] args)
        {
            OpenSsl.Result r = OpenSsl.RunIn(dir, null, args);
            if (r.ExitCode != 0) throw new Xunit.Sdk.XunitException("openssl " + string.Join(" ", args) + " failed: " + r);
        }

        [Fact]
        public void Crls_from_openssl_ca_gencrl_are_read_and_honoured()
        {
            using var dir = new TempDir();
            string d = dir.Path;
            File.WriteAllText(dir.File("openssl.cnf"), Config);
            Directory.CreateDirectory(dir.File("newcerts"));
            File.WriteAllText(dir.File("index.txt"), string.Empty);
            File.WriteAllText(dir.File("serial"), "1000\n");
            File.WriteAllText(dir.File("crlnumber"), "1000\n");
            Ok(d, "req", "-x509", "-config", "openssl.cnf", "-extensions", "v3_ca", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=OpenSSL Test CA", "-days", "30");
            foreach (string name in new[] { "good", "bad", "held" })
            {
                Ok(d, "req", "-new", "-config", "openssl.cnf", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name + ".example");
                Ok(d, "ca", "-batch", "-config", "openssl.cnf", "-notext", "-in", name + ".csr", "-out", name + ".pem");
            }
            Ok(d, "ca", "-config", "openssl.cnf", "-revoke", "bad.pem", "-crl_reason", "keyCompromise");
            Ok(d, "ca", "-config", "openssl.cnf", "-revoke", "held.pem", "-crl_reason", "certificateHold");
            Ok(d, "ca", "-config", "openssl.cnf", "-gencrl", "-out", "crl.pem");
            Ok(d, "ca", "-config", "openssl.cnf", "-gencrl", "-out", "crl2.pem");

            X509Certificate2 ca = X509Certificate2.CreateFromPem(File.ReadAllText(dir.File("ca.pem")));
            CertificateRevocationList crl = CertificateRevocationList.Parse(File.ReadAllBytes(dir.File("crl.pem")));
            CertificateRevocationList crl2 = CertificateRevocationList.Parse(File.ReadAllBytes(dir.File("crl2.pem")));
            _output.WriteLine(crl.ToString());
            Assert.Equal("4096", crl.CrlNumber);
            Assert.Equal("4097", crl2.CrlNumber);
            Assert.Equal(2, crl.RevokedCount);
            Assert.True(crl.IsSignedBy(ca));
            Assert.NotNull(crl.AuthorityKeyId);

            foreach (string name in new[] { "good", "bad", "held" })
            {
                X509Certificate2 leaf = X509Certificate2.CreateFromPem(File.ReadAllText(dir.File(name + ".pem")));
                ChainValidationResult ours = ChainValidator.Validate(leaf, new ChainValidationOptions { TrustedRoots = new[] { ca }, Crls = new[] { crl, crl2 } });
                OpenSsl.Result theirs = OpenSsl.RunIn(d, null, "verify", "-crl_check", "-CRLfile", "crl2.pem", "-CAfile", "ca.pem", name + ".pem");
                _output.WriteLine($"{name}: ours {string.Join("; ", ours.Problems)} | openssl {theirs.All.Trim()}");
                Assert.Equal(theirs.ExitCode == 0, ours.IsValid);
                if (name == "good") continue;
                ChainProblem p = Assert.Single(ours.Problems);
                Assert.Equal(ChainProblemCode.Revoked, p.Code);
                Assert.Contains(name == "bad" ? "KeyCompromise" : "CertificateHold", p.Message);
                Assert.Contains("certificate revoked", theirs.All);
                Assert.Equal(name == "bad" ? RevocationReason.KeyCompromise : RevocationReason.CertificateHold, crl.Find(leaf)!.Reason);
            }
        }
    }
}
