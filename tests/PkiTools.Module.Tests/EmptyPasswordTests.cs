using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>
    /// Issue 11, hole 7: every cmdlet that encrypts output with -Password refuses an empty one (InvalidArgument, with
    /// the remedy) and writes nothing; reading a file encrypted with an empty password by another tool still works.
    /// </summary>
    public class EmptyPasswordTests : CaTestBase
    {
        public EmptyPasswordTests()
        {
            S.Run("$empty = $e", new Dictionary<string, object?> { ["e"] = new SecureString() }).ThrowOnError();
        }

        private void Refused(string script, params string[] mustNotExist)
        {
            var r = S.Run(script);
            Assert.True(r.ErrorIds.SequenceEqual(new[] { "InvalidArgument" }), $"{script}: [{string.Join(", ", r.ErrorIds)}] {string.Join("; ", r.Errors)}");
            string message = r.Errors[0].ToString();
            Assert.True(message.Contains("password is empty"), script + ": " + message);
            Assert.Contains("-Password", message); // the hint, rendered by the cmdlet layer
            Assert.Contains("-NoPassword", message);
            foreach (string file in mustNotExist) Assert.False(File.Exists(S.File(file)), $"{script} wrote {file}");
        }

        [Fact]
        public void Every_cmdlet_that_encrypts_refuses_an_empty_password_and_writes_nothing()
        {
            S.Run("New-SelfSignedCert -Subject 'CN=site.example' -DnsName site.example -Path ./site | Out-Null").ThrowOnError();
            Refused("New-PrivateKey -Path ./k.key -Password $empty", "k.key");
            Refused("Import-PrivateKey ./site.key | Export-PrivateKey -Path ./e.key -Password $empty", "e.key");
            Refused("Import-Cert ./site.crt | Export-Cert -Path ./s.pfx -Format Pfx -Password $empty -Key (Import-PrivateKey ./site.key)", "s.pfx");
            Refused("Import-Cert ./site.crt | Export-Cert -Path ./l.pfx -Format Pfx -Password $empty -PfxCompatibility Legacy", "l.pfx");
            Refused("New-SelfSignedCert -Subject 'CN=x.example' -DnsName x.example -Path ./x -Password $empty", "x.key", "x.crt");
            Refused("New-Ca -Path ./ca -Subject 'CN=Empty' -Password $empty", "ca/private/ca.key", "ca/ca.crt");
            S.Run("New-Ca -Path ./ok -Subject 'CN=Ok' | Out-Null").ThrowOnError();
            Refused("New-Csr -DnsName w.example | Invoke-CaSign -Ca ./ok -Path ./w -Password $empty", "w.key", "w.crt");
            Assert.Empty(File.ReadAllText(S.File("ok/index.txt")));
        }

        [Fact]
        public void A_pfx_someone_else_encrypted_with_an_empty_password_still_reads()
        {
            S.Run("New-SelfSignedCert -Subject 'CN=site.example' -DnsName site.example -Path ./site | Out-Null").ThrowOnError();
            PkiTools.Tests.OpenSsl.Ok("pkcs12", "-export", "-in", S.File("site.crt"), "-inkey", S.File("site.key"), "-out", S.File("empty.pfx"), "-passout", "pass:");
            var r = S.Run("Import-Cert ./empty.pfx -Password $empty").ThrowOnError();
            Assert.Single(r.Output);
        }
    }
}
