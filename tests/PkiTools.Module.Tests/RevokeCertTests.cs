using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>Revoke-Cert: holds and their release.</summary>
    public class RevokeCertTests : CaTestBase
    {
        [Fact]
        public void A_hold_is_released_with_RemoveFromCrl_and_the_next_crl_drops_it()
        {
            S.Run("New-Ca -Path ./ca -Subject 'CN=Hold CA' | Out-Null; $c = New-Csr -DnsName held.example | Invoke-CaSign -Ca ./ca").ThrowOnError();
            S.Run("$c | Revoke-Cert -Ca ./ca -Reason CertificateHold -Confirm:$false").ThrowOnError();
            Assert.Equal("Revoked", S.Run("($c | Test-CertChain -TrustedRoot ./ca/ca.crt -Crl (New-Crl -Ca ./ca)).Problems[0].Code.ToString()").ThrowOnError().Single<string>());
            var r = S.Run("$c | Revoke-Cert -Ca ./ca -Reason RemoveFromCrl -Confirm:$false -PassThru -Verbose").ThrowOnError();
            Assert.Equal("Valid", ((dynamic)r.Single()).Status.ToString());
            Assert.Contains(r.Verbose, v => v.Contains("Released the hold"));
            Assert.True(S.Run("$c | Test-CertChain -TrustedRoot ./ca/ca.crt -Crl (New-Crl -Ca ./ca) -Quiet").ThrowOnError().Single<bool>());
            Assert.Equal(new[] { "InvalidArgument" }, S.Run("$c | Revoke-Cert -Ca ./ca -Reason RemoveFromCrl -Confirm:$false").ErrorIds);
        }
    }
}
