# Revoke-Cert, New-Crl and Update-Crl: revoking and publishing CRLs
BeforeDiscovery {
    $script:NoOpenSsl = -not (Get-Command openssl -ErrorAction SilentlyContinue)
    $script:NotUnix = -not ($IsLinux -or $IsMacOS)
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    . "$PSScriptRoot/CaCommon.ps1"
}

Describe 'Revoke-Cert' {
    BeforeEach {
        $CaPath = New-CaPath
        $Ca = New-Ca -Path $CaPath -Subject 'CN=Pester Revoking CA'
        $Cert = New-Csr -DnsName victim.corp.example | Invoke-CaSign -Ca $Ca
        $Other = New-Csr -DnsName bystander.corp.example | Invoke-CaSign -Ca $Ca
    }

    It 'asks for confirmation by default (ConfirmImpact High)' {
        $attribute = (Get-Command Revoke-Cert).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
        [string]$attribute.ConfirmImpact | Should -Be 'High'
        $attribute.SupportsShouldProcess | Should -BeTrue
    }

    It 'revokes by serial number as openssl ca -revoke would' {
        $result = Revoke-Cert -Ca $Ca -SerialNumber $Cert.SerialNumber -Reason KeyCompromise -Confirm:$false
        $result | Should -BeNullOrEmpty
        $line = @(Get-LedgerLine -CaPath $CaPath) | Where-Object { $_ -match $Cert.SerialNumber }
        $line | Should -Match "^R\t\d{12}Z\t\d{12}Z,keyCompromise\t$($Cert.SerialNumber)\tunknown\t/CN=victim\.corp\.example$"
        $record = Get-IssuedCert -Ca $Ca -SerialNumber $Cert.SerialNumber
        [string]$record.Status | Should -Be 'Revoked'
        [string]$record.RevocationReason | Should -Be 'KeyCompromise'
        $record.RevokedAt | Should -BeGreaterThan (Get-Date).AddMinutes(-5)
        [string](Get-IssuedCert -Ca $Ca -SerialNumber $Other.SerialNumber).Status | Should -Be 'Valid'
    }

    It 'revokes certificates from the pipeline and returns the records with -PassThru' {
        $records = @($Cert | Revoke-Cert -Ca $CaPath -Reason Superseded -Confirm:$false -PassThru)
        $records.Count | Should -Be 1
        $records[0] | Should -BeOfType ([PkiTools.Core.Ca.IssuedCertificateRecord])
        $records[0].SerialNumber | Should -Be $Cert.SerialNumber
        [string]$records[0].Status | Should -Be 'Revoked'
        [string]$records[0].RevocationReason | Should -Be 'Superseded'
    }

    It 'revokes the records Get-IssuedCert pipes, taking the CA from their CaPath' {
        Get-IssuedCert -Ca $CaPath -DnsName 'victim.*' | Revoke-Cert -Reason CessationOfOperation -Confirm:$false
        @(Get-IssuedCert -Ca $CaPath -Status Revoked | ForEach-Object SerialNumber) -join ',' | Should -Be $Cert.SerialNumber
        @(Get-IssuedCert -Ca $CaPath -Status Valid | ForEach-Object SerialNumber) -join ',' | Should -Be $Other.SerialNumber
    }

    It 'changes nothing with -WhatIf' {
        $before = Get-FileStamp -LiteralPath (Join-Path $CaPath 'index.txt')
        Get-IssuedCert -Ca $CaPath | Revoke-Cert -WhatIf
        Revoke-Cert -Ca $Ca -SerialNumber $Cert.SerialNumber -WhatIf
        $Cert | Revoke-Cert -Ca $Ca -WhatIf
        Get-FileStamp -LiteralPath (Join-Path $CaPath 'index.txt') | Should -Be $before
        @(Get-IssuedCert -Ca $CaPath -Status Revoked).Count | Should -Be 0
    }

    It 'keeps PrivilegeWithdrawn in index.txt.reasons, as openssl cannot name it' {
        Revoke-Cert -Ca $Ca -SerialNumber $Cert.SerialNumber -Reason PrivilegeWithdrawn -Confirm:$false
        (@(Get-LedgerLine -CaPath $CaPath) -match ',unspecified\t').Count | Should -Be 1
        Get-Content -LiteralPath (Join-Path $CaPath 'index.txt.reasons') -Raw | Should -Match "$($Cert.SerialNumber) PrivilegeWithdrawn"
        [string](Get-IssuedCert -Ca $Ca -SerialNumber $Cert.SerialNumber).RevocationReason | Should -Be 'PrivilegeWithdrawn'
        $crl = New-Crl -Ca $Ca
        [string]$crl.Entries[0].Reason | Should -Be 'PrivilegeWithdrawn'
    }

    It 'reports SerialNotFound for a serial the CA did not issue, and goes on with the others' {
        Revoke-Cert -Ca $Ca -SerialNumber '0A0B0C', $Cert.SerialNumber -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId -Id SerialNotFound -Command Revoke-Cert)
        [string](Get-IssuedCert -Ca $Ca -SerialNumber $Cert.SerialNumber).Status | Should -Be 'Revoked'
    }

    It 'refuses <Case> (InvalidArgument) and leaves the ledger as it was' -TestCases @(
        @{ Case = 'a certificate revoked already'; Kind = 'Twice' }
        @{ Case = 'a certificate from another CA'; Kind = 'Foreign' }
        @{ Case = 'a serial number that is not hex'; Kind = 'NotHex' }
    ) {
        if ($Kind -eq 'Twice') { Revoke-Cert -Ca $Ca -SerialNumber $Cert.SerialNumber -Reason KeyCompromise -Confirm:$false }
        if ($Kind -eq 'Foreign') {
            $otherRoot = New-SelfSignedCert -Subject 'CN=Pester Other Root' -Profile RootCa
            $foreign = New-Csr -DnsName victim.corp.example | Invoke-CaSign -Issuer $otherRoot
        }
        $before = Get-FileStamp -LiteralPath (Join-Path $CaPath 'index.txt')
        $action = switch ($Kind) {
            'Twice' { { Revoke-Cert -Ca $Ca -SerialNumber $Cert.SerialNumber -Reason Superseded -Confirm:$false -ErrorAction Stop } }
            'Foreign' { { $foreign | Revoke-Cert -Ca $Ca -Confirm:$false -ErrorAction Stop } }
            'NotHex' { { Revoke-Cert -Ca $Ca -SerialNumber 'not-hex' -Confirm:$false -ErrorAction Stop } }
        }
        $action | Should -Throw -ErrorId 'InvalidArgument,PkiTools.Commands.RevokeCertCommand'
        Get-FileStamp -LiteralPath (Join-Path $CaPath 'index.txt') | Should -Be $before
    }

    It 'openssl ca -revoke and Revoke-Cert see each other''s revocations' -Skip:$NoOpenSsl {
        $null = & openssl ca -config (Join-Path $CaPath 'openssl.cnf') -revoke (Join-Path $CaPath "certs/$($Other.SerialNumber).pem") -crl_reason keyCompromise 2>&1
        $LASTEXITCODE | Should -Be 0
        [string](Get-IssuedCert -Ca $CaPath -SerialNumber $Other.SerialNumber).RevocationReason | Should -Be 'KeyCompromise'
        Revoke-Cert -Ca $CaPath -SerialNumber $Cert.SerialNumber -Reason Superseded -Confirm:$false
        $null = & openssl ca -config (Join-Path $CaPath 'openssl.cnf') -gencrl -out (Join-Path $CaPath 'crl/openssl.crl') 2>&1
        $LASTEXITCODE | Should -Be 0
        $text = (& openssl crl -in (Join-Path $CaPath 'crl/openssl.crl') -noout -text 2>&1) -join "`n"
        $text | Should -Match $Cert.SerialNumber
        $text | Should -Match $Other.SerialNumber
    }
}

