using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using Xunit;

namespace PkiTools.Module.Tests
{
    public class ManifestTests : ModuleTestBase
    {
        private static readonly string[] Cmdlets =
        {
            "Export-Cert", "Export-PrivateKey", "Get-Ca", "Get-CertDetail", "Get-InstalledCert", "Get-IssuedCert", "Get-TlsCert", "Import-Cert", "Import-Crl", "Import-Csr",
            "Import-PrivateKey", "Install-Cert", "Invoke-CaSign", "Invoke-CertRenewal", "New-Ca", "New-Crl", "New-Csr", "New-PrivateKey", "New-SelfSignedCert", "Revoke-Cert", "Test-CertChain", "Test-TlsEndpoint",
            "Uninstall-Cert", "Update-Crl",
            "Find-ExpiringCert", "Export-CertMetric",
            "Register-CertRenewal", "Unregister-CertRenewal", "Get-CertRenewal",
            "New-AcmeAccount", "Get-AcmeAccount", "Request-AcmeCert", "Revoke-AcmeCert",
            "Move-CaLedger", "Export-CaLedger",
        };

        [Fact]
        public void Manifest_is_valid_and_its_version_matches_the_build()
        {
            var manifest = S.Run($"Test-ModuleManifest -Path '{PwshSession.ManifestPath}'").ThrowOnError().Single<PSModuleInfo>();
            string props = File.ReadAllText(Path.Combine(PwshSession.RepoRoot, "Directory.Build.props"));
            string version = Regex.Match(props, "<Version>([^<]+)</Version>").Groups[1].Value;
            Assert.Equal(version, manifest.Version.ToString(3));
        }

        [Fact]
        public void Module_exports_exactly_its_cmdlets_each_with_an_output_type()
        {
            var commands = S.Run("Get-Command -Module PkiTools").ThrowOnError().Output.Select(o => (CmdletInfo)o.BaseObject).ToList();
            Assert.Equal(Cmdlets.OrderBy(n => n, System.StringComparer.Ordinal), commands.Select(c => c.Name).OrderBy(n => n, System.StringComparer.Ordinal).ToArray());
            Assert.All(commands, c => Assert.NotEmpty(c.OutputType));
        }

        [Theory]
        [InlineData("New-SelfSignedCert")]
        [InlineData("New-Csr")]
        [InlineData("New-PrivateKey")]
        [InlineData("Invoke-CaSign")]
        public void Writers_support_WhatIf_and_Force(string name)
        {
            var command = (CmdletInfo)S.Run($"Get-Command {name}").ThrowOnError().Single();
            Assert.Contains("WhatIf", command.Parameters.Keys);
            Assert.Contains("Force", command.Parameters.Keys);
        }

        [Fact]
        public void Enum_parameters_complete_their_values()
        {
            // Tab completion of -KeyAlgorithm / -Profile comes from the enum types.
            var r = S.Run("(TabExpansion2 -inputScript 'New-SelfSignedCert -KeyAlgorithm Ecdsa' -cursorColumn 37).CompletionMatches | ForEach-Object { $_.CompletionText }").ThrowOnError();
            Assert.Equal(new[] { "EcdsaP256", "EcdsaP384", "EcdsaP521" }, r.Output.Select(o => o.ToString()).ToArray());
        }
    }
}
