#requires -Version 5.1
<#
.SYNOPSIS
    Builds, tests and packages PkiTools.
.DESCRIPTION
    Build   : dotnet build (Debug) - afterwards Import-Module ./PkiTools.psd1 works from the repository root.
    Test    : dotnet test, then the Pester 5 tests under tests/Pester when pwsh and Pester 5 are present.
    Package : a Release build laid out as an installable module in out/PkiTools/<version>/.
    Clean   : removes bin/, out/ and every project's bin/obj.
.EXAMPLE
    ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Clean')]
    [string] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug'
)

$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $PSScriptRoot

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

switch ($Task) {
    'Build' {
        Invoke-Dotnet build -c $Configuration
    }
    'Test' {
        Invoke-Dotnet test
        $pester = Get-Module -ListAvailable Pester | Where-Object { $_.Version.Major -ge 5 } | Sort-Object Version -Descending | Select-Object -First 1
        if ($pester) {
            Import-Module $pester -Force
            $config = New-PesterConfiguration
            $config.Run.Path = Join-Path $PSScriptRoot 'tests/Pester'
            $config.Run.Exit = $true
            $config.Output.Verbosity = 'Detailed'
            Invoke-Pester -Configuration $config
        }
        else {
            Write-Warning 'Pester 5 is not installed: skipping tests/Pester (Install-Module Pester -MinimumVersion 5.0).'
        }
    }
    'Package' {
        Invoke-Dotnet build -c Release
        $manifest = Import-PowerShellDataFile (Join-Path $PSScriptRoot 'PkiTools.psd1')
        $target = Join-Path $PSScriptRoot "out/PkiTools/$($manifest.ModuleVersion)"
        if (Test-Path $target) { Remove-Item $target -Recurse -Force }
        New-Item -ItemType Directory -Path $target | Out-Null
        Copy-Item PkiTools.psd1, README.md -Destination $target
        Copy-Item module -Destination $target -Recurse
        Copy-Item bin, en-US -Destination $target -Recurse
        Get-ChildItem (Join-Path $target 'bin') -Include *.pdb, *.xml -Recurse | Where-Object Name -notlike '*-Help.xml' | Remove-Item
        Write-Host "Module laid out in $target"
    }
    'Clean' {
        Remove-Item bin, out -Recurse -Force -ErrorAction SilentlyContinue
        Get-ChildItem src, tests -Directory -Recurse -Include bin, obj | Remove-Item -Recurse -Force
    }
}
