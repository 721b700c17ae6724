# The README runs: every ```powershell block, in order, as one user session in a fresh folder; and the PowerShell
# command of every scheduled job (cron, systemd, Task Scheduler) and set-up line, as its own non-interactive pwsh
# process in that folder, at its place in the document. A README change that breaks an example fails here.
#
# What the test supplies, and nothing else:
# - Read-Host answers with a fixed test password (a person would type one);
# - the scheduled jobs' folder (/srv, C:\srv) is the session folder, and the module the examples import
#   (Import-Module PkiTools or ./PkiTools.psd1) is this checkout's manifest;
# - a block that registers a Windows scheduled task runs on Windows only (its -Command runs everywhere);
# - a systemd unit's LoadCredential=NAME:PATH is done as systemd does it: PATH copied to $CREDENTIALS_DIRECTORY/NAME.
# - the examples that trust a CA change this machine's system trust when run as root: every anchor they add to
#   /usr/local/share/ca-certificates is removed again afterwards (also when an example fails), and when not run as
#   root their StoreAccessDenied refusal is the expected outcome.
# - an ```nginx block is a server block: it runs in Debian's nginx (a throw-away main config in the session folder),
#   stopped at the end; its port (8443 in the README) is a free port on 127.0.0.1, in every example that names it;
# - a `curl` line in a ```sh block runs in bash and must succeed (as root only: it relies on the system trust the
#   examples installed).
# - the internal ACME server of the ACME examples is Debian's pebble, started for this file on free ports of
#   127.0.0.1 (AcmeCommon.ps1) and stopped at the end: https://acme.corp.example/directory is its directory, the
#   ports the examples answer challenges on (-HttpPort 80, -TlsPort 443) are the ones pebble validates, every name
#   resolves to 127.0.0.1 in its DNS (pebble-challtestsrv), whose HTTP API is the examples' http://dns-api.corp.example:8055;
#   ./acme-root.crt is the root of pebble's HTTPS certificate and ./acme-ca.crt the root it issues under; the
#   accounts are stored in the session folder (-StatePath through $PSDefaultParameterValues), not the user's config
#   folder. Without pebble (.ci/run installs it) the ACME examples are skipped.
# - the PostgreSQL server of "Several hosts, one CA" (Host=db.corp.example) is a PostgreSQL 15 of Debian's package
#   started for this file (PgCommon.ps1: its own folder, 127.0.0.1, a free port) and stopped at the end, with the
#   role pki and the database pki; the password is in PGPASSWORD, as the README says it may be. Without
#   PostgreSQL 15 (.ci/run installs it) those examples are skipped.
BeforeDiscovery {
    function Get-ReadmeExample {
        param([string] $LiteralPath)
        $lines = [System.IO.File]::ReadAllLines($LiteralPath)
        $language = $null
        $start = 0
        $body = [System.Collections.Generic.List[string]]::new()
        for ($i = 0; $i -lt $lines.Length; $i++) {
            $line = $lines[$i]
            if ($null -eq $language) {
                if ($line -match '^```(\S*)\s*$') { $language = $Matches[1]; $start = $i + 1; $body.Clear() }
                continue
            }
            if ($line -match '^```\s*$') {
                $code = $body -join "`n"
                if ($language -eq 'powershell') {
                    $title = $body | Where-Object { $_ -and $_ -notmatch '^\s*#' } | Select-Object -First 1
                    @{ Kind = 'Session'; Line = $start; Code = $code; Title = $title; WindowsOnly = $code -match 'Register-ScheduledTask' }
                }
                if ($language -eq 'nginx') {
                    @{ Kind = 'Nginx'; Line = $start; Code = $code; Title = 'nginx server block'; WindowsOnly = $false }
                }
                if ($language -eq 'sh') {
                    foreach ($curl in @($body | Where-Object { $_ -match '^curl ' })) {
                        @{ Kind = 'Shell'; Line = $start; Code = $curl; Title = $curl; WindowsOnly = $false }
                    }
                }
                if ($language -ne 'powershell' -or $code -match 'Register-ScheduledTask') {
                    # A pwsh command line inside a shell, unit or task block: the part after -Command/-c.
                    $credentials = @([regex]::Matches($code, '(?m)^LoadCredential=([^:\s]+):(\S+)') | ForEach-Object { @{ Name = $_.Groups[1].Value; Path = $_.Groups[2].Value } })
                    foreach ($m in [regex]::Matches($code, '\bpwsh(?:\.exe)?\b[^"\n]*?-(?:Command|c) "([^"]+)"')) {
                        @{ Kind = 'Process'; Line = $start; Code = $m.Groups[1].Value; Title = "pwsh -Command ""$($m.Groups[1].Value)"""; Credentials = $credentials; WindowsOnly = $false }
                    }
                }
                $language = $null
                continue
            }
            $body.Add($line)
        }
    }
    $script:Examples = @(Get-ReadmeExample -LiteralPath (Join-Path $PSScriptRoot '../../README.md'))
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $script:Manifest = Join-Path $RepoRoot 'PkiTools.psd1'
    $script:Folder = Join-Path $TestDrive 'readme'
    New-Item -ItemType Directory -Path $Folder | Out-Null
    $script:Password = 'readme-example-password'
    $script:Anchors = '/usr/local/share/ca-certificates'
    $script:AnchorsBefore = if (Test-Path -LiteralPath $Anchors) { @(Get-ChildItem -LiteralPath $Anchors -File -Recurse | ForEach-Object FullName) } else { @() }
    $script:IsRoot = -not $IsWindows -and (id -u) -eq '0'
    # The examples change the system trust as root: hold the lock the xunit trust tests take (SystemTrustGuard), so
    # neither sees the other's anchor in the bundle it compares.
    $script:TrustLock = $null
    if ($IsRoot) {
        $deadline = [DateTime]::UtcNow.AddMinutes(10)
        while (-not $TrustLock) {
            try { $script:TrustLock = [System.IO.File]::Open('/tmp/pkitools-system-trust.lock', 'OpenOrCreate', 'ReadWrite', 'None') }
            catch [System.IO.IOException] { if ([DateTime]::UtcNow -gt $deadline) { throw } Start-Sleep -Milliseconds 200 }
        }
    }
    $script:Pebble = $null
    if (Get-Command pebble -ErrorAction SilentlyContinue) {
        . "$PSScriptRoot/AcmeCommon.ps1"
        $script:Pebble = Start-TestPebble -Folder (Join-Path $TestDrive 'pebble')
        Copy-Item -LiteralPath $Pebble.ListenerRootFile -Destination (Join-Path $Folder 'acme-root.crt')
        Copy-Item -LiteralPath $Pebble.IssuingRootFile -Destination (Join-Path $Folder 'acme-ca.crt')
    }
    $script:Postgres = $null
    $script:PgPasswordBefore = $env:PGPASSWORD
    if (Test-Path '/usr/lib/postgresql/15/bin/initdb') {
        . "$PSScriptRoot/PgCommon.ps1"
        $script:Postgres = Start-TestPostgres
        $env:PGPASSWORD = $Postgres.Password
        Invoke-PgTool psql @('-h', $Postgres.Folder, '-p', $Postgres.Port, '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-q',
            '-c', "CREATE ROLE pki LOGIN PASSWORD '$Password'", '-c', 'CREATE DATABASE pki OWNER pki')
        $env:PGPASSWORD = $Password
    }
    $script:Nginx = $null
    $script:NginxProgram = @('/usr/sbin/nginx', (Get-Command nginx -ErrorAction SilentlyContinue).Source) | Where-Object { $_ -and (Test-Path -LiteralPath $_) } | Select-Object -First 1
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $script:Port = $listener.LocalEndpoint.Port
    $listener.Stop()

    # One user session: a runspace of its own, in the fresh folder, with the module imported as the README says.
    $script:Session = [runspacefactory]::CreateRunspace()
    $Session.Open()
    $setup = [powershell]::Create()
    $setup.Runspace = $Session
    $null = $setup.AddScript(@"
Set-Location -LiteralPath '$Folder'
Import-Module '$Manifest' -ErrorAction Stop
function Read-Host { param([Parameter(Position = 0)] `$Prompt, [switch] `$AsSecureString)
    if (`$AsSecureString) { ConvertTo-SecureString '$Password' -AsPlainText -Force } else { '$Password' } }
`$PSDefaultParameterValues['*-AcmeAccount:StatePath'] = '$Folder/acme-state'
"@).Invoke()
    $setup.Dispose()

    function ConvertTo-TestPath {
        param([string] $Text)
        $Text = $Text -replace '(?i)Import-Module (?:PkiTools|\./PkiTools\.psd1)\b', "Import-Module '$Manifest'"
        $Text = [regex]::Replace($Text, '(?i)C:\\srv\\[^\s"'']*', { param($m) $m.Value.Replace('\', '/') })
        if ($Pebble) {
            $Text = $Text.Replace('https://acme.corp.example/directory', $Pebble.DirectoryUrl).Replace('http://dns-api.corp.example:8055', $Pebble.ChallengeUrl)
            $Text = $Text -replace '-HttpPort 80\b', "-HttpPort $($Pebble.HttpPort)" -replace '-TlsPort 443\b', "-TlsPort $($Pebble.TlsPort)"
        }
        if ($Postgres) { $Text = $Text.Replace('Host=db.corp.example', "Host=127.0.0.1;Port=$($Postgres.Port)") }
        $Text.Replace('C:/srv/', "$Folder/").Replace('/srv/', "$Folder/").Replace(':8443', ":$Port")
    }

    function Start-ReadmeNginx {
        param([string] $Server)
        $conf = Join-Path $Folder 'nginx.conf'
        $temp = Join-Path $Folder 'nginx-temp'
        New-Item -ItemType Directory -Path $temp -Force | Out-Null
        Set-Content -LiteralPath $conf -Value @"
daemon off;
master_process off;
pid $Folder/nginx.pid;
error_log $Folder/nginx-error.log;
events { }
http {
    access_log off;
    client_body_temp_path $temp/body; proxy_temp_path $temp/proxy; fastcgi_temp_path $temp/fastcgi;
    uwsgi_temp_path $temp/uwsgi; scgi_temp_path $temp/scgi;
$Server
}
"@
        $script:Nginx = Start-Process -FilePath $NginxProgram -ArgumentList '-c', $conf, '-p', $Folder -PassThru -RedirectStandardError (Join-Path $Folder 'nginx-stderr.log')
        $deadline = [DateTime]::UtcNow.AddSeconds(15)
        while ($true) {
            $client = [System.Net.Sockets.TcpClient]::new()
            try { $client.Connect([System.Net.IPAddress]::Loopback, $Port); break }
            catch { if ([DateTime]::UtcNow -gt $deadline -or $Nginx.HasExited) { throw "nginx did not start: $(Get-Content -Raw -LiteralPath $Folder/nginx-error.log, $Folder/nginx-stderr.log -ErrorAction SilentlyContinue)" } Start-Sleep -Milliseconds 100 }
            finally { $client.Dispose() }
        }
    }

    function Invoke-SessionExample {
        param([string] $Code)
        $ps = [powershell]::Create()
        $ps.Runspace = $Session
        try {
            # Rendered through the default views, as at a prompt.
            $text = $ps.AddScript($Code).AddCommand('Out-String').AddParameter('Width', 160).Invoke() -join ''
            $errors = @($ps.Streams.Error | Where-Object { $IsRoot -or $_.FullyQualifiedErrorId -notlike 'StoreAccessDenied,*' } |
                ForEach-Object { "$($_.FullyQualifiedErrorId): $_" })
            $errors | Should -BeNullOrEmpty -Because "the example wrote no error (output: $text)"
        }
        finally { $ps.Dispose() }
    }

    function Invoke-ProcessExample {
        param([string] $Code, $Credentials)
        $saved = $env:CREDENTIALS_DIRECTORY
        try {
            if ($Credentials.Count -gt 0) {
                $store = Join-Path $TestDrive ("credentials-" + [guid]::NewGuid().ToString('N'))
                New-Item -ItemType Directory -Path $store | Out-Null
                foreach ($c in $Credentials) { Copy-Item -LiteralPath (ConvertTo-TestPath $c.Path) -Destination (Join-Path $store $c.Name) }
                $env:CREDENTIALS_DIRECTORY = $store
            }
            # `dotnet pwsh` is this checkout's pinned tool, found from the repository; the job runs in the session folder.
            Push-Location -LiteralPath $RepoRoot
            try { $out = & dotnet pwsh -NoProfile -NonInteractive -WorkingDirectory $Folder -Command (ConvertTo-TestPath $Code) 2>&1 | Out-String }
            finally { Pop-Location }
            $LASTEXITCODE | Should -Be 0 -Because "the scheduled command succeeds with no person present: $out"
        }
        finally { $env:CREDENTIALS_DIRECTORY = $saved }
    }
}

AfterAll {
    if ($Session) { $Session.Dispose() }
    if ($Nginx -and -not $Nginx.HasExited) { $Nginx.Kill(); $Nginx.WaitForExit() }
    if ($Pebble) { Stop-TestPebble $Pebble }
    if ($Postgres) { Stop-TestPostgres $Postgres }
    $env:PGPASSWORD = $PgPasswordBefore
    if (Test-Path -LiteralPath $Anchors) {
        $added = @(Get-ChildItem -LiteralPath $Anchors -File -Recurse | Where-Object { $AnchorsBefore -notcontains $_.FullName })
        if ($added.Count -gt 0) { $added | Remove-Item -Force; update-ca-certificates --fresh | Out-Null }
    }
    if ($TrustLock) { $TrustLock.Dispose() }
}

Describe 'README examples' {
    It 'has examples to run (<Count> found)' -ForEach @{ Count = $Examples.Count } {
        $Count | Should -BeGreaterThan 10
    }

    It 'line <Line>: <Title>' -ForEach $Examples {
        if ($WindowsOnly -and -not $IsWindows) { Set-ItResult -Skipped -Because 'it registers a Windows scheduled task'; return }
        if ($Kind -in 'Nginx', 'Shell' -and -not $NginxProgram) { Set-ItResult -Skipped -Because 'nginx is not installed (.ci/run installs it)'; return }
        if ($Code -match 'AcmeAccount|AcmeCert' -and -not $Pebble) { Set-ItResult -Skipped -Because 'pebble is not installed (.ci/run installs it)'; return }
        if ($Code -match 'db\.corp\.example' -and -not $Postgres) { Set-ItResult -Skipped -Because 'PostgreSQL 15 is not installed (.ci/run installs it)'; return }
        if ($Kind -eq 'Shell' -and -not $IsRoot) { Set-ItResult -Skipped -Because 'without root the examples cannot trust the CA system-wide'; return }
        if ($Kind -eq 'Nginx') { Start-ReadmeNginx -Server (ConvertTo-TestPath $Code); return }
        if ($Kind -eq 'Shell') {
            $out = & bash -c (ConvertTo-TestPath $Code) 2>&1 | Out-String
            $LASTEXITCODE | Should -Be 0 -Because "the command works as the README says: $out"
            return
        }
        if ($Kind -eq 'Session') { Invoke-SessionExample -Code (ConvertTo-TestPath $Code) }
        else { Invoke-ProcessExample -Code $Code -Credentials $Credentials }
    }
}
