# Debian's pebble (2.4) and pebble-challtestsrv for the ACME tests, started on free ports of 127.0.0.1. Dot-source it
# after Common.ps1 (the module must be loaded). Start-TestPebble returns an object describing the server; always call
# Stop-TestPebble on it (AfterAll), also after a failure.
#   - pebble's HTTPS listener certificate is issued by a throw-away root made with our own cmdlets ($p.ListenerRootFile);
#   - challtestsrv is pebble's DNS: every name resolves to 127.0.0.1 (A only), TXT records are set through its
#     management port ($p.ChallengeUrl: POST /set-txt, /clear-txt);
#   - pebble validates http-01 on $p.HttpPort and tls-alpn-01 on $p.TlsPort of 127.0.0.1;
#   - PEBBLE_VA_NOSLEEP=1, PEBBLE_AUTHZREUSE=0 (every order answers its own challenge); pebble's random nonce
#     rejection (5 %) stays on, as the ACME client retries badNonce.

# challtestsrv's DNS listens on TCP and UDP: a port free for both.
function Get-FreeDnsPort {
    for ($i = 0; $i -lt 50; $i++) {
        $port = Get-FreeTcpPort
        try { $udp = [System.Net.Sockets.UdpClient]::new([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Loopback, $port)); $udp.Dispose(); return $port } catch { }
    }
    throw 'no free port for DNS'
}

function Wait-TcpPort {
    param([int] $Port, [System.Diagnostics.Process[]] $Process, [string] $What, [string] $LogFolder)
    $deadline = [DateTime]::UtcNow.AddSeconds(20)
    while ($true) {
        $tcp = [System.Net.Sockets.TcpClient]::new()
        try { $tcp.Connect('127.0.0.1', $Port); return }
        catch {
            if (@($Process | Where-Object HasExited).Count -gt 0 -or [DateTime]::UtcNow -gt $deadline) {
                $log = Get-ChildItem -LiteralPath $LogFolder -Filter '*.log' | ForEach-Object { Get-Content -Raw -LiteralPath $_.FullName }
                throw "$What did not start: $log"
            }
            Start-Sleep -Milliseconds 50
        }
        finally { $tcp.Dispose() }
    }
}

