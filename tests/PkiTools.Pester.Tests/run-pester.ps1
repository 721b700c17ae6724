# Runs one Pester file under the Pester module given by path and writes a JSON summary for the xunit wrapper
# (PesterFileTests.cs). Pester comes from NuGet (PackageDownload in PkiTools.Pester.Tests.csproj), never PSGallery.
param(
    [Parameter(Mandatory)][string] $PesterManifest,
    [Parameter(Mandatory)][string] $TestFile,
    [Parameter(Mandatory)][string] $ResultFile
)
$ErrorActionPreference = 'Stop'
Import-Module -Name $PesterManifest -Force
$config = New-PesterConfiguration
$config.Run.Path = $TestFile
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$config.Output.RenderMode = 'Plaintext'
$run = Invoke-Pester -Configuration $config
$failures = @(
    foreach ($test in $run.Failed) {
        [ordered]@{ Name = $test.ExpandedPath; Message = ($test.ErrorRecord | ForEach-Object { "$_`n$($_.ScriptStackTrace)" }) -join "`n" }
    }
    # A failure outside any It (BeforeAll, discovery) fails the container, not a test.
    foreach ($container in $run.Containers) {
        if ($container.Result -eq 'Failed' -and $container.ErrorRecord.Count -gt 0) {
            [ordered]@{ Name = "$($container.Item) (setup)"; Message = ($container.ErrorRecord | ForEach-Object { "$_`n$($_.ScriptStackTrace)" }) -join "`n" }
        }
    }
)
[ordered]@{
    Passed   = $run.PassedCount
    Failed   = $run.FailedCount + @($run.Containers | Where-Object { $_.Result -eq 'Failed' -and $_.ErrorRecord.Count -gt 0 }).Count
    Skipped  = $run.SkippedCount + $run.NotRunCount
    Failures = $failures
} | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $ResultFile -Encoding utf8
