# Invoke-CaSign -Ca and Get-IssuedCert: issuing under a CA's policy and reading its ledger
BeforeDiscovery {
    $script:NoOpenSsl = -not (Get-Command openssl -ErrorAction SilentlyContinue)
    $script:NotUnix = -not ($IsLinux -or $IsMacOS)

    # Requests the policy of $PolicyCa (corp.example, 10.20.0.0/16, 90 days, TLS profiles) refuses.
    $script:PolicyViolations = @(
        @{ Case = 'a DNS name outside permittedDnsSuffixes'; Csr = @{ DnsName = 'www.evil.example' }; Sign = @{} }
        @{ Case = 'a common name outside permittedDnsSuffixes'; Csr = @{ Subject = 'CN=www.evil.example' }; Sign = @{} }
        @{ Case = 'an IP address outside permittedIpRanges'; Csr = @{ DnsName = 'web.corp.example'; IpAddress = '192.0.2.10' }; Sign = @{} }
        @{ Case = 'a lifetime over maxValidityDays'; Csr = @{ DnsName = 'web.corp.example' }; Sign = @{ ValidDays = 91 } }
        @{ Case = 'a profile not in allowedProfiles'; Csr = @{ Subject = 'CN=Rogue Sub CA' }; Sign = @{ Profile = 'IntermediateCa' } }
    )
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    . "$PSScriptRoot/CaCommon.ps1"
}

