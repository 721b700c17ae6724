using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>The CA key's password with no person present: -CaPasswordFile (owner-only), New-Ca -PasswordFile/-ParentPasswordFile.</summary>
    public class CaPasswordFileTests : CaTestBase
    {
        [Fact]
        public void Every_signing_cmdlet_takes_the_ca_password_from_an_owner_only_file()
        {
            PasswordFile("ca.pw");
            // New-Ca -PasswordFile encrypts the new key with the file's first line; -ParentPasswordFile unlocks the parent's.
            S.Run("New-Ca -Path ./ca -Subject 'CN=File Root' -PathLength 1 -PasswordFile ./ca.pw | Out-Null").ThrowOnError();
            Assert.Contains("ENCRYPTED PRIVATE KEY", File.ReadAllText(S.File("ca/private/ca.key")));
            Assert.Equal(0, OpenSsl.Run("pkey", "-in", S.File("ca/private/ca.key"), "-passin", "pass:" + Secret, "-noout").ExitCode);
            S.Run("New-Ca -Path ./sub -Subject 'CN=File Sub' -Parent ./ca -ParentPasswordFile ./ca.pw | Out-Null").ThrowOnError();
            dynamic leaf = S.Run("New-Csr -DnsName web.example | Invoke-CaSign -Ca ./ca -CaPasswordFile ./ca.pw").ThrowOnError().Single();
            Assert.Equal("CN=web.example", (string)leaf.Subject);
            Assert.Equal("2", S.Run("(New-Crl -Ca ./ca -CaPasswordFile ./ca.pw).CrlNumber").ThrowOnError().Single<string>()); // New-Ca published number 1
            Assert.Single(S.Run("Update-Crl -Ca ./ca -RenewBeforeDays 3650 -CaPasswordFile ./ca.pw").ThrowOnError().Output);
            // The password appears nowhere.
            var verbose = S.Run("New-Crl -Ca ./ca -CaPasswordFile ./ca.pw -Verbose").ThrowOnError();
            Assert.DoesNotContain(verbose.Verbose, v => v.Contains(Secret));
        }

        [Theory]
        [InlineData("New-Csr -DnsName n.example | Invoke-CaSign -Ca ./ca -Path ./n -CaPasswordFile ./loose.pw")]
        [InlineData("New-Crl -Ca ./ca -CaPasswordFile ./loose.pw")]
        [InlineData("Update-Crl -Ca ./ca -RenewBeforeDays 3650 -CaPasswordFile ./loose.pw")]
        [InlineData("New-Ca -Path ./child -Subject 'CN=Child' -Parent ./ca -ParentPasswordFile ./loose.pw")]
        [InlineData("New-Ca -Path ./other -Subject 'CN=Other' -PasswordFile ./loose.pw")]
        public void A_password_file_others_can_read_is_PasswordFileInsecure_and_nothing_changes(string script)
        {
            if (OperatingSystem.IsWindows()) return; // the ACL decision is unit-tested in PasswordFileTests
            PasswordFile("ca.pw");
            PasswordFile("loose.pw", mode: UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            S.Run("New-Ca -Path ./ca -Subject 'CN=Locked' -PathLength 1 -PasswordFile ./ca.pw | Out-Null").ThrowOnError();
            var before = Snapshot(S.Directory);
            var r = S.Run(script);
            Assert.Equal(new[] { "PasswordFileInsecure" }, r.ErrorIds);
            Assert.Equal(ErrorCategory.SecurityError, r.Errors[0].CategoryInfo.Category);
            Assert.Contains("0644", r.Errors[0].ToString());
            Assert.Contains("loose.pw", r.Errors[0].ToString());
            Assert.Equal(S.File("loose.pw"), r.Errors[0].TargetObject);
            Assert.DoesNotContain(Secret, r.Errors[0].ToString() + r.Errors[0].Exception);
            AssertUnchanged(before, S.Directory);
        }

        [Fact]
        public void A_missing_file_is_FileNotFound_and_both_password_and_file_is_InvalidArgument()
        {
            PasswordFile("ca.pw");
            S.Run("New-Ca -Path ./ca -Subject 'CN=Locked' -PasswordFile ./ca.pw | Out-Null").ThrowOnError();
            var before = Snapshot(S.File("ca"));
            Assert.Equal(new[] { "FileNotFound" }, S.Run("New-Crl -Ca ./ca -CaPasswordFile ./nope.pw").ErrorIds);
            Assert.Equal(new[] { "FileNotFound" }, S.Run("New-Csr -DnsName a.example | Invoke-CaSign -Ca ./ca -CaPasswordFile ./nope.pw").ErrorIds);
            Assert.Equal(new[] { "InvalidArgument" }, S.Run($"New-Crl -Ca ./ca -CaPasswordFile ./ca.pw -CaPassword {Pw(Secret)}").ErrorIds);
            Assert.Equal(new[] { "InvalidArgument" }, S.Run($"New-Ca -Path ./x -Subject 'CN=X' -PasswordFile ./ca.pw -Password {Pw(Secret)}").ErrorIds);
            // A file with the wrong password is PasswordIncorrect and names the option.
            PasswordFile("wrong.pw", "not-it\n");
            var wrong = S.Run("New-Crl -Ca ./ca -CaPasswordFile ./wrong.pw");
            Assert.Equal(new[] { "PasswordIncorrect" }, wrong.ErrorIds);
            Assert.Contains("-CaPasswordFile", wrong.Errors[0].ToString());
            AssertUnchanged(before, S.File("ca"));
            Assert.False(Directory.Exists(S.File("x")));
        }

        [Fact]
        public void Password_required_names_every_way_to_give_the_password()
        {
            PasswordFile("ca.pw");
            S.Run("New-Ca -Path ./ca -Subject 'CN=Locked' -PasswordFile ./ca.pw | Out-Null").ThrowOnError();
            var r = S.Run("New-Crl -Ca ./ca");
            Assert.Equal(new[] { "PasswordRequired" }, r.ErrorIds);
            string message = r.Errors[0].ToString();
            foreach (string option in new[] { "-CaPassword", "-CaPasswordFile", "pkitools-ca-password", "-CaPasswordCredential", "-ParentPasswordFile" })
            {
                Assert.Contains(option, message);
            }
        }

        [Fact]
        public void The_password_file_parameters_bind_only_where_a_ca_key_is_used()
        {
            PasswordFile("ca.pw");
            S.Run("New-Ca -Path ./ca -Subject 'CN=Root' | Out-Null").ThrowOnError();
            foreach (string cmdlet in new[] { "Invoke-CaSign", "New-Crl", "Update-Crl" })
            {
                var parameters = S.Run($"(Get-Command {cmdlet}).Parameters.Keys").ThrowOnError().Output.Select(o => o.ToString()).ToArray();
                Assert.Contains("CaPasswordFile", parameters);
                Assert.Contains("CaPasswordCredential", parameters);
            }
            var newCa = S.Run("(Get-Command New-Ca).Parameters.Keys").ThrowOnError().Output.Select(o => o.ToString()).ToArray();
            Assert.Contains("PasswordFile", newCa);
            Assert.Contains("ParentPasswordFile", newCa);
            Assert.Contains("ParentPasswordCredential", newCa);
            // -CaPasswordFile is for -Ca, not for a plain -Issuer.
            var r = S.Run("New-Csr -DnsName a.example | Invoke-CaSign -Issuer ./ca/ca.crt -CaPasswordFile ./ca.pw");
            Assert.Single(r.Errors);
            Assert.IsType<ParameterBindingException>(r.Errors[0].Exception);
        }
    }

    /// <summary>systemd's LoadCredential=: $CREDENTIALS_DIRECTORY is process-wide, so these tests run alone.</summary>
    [CollectionDefinition(nameof(CredentialsDirectoryCollection), DisableParallelization = true)]
    public sealed class CredentialsDirectoryCollection
    {
    }

    [Collection(nameof(CredentialsDirectoryCollection))]
    public class CaPasswordCredentialTests : CaTestBase
    {
        [Fact]
        public void An_encrypted_ca_key_takes_its_password_from_the_systemd_credential()
        {
            PasswordFile("ca.pw");
            S.Run("New-Ca -Path ./ca -Subject 'CN=Locked' -PasswordFile ./ca.pw | Out-Null; New-Ca -Path ./plain -Subject 'CN=Plain' | Out-Null").ThrowOnError();
            Directory.CreateDirectory(S.File("creds"));
            File.WriteAllText(S.File("creds/pkitools-ca-password"), Secret + "\n");
            File.WriteAllText(S.File("creds/root-ca"), Secret);
            string? saved = Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY");
            try
            {
                Environment.SetEnvironmentVariable("CREDENTIALS_DIRECTORY", S.File("creds"));
                Assert.Equal("2", S.Run("(New-Crl -Ca ./ca).CrlNumber").ThrowOnError().Single<string>());
                Assert.Single(S.Run("New-Csr -DnsName a.example | Invoke-CaSign -Ca ./ca").ThrowOnError().Output);
                Assert.Equal("3", S.Run("(New-Crl -Ca ./ca -CaPasswordCredential root-ca).CrlNumber").ThrowOnError().Single<string>());
                Assert.Equal(new[] { "FileNotFound" }, S.Run("New-Crl -Ca ./ca -CaPasswordCredential nope").ErrorIds);
                // An unencrypted key never consults it; an explicit password wins over it.
                File.WriteAllText(S.File("creds/pkitools-ca-password"), "wrong\n");
                Assert.Single(S.Run("New-Crl -Ca ./plain").ThrowOnError().Output);
                Assert.Equal(new[] { "PasswordIncorrect" }, S.Run("New-Crl -Ca ./ca").ErrorIds);
                Assert.Single(S.Run("New-Crl -Ca ./ca -CaPasswordFile ./ca.pw").ThrowOnError().Output);
                Environment.SetEnvironmentVariable("CREDENTIALS_DIRECTORY", null);
                Assert.Equal(new[] { "PasswordRequired" }, S.Run("New-Crl -Ca ./ca").ErrorIds);
            }
            finally
            {
                Environment.SetEnvironmentVariable("CREDENTIALS_DIRECTORY", saved);
            }
        }
    }
}
