# Get-CertDetail, Import-Csr, Import-Crl and the default certificate views: what a sysadmin types to look at things.
BeforeDiscovery {
    $script:NoOpenSsl = $null -eq (Get-Command openssl -ErrorAction SilentlyContinue)
    # openssl -addext value -> the extension name and value lines Get-CertDetail must show (as openssl x509 -text does).
    $script:Extensions = @(
        @{ AddExt = 'subjectAltName=DNS:web.example,IP:192.0.2.7'; Name = 'X509v3 Subject Alternative Name'; Lines = @('DNS:web.example, IP Address:192.0.2.7'); Critical = $false }
        @{ AddExt = 'keyUsage=critical,digitalSignature,keyEncipherment'; Name = 'X509v3 Key Usage'; Lines = @('Digital Signature, Key Encipherment'); Critical = $true }
        @{ AddExt = 'extendedKeyUsage=serverAuth,timeStamping'; Name = 'X509v3 Extended Key Usage'; Lines = @('TLS Web Server Authentication, Time Stamping'); Critical = $false }
        @{ AddExt = 'basicConstraints=critical,CA:FALSE'; Name = 'X509v3 Basic Constraints'; Lines = @('CA:FALSE'); Critical = $true }
        @{ AddExt = 'crlDistributionPoints=URI:http://pki.example/ca.crl'; Name = 'X509v3 CRL Distribution Points'; Lines = @('Full Name:', 'URI:http://pki.example/ca.crl'); Critical = $false }
        @{ AddExt = 'authorityInfoAccess=caIssuers;URI:http://pki.example/ca.crt'; Name = 'Authority Information Access'; Lines = @('CA Issuers - URI:http://pki.example/ca.crt'); Critical = $false }
        @{ AddExt = 'certificatePolicies=2.23.140.1.2.2'; Name = 'X509v3 Certificate Policies'; Lines = @('Policy: 2.23.140.1.2.2'); Critical = $false }
        @{ AddExt = 'nameConstraints=critical,permitted;DNS:.corp.example'; Name = 'X509v3 Name Constraints'; Lines = @('Permitted:', 'DNS:.corp.example'); Critical = $true }
        @{ AddExt = '1.3.6.1.4.1.55555.1=DER:0C:02:68:69'; Name = '1.3.6.1.4.1.55555.1'; Lines = @('0C:02:68:69'); Critical = $false }
    )
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $Root = New-SelfSignedCert -Subject 'CN=Pester Detail Root' -Profile RootCa -Path (Join-Path $TestDrive 'root')
}

Describe 'Get-CertDetail' {
    It 'shows <Name> as openssl x509 -text does' -Skip:$NoOpenSsl -TestCases $Extensions {
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $dir
        $crt = Join-Path $dir 'x.crt'
        & openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout (Join-Path $dir 'x.key') -out $crt -subj '/CN=x.example' -days 2 -addext $AddExt 2>$null
        $LASTEXITCODE | Should -Be 0

        $detail = Get-CertDetail -LiteralPath $crt
        $ext = $detail.Extensions | Where-Object Name -EQ $Name
        $ext | Should -Not -BeNullOrEmpty
        $ext.Critical | Should -Be $Critical
        @($ext.Value -split "`n" | ForEach-Object Trim) | Should -Be $Lines
        $text = (& openssl x509 -in $crt -noout -text) -join "`n"
        if ($ext.IsKnown) { foreach ($line in $Lines) { $text | Should -Match ([regex]::Escape($line)) } }
        $detail.Curve | Should -Be 'P-384'
        $detail.SerialNumber | Should -Be ((& openssl x509 -in $crt -noout -serial) -replace '^serial=')
    }

    It 'reads a whole chain file, one object per certificate, in file order' {
        $issuing = New-Csr -Subject 'CN=Pester Detail Issuing' | Invoke-CaSign -Issuer $Root -Profile IntermediateCa
        $leaf = New-Csr -DnsName site.example | Invoke-CaSign -Issuer $issuing
        $chain = Join-Path $TestDrive 'chain.pem'
        $leaf, $issuing, $Root | Export-Cert -Path $chain -Format Pem
        $details = Get-CertDetail $chain
        $details.Subject | Should -Be @('CN=site.example', 'CN=Pester Detail Issuing', 'CN=Pester Detail Root')
        $details[0].DnsNames | Should -Be 'site.example'
        ($details[1].Extensions | Where-Object Oid -EQ '2.5.29.19').Value | Should -Be 'CA:TRUE, pathlen:0'
        $details.Sha1Fingerprint | Should -Be @($leaf.Thumbprint, $issuing.Thumbprint, $Root.Thumbprint)
    }

    It 'shows what a request asks for before it is signed' {
        New-Csr -DnsName app.example, api.example -IpAddress 10.9.8.7 -Path (Join-Path $TestDrive 'app') | Out-Null
        $detail = Import-Csr (Join-Path $TestDrive 'app.csr') | Get-CertDetail
        $detail.Kind | Should -Be 'Csr'
        $detail.SignatureValid | Should -BeTrue
        ($detail.Extensions | Where-Object Oid -EQ '2.5.29.17').Value | Should -Be 'DNS:app.example, DNS:api.example, IP Address:10.9.8.7'
        $detail.PublicKeyAlgorithm | Should -Be 'EC'
    }

    It 'lists the revoked certificates of a CA''s CRL with their reasons' {
        $ca = Join-Path $TestDrive 'ca'
        New-Ca -Path $ca -Subject 'CN=Pester Detail CA' | Out-Null
        $gone = New-Csr -DnsName gone.example | Invoke-CaSign -Ca $ca
        $gone | Revoke-Cert -Ca $ca -Reason Superseded -Confirm:$false
        New-Crl -Ca $ca -Path (Join-Path $TestDrive 'ca.crl') | Out-Null

        $detail = Get-CertDetail (Join-Path $TestDrive 'ca.crl')
        $detail.Kind | Should -Be 'Crl'
        $detail.CrlNumber | Should -Be '2'   # New-Ca signed number 1
        $detail.RevokedCertificates.SerialNumberHex | Should -Be ($gone.SerialNumber -replace '^00')
        $detail.RevokedCertificates.Reason | Should -Be 'Superseded'
        ($detail | Out-String) | Should -Match 'Superseded'
    }

    It 'reports a bad file with its error id and goes on with the next' {
        $bad = Join-Path $TestDrive 'bad.crt'
        Set-Content -LiteralPath $bad -Value 'this is not a certificate'
        $good = Join-Path $TestDrive 'root.crt'
        $out = Get-CertDetail $bad, $good -ErrorVariable errs -ErrorAction SilentlyContinue
        $out.Subject | Should -Be 'CN=Pester Detail Root'
        $errs.FullyQualifiedErrorId | Should -Be (Get-PkiErrorId -Id FormatUnknown -Command Get-CertDetail)
    }

    It 'shows a readable list that never includes the private key' {
        $text = Get-CertDetail (Join-Path $TestDrive 'root.crt') | Out-String -Width 200
        $text | Should -Match 'X509v3 Basic Constraints: critical'
        $text | Should -Match 'NotAfter\s+: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ'
        $text | Should -Not -Match 'PRIVATE KEY'
    }
}

