# What a new user reads when a file is the wrong thing: an error id they can catch, the file as target, and a
# sentence in plain words (no BouncyCastle or .NET type names), with dates in UTC and "an EcdsaP256 key".

BeforeAll {
    . "$PSScriptRoot/Common.ps1"

    $Root = New-SelfSignedCert -Subject 'CN=Pester Messages Root' -Profile RootCa
    $Leaf = New-Csr -DnsName msg.corp.example | Invoke-CaSign -Issuer $Root -ValidDays 30

    # Valid ASN.1 of the wrong shape: SEQUENCE { SEQUENCE {} SEQUENCE {} BIT STRING }, as DER and under PEM labels.
    $Shape = [byte[]](0x30, 0x09, 0x30, 0x00, 0x30, 0x00, 0x03, 0x03, 0x00, 0x01, 0x02)
    $Dir = Join-Path $TestDrive 'wrong'
    $null = New-Item -ItemType Directory -Path $Dir
    [System.IO.File]::WriteAllBytes((Join-Path $Dir 'shape.der'), $Shape)
    foreach ($label in 'CERTIFICATE', 'PRIVATE KEY', 'CERTIFICATE REQUEST', 'X509 CRL', 'PKCS7') {
        $name = ($label -replace ' ', '_') + '.pem'
        [System.IO.File]::WriteAllText((Join-Path $Dir $name), "-----BEGIN $label-----`n$([Convert]::ToBase64String($Shape))`n-----END $label-----`n")
    }
}

Describe 'Messages a person can act on' {
    It '<Command> on <File> gives <Id> without type names' -TestCases @(
        @{ Command = 'Import-Cert'; File = 'shape.der'; Id = 'FormatUnknown' }
        @{ Command = 'Import-Cert'; File = 'PKCS7.pem'; Id = 'CertificateInvalid' }
        @{ Command = 'Import-Cert'; File = 'CERTIFICATE.pem'; Id = 'CertificateInvalid' }
        @{ Command = 'Import-PrivateKey'; File = 'shape.der'; Id = 'KeyInvalid' }
        @{ Command = 'Import-PrivateKey'; File = 'PRIVATE_KEY.pem'; Id = 'KeyInvalid' }
        @{ Command = 'Invoke-CaSign'; File = 'shape.der'; Id = 'CsrInvalid' }
        @{ Command = 'Invoke-CaSign'; File = 'CERTIFICATE_REQUEST.pem'; Id = 'CsrInvalid' }
    ) {
        $path = Join-Path $Dir $File
        $run = switch ($Command) {
            'Import-Cert' { { Import-Cert -Path $path -ErrorAction Stop } }
            'Import-PrivateKey' { { Import-PrivateKey -Path $path -ErrorAction Stop } }
            'Invoke-CaSign' { { Invoke-CaSign -CsrPath $path -Issuer $Root -ErrorAction Stop } }
        }
        $err = $run | Should -Throw -ErrorId (Get-PkiErrorId -Id $Id -Command $Command) -PassThru
        $err.ToString() | Should -Not -Match 'Org\.BouncyCastle|System\.[A-Z]|GetInstance|DLSequence'
        $err.ToString() | Should -BeLike "*$path*"
    }

    It 'Test-CertChain skips <File> with a CrlInvalid warning without type names' -TestCases @(
        @{ File = 'shape.der' }
        @{ File = 'X509_CRL.pem' }
    ) {
        $path = Join-Path $Dir $File
        $null = $Leaf | Test-CertChain -TrustedRoot $Root -Crl $path -WarningVariable warned -WarningAction SilentlyContinue -ErrorAction Stop
        "$warned" | Should -BeLike "CrlInvalid: *$path*"
        "$warned" | Should -Not -Match 'Org\.BouncyCastle|System\.[A-Z]|GetInstance|DLSequence'
    }

    It 'says "an EcdsaP256 key"' {
        $err = { New-PrivateKey -Algorithm EcdsaP256 | Export-PrivateKey -Path (Join-Path $TestDrive 'k.pem') -Format Pkcs1 -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-PkiErrorId -Id InvalidArgument -Command Export-PrivateKey) -PassThru
        $err.ToString() | Should -BeLike '*an EcdsaP256 key*'
    }

    It 'writes dates in UTC as yyyy-MM-dd HH:mm:ss UTC' {
        $problem = ($Leaf | Test-CertChain -TrustedRoot $Root -At (Get-Date).AddDays(60)).Problems[0]
        $problem.Code | Should -Be 'Expired'
        $problem.Message | Should -Match "expired on $([regex]::Escape($Leaf.NotAfter.ToUniversalTime().ToString('yyyy-MM-dd HH:mm:ss'))) UTC"
    }
}