Describe 'Invoke-CaSign -Ca' {
    BeforeAll {
        $RootPath = New-CaPath 'root'
        $Root = New-Ca -Path $RootPath -Subject 'CN=Pester Sign Root' -PathLength 1
        $SubPath = Join-Path (Split-Path -Parent $RootPath) 'sub'
        $Sub = New-Ca -Path $SubPath -Subject 'CN=Pester Sign Issuing' -Parent $Root -CrlDistributionPoint http://pki.corp.example/sub.crl -AuthorityInfoAccess http://pki.corp.example/sub.crt
        $PolicyPath = Join-Path (Split-Path -Parent $RootPath) 'policy'
        $PolicyCa = New-Ca -Path $PolicyPath -Subject 'CN=Pester Policy CA' -PermittedDnsDomain corp.example -PermittedIpRange 10.20.0.0/16 -MaxValidityDays 90
    }

    It 'issues, saves the certificate by serial and records it in index.txt before returning it' {
        $cert = New-Csr -DnsName web01.corp.example | Invoke-CaSign -Ca $Root
        $cert | Should -BeOfType ([System.Security.Cryptography.X509Certificates.X509Certificate2])
        $cert.Issuer | Should -Be 'CN=Pester Sign Root'
        $serial = $cert.SerialNumber
        $serial.Length | Should -Be 32
        Join-Path $RootPath "certs/$serial.pem" | Should -Exist
        (Read-PemCertificate -LiteralPath (Join-Path $RootPath "certs/$serial.pem")).Thumbprint | Should -Be $cert.Thumbprint
        (@(Get-LedgerLine -CaPath $RootPath) -match "^V\t\d{12}Z\t\t$serial\tunknown\t/CN=web01\.corp\.example$").Count | Should -Be 1
        (Get-IssuedCert -Ca $Root -SerialNumber $serial).Certificate.Thumbprint | Should -Be $cert.Thumbprint
    }

    It 'takes the CA as a path and CSR files with -CsrPath' {
        $dir = New-TestFolder
        $null = New-Csr -DnsName files.corp.example -Path (Join-Path $dir 'files')
        $cert = Invoke-CaSign -CsrPath (Join-Path $dir '*.csr') -Ca $RootPath
        $cert.Subject | Should -Be 'CN=files.corp.example'
        @(Get-IssuedCert -Ca $RootPath -DnsName files.corp.example).Count | Should -Be 1
    }

    It 'writes <stem>.fullchain.crt for an intermediate: the leaf, then the intermediate, no root' {
        $dir = New-TestFolder
        $stem = Join-Path $dir 'app'
        $cert = New-Csr -DnsName app.corp.example -Path $stem | Invoke-CaSign -Ca $Sub -Path $stem
        (Get-FileName -LiteralPath $dir) -join ',' | Should -Be 'app.crt,app.csr,app.fullchain.crt,app.key'
        $chain = @(Read-PemCertificate -LiteralPath "$stem.fullchain.crt")
        $chain.Count | Should -Be 2
        $chain[0].Thumbprint | Should -Be $cert.Thumbprint
        $chain[1].Thumbprint | Should -Be $Sub.Certificate.Thumbprint
        $chain.Thumbprint | Should -Not -Contain $Root.Certificate.Thumbprint
        (Test-CertChain -Path "$stem.fullchain.crt" -TrustedRoot (Join-Path $RootPath 'ca.crt') -DnsName app.corp.example -Quiet) | Should -BeTrue
    }

    It 'writes no fullchain file for a root CA (the certificate, and the key the request carried)' {
        $dir = New-TestFolder
        $null = New-Csr -DnsName plain.corp.example | Invoke-CaSign -Ca $Root -Path (Join-Path $dir 'plain')
        (Get-FileName -LiteralPath $dir) -join ',' | Should -Be 'plain.crt,plain.key'
    }

    It 'openssl verifies the full chain against the root' -Skip:$NoOpenSsl {
        $dir = New-TestFolder
        $stem = Join-Path $dir 'ossl'
        $null = New-Csr -DnsName ossl.corp.example -Path $stem | Invoke-CaSign -Ca $Sub -Path $stem
        $out = (& openssl verify -CAfile (Join-Path $RootPath 'ca.crt') -untrusted "$stem.fullchain.crt" "$stem.crt" 2>&1) -join "`n"
        $LASTEXITCODE | Should -Be 0 -Because $out
    }

    It 'writes the CRL distribution point and caIssuers URI of the CA into the certificate' {
        $cert = New-Csr -DnsName cdp.corp.example | Invoke-CaSign -Ca $Sub
        Get-Extension -Certificate $cert -Oid '2.5.29.31' | Should -Not -BeNullOrEmpty
        Get-Extension -Certificate $cert -Oid '1.3.6.1.5.5.7.1.1' | Should -Not -BeNullOrEmpty
        $cdp = (Get-Extension -Certificate $cert -Oid '2.5.29.31').Format($false)
        $cdp | Should -Match 'pki\.corp\.example/sub\.crl'
    }

    It 'issues within the policy for the policy''s lifetime' {
        $cert = New-Csr -DnsName ok.corp.example -IpAddress 10.20.1.2 | Invoke-CaSign -Ca $PolicyCa
        [math]::Round(($cert.NotAfter - (Get-Date)).TotalDays) | Should -Be 90
        $constraints = Get-Extension -Certificate $PolicyCa.Certificate -Oid '2.5.29.30'
        $constraints.Critical | Should -BeTrue
        (Test-CertChain -Certificate $cert -TrustedRoot $PolicyCa.Certificate -DnsName ok.corp.example -Quiet) | Should -BeTrue
    }

    It 'refuses <Case> with PolicyViolation and leaves the CA as it was' -TestCases $PolicyViolations {
        $before = Get-FileStamp -LiteralPath (Join-Path $PolicyPath 'index.txt')
        $certsBefore = (Get-FileName -LiteralPath (Join-Path $PolicyPath 'certs')) -join ','
        $dir = New-TestFolder
        $stem = Join-Path $dir 'refused'

        { New-Csr @Csr | Invoke-CaSign -Ca $PolicyCa -Path $stem @Sign -ErrorAction Stop } |
            Should -Throw -ErrorId 'PolicyViolation,PkiTools.Commands.InvokeCaSignCommand'

        Get-FileStamp -LiteralPath (Join-Path $PolicyPath 'index.txt') | Should -Be $before
        (Get-FileName -LiteralPath (Join-Path $PolicyPath 'certs')) -join ',' | Should -Be $certsBefore
        Get-FileName -LiteralPath $dir | Should -BeNullOrEmpty
    }

    It 'signs the other requests of a batch when the policy refuses one' {
        $before = @(Get-IssuedCert -Ca $PolicyCa).Count
        $csrs = @((New-Csr -DnsName www.evil.example), (New-Csr -DnsName good.corp.example))
        $certs = @($csrs | Invoke-CaSign -Ca $PolicyCa -ErrorVariable errs -ErrorAction SilentlyContinue)
        $certs.Count | Should -Be 1
        $certs[0].Subject | Should -Be 'CN=good.corp.example'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId -Id PolicyViolation -Command Invoke-CaSign)
        @(Get-IssuedCert -Ca $PolicyCa).Count | Should -Be ($before + 1)
    }

    It 'signs and records nothing with -WhatIf, with or without -Path' {
        $before = Get-FileStamp -LiteralPath (Join-Path $RootPath 'index.txt')
        $dir = New-TestFolder
        $result = New-Csr -DnsName whatif.corp.example | Invoke-CaSign -Ca $Root -WhatIf
        $result | Should -BeNullOrEmpty
        $result = New-Csr -DnsName whatif.corp.example | Invoke-CaSign -Ca $Root -Path (Join-Path $dir 'whatif') -WhatIf
        $result | Should -BeNullOrEmpty
        Get-FileStamp -LiteralPath (Join-Path $RootPath 'index.txt') | Should -Be $before
        Get-FileName -LiteralPath $dir | Should -BeNullOrEmpty
    }

    It 'refuses an existing certificate file before issuing (FileExists, nothing recorded)' {
        $dir = New-TestFolder
        $stem = Join-Path $dir 'taken'
        Set-Content -LiteralPath "$stem.crt" -Value 'original' -NoNewline
        $before = Get-FileStamp -LiteralPath (Join-Path $RootPath 'index.txt')
        { New-Csr -DnsName taken.corp.example | Invoke-CaSign -Ca $Root -Path $stem -ErrorAction Stop } |
            Should -Throw -ErrorId 'FileExists,PkiTools.Commands.InvokeCaSignCommand'
        Get-FileStamp -LiteralPath (Join-Path $RootPath 'index.txt') | Should -Be $before
        Get-Content -LiteralPath "$stem.crt" -Raw | Should -Be 'original'
    }

    It 'unlocks an encrypted CA key with -CaPassword' {
        $path = New-CaPath
        $null = New-Ca -Path $path -Subject 'CN=Pester Locked CA' -Password $Pw
        $cert = New-Csr -DnsName locked.corp.example | Invoke-CaSign -Ca $path -CaPassword $Pw
        $cert.Issuer | Should -Be 'CN=Pester Locked CA'
        @(Get-IssuedCert -Ca $path).Count | Should -Be 1
    }
}

