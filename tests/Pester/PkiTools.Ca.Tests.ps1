# New-Ca, Get-Ca, Invoke-CaSign -Ca, Get-IssuedCert, Revoke-Cert, New-Crl and Update-Crl: the scenarios of running a CA
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

    $Secret = 'ca-Pa55word'
    $Pw = ConvertTo-SecureString -String $Secret -AsPlainText -Force
    $Wrong = ConvertTo-SecureString -String 'not-the-password' -AsPlainText -Force

    function New-TestFolder {
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $dir
        $dir
    }

    # A path for a new CA folder (not created: New-Ca creates it).
    function New-CaPath {
        param([string] $Name = 'ca')
        Join-Path (New-TestFolder) $Name
    }

    # The certificates of a PEM file, in order, as X509Certificate2 objects.
    function Read-PemCertificate {
        param([Parameter(Mandatory)][string] $LiteralPath)
        $text = [System.IO.File]::ReadAllText($LiteralPath)
        foreach ($m in [regex]::Matches($text, '-----BEGIN CERTIFICATE-----(?<b64>[^-]+)-----END CERTIFICATE-----')) {
            $der = [Convert]::FromBase64String(($m.Groups['b64'].Value -replace '\s', ''))
            [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($der)
        }
    }

    # The extension of a certificate with this OID, or $null.
    function Get-Extension {
        param([Parameter(Mandatory)] $Certificate, [Parameter(Mandatory)][string] $Oid)
        $Certificate.Extensions | Where-Object { $_.Oid.Value -eq $Oid }
    }

    # The bytes of a file as one string, to compare a file before and after (an empty file is '').
    function Get-FileStamp {
        param([Parameter(Mandatory)][string] $LiteralPath)
        [Convert]::ToBase64String([System.IO.File]::ReadAllBytes($LiteralPath))
    }

    # The lines of the ledger.
    function Get-LedgerLine {
        param([Parameter(Mandatory)][string] $CaPath)
        @([System.IO.File]::ReadAllLines((Join-Path $CaPath 'index.txt')) | Where-Object { $_ })
    }

    # Files and folders New-Ca writes.
    $CaFiles = 'ca.crt', 'crlnumber', 'index.txt', 'index.txt.attr', 'openssl.cnf', 'policy.json', 'serial'
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
            (Get-Content -LiteralPath (Join-Path $RootPath 'crlnumber') -Raw).Trim() | Should -Be '01'
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
        $first = @(Update-Crl -Ca $Ca -RenewBeforeDays 7)
        $first.Count | Should -Be 1
        $first[0].CrlNumber | Should -Be '1'
        @(Update-Crl -Ca $Ca -RenewBeforeDays 7).Count | Should -Be 0
        @(Update-Crl -Ca $CaPath -RenewBeforeDays 7).Count | Should -Be 0
        (Get-Content -LiteralPath (Join-Path $CaPath 'crlnumber') -Raw).Trim() | Should -Be '02'
    }

    It 'says on the verbose stream why there is nothing to do' {
        $null = Update-Crl -Ca $Ca -RenewBeforeDays 7
        $verbose = Update-Crl -Ca $Ca -RenewBeforeDays 7 -Verbose 4>&1
        @($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'current' }).Count | Should -Be 1
    }

    It 're-issues when nextUpdate is within -RenewBeforeDays' {
        $null = Update-Crl -Ca $Ca -RenewBeforeDays 7 -NextUpdateDays 5
        $crl = Update-Crl -Ca $Ca -RenewBeforeDays 7
        $crl.CrlNumber | Should -Be '2'
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
        $null = Update-Crl -Ca $Ca -RenewBeforeDays 7 -Path (Join-Path $dir 'ca.crl')
        (Get-FileName -LiteralPath $dir) -join ',' | Should -Be 'ca.crl,ca.der'
    }

    It 'signs nothing with -WhatIf' {
        Update-Crl -Ca $Ca -RenewBeforeDays 7 -WhatIf | Should -BeNullOrEmpty
        Join-Path $CaPath 'crl/ca.crl' | Should -Not -Exist
        (Get-Content -LiteralPath (Join-Path $CaPath 'crlnumber') -Raw).Trim() | Should -Be '01'
    }
}

Describe 'bad input' {
    It 'reports LedgerCorrupt for a line of index.txt that is not in openssl''s format, in every cmdlet' {
        $path = New-CaPath
        $null = New-Ca -Path $path -Subject 'CN=Pester Corrupt CA'
        $null = New-Csr -DnsName a.corp.example | Invoke-CaSign -Ca $path
        [System.IO.File]::AppendAllText((Join-Path $path 'index.txt'), "this is not a ledger line`n")
        $before = Get-FileStamp -LiteralPath (Join-Path $path 'index.txt')

        $null = Get-IssuedCert -Ca $path -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId -Id LedgerCorrupt -Command Get-IssuedCert)
        $err[0].Exception.Message | Should -Match 'Line 2'

        { Get-Ca $path -ErrorAction Stop } | Should -Throw -ErrorId 'LedgerCorrupt,PkiTools.Commands.GetCaCommand'
        { New-Csr -DnsName b.corp.example | Invoke-CaSign -Ca $path -ErrorAction Stop } | Should -Throw -ErrorId 'LedgerCorrupt,PkiTools.Commands.InvokeCaSignCommand'
        { Revoke-Cert -Ca $path -SerialNumber 0A -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'LedgerCorrupt,PkiTools.Commands.RevokeCertCommand'
        { New-Crl -Ca $path -ErrorAction Stop } | Should -Throw -ErrorId 'LedgerCorrupt,PkiTools.Commands.NewCrlCommand'
        Get-FileStamp -LiteralPath (Join-Path $path 'index.txt') | Should -Be $before
        Join-Path $path 'crl/ca.crl' | Should -Not -Exist
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
                'Update-Crl' { $result = Update-Crl -Ca $LockedPath -RenewBeforeDays 7 @password -ErrorVariable err -ErrorAction SilentlyContinue }
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
            (New-Crl -Ca $LockedPath -CaPassword $Pw).CrlNumber | Should -Be '1'
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
