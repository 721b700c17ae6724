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

# A TCP port of 127.0.0.1 free at the time of asking (bound, then released for the server the test starts), taken at
# random below the kernel's ephemeral range: a port the kernel handed out (bind to port 0) is one it may give the next
# outgoing connection of any process before that server starts. The same choice as tests/Shared/Nginx.cs FreePort.
function Get-FreeTcpPort {
    $low = 32768
    if (Test-Path -LiteralPath '/proc/sys/net/ipv4/ip_local_port_range') {
        $low = [int](((Get-Content -Raw -LiteralPath '/proc/sys/net/ipv4/ip_local_port_range') -split '\s+')[0])
    }
    $floor = [Math]::Min(10000, [int]($low / 2))
    for ($i = 0; $i -lt 200; $i++) {
        $port = Get-Random -Minimum $floor -Maximum $low
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, $port)
        try { $listener.Start(); $listener.Stop(); return $port } catch { }
    }
    throw 'no free TCP port on 127.0.0.1 below the ephemeral range'
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
