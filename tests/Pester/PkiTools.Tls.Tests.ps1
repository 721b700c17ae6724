# Get-TlsCert and Test-TlsEndpoint: a person's scenarios against a real nginx (and curl and openssl as the other side).
BeforeDiscovery {
    $script:NoNginx = -not (Test-Path -LiteralPath '/usr/sbin/nginx')
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"

    # nginx in the foreground with its own folder, serving $CertFile/$KeyFile over HTTPS; stop it with Stop-TestNginx.
    function Start-TestNginx {
        param([string] $CertFile, [string] $KeyFile, [string] $ClientCaFile)
        $folder = Join-Path $TestDrive ("nginx-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path (Join-Path $folder 'tmp') | Out-Null
        $port = Get-FreeTcpPort
        $client = if ($ClientCaFile) { "ssl_client_certificate $ClientCaFile; ssl_verify_client on;" } else { '' }
        $temps = ('client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi' | ForEach-Object { "${_}_temp_path $folder/tmp/$_;" }) -join ' '
        @"
daemon off; master_process off; worker_processes 1;
pid $folder/nginx.pid; error_log $folder/error.log info;
events { worker_connections 256; }
http { access_log $folder/access.log; $temps
  server { listen 127.0.0.1:$port ssl; ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate $CertFile; ssl_certificate_key $KeyFile; $client
    location / { default_type text/plain; return 200 "ok\n"; } } }
"@ | Set-Content -LiteralPath (Join-Path $folder 'nginx.conf')
        $process = Start-Process -FilePath /usr/sbin/nginx -ArgumentList '-p', "$folder/", '-c', "$folder/nginx.conf", '-e', "$folder/error.log" -PassThru
        $deadline = [DateTime]::UtcNow.AddSeconds(15)
        while ($true) {
            $tcp = [System.Net.Sockets.TcpClient]::new()
            try { $tcp.Connect('127.0.0.1', $port); break } catch { if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "nginx did not start: $(Get-Content -Raw "$folder/error.log")" } ; Start-Sleep -Milliseconds 50 } finally { $tcp.Dispose() }
        }
        [pscustomobject]@{ Process = $process; Port = $port }
    }

    function Stop-TestNginx {
        param($Server)
        if ($Server -and -not $Server.Process.HasExited) { $Server.Process.Kill(); $Server.Process.WaitForExit(10000) | Out-Null }
    }

    # The certificates `openssl s_client -showcerts` prints, as DER byte arrays, in order.
    function Get-OpenSslShownChain {
        param([int] $Port, [string] $ServerName)
        $text = ('' | & openssl s_client -connect "127.0.0.1:$Port" -servername $ServerName -showcerts 2>$null) -join "`n"
        [regex]::Matches($text, '-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----', 'Singleline') |
            ForEach-Object { , [Convert]::FromBase64String(($_.Groups[1].Value -replace '\s', '')) }
    }

    # A CA folder, a site certificate from it (leaf + fullchain files) and a client certificate.
    $Pw = ConvertTo-SecureString 'pester-tls-password' -AsPlainText -Force
    $Root = New-Ca -Path (Join-Path $TestDrive 'pki/root') -Subject 'CN=Pester TLS Root' -Password $Pw
    $Issuing = New-Ca -Path (Join-Path $TestDrive 'pki/issuing') -Subject 'CN=Pester TLS Issuing CA' -Parent $Root -ParentPassword $Pw -Password $Pw
    $RootCrt = Join-Path $TestDrive 'pki/root/ca.crt'
    $SiteStem = Join-Path $TestDrive 'site'
    $Site = New-Csr -DnsName localhost -IpAddress 127.0.0.1 -Path $SiteStem | Invoke-CaSign -Ca $Issuing -CaPassword $Pw -Path $SiteStem
    $FullChain = "$SiteStem.fullchain.crt"
    $ClientStem = Join-Path $TestDrive 'agent'
    $Agent = New-Csr -Subject 'CN=backup-agent' -Path $ClientStem | Invoke-CaSign -Ca $Issuing -CaPassword $Pw -Profile TlsClient -Path $ClientStem
    $CaBundle = Join-Path $TestDrive 'ca-bundle.pem'
    [IO.File]::WriteAllText($CaBundle, [IO.File]::ReadAllText((Join-Path $TestDrive 'pki/issuing/ca.crt')) + [IO.File]::ReadAllText($RootCrt))
}