Describe 'Import-Csr and Import-Crl' {
    It 'signs a request file made by openssl' -Skip:$NoOpenSsl {
        $key = Join-Path $TestDrive 'o.key'
        $csr = Join-Path $TestDrive 'o.csr'
        & openssl req -new -newkey rsa:2048 -nodes -keyout $key -out $csr -subj '/CN=openssl-made.example' -addext 'subjectAltName=DNS:openssl-made.example' 2>$null
        $cert = Import-Csr $csr | Invoke-CaSign -Issuer $Root
        $cert.Subject | Should -Be 'CN=openssl-made.example'
        $cert.DnsNames | Should -Be 'openssl-made.example'
        (Test-CertChain $cert -TrustedRoot $Root).IsValid | Should -BeTrue
    }

    It 'checks a certificate against an imported CRL' {
        $ca = Join-Path $TestDrive 'ca2'
        New-Ca -Path $ca -Subject 'CN=Pester Crl CA' | Out-Null
        $caCert = Import-Cert (Join-Path $ca 'ca.crt')
        $kept = New-Csr -DnsName kept.example | Invoke-CaSign -Ca $ca
        $revoked = New-Csr -DnsName revoked.example | Invoke-CaSign -Ca $ca
        $revoked | Revoke-Cert -Ca $ca -Reason KeyCompromise -Confirm:$false
        $crlFile = Join-Path $TestDrive 'ca2.crl'
        New-Crl -Ca $ca -Path $crlFile | Out-Null

        $crl = Import-Crl $crlFile
        (Test-CertChain $kept -TrustedRoot $caCert -Crl $crl).IsValid | Should -BeTrue
        $result = Test-CertChain $revoked -TrustedRoot $caCert -Crl (Import-Crl $crlFile)
        $result.IsValid | Should -BeFalse
        Get-ProblemCode $result | Should -Contain 'Revoked'
        (Get-Content -LiteralPath $crlFile | Import-Crl).CrlNumber | Should -Be $crl.CrlNumber
    }
}

Describe 'Default views' {
    It 'lists certificates with expiry, days left, thumbprint, subject and DNS names' {
        $subject = 'CN=a long subject for the reporting web server, OU=Business Intelligence, O=Example Corporation Limited, C=GB'
        $cert = New-SelfSignedCert -Subject $subject -DnsName reports.example -ValidDays 90
        $lines = ($cert | Format-Table | Out-String -Width 200) -split "`r?`n" | Where-Object { $_.Trim() }
        ($lines[0] -split '\s+' | Where-Object { $_ }) | Should -Be @('NotAfter', 'DaysLeft', 'Thumbprint', 'Subject', 'DnsNames')
        # The Subject column, over the lines it wraps onto: the whole subject, nothing cut.
        $from = $lines[0].IndexOf('Subject'); $to = $lines[0].IndexOf('DnsNames')
        $column = -join ($lines | Select-Object -Skip 2 | ForEach-Object { $_.PadRight($to).Substring($from, $to - $from) })
        ($column -replace '\s') | Should -Be ($subject -replace '\s')
        $lines[2] | Should -Match $cert.Thumbprint
        $lines[2] | Should -Match 'reports\.example'
        $rows = $lines[2]
        $rows | Should -Match ('^' + $cert.NotAfter.ToString('yyyy-MM-dd') + '\s+(89|90)\s')
    }

    It 'shows the CA ledger with subject and DNS names before the serial' {
        $ca = Join-Path $TestDrive 'ca3'
        New-Ca -Path $ca -Subject 'CN=Pester View CA' | Out-Null
        $issued = New-Csr -DnsName ledger.example | Invoke-CaSign -Ca $ca
        $lines = (Get-IssuedCert -Ca $ca | Format-Table | Out-String -Width 200) -split "`r?`n" | Where-Object { $_.Trim() }
        ($lines[0] -split '\s+' | Where-Object { $_ }) | Should -Be @('Status', 'NotAfter', 'Subject', 'DnsNames', 'SerialNumber')
        $lines[2] | Should -Match ('^Valid\s+\d{4}-\d\d-\d\d\s+CN=ledger\.example\s+ledger\.example\s+' + ($issued.SerialNumber -replace '^00'))
    }
}