Describe 'Get-IssuedCert' {
    BeforeAll {
        $CaPath = New-CaPath
        $Ca = New-Ca -Path $CaPath -Subject 'CN=Pester Ledger CA'
        $Web01 = New-Csr -DnsName web01.corp.example | Invoke-CaSign -Ca $Ca
        $Web02 = New-Csr -DnsName web02.corp.example | Invoke-CaSign -Ca $Ca -ValidDays 10
        $Api = New-Csr -DnsName api.corp.example, api.internal.example | Invoke-CaSign -Ca $Ca
        $Mail = New-Csr -DnsName mail.other.example | Invoke-CaSign -Ca $Ca -ValidDays 20
        Revoke-Cert -Ca $Ca -SerialNumber $Api.SerialNumber -Reason Superseded -Confirm:$false
    }

    It 'lists every certificate in the order issued, with the ledger and the file' {
        $records = @(Get-IssuedCert -Ca $Ca)
        $records.Count | Should -Be 4
        $records[0] | Should -BeOfType ([PkiTools.Core.Ca.IssuedCertificateRecord])
        $records.SerialNumber -join ',' | Should -Be (@($Web01.SerialNumber, $Web02.SerialNumber, $Api.SerialNumber, $Mail.SerialNumber) -join ',')
        $records[0].Subject | Should -Be 'CN=web01.corp.example'
        $records[0].SubjectAltNames | Should -Contain 'DNS:web01.corp.example'
        $records[0].CaPath | Should -Be $CaPath
        $records[0].Path | Should -Exist
        $records[0].Certificate.Thumbprint | Should -Be $Web01.Thumbprint
    }

    It 'takes the CA from the pipeline and as a path' {
        @(Get-Ca $CaPath | Get-IssuedCert).Count | Should -Be 4
        @(Get-IssuedCert $CaPath).Count | Should -Be 4
    }

    It '-Status <Status> lists <Count>' -TestCases @(
        @{ Status = 'Valid'; Count = 3 }
        @{ Status = 'Revoked'; Count = 1 }
        @{ Status = 'Expired'; Count = 0 }
    ) {
        @(Get-IssuedCert -Ca $Ca -Status $Status).Count | Should -Be $Count
    }

    It '-DnsName <Pattern> finds <Expected>' -TestCases @(
        @{ Pattern = '*.corp.example'; Expected = 'web01,web02,api' }
        @{ Pattern = 'web0?.corp.example'; Expected = 'web01,web02' }
        @{ Pattern = 'WEB01.CORP.EXAMPLE'; Expected = 'web01' }
        @{ Pattern = 'api.internal.example'; Expected = 'api' }
        @{ Pattern = '*.nowhere.example'; Expected = '' }
    ) {
        $names = @(Get-IssuedCert -Ca $Ca -DnsName $Pattern | ForEach-Object { ($_.Subject -replace '^CN=', '') -replace '\..*$', '' })
        ($names -join ',') | Should -Be $Expected
    }

    It '-SerialNumber finds a serial written in any spelling' {
        $hex = $Web02.SerialNumber.ToLowerInvariant()
        $colons = ($hex -split '(..)' | Where-Object { $_ }) -join ':'
        foreach ($spelling in $Web02.SerialNumber, $hex, $colons, "0x$hex") {
            $found = @(Get-IssuedCert -Ca $Ca -SerialNumber $spelling)
            $found.Count | Should -Be 1
            $found[0].Certificate.Thumbprint | Should -Be $Web02.Thumbprint
        }
    }

    It '-ExpiringWithinDays lists the valid certificates that expire within that time' {
        @(Get-IssuedCert -Ca $Ca -ExpiringWithinDays 15 | ForEach-Object SerialNumber) -join ',' | Should -Be $Web02.SerialNumber
        @(Get-IssuedCert -Ca $Ca -ExpiringWithinDays 30 | ForEach-Object SerialNumber) -join ',' | Should -Be "$($Web02.SerialNumber),$($Mail.SerialNumber)"
        @(Get-IssuedCert -Ca $Ca -ExpiringWithinDays 30 -DnsName '*.corp.example' | ForEach-Object SerialNumber) -join ',' | Should -Be $Web02.SerialNumber
    }

    It 'counts a valid line past its NotAfter as Expired' {
        $path = New-CaPath
        $null = New-Ca -Path $path -Subject 'CN=Pester Expiry CA'
        # A line as openssl ca writes it for a certificate that expired in 2020 (its file is gone).
        [System.IO.File]::AppendAllText((Join-Path $path 'index.txt'), "V`t200101000000Z`t`t0BADC0DE`tunknown`t/CN=old.corp.example`n")
        $expired = @(Get-IssuedCert -Ca $path -Status Expired)
        $expired.Count | Should -Be 1
        $expired[0].SerialNumber | Should -Be '0BADC0DE'
        $expired[0].Subject | Should -Be '/CN=old.corp.example'
        $expired[0].Certificate | Should -BeNullOrEmpty
        @(Get-IssuedCert -Ca $path -Status Valid).Count | Should -Be 0
        @(Get-IssuedCert -Ca $path -ExpiringWithinDays 30).Count | Should -Be 0
    }

    It 'refuses a serial number that is not hex (InvalidArgument)' {
        { Get-IssuedCert -Ca $Ca -SerialNumber 'xyz' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,PkiTools.Commands.GetIssuedCertCommand'
    }
}

Describe 'Invoke-CaSign -Ca validates against the CA''s own chain' {
    It 'refuses a certificate the root''s name constraints forbid even when the sub-CA''s policy.json was loosened' {
        $root = New-Ca -Path (New-CaPath -Name root) -Subject 'CN=Pester Chain Root' -PathLength 1 -PermittedDnsDomain corp.example
        $sub = New-Ca -Path (New-CaPath -Name sub) -Subject 'CN=Pester Chain Sub' -Parent $root
        Set-Content -LiteralPath (Join-Path $sub.Path 'policy.json') -Value '{ "maxValidityDays": 825 }'
        $ledger = Get-FileStamp -LiteralPath (Join-Path $sub.Path 'index.txt')
        $out = Join-Path (New-TestFolder) 'evil'
        $cert = New-Csr -DnsName www.evil.example | Invoke-CaSign -Ca $sub.Path -Path $out -ErrorVariable err -ErrorAction SilentlyContinue
        $cert | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId -Id PolicyViolation -Command Invoke-CaSign)
        $err[0].Exception.Message | Should -Match 'NameConstraintViolation'
        Get-FileStamp -LiteralPath (Join-Path $sub.Path 'index.txt') | Should -Be $ledger
        "$out.crt" | Should -Not -Exist
        # Inside the names, it issues.
        (New-Csr -DnsName www.corp.example | Invoke-CaSign -Ca $sub.Path).Subject | Should -Be 'CN=www.corp.example'
    }
}
