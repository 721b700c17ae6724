# Running a CA from cron or systemd with an encrypted key: -CaPasswordFile, -PasswordFile and systemd credentials
BeforeDiscovery {
    $script:NotUnix = -not ($IsLinux -or $IsMacOS)
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    . "$PSScriptRoot/CaCommon.ps1"

    # A password file as an admin makes it: owner-only before the password goes in.
    function New-PasswordFile {
        param([Parameter(Mandatory)][string] $Path, [string] $Password = $Secret, [string] $Mode = '600')
        $null = New-Item -ItemType File -Path $Path -Force
        if ($IsLinux -or $IsMacOS) { chmod $Mode $Path }
        Set-Content -LiteralPath $Path -Value $Password
        $Path
    }
}

Describe 'a CA with an encrypted key, run with no person present' {
    BeforeAll {
        $Dir = New-TestFolder
        $PwFile = New-PasswordFile -Path (Join-Path $Dir 'issuing.pw')
        $Root = New-Ca -Path (Join-Path $Dir 'root') -Subject 'CN=Pester Unattended Root' -PathLength 1 -PasswordFile $PwFile
        $Issuing = New-Ca -Path (Join-Path $Dir 'issuing') -Subject 'CN=Pester Unattended Issuing' -Parent $Root -ParentPasswordFile $PwFile -PasswordFile $PwFile
        $Www = Join-Path $Dir 'www'
        $null = New-Item -ItemType Directory -Path $Www
    }

    It 'encrypts the new CA keys with the password in the file' {
        Get-Content -LiteralPath (Join-Path $Root.Path 'private/ca.key') -Raw | Should -Match 'ENCRYPTED PRIVATE KEY'
        { New-Crl -Ca $Root.Path -ErrorAction Stop } | Should -Throw -ErrorId (Get-PkiErrorId -Id PasswordRequired -Command New-Crl) # a fresh open: no key in memory
    }

    It 'issues, revokes and publishes from a script with -CaPasswordFile' {
        $cert = New-Csr -DnsName web.corp.example | Invoke-CaSign -Ca $Issuing -CaPasswordFile $PwFile -ValidDays 90
        $cert.Subject | Should -Be 'CN=web.corp.example'
        $cert | Revoke-Cert -Ca $Issuing -Reason Superseded -Confirm:$false
        $crl = Update-Crl -Ca $Issuing -RenewBeforeDays 7 -CaPasswordFile $PwFile -Path (Join-Path $Www 'issuing.crl') -ErrorAction Stop
        $crl.RevokedCount | Should -Be 1
        Get-ProblemCode -Result ($cert | Test-CertChain -TrustedRoot $Root.Certificate -Intermediate $Issuing.Certificate -Crl (Join-Path $Www 'issuing.crl'), $Root.CrlPath) | Should -Contain 'Revoked'
        # The next hourly run has nothing to do and needs no password.
        @(Update-Crl -Ca $Issuing -RenewBeforeDays 7 -Path (Join-Path $Www 'issuing.crl')).Count | Should -Be 0
    }

    It 'refuses a password file its group or others can read, and signs nothing' -Skip:$NotUnix {
        $loose = New-PasswordFile -Path (Join-Path $Dir 'loose.pw') -Mode '644'
        $number = Get-Content -LiteralPath (Join-Path $Issuing.Path 'crlnumber') -Raw
        $crl = New-Crl -Ca $Issuing -CaPasswordFile $loose -ErrorVariable err -ErrorAction SilentlyContinue
        $crl | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId -Id PasswordFileInsecure -Command New-Crl)
        $err[0].Exception.Message | Should -Match 'chmod 600'
        $err[0].Exception.Message | Should -Not -Match ([regex]::Escape($Secret))
        Get-Content -LiteralPath (Join-Path $Issuing.Path 'crlnumber') -Raw | Should -Be $number
    }

    It 'reports FileNotFound for a missing password file' {
        { New-Crl -Ca $Issuing -CaPasswordFile (Join-Path $Dir 'nope.pw') -ErrorAction Stop } | Should -Throw -ErrorId (Get-PkiErrorId -Id FileNotFound -Command New-Crl)
    }

    It 'finds the password in the systemd credential pkitools-ca-password, as LoadCredential= provides it' {
        $creds = Join-Path $Dir 'credentials'
        $null = New-Item -ItemType Directory -Path $creds
        Set-Content -LiteralPath (Join-Path $creds 'pkitools-ca-password') -Value $Secret
        Set-Content -LiteralPath (Join-Path $creds 'root-ca') -Value $Secret
        $saved = $env:CREDENTIALS_DIRECTORY
        try {
            $env:CREDENTIALS_DIRECTORY = $creds
            (New-Crl -Ca $Issuing -ErrorAction Stop).Issuer | Should -Be 'CN=Pester Unattended Issuing'
            (New-Crl -Ca $Root -CaPasswordCredential root-ca -ErrorAction Stop).Issuer | Should -Be 'CN=Pester Unattended Root'
        }
        finally {
            $env:CREDENTIALS_DIRECTORY = $saved
        }
    }
}
