# -SignatureAlgorithm RsaPss and RSA-PSS keys (issue 18): the user scenarios, checked with openssl where it is installed.
BeforeDiscovery {
    $script:NoOpenSsl = $null -eq (Get-Command openssl -ErrorAction SilentlyContinue)
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:PssOid = '1.2.840.113549.1.1.10'
}

Describe 'RSA-PSS' {
    It 'signs a self-signed certificate and a CSR with RSASSA-PSS when asked' {
        $cert = New-SelfSignedCert -DnsName pss.corp.example -KeyAlgorithm Rsa2048 -SignatureAlgorithm RsaPss -Path "$TestDrive/site"
        $cert.SignatureAlgorithm.Value | Should -Be $PssOid
        $cert.KeyAlgorithm | Should -Be 'Rsa2048'
        $csr = New-Csr -DnsName pss.corp.example -KeyAlgorithm Rsa2048 -SignatureAlgorithm RsaPss
        $csr.SignatureAlgorithm | Should -Be 'rsassaPss'
        $csr.SignatureValid | Should -BeTrue
    }

    It 'refuses RsaPss with an ECDSA key, with a stable error id' {
        { New-SelfSignedCert -DnsName ec.corp.example -KeyAlgorithm EcdsaP256 -SignatureAlgorithm RsaPss -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-PkiErrorId SignatureAlgorithmMismatch New-SelfSignedCert)
    }

    It 'runs a PSS CA: New-Ca remembers the choice for Invoke-CaSign and New-Crl, and Test-CertChain accepts the chain' {
        $ca = New-Ca -Path "$TestDrive/ca" -Subject 'CN=PSS Root' -KeyAlgorithm Rsa2048 -SignatureAlgorithm RsaPss
        $ca.Certificate.SignatureAlgorithm.Value | Should -Be $PssOid
        $site = New-Csr -DnsName www.corp.example | Invoke-CaSign -Ca $ca
        $site.SignatureAlgorithm.Value | Should -Be $PssOid
        ($site | Test-CertChain -TrustedRoot $ca.Certificate -DnsName www.corp.example).IsValid | Should -BeTrue
        (New-Crl -Ca $ca).SignatureAlgorithm | Should -Be 'rsassaPss'
        (New-Csr -DnsName old.corp.example | Invoke-CaSign -Ca $ca -SignatureAlgorithm RsaPkcs1).SignatureAlgorithm.FriendlyName | Should -Be 'sha256RSA'
    }

    It 'reads an RSA-PSS key from openssl, signs with it and writes it back for openssl' -Skip:$NoOpenSsl {
        openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out "$TestDrive/pss.key" 2>$null
        $key = Import-PrivateKey "$TestDrive/pss.key"
        $key.Algorithm | Should -Be 'Rsa2048'
        $key.PssOnly | Should -BeTrue
        $cert = $key | New-SelfSignedCert -DnsName key.corp.example -Path "$TestDrive/key"
        $cert.SignatureAlgorithm.Value | Should -Be $PssOid
        $cert.HasPrivateKey | Should -BeFalse       # .NET takes rsaEncryption keys only ...
        $cert.HasPkiPrivateKey | Should -BeTrue     # ... so the key rides with the certificate through the module
        $cert | Export-Cert -Path "$TestDrive/again.crt" -IncludeKey
        (Import-PrivateKey "$TestDrive/again.crt").PssOnly | Should -BeTrue
        { $key | New-Csr -DnsName key.corp.example -SignatureAlgorithm RsaPkcs1 -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-PkiErrorId SignatureAlgorithmMismatch New-Csr)
        $key | Export-PrivateKey -Path "$TestDrive/back.key"
        openssl pkey -in "$TestDrive/back.key" -check -noout 2>&1 | Should -Contain 'Key is valid'
        openssl verify -CAfile "$TestDrive/key.crt" "$TestDrive/key.crt" 2>&1 | Should -Match ': OK$'
    }
}
