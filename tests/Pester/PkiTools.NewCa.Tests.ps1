# New-Ca and Get-Ca: making CA folders (root, intermediate) and opening them, ours, easy-rsa's and openssl's
BeforeDiscovery {
    $script:NoOpenSsl = -not (Get-Command openssl -ErrorAction SilentlyContinue)
    $script:NotUnix = -not ($IsLinux -or $IsMacOS)
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    . "$PSScriptRoot/CaCommon.ps1"
}

Describe 'New-Ca' {
    Context 'a root CA' {
        BeforeAll {
            $RootPath = New-CaPath
            $Root = New-Ca -Path $RootPath -Subject 'CN=Pester Root CA, O=Pester' -PermittedDnsDomain corp.example -CrlDistributionPoint http://pki.corp.example/root.crl -AuthorityInfoAccess http://pki.corp.example/root.crt
        }

        It 'returns the CA' {
            $Root | Should -BeOfType ([PkiTools.Core.Ca.CaDirectory])
            $Root.Subject | Should -Be 'CN=Pester Root CA, O=Pester'
            $Root.IsRoot | Should -BeTrue
            [string]$Root.Layout | Should -Be 'PkiTools'
            $Root.Path | Should -Be $RootPath
            $Root.IssuedCount | Should -Be 0
            $Root.KeyAlgorithm | Should -Match '256'
        }

        It 'is valid for 10 years by default' {
            ($Root.NotAfter - (Get-Date)).TotalDays | Should -BeGreaterThan 3640
            ($Root.NotAfter - (Get-Date)).TotalDays | Should -BeLessThan 3660
        }

        It 'writes the files openssl ca and easy-rsa expect' {
            $files = Get-FileName -LiteralPath $RootPath
            foreach ($name in $CaFiles) { $files | Should -Contain $name }
            foreach ($folder in 'certs', 'crl', 'private') { Join-Path $RootPath $folder | Should -Exist }
            Join-Path $RootPath 'private/ca.key' | Should -Exist
            Join-Path $RootPath 'chain.pem' | Should -Not -Exist
            Get-Content -LiteralPath (Join-Path $RootPath 'index.txt') -Raw | Should -BeNullOrEmpty
            (Get-Content -LiteralPath (Join-Path $RootPath 'crlnumber') -Raw).Trim() | Should -Be '02' # New-Ca signed CRL number 1
            Join-Path $RootPath 'crl/ca.crl' | Should -Exist
            Join-Path $RootPath 'crl/ca.der' | Should -Exist
            Get-Content -LiteralPath (Join-Path $RootPath 'index.txt.attr') -Raw | Should -Match 'unique_subject = no'
            Get-Content -LiteralPath (Join-Path $RootPath 'ca.crt') -Raw | Should -Match '^-----BEGIN CERTIFICATE-----'
            Get-Content -LiteralPath (Join-Path $RootPath 'private/ca.key') -Raw | Should -Match '^-----BEGIN PRIVATE KEY-----'
        }

        It 'writes the key owner-only (0600) in an owner-only folder (0700)' -Skip:$NotUnix {
            Get-UnixPermission -LiteralPath (Join-Path $RootPath 'private/ca.key') | Should -Be '600'
            Get-UnixPermission -LiteralPath (Join-Path $RootPath 'private') | Should -Be '700'
        }

        It 'writes the policy to policy.json' {
            $policy = Get-Content -LiteralPath (Join-Path $RootPath 'policy.json') -Raw | ConvertFrom-Json
            @($policy.permittedDnsSuffixes) -join ',' | Should -Be 'corp.example'
            @($policy.permittedIpRanges).Count | Should -Be 0
            $policy.maxValidityDays | Should -Be 825
            $policy.defaultCrlDays | Should -Be 30
            $policy.defaultProfile | Should -Be 'TlsServer'
            @($policy.allowedProfiles) -join ',' | Should -Be 'TlsServer,TlsClient,TlsServerClient'
            @($policy.crlDistributionPoints) -join ',' | Should -Be 'http://pki.corp.example/root.crl'
            @($policy.authorityInfoAccess) -join ',' | Should -Be 'http://pki.corp.example/root.crt'
        }

        It 'puts the permitted DNS domain into the CA certificate as a critical name constraint' {
            $constraints = Get-Extension -Certificate $Root.Certificate -Oid '2.5.29.30'
            $constraints | Should -Not -BeNullOrEmpty
            $constraints.Critical | Should -BeTrue
            $basic = Get-Extension -Certificate $Root.Certificate -Oid '2.5.29.19'
            $basic.CertificateAuthority | Should -BeTrue
        }

        It 'openssl shows the DNS domain permitted and every IP address excluded' -Skip:$NoOpenSsl {
            $text = (& openssl x509 -in (Join-Path $RootPath 'ca.crt') -noout -text 2>&1) -join "`n"
            $LASTEXITCODE | Should -Be 0
            $text | Should -Match 'Permitted:'
            $text | Should -Match 'DNS:corp\.example'
            $text | Should -Match 'Excluded:'
            $text | Should -Match 'IP:0\.0\.0\.0/0\.0\.0\.0'
        }

        It 'writes an openssl.cnf that points at the folder' {
            $cnf = Get-Content -LiteralPath (Join-Path $RootPath 'openssl.cnf') -Raw
            $cnf | Should -Match 'default_ca\s*=\s*CA_default'
            $cnf | Should -Match 'database\s*=\s*\$dir/index\.txt'
            $cnf | Should -Match 'crlnumber\s*=\s*\$dir/crlnumber'
        }
    }

    Context 'an intermediate CA' {
        BeforeAll {
            $ParentPath = New-CaPath 'root'
            $Parent = New-Ca -Path $ParentPath -Subject 'CN=Pester Parent Root' -PathLength 1 -CrlDistributionPoint http://pki.corp.example/root.crl
            $SubPath = Join-Path (Split-Path -Parent $ParentPath) 'sub'
            $Sub = New-Ca -Path $SubPath -Subject 'CN=Pester Issuing CA' -Parent $Parent -PermittedDnsDomain corp.example -PermittedIpRange 10.20.0.0/16
        }

        It 'is signed by its parent and valid for 5 years by default' {
            $Sub.IsRoot | Should -BeFalse
            $Sub.Certificate.Issuer | Should -Be $Parent.Subject
            ($Sub.NotAfter - (Get-Date)).TotalDays | Should -BeGreaterThan 1820
            ($Sub.NotAfter - (Get-Date)).TotalDays | Should -BeLessThan 1830
            (Test-CertChain -Certificate $Sub.Certificate -TrustedRoot $Parent.Certificate -Quiet) | Should -BeTrue
        }

        It 'is recorded in the ledger of its parent' {
            $records = @(Get-IssuedCert -Ca $Parent)
            $records.Count | Should -Be 1
            $records[0].SerialNumber | Should -Be $Sub.Certificate.SerialNumber
            [string]$records[0].Status | Should -Be 'Valid'
            @(Get-LedgerLine -CaPath $ParentPath)[0] | Should -Match "^V\t\d{12}Z\t\t$($Sub.Certificate.SerialNumber)\tunknown\t/CN=Pester Issuing CA$"
        }

        It 'has path length 0 and the CRL distribution point of its parent' {
            (Get-Extension -Certificate $Sub.Certificate -Oid '2.5.29.19').PathLengthConstraint | Should -Be 0
            Get-Extension -Certificate $Sub.Certificate -Oid '2.5.29.31' | Should -Not -BeNullOrEmpty
        }

        It 'writes chain.pem: the intermediate, then the root' {
            $chain = @(Read-PemCertificate -LiteralPath (Join-Path $SubPath 'chain.pem'))
            $chain.Count | Should -Be 2
            $chain[0].Thumbprint | Should -Be $Sub.Certificate.Thumbprint
            $chain[1].Thumbprint | Should -Be $Parent.Certificate.Thumbprint
        }

        It 'constrains the DNS domain and the IP range, without excluding IP addresses' -Skip:$NoOpenSsl {
            $text = (& openssl x509 -in (Join-Path $SubPath 'ca.crt') -noout -text 2>&1) -join "`n"
            $text | Should -Match 'DNS:corp\.example'
            $text | Should -Match 'IP:10\.20\.0\.0/255\.255\.0\.0'
            $text | Should -Not -Match 'Excluded:'
        }

        It 'refuses a CA below a CA with path length 0 (IssuerNotCa) and writes nothing' {
            $path = New-CaPath
            { New-Ca -Path $path -Subject 'CN=Too Deep' -Parent $Sub -ErrorAction Stop } |
                Should -Throw -ErrorId 'IssuerNotCa,PkiTools.Commands.NewCaCommand'
            $path | Should -Not -Exist
            @(Get-IssuedCert -Ca $Sub).Count | Should -Be 0
        }

        It 'takes the parent as a path, with -ParentPassword for an encrypted parent key' {
            $encryptedPath = New-CaPath 'enc-root'
            $null = New-Ca -Path $encryptedPath -Subject 'CN=Pester Encrypted Root' -Password $Pw
            Get-Content -LiteralPath (Join-Path $encryptedPath 'private/ca.key') -Raw | Should -Match '^-----BEGIN ENCRYPTED PRIVATE KEY-----'
            $sub = New-Ca -Path (New-CaPath 'enc-sub') -Subject 'CN=Pester Encrypted Sub' -Parent $encryptedPath -ParentPassword $Pw
            $sub.Certificate.Issuer | Should -Be 'CN=Pester Encrypted Root'
            @(Get-IssuedCert -Ca $encryptedPath).Count | Should -Be 1
        }
    }

    Context 'refusals' {
        It 'refuses a folder that is not empty (FileExists) and leaves it as it was' {
            $dir = New-TestFolder
            Set-Content -LiteralPath (Join-Path $dir 'keep.txt') -Value 'keep'
            { New-Ca -Path $dir -Subject 'CN=Refused' -ErrorAction Stop } | Should -Throw -ErrorId 'FileExists,PkiTools.Commands.NewCaCommand'
            (Get-FileName -LiteralPath $dir) -join ',' | Should -Be 'keep.txt'
        }

        It 'refuses <Value> for <Parameter> (InvalidArgument)' -TestCases @(
            @{ Parameter = 'PermittedDnsDomain'; Value = '*.corp.example' }
            @{ Parameter = 'PermittedIpRange'; Value = '10.0.0.0/40' }
            @{ Parameter = 'CrlDistributionPoint'; Value = 'ftp://pki.corp.example/ca.crl' }
        ) {
            $path = New-CaPath
            $arguments = @{ Path = $path; Subject = 'CN=Refused'; $Parameter = $Value }
            { New-Ca @arguments -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,PkiTools.Commands.NewCaCommand'
            $path | Should -Not -Exist
        }

        It 'writes nothing and returns nothing with -WhatIf' {
            $path = New-CaPath
            $result = New-Ca -Path $path -Subject 'CN=What If' -WhatIf
            $result | Should -BeNullOrEmpty
            $path | Should -Not -Exist
        }
    }
}

Describe 'Get-Ca' {
    BeforeAll {
        $CaPath = New-CaPath
        $null = New-Ca -Path $CaPath -Subject 'CN=Pester Get-Ca'
        $null = New-Csr -DnsName web01.corp.example | Invoke-CaSign -Ca $CaPath
    }

    It 'opens a CA folder by path, by pipeline, and from Get-ChildItem' {
        $ca = Get-Ca $CaPath
        $ca | Should -BeOfType ([PkiTools.Core.Ca.CaDirectory])
        $ca.Subject | Should -Be 'CN=Pester Get-Ca'
        $ca.IssuedCount | Should -Be 1
        $ca.ValidCount | Should -Be 1
        (@($CaPath | Get-Ca)).Count | Should -Be 1
        (@(Get-Item -LiteralPath $CaPath | Get-Ca)).Count | Should -Be 1
    }

    It 'expands wildcards' {
        $parent = Split-Path -Parent $CaPath
        @(Get-Ca (Join-Path $parent '*')).Count | Should -Be 1
    }

    It 'reports CaNotFound for <Case>' -TestCases @(
        @{ Case = 'a folder that does not exist'; Kind = 'Missing' }
        @{ Case = 'a folder that is not a CA'; Kind = 'Empty' }
    ) {
        $dir = New-TestFolder
        switch ($Kind) {
            'Missing' { $target = Join-Path $dir 'missing' }
            'Empty' { $target = $dir }
        }
        $result = Get-Ca $target -ErrorVariable err -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId -Id CaNotFound -Command Get-Ca)
    }

    It 'opens an easy-rsa pki, and Invoke-CaSign -Ca files the certificate where easy-rsa does' {
        $pki = Join-Path (New-TestFolder) 'pki'
        $null = New-Item -ItemType Directory -Path (Join-Path $pki 'private'), (Join-Path $pki 'issued'), (Join-Path $pki 'certs_by_serial'), (Join-Path $pki 'reqs')
        $null = New-SelfSignedCert -Subject 'CN=Pester Easy-RSA CA' -Profile RootCa -Path (Join-Path $pki 'ca')
        Move-Item -LiteralPath (Join-Path $pki 'ca.key') -Destination (Join-Path $pki 'private/ca.key')
        $null = New-Item -ItemType File -Path (Join-Path $pki 'index.txt')

        $ca = Get-Ca $pki
        [string]$ca.Layout | Should -Be 'EasyRsa'
        $ca.CrlPath | Should -Be (Join-Path $pki 'crl.pem')

        $cert = New-Csr -DnsName vpn-client1.corp.example | Invoke-CaSign -Ca $ca -Profile TlsClient
        Join-Path $pki 'issued/vpn-client1.corp.example.crt' | Should -Exist
        Join-Path $pki "certs_by_serial/$($cert.SerialNumber).pem" | Should -Exist
        @(Get-LedgerLine -CaPath $pki).Count | Should -Be 1
    }

    It 'opens an openssl ca demoCA folder and its openssl.cnf' {
        $dir = New-TestFolder
        $demo = Join-Path $dir 'demoCA'
        $null = New-Item -ItemType Directory -Path (Join-Path $demo 'private'), (Join-Path $demo 'newcerts')
        $null = New-SelfSignedCert -Subject 'CN=Pester DemoCA' -Profile RootCa -Path (Join-Path $demo 'cacert.pem')
        Move-Item -LiteralPath (Join-Path $demo 'cacert.key') -Destination (Join-Path $demo 'private/cakey.pem')
        $null = New-Item -ItemType File -Path (Join-Path $demo 'index.txt')
        $cnf = Join-Path $dir 'my-openssl.cnf'
        Set-Content -LiteralPath $cnf -Value @(
            '[ ca ]'
            'default_ca = CA_default'
            '[ CA_default ]'
            "dir = $($demo -replace '\\', '/')"
            'database = $dir/index.txt'
            'new_certs_dir = $dir/newcerts'
            'certificate = $dir/cacert.pem'
            'private_key = $dir/private/cakey.pem'
            'crlnumber = $dir/crlnumber'
        )

        $byFolder = Get-Ca $dir
        [string]$byFolder.Layout | Should -Be 'OpenSsl'
        $byFolder.Subject | Should -Be 'CN=Pester DemoCA'
        $byConfig = Get-Ca $cnf
        [string]$byConfig.Layout | Should -Be 'OpenSsl'

        $cert = New-Csr -DnsName app.corp.example | Invoke-CaSign -Ca $cnf
        Join-Path $demo "newcerts/$($cert.SerialNumber).pem" | Should -Exist
        (New-Crl -Ca $cnf).CrlNumber | Should -Be '1'
        Join-Path $demo 'crl.pem' | Should -Exist
    }

    It 'warns about a torn last line and ignores it' {
        $path = New-CaPath
        $null = New-Ca -Path $path -Subject 'CN=Pester Torn'
        $null = New-Csr -DnsName a.corp.example | Invoke-CaSign -Ca $path
        # A process killed in the middle of appending a line leaves it without its end.
        [System.IO.File]::AppendAllText((Join-Path $path 'index.txt'), "V`t301231235959Z`t`t0A0B")

        $ca = Get-Ca $path -WarningVariable warnings -WarningAction SilentlyContinue
        $ca.IssuedCount | Should -Be 1
        ($warnings -join "`n") | Should -Match 'incomplete'

        # The next issuance removes it.
        $null = New-Csr -DnsName b.corp.example | Invoke-CaSign -Ca $path -WarningAction SilentlyContinue
        $lines = Get-LedgerLine -CaPath $path
        $lines.Count | Should -Be 2
        $lines | ForEach-Object { $_ | Should -Match '^V\t' }
    }
}

