# Shared setup for the PkiTools Pester 5 tests. Dot-source it from BeforeAll:
#     BeforeAll { . "$PSScriptRoot/Common.ps1" }
# Build first (dotnet build src/PkiTools) so that ./bin holds the module.

Import-Module "$PSScriptRoot/../../PkiTools.psd1" -Force -ErrorAction Stop

# FullyQualifiedErrorId of a PkiTools error: "<Id>,PkiTools.Commands.<Verb><Noun>Command".
function Get-PkiErrorId {
    param([Parameter(Mandatory)][string] $Id, [Parameter(Mandatory)][string] $Command)
    $verb, $noun = $Command -split '-', 2
    "$Id,PkiTools.Commands.$verb$($noun)Command"
}

# Unix permission bits of a file as an octal string such as '600'.
function Get-UnixPermission {
    param([Parameter(Mandatory)][string] $LiteralPath)
    $item = Get-Item -LiteralPath $LiteralPath
    if ($item.PSObject.Properties['UnixMode']) {
        # PowerShell 7.3+: '-rw-------'
        $mode = $item.UnixMode
        $digits = foreach ($start in 1, 4, 7) {
            $triple = $mode.Substring($start, 3)
            $value = 0
            if ($triple[0] -eq 'r') { $value += 4 }
            if ($triple[1] -eq 'w') { $value += 2 }
            if ($triple[2] -in 'x', 's', 't') { $value += 1 }
            $value
        }
        return -join $digits
    }
    if ($IsMacOS) { return (& stat -f '%Lp' $LiteralPath).Trim() }
    return (& stat -c '%a' $LiteralPath).Trim()
}

# The DER bytes of the first PEM block in a file.
function Read-PemDer {
    param([Parameter(Mandatory)][string] $LiteralPath)
    $text = [System.IO.File]::ReadAllText($LiteralPath)
    $body = ($text -split "`r?`n" | Where-Object { $_ -and $_ -notlike '-----*' }) -join ''
    [Convert]::FromBase64String($body)
}

# Writes DER bytes as PEM with the given label.
function Write-Pem {
    param([Parameter(Mandatory)][string] $LiteralPath, [Parameter(Mandatory)][byte[]] $Der, [Parameter(Mandatory)][string] $Label)
    $b64 = [Convert]::ToBase64String($Der)
    $lines = for ($i = 0; $i -lt $b64.Length; $i += 64) { $b64.Substring($i, [Math]::Min(64, $b64.Length - $i)) }
    $pem = "-----BEGIN $Label-----`n" + ($lines -join "`n") + "`n-----END $Label-----`n"
    [System.IO.File]::WriteAllText($LiteralPath, $pem)
}

# The problem codes of a chain validation result, as strings.
function Get-ProblemCode {
    param([Parameter(Mandatory)] $Result)
    @($Result.Problems | ForEach-Object { [string]$_.Code })
}

# Names of the files in a folder (empty array when none).
function Get-FileName {
    param([Parameter(Mandatory)][string] $LiteralPath)
    @(Get-ChildItem -LiteralPath $LiteralPath -File -Force | ForEach-Object Name | Sort-Object)
}
