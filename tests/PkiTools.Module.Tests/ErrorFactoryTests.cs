using System;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>The one place core codes become ErrorRecords: every code has a category, hints render as -Name.</summary>
    public class ErrorFactoryTests : ModuleTestBase
    {
        [Fact]
        public void Every_PkiErrorCode_has_an_explicit_category()
        {
            // The module's types are loaded with it, so the factory is called through PowerShell (the test project does not reference the assembly).
            var rows = S.Run(@"
                $factory = [PkiTools.Commands.Infrastructure.ErrorFactory]
                foreach ($code in [Enum]::GetValues([PkiTools.Core.PkiErrorCode])) {
                    try { '{0}={1}' -f $code, $factory::CategoryOf($code) } catch { '{0}=UNMAPPED' -f $code }
                }
                try { $factory::CategoryOf([PkiTools.Core.PkiErrorCode]9999); 'unknown=MAPPED' } catch { 'unknown=THROWS' }
            ").ThrowOnError().Output.Select(o => o.ToString()).ToList();
            Assert.Equal("unknown=THROWS", rows.Last());
            var unmapped = rows.Where(r => r.EndsWith("=UNMAPPED", StringComparison.Ordinal)).ToList();
            Assert.True(unmapped.Count == 0, "Codes without an ErrorCategory: " + string.Join(", ", unmapped));
            Assert.True(rows.Count > 20);
            Assert.Contains("FileExists=ResourceExists", rows);
            Assert.Contains("InvalidArgument=InvalidArgument", rows);
        }

        [Fact]
        public void A_core_hint_is_rendered_in_cmdlet_language_and_stays_structured()
        {
            var result = S.Run(@"
                $hint = [PkiTools.Core.PkiHint]::new('Use {0} to replace it, or {1}.', [string[]]@('Force', 'Profile=IntermediateCa'))
                $ex = [PkiTools.Core.PkiException]::new([PkiTools.Core.PkiErrorCode]::FileExists, 'The file exists.', $null, 'x.crt', $hint, 'Path')
                $record = [PkiTools.Commands.Infrastructure.ErrorFactory]::Create($ex)
                $record.ErrorDetails.Message
                $record.FullyQualifiedErrorId
                $record.CategoryInfo.Category.ToString()
                $ex.Message
            ").ThrowOnError().Output.Select(o => o.ToString()).ToList();
            Assert.Equal("The file exists. Use -Force to replace it, or -Profile IntermediateCa.", result[0]);
            Assert.Equal("FileExists", result[1]);
            Assert.Equal("ResourceExists", result[2]);
            Assert.Equal("The file exists. Use Force to replace it, or Profile IntermediateCa.", result[3]);
        }
    }
}