Describe 'New-Ca publishes the first CRL and keeps a sub-CA inside its parent''s names' {
    BeforeAll {
        $RootPath = New-CaPath -Name root
        $Root = New-Ca -Path $RootPath -Subject 'CN=Pester Named Root' -PathLength 1 -PermittedDnsDomain corp.example
    }

    It 'writes crl/ca.crl and crl/ca.der, number 1, that Test-CertChain accepts as current' {
        $crl = [PkiTools.Core.Revocation.CertificateRevocationList]::Parse([System.IO.File]::ReadAllBytes($Root.CrlPath))
        $crl.CrlNumber | Should -Be '1'
        $crl.RevokedCount | Should -Be 0
        Join-Path $RootPath 'crl/ca.der' | Should -Exist
        $sub = New-Ca -Path (New-CaPath -Name sub) -Subject 'CN=Pester Named Sub' -Parent $Root
        $leaf = New-Csr -DnsName www.corp.example | Invoke-CaSign -Ca $sub
        $result = $leaf | Test-CertChain -TrustedRoot $Root.Certificate -Intermediate $sub.Certificate -Crl $Root.CrlPath, $sub.CrlPath
        $result.IsValid | Should -BeTrue
    }

    It 'gives a sub-CA without -PermittedDnsDomain the parent''s domains' {
        $sub = New-Ca -Path (New-CaPath -Name sub) -Subject 'CN=Pester Inheriting Sub' -Parent $Root
        (Get-Content -LiteralPath (Join-Path $sub.Path 'policy.json') -Raw | ConvertFrom-Json).permittedDnsSuffixes | Should -Be @('corp.example')
        { New-Csr -DnsName www.evil.example | Invoke-CaSign -Ca $sub -ErrorAction Stop } | Should -Throw -ErrorId (Get-PkiErrorId -Id PolicyViolation -Command Invoke-CaSign)
    }

    It 'refuses a sub-CA domain outside the parent''s (PolicyViolation) and creates nothing' {
        $path = New-CaPath -Name wide
        $ledger = Get-FileStamp -LiteralPath (Join-Path $RootPath 'index.txt')
        { New-Ca -Path $path -Subject 'CN=Pester Wide Sub' -Parent $Root -PermittedDnsDomain evil.example -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-PkiErrorId -Id PolicyViolation -Command New-Ca)
        $path | Should -Not -Exist
        Get-FileStamp -LiteralPath (Join-Path $RootPath 'index.txt') | Should -Be $ledger
    }

    It 'creates nothing with -WhatIf, not even the CRL' {
        $path = New-CaPath
        New-Ca -Path $path -Subject 'CN=Pester What If Root' -WhatIf | Should -BeNullOrEmpty
        $path | Should -Not -Exist
    }
}
