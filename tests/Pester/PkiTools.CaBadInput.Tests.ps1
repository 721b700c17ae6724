# The CA cmdlets on damaged folders and bad arguments
BeforeDiscovery {
    $script:NoOpenSsl = -not (Get-Command openssl -ErrorAction SilentlyContinue)
    $script:NotUnix = -not ($IsLinux -or $IsMacOS)
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    . "$PSScriptRoot/CaCommon.ps1"
}

Describe 'bad input' {
    It 'reports LedgerCorrupt for a line of index.txt that is not in openssl''s format, in every cmdlet' {
        $path = New-CaPath
        $null = New-Ca -Path $path -Subject 'CN=Pester Corrupt CA'
        $null = New-Csr -DnsName a.corp.example | Invoke-CaSign -Ca $path
        [System.IO.File]::AppendAllText((Join-Path $path 'index.txt'), "this is not a ledger line`n")
        $before = Get-FileStamp -LiteralPath (Join-Path $path 'index.txt')
        $crlBefore = Get-FileStamp -LiteralPath (Join-Path $path 'crl/ca.crl') # New-Ca's first CRL

        $null = Get-IssuedCert -Ca $path -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId -Id LedgerCorrupt -Command Get-IssuedCert)
        $err[0].Exception.Message | Should -Match 'Line 2'

        { Get-Ca $path -ErrorAction Stop } | Should -Throw -ErrorId 'LedgerCorrupt,PkiTools.Commands.GetCaCommand'
        { New-Csr -DnsName b.corp.example | Invoke-CaSign -Ca $path -ErrorAction Stop } | Should -Throw -ErrorId 'LedgerCorrupt,PkiTools.Commands.InvokeCaSignCommand'
        { Revoke-Cert -Ca $path -SerialNumber 0A -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'LedgerCorrupt,PkiTools.Commands.RevokeCertCommand'
        { New-Crl -Ca $path -ErrorAction Stop } | Should -Throw -ErrorId 'LedgerCorrupt,PkiTools.Commands.NewCrlCommand'
        Get-FileStamp -LiteralPath (Join-Path $path 'index.txt') | Should -Be $before
        Get-FileStamp -LiteralPath (Join-Path $path 'crl/ca.crl') | Should -Be $crlBefore
    }

    It 'reports LedgerCorrupt for a crlnumber that is not a hex number' {
        $path = New-CaPath
        $null = New-Ca -Path $path -Subject 'CN=Pester Bad Number CA'
        Set-Content -LiteralPath (Join-Path $path 'crlnumber') -Value 'twelve'
        { New-Crl -Ca $path -ErrorAction Stop } | Should -Throw -ErrorId 'LedgerCorrupt,PkiTools.Commands.NewCrlCommand'
    }

    It 'opens a CA whose key is missing (an offline root) but reports IssuerKeyMissing when it has to sign' {
        $path = New-CaPath
        $null = New-Ca -Path $path -Subject 'CN=Pester Keyless CA'
        Remove-Item -LiteralPath (Join-Path $path 'private/ca.key')
        $ca = Get-Ca $path -WarningVariable warn -WarningAction SilentlyContinue
        $ca.Subject | Should -Be 'CN=Pester Keyless CA'
        ($warn -join ' ') | Should -Match 'ca\.key'
        { New-Csr -DnsName a.corp.example | Invoke-CaSign -Ca $path -ErrorAction Stop } | Should -Throw -ErrorId 'IssuerKeyMissing,PkiTools.Commands.InvokeCaSignCommand'
        $null = New-Crl -Ca $path -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId -Id IssuerKeyMissing -Command New-Crl)
        Get-Content -LiteralPath (Join-Path $path 'index.txt') -Raw | Should -BeNullOrEmpty
    }

    It 'reports KeyMismatch when private/ca.key belongs to another CA, and issues nothing' {
        $path = New-CaPath
        $null = New-Ca -Path $path -Subject 'CN=Pester Swapped Key CA'
        $other = New-CaPath
        $null = New-Ca -Path $other -Subject 'CN=Pester Other CA'
        Copy-Item -LiteralPath (Join-Path $other 'private/ca.key') -Destination (Join-Path $path 'private/ca.key') -Force
        $null = New-Csr -DnsName a.corp.example | Invoke-CaSign -Ca $path -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId -Id KeyMismatch -Command Invoke-CaSign)
        @(Get-IssuedCert -Ca $path).Count | Should -Be 0
    }

    Context 'an encrypted CA key' {
        BeforeAll {
            $LockedPath = New-CaPath
            $null = New-Ca -Path $LockedPath -Subject 'CN=Pester Encrypted CA' -Password $Pw
        }

        It '<Command> reports <Id> and changes nothing' -TestCases @(
            @{ Command = 'Invoke-CaSign'; Id = 'PasswordIncorrect'; UseWrong = $true }
            @{ Command = 'Invoke-CaSign'; Id = 'PasswordRequired'; UseWrong = $false }
            @{ Command = 'New-Crl'; Id = 'PasswordIncorrect'; UseWrong = $true }
            @{ Command = 'Update-Crl'; Id = 'PasswordRequired'; UseWrong = $false }
        ) {
            $ledger = Get-FileStamp -LiteralPath (Join-Path $LockedPath 'index.txt')
            $number = Get-Content -LiteralPath (Join-Path $LockedPath 'crlnumber') -Raw
            $password = @{}
            if ($UseWrong) { $password.CaPassword = $Wrong }
            switch ($Command) {
                'Invoke-CaSign' { $result = New-Csr -DnsName a.corp.example | Invoke-CaSign -Ca $LockedPath @password -ErrorVariable err -ErrorAction SilentlyContinue }
                'New-Crl' { $result = New-Crl -Ca $LockedPath @password -ErrorVariable err -ErrorAction SilentlyContinue }
                'Update-Crl' { $result = Update-Crl -Ca $LockedPath -RenewBeforeDays 3650 @password -ErrorVariable err -ErrorAction SilentlyContinue }
            }
            $result | Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId -Id $Id -Command $Command)
            $err[0].Exception.Message | Should -Not -Match ([regex]::Escape($Secret))
            Get-FileStamp -LiteralPath (Join-Path $LockedPath 'index.txt') | Should -Be $ledger
            Get-Content -LiteralPath (Join-Path $LockedPath 'crlnumber') -Raw | Should -Be $number
            @(Get-FileName -LiteralPath (Join-Path $LockedPath 'certs')).Count | Should -Be 0
        }

        It 'works with the right password' {
            $null = New-Csr -DnsName a.corp.example | Invoke-CaSign -Ca $LockedPath -CaPassword $Pw
            (New-Crl -Ca $LockedPath -CaPassword $Pw).CrlNumber | Should -Be '2' # New-Ca published number 1
        }
    }

    It 'reports InvalidArgument for a -Ca that is not a CA or a path' {
        { Get-IssuedCert -Ca 42 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,PkiTools.Commands.GetIssuedCertCommand'
    }

    It 'reports InvalidArgument for a policy.json with an unknown key' {
        $path = New-CaPath
        $null = New-Ca -Path $path -Subject 'CN=Pester Typo CA'
        $policyFile = Join-Path $path 'policy.json'
        Set-Content -LiteralPath $policyFile -Value ((Get-Content -LiteralPath $policyFile -Raw) -replace '"maxValidityDays"', '"maxValidityDay"')
        { Get-Ca $path -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,PkiTools.Commands.GetCaCommand'
    }
}