Describe 'Get-TlsCert and Test-TlsEndpoint against nginx' -Skip:$NoNginx {
    BeforeAll {
        $Web = Start-TestNginx -CertFile $FullChain -KeyFile "$SiteStem.key"
    }
    AfterAll { Stop-TestNginx $Web }

    It 'shows the chain nginx serves, as openssl s_client -showcerts does' {
        $info = Get-TlsCert "localhost:$($Web.Port)"
        $shown = @(Get-OpenSslShownChain -Port $Web.Port -ServerName localhost)
        $info.Chain.Count | Should -Be 2
        $shown.Count | Should -Be 2
        for ($i = 0; $i -lt 2; $i++) { [Convert]::ToBase64String($info.Chain[$i].RawData) | Should -Be ([Convert]::ToBase64String($shown[$i])) }
        $info.Certificate.Thumbprint | Should -Be $Site.Thumbprint
        $info.Protocol | Should -Be 'Tls13'
        $info.CipherSuite | Should -Match '^TLS_(AES_(128|256)_GCM|CHACHA20_POLY1305)_SHA(256|384)$'
    }

    It 'saves the served chain with Export-Cert and Test-CertChain agrees with Test-TlsEndpoint' {
        $served = Join-Path $TestDrive 'served.pem'
        (Get-TlsCert "localhost:$($Web.Port)").Chain | Export-Cert -Path $served
        (Test-CertChain -Path $served -TrustedRoot $RootCrt -DnsName localhost).IsValid | Should -BeTrue
        $result = Test-TlsEndpoint "localhost:$($Web.Port)" -TrustedRoot $RootCrt
        $result.IsValid | Should -BeTrue
        $result.Problems | Should -BeNullOrEmpty
        $result.DaysLeft | Should -BeGreaterThan 300
    }

    It 'finds certificates that expire within -MinimumDaysLeft' {
        $result = Test-TlsEndpoint "127.0.0.1:$($Web.Port)" -TrustedRoot $RootCrt -MinimumDaysLeft 400
        $result.IsValid | Should -BeFalse
        $result.Problems.Code | Should -Be 'ExpiresSoon'
    }

    It 'says the server certificate is not for another name' {
        (Test-TlsEndpoint "localhost:$($Web.Port)" -ServerName www.corp.example -TrustedRoot $RootCrt).Problems.Code | Should -Be 'NameMismatch'
    }

    It 'does not trust a private CA with the system store alone' {
        $result = Test-TlsEndpoint "localhost:$($Web.Port)" -UseSystemTrust
        $result.IsValid | Should -BeFalse
        $result.Problems.Code | Should -Contain 'MissingIssuer'
    }
}