function Start-TestPebble {
    param(
        [Parameter(Mandatory)][string] $Folder,
        # externalAccountBindingRequired, with one generated key id and HMAC key ($p.EabKeyId, $p.EabHmacKey).
        [switch] $RequireEab,
        # Use these ports (the README names fixed ones); free ports otherwise.
        [int] $ListenPort, [int] $HttpPort, [int] $TlsPort,
        # The lifetime of the certificates pebble issues (its default: 5 years).
        [int] $CertificateValiditySeconds
    )
    New-Item -ItemType Directory -Force -Path $Folder | Out-Null
    $p = [ordered]@{ Folder = $Folder; Processes = [System.Collections.Generic.List[System.Diagnostics.Process]]::new() }
    $p.ListenPort = if ($ListenPort) { $ListenPort } else { Get-FreeTcpPort }
    $p.ManagementPort = Get-FreeTcpPort
    $p.HttpPort = if ($HttpPort) { $HttpPort } else { Get-FreeTcpPort }
    $p.TlsPort = if ($TlsPort) { $TlsPort } else { Get-FreeTcpPort }
    $p.DnsPort = Get-FreeDnsPort
    $p.ChallengePort = Get-FreeTcpPort
    $p.ChallengeUrl = "http://127.0.0.1:$($p.ChallengePort)"
    $p.DirectoryUrl = "https://127.0.0.1:$($p.ListenPort)/dir"
    $p.ManagementUrl = "https://127.0.0.1:$($p.ManagementPort)"

    # The listener certificate, from a throw-away root made with our cmdlets.
    $root = New-SelfSignedCert -Subject 'CN=Pebble Listener Test Root' -Profile RootCa -Path (Join-Path $Folder 'listener-root')
    $p.ListenerRoot = $root
    $p.ListenerRootFile = Join-Path $Folder 'listener-root.crt'
    New-Csr -DnsName localhost -IpAddress 127.0.0.1 | Invoke-CaSign -Issuer $root -Path (Join-Path $Folder 'listener') | Out-Null

    $config = @{ pebble = [ordered]@{
            listenAddress = "127.0.0.1:$($p.ListenPort)"; managementListenAddress = "127.0.0.1:$($p.ManagementPort)"
            certificate = (Join-Path $Folder 'listener.crt'); privateKey = (Join-Path $Folder 'listener.key')
            httpPort = $p.HttpPort; tlsPort = $p.TlsPort; ocspResponderURL = ''
            externalAccountBindingRequired = [bool] $RequireEab
        } }
    if ($CertificateValiditySeconds) { $config.pebble.certificateValidityPeriod = $CertificateValiditySeconds }
    if ($RequireEab) {
        $p.EabKeyId = 'kid-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $mac = [byte[]]::new(32); [System.Security.Cryptography.RandomNumberGenerator]::Fill($mac)
        $p.EabHmacKey = [Convert]::ToBase64String($mac).TrimEnd('=').Replace('+', '-').Replace('/', '_')
        $config.pebble.externalAccountMACKeys = @{ $p.EabKeyId = $p.EabHmacKey }
    }
    $configFile = Join-Path $Folder 'pebble-config.json'
    $config | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $configFile

    $saved = @{}
    foreach ($name in 'PEBBLE_VA_NOSLEEP', 'PEBBLE_AUTHZREUSE', 'PEBBLE_VA_ALWAYS_VALID', 'PEBBLE_WFE_NONCEREJECT', 'PEBBLE_ALTERNATE_ROOTS') { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
    try {
        foreach ($name in 'PEBBLE_VA_ALWAYS_VALID', 'PEBBLE_WFE_NONCEREJECT', 'PEBBLE_ALTERNATE_ROOTS') { [Environment]::SetEnvironmentVariable($name, $null) }
        $env:PEBBLE_VA_NOSLEEP = '1'
        $env:PEBBLE_AUTHZREUSE = '0'
        $p.Processes.Add((Start-Process -FilePath pebble-challtestsrv -PassThru -WorkingDirectory $Folder `
                    -RedirectStandardOutput (Join-Path $Folder 'challtestsrv.log') -RedirectStandardError (Join-Path $Folder 'challtestsrv.err.log') `
                    -ArgumentList '-management', "127.0.0.1:$($p.ChallengePort)", '-dns01', "127.0.0.1:$($p.DnsPort)", '-http01', '""', '-https01', '""', '-tlsalpn01', '""', '-defaultIPv4', '127.0.0.1', '-defaultIPv6', '""'))
        Wait-TcpPort -Port $p.ChallengePort -Process $p.Processes -What 'pebble-challtestsrv' -LogFolder $Folder
        $p.Processes.Add((Start-Process -FilePath pebble -PassThru -WorkingDirectory $Folder `
                    -RedirectStandardOutput (Join-Path $Folder 'pebble.log') -RedirectStandardError (Join-Path $Folder 'pebble.err.log') `
                    -ArgumentList '-config', $configFile, '-dnsserver', "127.0.0.1:$($p.DnsPort)", '-strict'))
        Wait-TcpPort -Port $p.ListenPort -Process $p.Processes -What 'pebble' -LogFolder $Folder
        Wait-TcpPort -Port $p.ManagementPort -Process $p.Processes -What 'pebble' -LogFolder $Folder
    }
    catch {
        Stop-TestPebble ([pscustomobject] $p)
        throw
    }
    finally {
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
    # The root pebble issues under (generated at its start), from its management interface.
    $p.IssuingRootFile = Join-Path $Folder 'pebble-root.crt'
    $pem = Invoke-RestMethod -Uri "$($p.ManagementUrl)/roots/0" -SkipCertificateCheck
    Set-Content -LiteralPath $p.IssuingRootFile -Value $pem -NoNewline
    $p.IssuingRoot = Import-Cert -Path $p.IssuingRootFile
    [pscustomobject] $p
}

function Stop-TestPebble {
    param([Parameter(Position = 0)] $Pebble)
    if (-not $Pebble) { return }
    foreach ($process in @($Pebble.Processes)) {
        try { if (-not $process.HasExited) { $process.Kill($true); $process.WaitForExit(5000) | Out-Null } } catch { }
    }
}

# Sets or clears a TXT record in pebble's DNS.
function Set-TestPebbleTxt {
    param($Pebble, [string] $Name, [string] $Value, [switch] $Clear)
    $body = @{ host = $Name.TrimEnd('.') + '.' }
    if (-not $Clear) { $body.value = $Value }
    Invoke-RestMethod -Method Post -Uri "$($Pebble.ChallengeUrl)/$(if ($Clear) { 'clear-txt' } else { 'set-txt' })" -Body ($body | ConvertTo-Json) | Out-Null
}
