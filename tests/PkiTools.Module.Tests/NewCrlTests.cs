using System;
using System.IO;
using System.Linq;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>New-Crl and Update-Crl -Path: the publication path is replaced only when it holds this CA's own CRL (or with -Force).</summary>
    public class NewCrlTests : CaTestBase
    {
        [Theory]
        [InlineData("New-Crl -Ca ./ca -Path ./www/ca.crl")]
        [InlineData("Update-Crl -Ca ./ca -RenewBeforeDays 3650 -Path ./www/ca.crl")]
        public void A_file_that_is_not_this_cas_crl_is_not_replaced_without_Force(string script)
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Corp' | Out-Null; New-Ca -Path ./other -Subject 'CN=Other' | Out-Null").ThrowOnError();
            Directory.CreateDirectory(S.File("www"));
            foreach (var (file, content, why) in new[]
            {
                ("www/ca.crl", "<html>index</html>\n", "not a CRL"),
                ("www/ca.crl", File.ReadAllText(S.File("other/crl/ca.crl")), "did not sign"),
                ("www/ca.der", "precious\n", "not a CRL"),
            })
            {
                foreach (string f in Directory.GetFiles(S.File("www"))) File.Delete(f);
                File.WriteAllText(S.File(file), content);
                var before = Snapshot(S.Directory);
                var r = S.Run(script);
                Assert.True(r.ErrorIds.SequenceEqual(new[] { "FileExists" }), $"{file}: {string.Join(", ", r.ErrorIds)}");
                Assert.Contains(why, r.Errors[0].ToString());
                Assert.Contains("-Force", r.Errors[0].ToString());
                Assert.Equal(S.File(file), r.Errors[0].TargetObject);
                AssertUnchanged(before, S.Directory); // no CRL number taken, nothing in the CA folder or www/
            }
            // -Force replaces it.
            dynamic crl = S.Run(script + " -Force").ThrowOnError().Single();
            Assert.Equal(File.ReadAllText(S.File("ca/crl/ca.crl")), File.ReadAllText(S.File("www/ca.crl")));
            Assert.Equal("2", (string)crl.CrlNumber);
        }

        [Fact]
        public void This_cas_previous_crl_is_replaced_without_Force_as_scheduled_publication_needs()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Corp' | Out-Null").ThrowOnError();
            Directory.CreateDirectory(S.File("www"));
            Assert.Equal("2", S.Run("(New-Crl -Ca ./ca -Path ./www/ca.crl).CrlNumber").ThrowOnError().Single<string>());
            Assert.Equal("3", S.Run("(New-Crl -Ca ./ca -Path ./www/ca.crl).CrlNumber").ThrowOnError().Single<string>());
            Assert.Equal("4", S.Run("(Update-Crl -Ca ./ca -RenewBeforeDays 3650 -Path ./www/ca.crl).CrlNumber").ThrowOnError().Single<string>());
            OpenSsl.Ok("crl", "-inform", "DER", "-in", S.File("www/ca.der"), "-CAfile", S.File("ca/ca.crt"), "-noout", "-verify");
            // The CA's own copy in its folder (crl/ca.crl) is always replaced; so is a copy New-Ca made (number 1) published by hand.
            File.Copy(S.File("ca/crl/ca.crl"), S.File("www/hand.crl"));
            Assert.Single(S.Run("New-Crl -Ca ./ca -Path ./www/hand.crl").ThrowOnError().Output);
            // -WhatIf writes nothing, even to a foreign file.
            File.WriteAllText(S.File("www/ca.crl"), "foreign\n");
            var before = Snapshot(S.Directory);
            Assert.Empty(S.Run("New-Crl -Ca ./ca -Path ./www/ca.crl -WhatIf").ThrowOnError().Output);
            AssertUnchanged(before, S.Directory);
        }
    }
}