Describe 'A server set up with the wrong file' -Skip:$NoNginx {
    It 'serving only its certificate is ChainIncomplete; the fullchain file fixes it' {
        $broken = Start-TestNginx -CertFile "$SiteStem.crt" -KeyFile "$SiteStem.key"
        try {
            $result = Test-TlsEndpoint "localhost:$($broken.Port)" -TrustedRoot $RootCrt
            $result.Problems.Code | Should -Contain 'ChainIncomplete'
            (Get-TlsCert "localhost:$($broken.Port)").Chain.Count | Should -Be 1
            # With the intermediate known, the chain validates, and the server is still incomplete.
            (Test-TlsEndpoint "localhost:$($broken.Port)" -TrustedRoot $RootCrt -Intermediate (Join-Path $TestDrive 'pki/issuing/ca.crt')).Problems.Code | Should -Be 'ChainIncomplete'
        }
        finally { Stop-TestNginx $broken }
    }

    It 'serving the root too is ServesRoot' {
        $withRoot = Join-Path $TestDrive 'with-root.pem'
        [IO.File]::WriteAllText($withRoot, [IO.File]::ReadAllText($FullChain) + [IO.File]::ReadAllText($RootCrt))
        $server = Start-TestNginx -CertFile $withRoot -KeyFile "$SiteStem.key"
        try {
            $result = Test-TlsEndpoint "localhost:$($server.Port)" -TrustedRoot $RootCrt
            $result.Problems.Code | Should -Be 'ServesRoot'
            $result.Problems[0].Index | Should -Be 2
        }
        finally { Stop-TestNginx $server }
    }
}

Describe 'Mutual TLS' -Skip:$NoNginx {
    BeforeAll {
        $Mtls = Start-TestNginx -CertFile $FullChain -KeyFile "$SiteStem.key" -ClientCaFile $CaBundle
    }
    AfterAll { Stop-TestNginx $Mtls }

    It 'lets curl in with the TlsClient certificate PkiTools issued, and not without' {
        & curl -sS -o /dev/null -w '%{http_code}' --cacert $RootCrt --cert "$ClientStem.crt" --key "$ClientStem.key" "https://127.0.0.1:$($Mtls.Port)/" | Should -Be '200'
        & curl -sS -o /dev/null -w '%{http_code}' --cacert $RootCrt "https://127.0.0.1:$($Mtls.Port)/" | Should -Be '400'
    }

    It 'offers the client certificate from a PFX when nginx asks' {
        $pfx = Join-Path $TestDrive 'agent.pfx'
        $Agent | Export-Cert -Path $pfx -Format Pfx -Password $Pw -IncludeChain
        $fromPfx = Import-Cert $pfx -Password $Pw | Select-Object -First 1
        $result = Test-TlsEndpoint "localhost:$($Mtls.Port)" -TrustedRoot $RootCrt -ClientCertificate $fromPfx
        $result.IsValid | Should -BeTrue
        $result.Handshake.ClientCertificateRequested | Should -BeTrue
        $result.Handshake.ClientCertificateSent | Should -BeTrue
        (Test-TlsEndpoint "localhost:$($Mtls.Port)" -TrustedRoot $RootCrt).Handshake.ClientCertificateSent | Should -BeFalse
    }
}

Describe 'Many endpoints at once' {
    It 'gives one result per endpoint, in order, unreachable ones included' -Skip:$NoNginx {
        $server = Start-TestNginx -CertFile $FullChain -KeyFile "$SiteStem.key"
        try {
            $closed = Get-FreeTcpPort
            $endpoints = "localhost:$($server.Port)", "127.0.0.1:$closed", "127.0.0.1:$($server.Port)"
            $results = $endpoints | Test-TlsEndpoint -TrustedRoot $RootCrt -TimeoutSec 5
            $results.Count | Should -Be 3
            $results.IsValid | Should -Be @($true, $false, $true)
            $results[1].Problems.Code | Should -Be 'EndpointUnreachable'
            $results[1].Port | Should -Be $closed
        }
        finally { Stop-TestNginx $server }
    }

    It 'reports each unreachable host as its own error and goes on' {
        $ports = 1..3 | ForEach-Object { Get-FreeTcpPort }
        $errors = $null
        $out = Get-TlsCert ($ports | ForEach-Object { "127.0.0.1:$_" }) -ErrorVariable errors -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $errors.Count | Should -Be 3
        $errors | ForEach-Object { $_.FullyQualifiedErrorId | Should -Be (Get-PkiErrorId -Id EndpointUnreachable -Command Get-TlsCert) }
        $errors.TargetObject | Should -Be ($ports | ForEach-Object { "127.0.0.1:$_" })
    }
}
