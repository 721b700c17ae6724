#requires -Version 5.1
<#
.SYNOPSIS
    Builds, tests and packages PkiTools.
.DESCRIPTION
    Build   : dotnet build (Debug) - afterwards Import-Module ./PkiTools.psd1 works from the repository root.
    Test    : dotnet test: the xunit tests and every Pester file (pinned pwsh 7.6.10, Pester 5.9.1 from NuGet).
    Pester  : only the Pester files, in this PowerShell, with the Pester that the build restored.
    Package : a Release build laid out as an installable module in out/PkiTools/<version>/
              (dotnet build src/PkiTools -c Release -t:Package); copy out/PkiTools to a folder in $env:PSModulePath.
    Clean   : removes bin/, out/ and every project's bin/obj.
.EXAMPLE
    ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Pester', 'Package', 'Clean')]
    [string] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug'
)

$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $PSScriptRoot

# Pester 5.9.1 as restored from NuGet by tests/PkiTools.Pester.Tests (PackageDownload), never from PSGallery.
function Get-PesterManifest {
    $root = (& dotnet msbuild tests/PkiTools.Pester.Tests -getProperty:NuGetPackageRoot).Trim()
    $version = (& dotnet msbuild tests/PkiTools.Pester.Tests -getProperty:PesterVersion).Trim()
    $manifest = Join-Path $root "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path -LiteralPath $manifest)) { throw "Pester $version is not restored at ${manifest}: run dotnet restore first." }
    $manifest
}

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

switch ($Task) {
    'Build' {
        Invoke-Dotnet build -c $Configuration
    }
    'Test' {
        # dotnet test runs everything: the xunit assemblies and, through tests/PkiTools.Pester.Tests, every Pester file
        # under the pinned pwsh (.config/dotnet-tools.json) and Pester 5.9.1 from NuGet.
        Invoke-Dotnet test
    }
    'Pester' {
        # The Pester files alone, in this PowerShell, with the Pester that the build restored from NuGet.
        Invoke-Dotnet build tests/PkiTools.Pester.Tests
        Import-Module (Get-PesterManifest) -Force
        $config = New-PesterConfiguration
        $config.Run.Path = Join-Path $PSScriptRoot 'tests/Pester'
        $config.Run.Exit = $true
        $config.Output.Verbosity = 'Detailed'
        Invoke-Pester -Configuration $config
    }
    'Package' {
        # The Package target of src/PkiTools (the same command works with only the .NET SDK): builds, then lays out
        # out/PkiTools/<version>/ with the manifest, LICENSE, README, bin/ (no pdb; bin/postgresql/ the PostgreSQL ledger,
        # loaded on first use), module/ and en-US/ (the help, once).
        # A Release build unless -Configuration says otherwise.
        $config = if ($PSBoundParameters.ContainsKey('Configuration')) { $Configuration } else { 'Release' }
        Invoke-Dotnet build src/PkiTools/PkiTools.csproj -c $config '-t:Package'
    }
    'Clean' {
        Remove-Item bin, out -Recurse -Force -ErrorAction SilentlyContinue
        Get-ChildItem src, tests -Directory -Recurse -Include bin, obj | Remove-Item -Recurse -Force
    }
}
