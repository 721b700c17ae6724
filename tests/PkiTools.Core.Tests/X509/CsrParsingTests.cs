using System;
using System.IO;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests
{
    public class CsrParsingTests
    {
        [Fact]
        public void Csr_round_trips_and_reports_what_it_asks_for()
        {
            var key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            var csr = CertificateSigningRequest.Create(key, "CN=web01, O=Corp", new[] { "web01.corp.example" }, new[] { "10.0.0.1", "2001:db8::1" });
            var parsed = CertificateSigningRequest.Parse(System.Text.Encoding.ASCII.GetBytes(csr.Pem));
            Assert.True(parsed.SignatureValid);
            Assert.False(parsed.HasPrivateKey);
            Assert.Equal("CN=web01, O=Corp", parsed.Subject);
            Assert.Equal(new[] { "web01.corp.example" }, parsed.DnsNames);
            Assert.Equal(new[] { "10.0.0.1", "2001:db8::1" }, parsed.IpAddresses);
            Assert.Equal(key.KeyId, parsed.KeyId);
            Assert.Equal("ecdsa-with-SHA256", parsed.SignatureAlgorithm);
        }

        [Fact]
        public void Every_mutation_of_a_csr_gives_a_typed_error_or_a_result()
        {
            // A deterministic mutation run: the only exception that may escape is PkiException.
            var csr = CertificateSigningRequest.Create(PrivateKey.Generate(KeyAlgorithm.Rsa2048), null, new[] { "fuzz.example" }, Array.Empty<string>());
            byte[] der = csr.GetEncoded();
            var rng = new Random(20261123);
            int rejected = 0, badSignature = 0;
            for (int i = 0; i < 3000; i++)
            {
                byte[] m = (byte[])der.Clone();
                switch (i % 3)
                {
                    case 0:
                        m[rng.Next(m.Length)] ^= (byte)(1 << rng.Next(8));
                        break;
                    case 1:
                        Array.Resize(ref m, rng.Next(m.Length));
                        break;
                    default:
                        m[rng.Next(m.Length)] = (byte)rng.Next(256);
                        m[rng.Next(m.Length)] = (byte)rng.Next(256);
                        break;
                }
                try
                {
                    var parsed = CertificateSigningRequest.Parse(m);
                    if (!parsed.SignatureValid) badSignature++;
                }
                catch (PkiException)
                {
                    rejected++;
                }
            }
            Assert.True(rejected > 1000, $"rejected {rejected}");
            Assert.True(badSignature > 100, $"bad signatures {badSignature}");
        }

        [Fact]
        public void Windows_style_new_certificate_request_label_is_read()
        {
            var csr = CertificateSigningRequest.Create(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), null, new[] { "old.example" }, Array.Empty<string>());
            string pem = csr.Pem.Replace("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST");
            Assert.Equal(new[] { "old.example" }, CertificateSigningRequest.Parse(System.Text.Encoding.ASCII.GetBytes(pem)).DnsNames);
        }

        [Fact]
        public void Subject_and_requested_names_are_parsed_once_and_kept()
        {
            var key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            var created = CertificateSigningRequest.Create(key, "CN=web01, O=Corp", new[] { "WEB01.corp.example" }, new[] { "10.0.0.1" });
            var csr = CertificateSigningRequest.Parse(created.GetEncoded());
            Assert.Equal(csr.SubjectDer, csr.SubjectName.GetDerEncoded());
            var names = csr.RequestedNames;
            Assert.Same(names, csr.RequestedNames);
            Assert.Equal(2, names.Count);
            Assert.Equal("web01.corp.example", names[0].Name.ToString());
            Assert.Equal(Org.BouncyCastle.Asn1.X509.GeneralName.IPAddress, names[1].TagNo);
        }
    }
}
