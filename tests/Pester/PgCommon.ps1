# A PostgreSQL 15 server of Debian's package (/usr/lib/postgresql/15/bin) for the Pester files that need one, as the
# xunit PostgresServer fixture does it: its own data folder in a temp dir, 127.0.0.1 only on a free port, its unix
# socket in that folder, SCRAM password authentication over TCP for the superuser "postgres" with a random password.
# initdb refuses root: under root the folder belongs to the "postgres" system user and initdb/pg_ctl run through
# runuser. Start-TestPostgres returns the server (Host, Port, Password, Folder); Stop-TestPostgres stops it and removes
# the folder. Without PostgreSQL 15 (.ci/run installs it) Start-TestPostgres returns $null.

$script:PgBin = '/usr/lib/postgresql/15/bin'

function Invoke-PgTool {
    param([string] $Tool, [string[]] $Arguments)
    $file = Join-Path $script:PgBin $Tool
    if ([Environment]::UserName -eq 'root') { $out = & runuser -u postgres -- $file @Arguments 2>&1 } else { $out = & $file @Arguments 2>&1 }
    if ($LASTEXITCODE -ne 0) { throw "$Tool $($Arguments -join ' ') exited with ${LASTEXITCODE}: $out" }
}

function Start-TestPostgres {
    if (-not (Test-Path (Join-Path $script:PgBin 'initdb'))) { return $null }
    $folder = Join-Path ([IO.Path]::GetTempPath()) ('pkitools-pg-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
    New-Item -ItemType Directory -Path $folder | Out-Null
    $server = [pscustomobject]@{ Folder = $folder; DataDir = (Join-Path $folder 'data'); Host = '127.0.0.1'; Port = (Get-FreeTcpPort); Password = 'pw-' + [guid]::NewGuid().ToString('N') }
    $pwFile = Join-Path $folder 'pw'
    Set-Content -LiteralPath $pwFile -Value $server.Password
    if ([Environment]::UserName -eq 'root') { & chown -R postgres: $folder }
    Invoke-PgTool initdb @('-D', $server.DataDir, '-U', 'postgres', "--pwfile=$pwFile", '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync')
    Remove-Item -LiteralPath $pwFile -Force
    Start-TestPostgresAgain $server
    $server
}

function Start-TestPostgresAgain {
    param($Server)
    Invoke-PgTool pg_ctl @('-D', $Server.DataDir, '-l', (Join-Path $Server.Folder 'server.log'), '-w', '-t', '60',
        '-o', "-c listen_addresses=127.0.0.1 -p $($Server.Port) -c unix_socket_directories=$($Server.Folder) -c fsync=off", 'start')
}

function Stop-TestPostgres {
    param($Server, [switch] $KeepFolder)
    if (-not $Server) { return }
    try { Invoke-PgTool pg_ctl @('-D', $Server.DataDir, '-m', 'fast', '-w', '-t', '60', 'stop') } catch { }
    if (-not $KeepFolder) { Remove-Item -LiteralPath $Server.Folder -Recurse -Force -ErrorAction SilentlyContinue }
}

# A fresh database on the server; the connection keywords without a password (the password goes in PGPASSWORD).
function New-TestPgDatabase {
    param($Server, [string] $Name)
    $env:PGPASSWORD = $Server.Password
    Invoke-PgTool psql @('-h', $Server.Folder, '-p', $Server.Port, '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-q', '-c', "CREATE DATABASE $Name")
    "Host=127.0.0.1;Port=$($Server.Port);Database=$Name;Username=postgres;Timeout=5"
}