Describe 'New-Crl' {
    BeforeAll {
        $CaPath = New-CaPath
        $Ca = New-Ca -Path $CaPath -Subject 'CN=Pester CRL CA' -CrlDays 10
        $Revoked = New-Csr -DnsName revoked.corp.example | Invoke-CaSign -Ca $Ca
        $Held = New-Csr -DnsName held.corp.example | Invoke-CaSign -Ca $Ca
        $Plain = New-Csr -DnsName plain.corp.example | Invoke-CaSign -Ca $Ca
        $Good = New-Csr -DnsName good.corp.example | Invoke-CaSign -Ca $Ca
        Revoke-Cert -Ca $Ca -SerialNumber $Revoked.SerialNumber -Reason KeyCompromise -Confirm:$false
        Revoke-Cert -Ca $Ca -SerialNumber $Held.SerialNumber -Reason CertificateHold -Confirm:$false
        Revoke-Cert -Ca $Ca -SerialNumber $Plain.SerialNumber -Confirm:$false
        $First = New-Crl -Ca $Ca
    }

    It 'lists every revocation with its reason' {
        $First | Should -BeOfType ([PkiTools.Core.Revocation.CertificateRevocationList])
        $First.RevokedCount | Should -Be 3
        $First.Issuer | Should -Be 'CN=Pester CRL CA'
        $reasons = @{}
        foreach ($entry in $First.Entries) { $reasons[$entry.SerialNumberHex] = [string]$entry.Reason }
        $reasons[$Revoked.SerialNumber] | Should -Be 'KeyCompromise'
        $reasons[$Held.SerialNumber] | Should -Be 'CertificateHold'
        $reasons[$Plain.SerialNumber] | Should -BeNullOrEmpty
        $reasons.ContainsKey($Good.SerialNumber) | Should -BeFalse
    }

    It 'is valid for the policy''s defaultCrlDays, or -NextUpdateDays' {
        [math]::Round(($First.NextUpdate - $First.ThisUpdate).TotalDays) | Should -Be 10
        $crl = New-Crl -Ca $Ca -NextUpdateDays 3
        [math]::Round(($crl.NextUpdate - $crl.ThisUpdate).TotalDays) | Should -Be 3
    }

    It 'numbers the CRLs upwards and keeps the next number in crlnumber' {
        $a = [int](New-Crl -Ca $Ca).CrlNumber
        $b = [int](New-Crl -Ca $CaPath).CrlNumber
        $b | Should -Be ($a + 1)
        $a | Should -BeGreaterThan ([int]$First.CrlNumber)
        (Get-Content -LiteralPath (Join-Path $CaPath 'crlnumber') -Raw).Trim() | Should -Be ('{0:X2}' -f ($b + 1))
    }

    It 'writes crl/ca.crl (PEM) and crl/ca.der, and the same pair at -Path' {
        $dir = New-TestFolder
        $crl = New-Crl -Ca $Ca -Path (Join-Path $dir 'pester.crl')
        Get-Content -LiteralPath (Join-Path $CaPath 'crl/ca.crl') -Raw | Should -Be $crl.Pem
        Get-FileStamp -LiteralPath (Join-Path $CaPath 'crl/ca.der') | Should -Be ([Convert]::ToBase64String([byte[]](Read-PemDer -LiteralPath (Join-Path $CaPath 'crl/ca.crl'))))
        (Get-FileName -LiteralPath $dir) -join ',' | Should -Be 'pester.crl,pester.der'
        Get-FileStamp -LiteralPath (Join-Path $dir 'pester.der') | Should -Be (Get-FileStamp -LiteralPath (Join-Path $CaPath 'crl/ca.der'))
    }

    It 'refuses a -Path ending in .der (InvalidArgument)' {
        $dir = New-TestFolder
        { New-Crl -Ca $Ca -Path (Join-Path $dir 'ca.der') -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,PkiTools.Commands.NewCrlCommand'
        Get-FileName -LiteralPath $dir | Should -BeNullOrEmpty
    }

    It 'signs nothing and keeps crlnumber with -WhatIf' {
        $number = Get-Content -LiteralPath (Join-Path $CaPath 'crlnumber') -Raw
        $crlStamp = Get-FileStamp -LiteralPath (Join-Path $CaPath 'crl/ca.crl')
        New-Crl -Ca $Ca -WhatIf | Should -BeNullOrEmpty
        Get-Content -LiteralPath (Join-Path $CaPath 'crlnumber') -Raw | Should -Be $number
        Get-FileStamp -LiteralPath (Join-Path $CaPath 'crl/ca.crl') | Should -Be $crlStamp
    }

    It 'Test-CertChain -Crl sees the revocation' {
        $crlFile = Join-Path $CaPath 'crl/ca.crl'
        $result = $Revoked | Test-CertChain -TrustedRoot (Join-Path $CaPath 'ca.crt') -Crl $crlFile -DnsName revoked.corp.example
        $result.IsValid | Should -BeFalse
        Get-ProblemCode -Result $result | Should -Contain 'Revoked'
        ($Good | Test-CertChain -TrustedRoot (Join-Path $CaPath 'ca.crt') -Crl $crlFile -DnsName good.corp.example -Quiet) | Should -BeTrue
    }

    It 'openssl verifies the CRL and refuses the revoked certificate' -Skip:$NoOpenSsl {
        $crlFile = Join-Path $CaPath 'crl/ca.crl'
        $caFile = Join-Path $CaPath 'ca.crt'
        $null = & openssl crl -in $crlFile -CAfile $caFile -noout -verify 2>&1
        $LASTEXITCODE | Should -Be 0
        $null = & openssl verify -crl_check -CRLfile $crlFile -CAfile $caFile (Join-Path $CaPath "certs/$($Good.SerialNumber).pem") 2>&1
        $LASTEXITCODE | Should -Be 0
        $out = (& openssl verify -crl_check -CRLfile $crlFile -CAfile $caFile (Join-Path $CaPath "certs/$($Revoked.SerialNumber).pem") 2>&1) -join "`n"
        $LASTEXITCODE | Should -Not -Be 0
        $out | Should -Match 'revoked'
    }

    It 'shares the numbering with openssl ca -gencrl' -Skip:$NoOpenSsl {
        $before = [int](New-Crl -Ca $Ca).CrlNumber
        $null = & openssl ca -config (Join-Path $CaPath 'openssl.cnf') -gencrl -out (Join-Path $CaPath 'crl/ca.crl') 2>&1
        $LASTEXITCODE | Should -Be 0
        $text = (& openssl crl -in (Join-Path $CaPath 'crl/ca.crl') -noout -text 2>&1) -join "`n"
        $text | Should -Match ('CRL Number:\s*{0}\b' -f ($before + 1))
        [int](New-Crl -Ca $Ca).CrlNumber | Should -Be ($before + 2)
    }
}

Describe 'Update-Crl' {
    BeforeEach {
        $CaPath = New-CaPath
        $Ca = New-Ca -Path $CaPath -Subject 'CN=Pester Update CA'
    }

    It 'signs a CRL only when it is due' {
        # New-Ca published CRL number 1: nothing is due until it nears its nextUpdate.
        @(Update-Crl -Ca $Ca -RenewBeforeDays 7).Count | Should -Be 0
        Remove-Item -LiteralPath (Join-Path $CaPath 'crl/ca.crl')
        $first = @(Update-Crl -Ca $Ca -RenewBeforeDays 7)
        $first.Count | Should -Be 1
        $first[0].CrlNumber | Should -Be '2'
        @(Update-Crl -Ca $Ca -RenewBeforeDays 7).Count | Should -Be 0
        @(Update-Crl -Ca $CaPath -RenewBeforeDays 7).Count | Should -Be 0
        (Get-Content -LiteralPath (Join-Path $CaPath 'crlnumber') -Raw).Trim() | Should -Be '03'
    }

    It 'says on the verbose stream why there is nothing to do' {
        $null = Update-Crl -Ca $Ca -RenewBeforeDays 7
        $verbose = Update-Crl -Ca $Ca -RenewBeforeDays 7 -Verbose 4>&1
        @($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'current' }).Count | Should -Be 1
    }

    It 're-issues when nextUpdate is within -RenewBeforeDays' {
        $null = Update-Crl -Ca $Ca -RenewBeforeDays 30 -NextUpdateDays 5
        $crl = Update-Crl -Ca $Ca -RenewBeforeDays 7
        $crl.CrlNumber | Should -Be '3'
        [math]::Round(($crl.NextUpdate - $crl.ThisUpdate).TotalDays) | Should -Be 30
        @(Update-Crl -Ca $Ca -RenewBeforeDays 7).Count | Should -Be 0
    }

    It 're-issues after a revocation the current CRL lacks' {
        $null = Update-Crl -Ca $Ca -RenewBeforeDays 7
        $cert = New-Csr -DnsName gone.corp.example | Invoke-CaSign -Ca $Ca
        @(Update-Crl -Ca $Ca -RenewBeforeDays 7).Count | Should -Be 0
        $cert | Revoke-Cert -Ca $Ca -Reason KeyCompromise -Confirm:$false
        $crl = Update-Crl -Ca $Ca -RenewBeforeDays 7
        $crl.RevokedCount | Should -Be 1
        $crl.Entries[0].SerialNumberHex | Should -Be $cert.SerialNumber
        Get-ProblemCode -Result ($cert | Test-CertChain -TrustedRoot $Ca.Certificate -Crl (Join-Path $CaPath 'crl/ca.crl')) | Should -Contain 'Revoked'
    }

    It 're-issues a CRL that is unreadable or was signed by another CA' {
        $null = Update-Crl -Ca $Ca -RenewBeforeDays 7
        Set-Content -LiteralPath (Join-Path $CaPath 'crl/ca.crl') -Value 'garbage'
        @(Update-Crl -Ca $Ca -RenewBeforeDays 7).Count | Should -Be 1
        $other = New-Ca -Path (New-CaPath) -Subject 'CN=Pester Update CA'
        $null = New-Crl -Ca $other
        Copy-Item -LiteralPath $other.CrlPath -Destination (Join-Path $CaPath 'crl/ca.crl') -Force
        @(Update-Crl -Ca $Ca -RenewBeforeDays 7).Count | Should -Be 1
    }

    It 'publishes to -Path when it signs' {
        $dir = New-TestFolder
        $null = Update-Crl -Ca $Ca -RenewBeforeDays 30 -Path (Join-Path $dir 'ca.crl')
        (Get-FileName -LiteralPath $dir) -join ',' | Should -Be 'ca.crl,ca.der'
    }

    It 'signs nothing with -WhatIf' {
        $before = Get-FileStamp -LiteralPath (Join-Path $CaPath 'crl/ca.crl')
        Update-Crl -Ca $Ca -RenewBeforeDays 30 -WhatIf | Should -BeNullOrEmpty
        Get-FileStamp -LiteralPath (Join-Path $CaPath 'crl/ca.crl') | Should -Be $before
        (Get-Content -LiteralPath (Join-Path $CaPath 'crlnumber') -Raw).Trim() | Should -Be '02'
    }
}

