# A CA folder whose ledger lives in PostgreSQL (issue 17), through the cmdlets: New-Ca -Ledger PostgreSql, issuance,
# revocation and CRLs from two copies of the folder ("host A" and "host B") sharing one database, Move-CaLedger there
# and back with a byte-identical Export-CaLedger, the server down (LedgerUnavailable, nothing issued), a password in
# the connection keywords refused, and Import-Module not loading Npgsql. A PostgreSQL 15 of Debian's package is started
# for this file (PgCommon.ps1: its own folder, 127.0.0.1, a free port) and stopped at the end; the password reaches
# the module through PGPASSWORD (and once through -LedgerCredential). Without PostgreSQL 15 (.ci/run installs it) the
# tests are skipped.
BeforeDiscovery {
    $NoPostgres = -not (Test-Path '/usr/lib/postgresql/15/bin/initdb')
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    . "$PSScriptRoot/CaCommon.ps1"
    . "$PSScriptRoot/PgCommon.ps1"
    $Server = Start-TestPostgres
    $OldPgPassword = $env:PGPASSWORD
    $script:Db = 0
    function New-Db { $script:Db++; New-TestPgDatabase $Server "pki$script:Db" }
    function Get-CrlSerials($Crl) { @($Crl.Entries | ForEach-Object { -join ($_.SerialNumber | ForEach-Object { $_.ToString('X2') }) }) }
    function Get-Sha256([string] $LiteralPath) { (Get-FileHash -Algorithm SHA256 -LiteralPath $LiteralPath).Hash }
    function Get-CertFiles([string] $Ca) { @(Get-ChildItem -LiteralPath (Join-Path $Ca 'certs') -File -ErrorAction SilentlyContinue | ForEach-Object Name) }
}

AfterAll {
    Stop-TestPostgres $Server
    $env:PGPASSWORD = $OldPgPassword
}

