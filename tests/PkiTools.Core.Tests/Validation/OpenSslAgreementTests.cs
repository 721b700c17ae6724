using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Formats;
using PkiTools.Core.Validation;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>`openssl verify` and ChainValidator agree on pass/fail for every case OpenSSL can express.</summary>
    public class OpenSslAgreementTests
    {
        public static TheoryData<string> OpenSslCases() => new TheoryData<string>(ValidationPki.Cases.Values.Where(c => c.OpenSsl).Select(c => c.Name).OrderBy(n => n));

        [Theory]
        [MemberData(nameof(OpenSslCases))]
        public void Openssl_verify_agrees(string name)
        {
            ChainCase c = ValidationPki.Cases[name];
            using var dir = new TempDir();
            File.WriteAllText(dir.File("roots.pem"), ToPem(c.Roots));
            File.WriteAllText(dir.File("leaf.pem"), ToPem(new[] { c.Leaf }));
            var args = new List<string> { "verify", "-no-CApath", "-no-CAstore", "-CAfile", dir.File("roots.pem") };
            if (c.Intermediates.Length > 0)
            {
                File.WriteAllText(dir.File("untrusted.pem"), ToPem(c.Intermediates));
                args.Add("-untrusted");
                args.Add(dir.File("untrusted.pem"));
            }
            if (c.DnsName != null)
            {
                args.Add("-verify_hostname");
                args.Add(c.DnsName);
            }
            if (c.IpAddress != null)
            {
                args.Add("-verify_ip");
                args.Add(c.IpAddress);
            }
            if (c.Purpose != CertificatePurpose.Any)
            {
                args.Add("-purpose");
                args.Add(c.Purpose == CertificatePurpose.ServerAuth ? "sslserver" : "sslclient");
            }
            args.Add("-attime");
            args.Add(ValidationPki.At.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
            args.Add(dir.File("leaf.pem"));

            OpenSsl.Result openssl = OpenSsl.Run(args.ToArray());
            ChainValidationResult ours = ChainValidator.Validate(c.Leaf, c.Options);
            Assert.True((openssl.ExitCode == 0) == ours.IsValid,
                $"{name}: openssl says {openssl.All.Trim()}\nPkiTools says {(ours.IsValid ? "valid" : string.Join("; ", ours.Problems))}");
        }

        private static string ToPem(IEnumerable<X509Certificate2> certificates) =>
            string.Concat(certificates.Select(x => Pem.Encode("CERTIFICATE", x.RawData)));
    }
}