Describe 'New-Crl and Update-Crl -Path publish over their own CRL only' {
    BeforeEach {
        $Ca = New-Ca -Path (New-CaPath) -Subject 'CN=Pester Publishing CA'
        $Www = New-TestFolder
        $Target = Join-Path $Www 'ca.crl'
    }

    It 'replaces the CA''s previous CRL at -Path on every scheduled run' {
        $null = New-Crl -Ca $Ca -Path $Target
        $null = Update-Crl -Ca $Ca -RenewBeforeDays 30 -Path $Target -ErrorAction Stop
        (Get-Content -LiteralPath $Target -Raw) | Should -Be (Get-Content -LiteralPath $Ca.CrlPath -Raw)
    }

    It 'refuses <Case> at -Path with FileExists, writes nothing, and replaces it with -Force' -TestCases @(
        @{ Case = 'a web page'; Content = '<html>not a CRL</html>' }
        @{ Case = 'the CRL of another CA'; Content = $null }
    ) {
        if ($null -eq $Content) {
            $other = New-Ca -Path (New-CaPath) -Subject 'CN=Pester Other CA'
            Copy-Item -LiteralPath $other.CrlPath -Destination $Target
        }
        else {
            Set-Content -LiteralPath $Target -Value $Content
        }
        $before = Get-FileStamp -LiteralPath $Target
        $number = Get-Content -LiteralPath (Join-Path $Ca.Path 'crlnumber') -Raw
        $crl = New-Crl -Ca $Ca -Path $Target -ErrorVariable err -ErrorAction SilentlyContinue
        $crl | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId -Id FileExists -Command New-Crl)
        Get-FileStamp -LiteralPath $Target | Should -Be $before
        Join-Path $Www 'ca.der' | Should -Not -Exist
        Get-Content -LiteralPath (Join-Path $Ca.Path 'crlnumber') -Raw | Should -Be $number
        { Update-Crl -Ca $Ca -RenewBeforeDays 3650 -Path $Target -ErrorAction Stop } | Should -Throw -ErrorId (Get-PkiErrorId -Id FileExists -Command Update-Crl)
        $null = New-Crl -Ca $Ca -Path $Target -Force
        (Get-Content -LiteralPath $Target -Raw) | Should -Be (Get-Content -LiteralPath $Ca.CrlPath -Raw)
    }
}