Describe 'Loading' {
    It 'Import-Module loads neither Npgsql nor PkiTools.PostgreSql; the first PostgreSQL CA does' -Skip:$NoPostgres {
        $conn = New-Db
        $dir = New-TestFolder
        $script = @"
Import-Module '$PSScriptRoot/../../PkiTools.psd1'
`$names = { @([AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { `$_.GetName().Name } | Where-Object { `$_ -like 'Npgsql*' -or `$_ -eq 'PkiTools.PostgreSql' }) -join ',' }
'import:' + (& `$names)
Get-Ca -Path /nonexistent -ErrorAction SilentlyContinue
'index-ca:' + (& `$names)
New-Ca -Path '$dir/ca' -Subject 'CN=Load' -Ledger PostgreSql -LedgerConnection '$conn' | Out-Null
'pg-ca:' + (& `$names)
"@
        $out = & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script
        $out | Should -Contain 'import:'
        $out | Should -Contain 'index-ca:'
        ($out | Where-Object { $_ -like 'pg-ca:*' }) | Should -Match 'Npgsql' 
        ($out | Where-Object { $_ -like 'pg-ca:*' }) | Should -Match 'PkiTools.PostgreSql'
    }
}

Describe 'New-Ca -Ledger PostgreSql' -Skip:$NoPostgres {
    BeforeAll {
        $env:PGPASSWORD = $Server.Password
        $Conn = New-Db
        $CaPath = New-CaPath
        $Ca = New-Ca -Path $CaPath -Subject 'CN=Shared CA' -Ledger PostgreSql -LedgerConnection $Conn
    }

    It 'writes ledger.json (keywords, no password) instead of index.txt and crlnumber' {
        Test-Path (Join-Path $CaPath 'index.txt') | Should -BeFalse
        Test-Path (Join-Path $CaPath 'crlnumber') | Should -BeFalse
        $location = Get-Content -Raw (Join-Path $CaPath 'ledger.json') | ConvertFrom-Json
        $location.type | Should -Be 'PostgreSql'
        $location.connection | Should -Be $Conn
        $location.caId | Should -Match '^[0-9a-f]{64}$'
        Get-ChildItem -Recurse -File $CaPath | ForEach-Object { Get-Content -Raw $_.FullName } | Should -Not -Match ([regex]::Escape($Server.Password))
        (Get-Ca $CaPath).CurrentCrl().CrlNumber | Should -Be '1'
    }

    It 'issues, revokes and publishes through the cmdlets, with Get-Ca counts from the database' {
        $a = New-Csr -DnsName web01.corp.example -Path (Join-Path (New-TestFolder) 'web01') | Invoke-CaSign -Ca $CaPath -Path (Join-Path (New-TestFolder) 'web01')
        $b = New-Csr -DnsName web02.corp.example -Path (Join-Path (New-TestFolder) 'web02') | Invoke-CaSign -Ca $CaPath -Path (Join-Path (New-TestFolder) 'web02')
        @(Get-IssuedCert -Ca $CaPath).Count | Should -Be 2
        Revoke-Cert -Ca $CaPath -SerialNumber $a.SerialNumber -Reason KeyCompromise -Confirm:$false | Out-Null
        $crl = New-Crl -Ca $CaPath
        $crl.CrlNumber | Should -Be '2'
        Get-CrlSerials $crl | Should -Be @($a.SerialNumber)
        $info = Get-Ca $CaPath
        $info.IssuedCount | Should -Be 2
        $info.RevokedCount | Should -Be 1
        $info.ValidCount | Should -Be 1
        (Get-CertFiles $CaPath).Count | Should -Be 2
        @(Get-IssuedCert -Ca $CaPath -Status Revoked | ForEach-Object SerialNumber) | Should -Be @($a.SerialNumber)
        Update-Crl -Ca $CaPath -RenewBeforeDays 0 | Should -BeNullOrEmpty
    }

    It 'takes the password from -LedgerCredential instead of PGPASSWORD' {
        $env:PGPASSWORD = $null
        try {
            $cred = [pscredential]::new('postgres', (ConvertTo-SecureString $Server.Password -AsPlainText -Force))
            $path = New-CaPath
            $made = New-Ca -Path $path -Subject 'CN=Credential CA' -Ledger PostgreSql -LedgerConnection (New-Db) -LedgerCredential $cred
            $made.IssuedCount | Should -Be 0
            Get-Content -Raw (Join-Path $path 'ledger.json') | Should -Not -Match ([regex]::Escape($Server.Password))
            # and moving back opens the CA folder (a path) with it too
            $back = Move-CaLedger -Ca $path -To IndexTxt -LedgerCredential $cred
            $back.Ledger | Should -BeOfType ([PkiTools.Core.Ca.OpenSslIndexLedger])
            Test-Path (Join-Path $path 'ledger.json') | Should -BeFalse
        } finally { $env:PGPASSWORD = $Server.Password }
    }

    It 'takes the user name of -LedgerCredential when the keywords name none, and refuses a different one' {
        $cred = [pscredential]::new('postgres', (ConvertTo-SecureString $Server.Password -AsPlainText -Force))
        $noUser = (New-Db) -replace ';Username=postgres', ''
        $path = New-CaPath
        New-Ca -Path $path -Subject 'CN=User From Credential CA' -Ledger PostgreSql -LedgerConnection $noUser -LedgerCredential $cred | Out-Null
        (Get-Content -Raw (Join-Path $path 'ledger.json') | ConvertFrom-Json).connection | Should -Match ';Username=postgres$'
        $other = [pscredential]::new('someone', (ConvertTo-SecureString 'x' -AsPlainText -Force))
        $err = $null
        $path2 = New-CaPath
        New-Ca -Path $path2 -Subject 'CN=Mismatch CA' -Ledger PostgreSql -LedgerConnection (New-Db) -LedgerCredential $other -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId -Id InvalidArgument -Command New-Ca)
        [string]$err[0] | Should -Match "for the user 'someone' but -LedgerConnection names the user 'postgres'"
        Test-Path $path2 | Should -BeFalse
    }

    It 'refuses connection keywords holding a password before anything is written' {
        $path = New-CaPath
        $err = $null
        New-Ca -Path $path -Subject 'CN=Leaky' -Ledger PostgreSql -LedgerConnection "$Conn;Password=$($Server.Password)" -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId -Id InvalidArgument -Command New-Ca)
        [string]$err[0] | Should -Match 'password never sits in the CA folder'
        [string]$err[0] | Should -Not -Match ([regex]::Escape($Server.Password))
        Test-Path $path | Should -BeFalse
        $index = New-Ca -Path (New-CaPath) -Subject 'CN=Index CA'
        { Move-CaLedger -Ca $index -To PostgreSql -LedgerConnection "$Conn;pwd=x" -ErrorAction Stop } | Should -Throw -ErrorId (Get-PkiErrorId -Id InvalidArgument -Command Move-CaLedger)
        Test-Path (Join-Path $index.Folder 'ledger.json') | Should -BeFalse
    }
}

Describe 'Two hosts, one ledger' -Skip:$NoPostgres {
    BeforeAll {
        $env:PGPASSWORD = $Server.Password
        $root = New-TestFolder
        $HostA = Join-Path $root 'hostA'
        New-Ca -Path $HostA -Subject 'CN=Two Hosts CA' -Ledger PostgreSql -LedgerConnection (New-Db) | Out-Null
        $HostB = Join-Path $root 'hostB'
        Copy-Item -Recurse -LiteralPath $HostA -Destination $HostB
    }

    It 'issues from both copies into one ledger with unique serials; a CRL from B lists a revocation made on A' {
        $issued = foreach ($i in 1..10) {
            foreach ($h in @($HostA, $HostB)) {
                $out = Join-Path (New-TestFolder) "h$i"
                New-Csr -DnsName "h$i.corp.example" -Path $out | Invoke-CaSign -Ca $h -Path $out
            }
        }
        $serials = @($issued | ForEach-Object SerialNumber)
        $serials.Count | Should -Be 20
        @($serials | Sort-Object -Unique).Count | Should -Be 20
        @(Get-IssuedCert -Ca $HostA).Count | Should -Be 20
        @(Get-IssuedCert -Ca $HostB).Count | Should -Be 20
        (Get-CertFiles $HostA).Count + (Get-CertFiles $HostB).Count | Should -Be 20

        Revoke-Cert -Ca $HostA -SerialNumber $serials[1] -Reason Superseded -Confirm:$false | Out-Null
        $crlB = New-Crl -Ca $HostB
        Get-CrlSerials $crlB | Should -Be @($serials[1])
        $crlA = New-Crl -Ca $HostA
        [int]$crlA.CrlNumber | Should -BeGreaterThan ([int]$crlB.CrlNumber)
        $warnings = $null
        (Get-Ca $HostB -WarningVariable warnings).RevokedCount | Should -Be 1
        # openssl.cnf's dir line names host A's folder, but openssl ca has no index.txt on such a CA: no warning.
        $warnings | Should -BeNullOrEmpty
    }

    It 'gives ordered, unique CRL numbers to hosts publishing at once' {
        $jobs = foreach ($h in @($HostA, $HostB)) {
            Start-ThreadJob -ArgumentList $h, "$PSScriptRoot/../../PkiTools.psd1" -ScriptBlock {
                param($ca, $module)
                Import-Module $module
                foreach ($i in 1..5) { [int](New-Crl -Ca $ca).CrlNumber }
            }
        }
        $numbers = @($jobs | Receive-Job -Wait -AutoRemoveJob)
        $numbers.Count | Should -Be 10
        @($numbers | Sort-Object -Unique).Count | Should -Be 10
    }
}

Describe 'Move-CaLedger and Export-CaLedger' -Skip:$NoPostgres {
    BeforeAll {
        $env:PGPASSWORD = $Server.Password
        $CaPath = New-CaPath
        $Ca = New-Ca -Path $CaPath -Subject 'CN=Moving CA'
        # 3,000 entries straight into index.txt (issuing them one by one would take minutes): every tenth revoked, with reasons openssl can name.
        $reasons = 'KeyCompromise', 'Superseded', 'CessationOfOperation', 'CertificateHold', 'AffiliationChanged', 'Unspecified'
        $now = [DateTimeOffset]::new(2026, 1, 1, 0, 0, 0, [TimeSpan]::Zero)
        $entries = [System.Collections.Generic.List[PkiTools.Core.Ca.LedgerEntry]]::new()
        foreach ($i in 1..3000) {
            $serial = '{0:X8}{1:X24}' -f ($i + 0x10000000), $i
            if ($i % 10 -eq 0) {
                $reason = [PkiTools.Core.Revocation.RevocationReason]$reasons[($i / 10) % $reasons.Count]
                $entries.Add([PkiTools.Core.Ca.LedgerEntry]::new('Revoked', $now.AddDays(300 + $i % 50), $now.AddMinutes($i), $reason, $serial, 'unknown', "/O=Corp/CN=host$i.corp.example"))
            } else {
                $entries.Add([PkiTools.Core.Ca.LedgerEntry]::new('Valid', $now.AddDays(300 + $i % 50), $null, $null, $serial, 'unknown', "/O=Corp/CN=host$i.corp.example"))
            }
        }
        $index = [PkiTools.Core.Ca.OpenSslIndexLedger]::new((Join-Path $CaPath 'index.txt'))
        $index.Append($entries)
        # Two reasons index.txt cannot name (kept in index.txt.reasons): revoked as a user would.
        foreach ($i in 1..2) {
            $serial = '{0:X8}{1:X24}' -f ($i + 0x10000000), $i
            [PkiTools.Core.Ca.CaLedgerExtensions]::Revoke($index, $serial, @('PrivilegeWithdrawn', 'AaCompromise')[$i - 1], $now.AddMinutes($i)) | Out-Null
        }
        # An earlier CRL number to carry over: New-Crl twice (crlnumber 04 after).
        New-Crl -Ca $CaPath | Out-Null
        New-Crl -Ca $CaPath | Out-Null
        $Conn = New-Db
    }

    It 'moves 3,000 entries into PostgreSQL and back with a byte-identical export' {
        $out = New-TestFolder
        $before = Export-CaLedger -Ca $CaPath -Format IndexTxt -Path "$out/before.txt"
        Get-Sha256 $before.FullName | Should -Be (Get-Sha256 (Join-Path $CaPath 'index.txt'))
        $expiringBefore = @(Get-IssuedCert -Ca $CaPath -ExpiringWithinDays 320 | ForEach-Object SerialNumber)
        $expiringBefore.Count | Should -BeGreaterThan 500

        Move-CaLedger -Ca $CaPath -To PostgreSql -LedgerConnection $Conn -WhatIf
        Test-Path (Join-Path $CaPath 'ledger.json') | Should -BeFalse

        $moved = Move-CaLedger -Ca $CaPath -To PostgreSql -LedgerConnection $Conn
        $moved.Ledger | Should -BeOfType ([PkiTools.Core.Ca.ICaLedger])
        [string]$moved.Ledger | Should -Match 'PostgreSQL'
        Test-Path (Join-Path $CaPath 'ledger.json') | Should -BeTrue
        Test-Path (Join-Path $CaPath 'index.txt') | Should -BeFalse
        Test-Path (Join-Path $CaPath 'index.txt.moved') | Should -BeTrue
        $moved.IssuedCount | Should -Be 3000
        $moved.RevokedCount | Should -Be 302
        # The expiry report, now answered by the database's index, lists the same certificates in the same order.
        @(Get-IssuedCert -Ca $CaPath -ExpiringWithinDays 320 | ForEach-Object SerialNumber) | Should -Be $expiringBefore
        @(Get-IssuedCert -Ca $CaPath -Status Revoked | Where-Object { [string]$_.RevocationReason -in 'PrivilegeWithdrawn', 'AaCompromise' }).Count | Should -Be 2
        Export-CaLedger -Ca $CaPath -Path "$out/database.txt" | Out-Null
        Get-Sha256 "$out/database.txt" | Should -Be (Get-Sha256 $before.FullName)
        # The CRL numbers go on from the crlnumber file's (CRL 3 was the last).
        (New-Crl -Ca $CaPath).CrlNumber | Should -Be '4'
        { Export-CaLedger -Ca $CaPath -Path (Join-Path $CaPath 'ledger.json') -Force -ErrorAction Stop } | Should -Throw -ErrorId (Get-PkiErrorId -Id FileExists -Command Export-CaLedger)

        $back = Move-CaLedger -Ca $CaPath -To IndexTxt
        $back.Ledger | Should -BeOfType ([PkiTools.Core.Ca.OpenSslIndexLedger])
        @($back.Ledger.Entries() | Where-Object { [string]$_.Reason -in 'PrivilegeWithdrawn', 'AaCompromise' }).Count | Should -Be 2
        Test-Path (Join-Path $CaPath 'ledger.json') | Should -BeFalse
        Get-Sha256 (Join-Path $CaPath 'index.txt') | Should -Be (Get-Sha256 $before.FullName)
        Export-CaLedger -Ca $CaPath -Path "$out/after.txt" | Out-Null
        Get-Sha256 "$out/after.txt" | Should -Be (Get-Sha256 $before.FullName)
        (New-Crl -Ca $CaPath).CrlNumber | Should -Be '5'
        # openssl ca reads the snapshot.
        if (Get-Command openssl -ErrorAction SilentlyContinue) {
            $serial = (Get-Content "$out/after.txt" -TotalCount 10)[9].Split("`t")[3]
            $cnf = Join-Path $CaPath 'openssl.cnf'
            & openssl ca -config $cnf -status $serial 2>&1 | Out-String | Should -Match 'Revoked'
        }
    }
}

