using System;
using System.Formats.Asn1;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>
    /// Issue 11, holes 2 and 3 from PowerShell: a hostile policy.json is one InvalidArgument error (not a crashed
    /// process), and Invoke-CaSign refuses subject CNs that could be read as a host name outside the CA's DNS suffixes.
    /// </summary>
    public class CaPolicyHardeningTests : CaTestBase
    {
        /// <summary>A CSR file (PEM) whose subject is exactly one CN as a UTF8String, with no SAN.</summary>
        private string CsrFile(string name, string cn)
        {
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            using (writer.PushSetOf())
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("2.5.4.3");
                writer.WriteCharacterString(UniversalTagNumber.UTF8String, cn);
            }
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest(new X500DistinguishedName(writer.Encode()), key, HashAlgorithmName.SHA256);
            string path = S.File(name + ".csr");
            File.WriteAllText(path, request.CreateSigningRequestPem());
            return path;
        }

        [Fact]
        public void A_deeply_nested_or_duplicated_policy_json_is_InvalidArgument_naming_the_file()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Corp' -PermittedDnsDomain corp.example | Out-Null").ThrowOnError();
            string file = S.File("ca/policy.json");
            string policy = File.ReadAllText(file);

            File.WriteAllText(file, "{\"permittedDnsSuffixes\": " + new string('[', 30000) + new string(']', 30000) + "}");
            var deep = S.Run("Get-Ca ./ca");
            Assert.Equal(new[] { "InvalidArgument" }, deep.ErrorIds);
            Assert.Contains(file, deep.Errors[0].ToString());
            Assert.Contains("64", deep.Errors[0].ToString());
            // The session (the process) is still there and serves the next command.
            Assert.Equal(2, S.Run("1 + 1").ThrowOnError().Single<int>());

            // A second permittedDnsSuffixes that would silently widen the first.
            File.WriteAllText(file, policy.TrimEnd().TrimEnd('}') + ", \"permittedDnsSuffixes\": []\n}\n");
            var twice = S.Run("New-Csr -DnsName www.evil.example | Invoke-CaSign -Ca ./ca -Path ./evil");
            Assert.Equal(new[] { "InvalidArgument" }, twice.ErrorIds);
            Assert.Contains("permittedDnsSuffixes", twice.Errors[0].ToString());
            Assert.Contains("twice", twice.Errors[0].ToString());
            Assert.False(File.Exists(S.File("evil.crt")));

            File.WriteAllText(file, policy);
            S.Run("Get-Ca ./ca | Out-Null").ThrowOnError();
        }

        [Fact]
        public void Invoke_CaSign_refuses_cns_that_could_be_read_as_a_host_outside_the_suffix()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Corp' -PermittedDnsDomain corp.example | Out-Null").ThrowOnError();
            string[] hostile =
            {
                "www.bank.com\0.corp.example", "evil.com/.corp.example", "\u00C9VIL.corp.example", ".evil.com", "evil.com ", "evil\uFF0Ecom",
            };
            for (int i = 0; i < hostile.Length; i++)
            {
                string csr = CsrFile("h" + i, hostile[i]);
                var r = S.Run($"Invoke-CaSign -CsrPath '{csr}' -Ca ./ca -Path ./h{i}");
                Assert.True(r.ErrorIds.SequenceEqual(new[] { "PolicyViolation" }), $"CN {i}: [{string.Join(", ", r.ErrorIds)}] {string.Join("; ", r.Errors)}");
                Assert.False(File.Exists(S.File($"h{i}.crt")));
            }
            Assert.Empty(File.ReadAllText(S.File("ca/index.txt")));

            // What issued before still does: a host name inside the suffix, and a CN that is clearly not a host name.
            var web = S.Run($"Invoke-CaSign -CsrPath '{CsrFile("web", "web01.corp.example")}' -Ca ./ca").ThrowOnError().Single<X509Certificate2>();
            Assert.Equal("CN=web01.corp.example", web.Subject);
            var agent = S.Run($"Invoke-CaSign -CsrPath '{CsrFile("agent", "Backup Agent")}' -Ca ./ca -Profile TlsClient").ThrowOnError().Single<X509Certificate2>();
            Assert.Equal("CN=Backup Agent", agent.Subject);
        }
    }
}