Describe 'Move-CaLedger of an empty ledger' -Skip:$NoPostgres {
    It 'moves a CA that has issued nothing there and back, and it still opens' {
        $env:PGPASSWORD = $Server.Password
        $path = New-CaPath
        New-Ca -Path $path -Subject 'CN=Empty CA' | Out-Null
        (Move-CaLedger -Ca $path -To PostgreSql -LedgerConnection (New-Db)).IssuedCount | Should -Be 0
        $out = Join-Path (New-TestFolder) 'empty.txt'
        (Export-CaLedger -Ca $path -Path $out).Length | Should -Be 0
        $back = Move-CaLedger -Ca $path -To IndexTxt
        $back.IssuedCount | Should -Be 0
        Test-Path (Join-Path $path 'index.txt') | Should -BeTrue
        Test-Path (Join-Path $path 'ledger.json') | Should -BeFalse
        (New-Crl -Ca $path).CrlNumber | Should -Be '2'
    }
}

Describe 'The database unavailable' -Skip:$NoPostgres {
    BeforeAll {
        $env:PGPASSWORD = $Server.Password
        $CaPath = New-CaPath
        New-Ca -Path $CaPath -Subject 'CN=Outage CA' -Ledger PostgreSql -LedgerConnection (New-Db) | Out-Null
    }

    It 'is LedgerUnavailable with nothing issued and no file written; the retry after the restart succeeds' {
        $work = New-TestFolder
        New-Csr -DnsName outage.corp.example -Path "$work/outage" | Out-Null
        Stop-TestPostgres $Server -KeepFolder
        try {
            $err = $null
            $out = Invoke-CaSign -Ca $CaPath -CsrPath "$work/outage.csr" -Path "$work/outage" -ErrorVariable err -ErrorAction SilentlyContinue
            $out | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId -Id LedgerUnavailable -Command Invoke-CaSign)
            [string]$err[0] | Should -Not -Match ([regex]::Escape($Server.Password))
            Test-Path "$work/outage.crt" | Should -BeFalse
            (Get-CertFiles $CaPath).Count | Should -Be 0
            { New-Crl -Ca $CaPath -ErrorAction Stop } | Should -Throw -ErrorId (Get-PkiErrorId -Id LedgerUnavailable -Command New-Crl)
        } finally { Start-TestPostgresAgain $Server }
        $cert = Invoke-CaSign -Ca $CaPath -CsrPath "$work/outage.csr" -Path "$work/outage"
        $cert.SerialNumber | Should -Not -BeNullOrEmpty
        (Get-Ca $CaPath).IssuedCount | Should -Be 1
    }
}
