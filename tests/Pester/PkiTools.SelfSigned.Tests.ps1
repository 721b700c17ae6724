# New-SelfSignedCert
BeforeDiscovery {
    $script:NoOpenSsl = $null -eq (Get-Command openssl -ErrorAction SilentlyContinue)
    $script:NotUnix = -not ($IsLinux -or $IsMacOS)
    $script:KeyAlgorithms = @(
        @{ KeyAlgorithm = 'Rsa2048' }
        @{ KeyAlgorithm = 'Rsa3072' }
        @{ KeyAlgorithm = 'Rsa4096' }
        @{ KeyAlgorithm = 'EcdsaP256' }
        @{ KeyAlgorithm = 'EcdsaP384' }
        @{ KeyAlgorithm = 'EcdsaP521' }
        @{ KeyAlgorithm = 'Ed25519' }
    )
    $script:Stems = @(
        @{ PathArg = './x'; Expected = 'x.crt,x.key' }
        @{ PathArg = './x.pem'; Expected = 'x.key,x.pem' }
        @{ PathArg = './x.crt'; Expected = 'x.crt,x.key' }
        @{ PathArg = './x.cer'; Expected = 'x.cer,x.key' }
    )
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
}

Describe 'New-SelfSignedCert' {
    It 'creates a TLS server certificate with its key for DNS names and an IP address' {
        $cert = New-SelfSignedCert -DnsName localhost, web01.corp.example -IpAddress 127.0.0.1
        $cert | Should -BeOfType ([System.Security.Cryptography.X509Certificates.X509Certificate2])
        $cert.Subject | Should -Be 'CN=localhost'
        $cert.Issuer | Should -Be $cert.Subject
        $cert.HasPrivateKey | Should -BeTrue
        $cert.HasPkiPrivateKey | Should -BeTrue
        $cert.SubjectAltNames | Should -Contain 'DNS:localhost'
        $cert.SubjectAltNames | Should -Contain 'DNS:web01.corp.example'
        @($cert.SubjectAltNames | Where-Object { $_ -like '*127.0.0.1*' }).Count | Should -Be 1
        $cert.KeyAlgorithm | Should -Be 'EcdsaP256'
        $cert.Sha256Fingerprint | Should -Match '^[0-9A-Fa-f]{64}$'
    }

    It 'is valid from a few minutes ago for 365 days by default' {
        $cert = New-SelfSignedCert -DnsName localhost
        $cert.NotBefore.ToUniversalTime() | Should -BeLessThan ([datetime]::UtcNow)
        $cert.NotBefore.ToUniversalTime() | Should -BeGreaterThan ([datetime]::UtcNow.AddMinutes(-10))
        ($cert.NotAfter - [datetime]::Now).TotalDays | Should -BeGreaterThan 364
        ($cert.NotAfter - [datetime]::Now).TotalDays | Should -BeLessOrEqual 365.01
    }

    It 'honours -ValidDays' {
        $cert = New-SelfSignedCert -DnsName localhost -ValidDays 30
        [math]::Round(($cert.NotAfter - [datetime]::Now).TotalDays) | Should -Be 30
    }

    It 'makes a <KeyAlgorithm> certificate' -ForEach $KeyAlgorithms {
        $cert = New-SelfSignedCert -DnsName "$($KeyAlgorithm.ToLowerInvariant()).example" -KeyAlgorithm $KeyAlgorithm
        $cert.KeyAlgorithm | Should -Be $KeyAlgorithm
        $cert.HasPkiPrivateKey | Should -BeTrue
    }

    It 'uses a key from the pipeline' {
        $key = New-PrivateKey -Algorithm EcdsaP384
        $cert = $key | New-SelfSignedCert -DnsName app.corp.example -Profile TlsServerClient
        $cert.KeyAlgorithm | Should -Be 'EcdsaP384'
        $cert.HasPrivateKey | Should -BeTrue
    }

    It 'creates a root CA with -Profile RootCa' {
        $root = New-SelfSignedCert -Subject 'CN=Corp Test Root' -Profile RootCa
        $root.Subject | Should -Be 'CN=Corp Test Root'
        $bc = $root.Extensions | Where-Object { $_ -is [System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension] }
        $bc.CertificateAuthority | Should -BeTrue
        $bc.HasPathLengthConstraint | Should -BeFalse
        ($root.NotAfter - [datetime]::Now).TotalDays | Should -BeGreaterThan 3649
    }

    It 'sets a path length constraint with -PathLength' {
        $root = New-SelfSignedCert -Subject 'CN=Lab Root' -Profile RootCa -PathLength 1
        $bc = $root.Extensions | Where-Object { $_ -is [System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension] }
        $bc.HasPathLengthConstraint | Should -BeTrue
        $bc.PathLengthConstraint | Should -Be 1
    }

    Context 'invalid arguments' {
        It 'needs a subject, a DNS name or an IP address (InvalidArgument)' {
            { New-SelfSignedCert -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,PkiTools.Commands.NewSelfSignedCertCommand'
        }

        It 'refuses -ValidDays together with -NotAfter (InvalidArgument)' {
            { New-SelfSignedCert -DnsName a.example -ValidDays 3 -NotAfter ([datetime]::Now.AddDays(3)) -ErrorAction Stop } |
                Should -Throw -ErrorId 'InvalidArgument,PkiTools.Commands.NewSelfSignedCertCommand'
        }

        It 'refuses -PathLength with a TLS profile (InvalidArgument)' {
            { New-SelfSignedCert -DnsName a.example -PathLength 1 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,PkiTools.Commands.NewSelfSignedCertCommand'
        }

        It 'refuses a -NotAfter in the past (ValidityInvalid)' {
            { New-SelfSignedCert -DnsName a.example -NotAfter ([datetime]::Now.AddDays(-1)) -ErrorAction Stop } |
                Should -Throw -ErrorId 'ValidityInvalid,PkiTools.Commands.NewSelfSignedCertCommand'
        }

        It 'refuses -ValidDays 0 at parameter binding' {
            { New-SelfSignedCert -DnsName a.example -ValidDays 0 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,PkiTools.Commands.NewSelfSignedCertCommand'
        }
    }

    Context 'files' {
        BeforeEach {
            $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
            $null = New-Item -ItemType Directory -Path $dir
        }

        It '-Path <PathArg> writes <Expected>' -ForEach $Stems {
            Push-Location -LiteralPath $dir
            try {
                $cert = New-SelfSignedCert -DnsName localhost -Path $PathArg
            }
            finally {
                Pop-Location
            }
            $cert | Should -Not -BeNullOrEmpty
            (Get-FileName -LiteralPath $dir) -join ',' | Should -Be $Expected
        }

        It 'writes a PEM certificate and a PKCS#8 key that belong together' {
            $cert = New-SelfSignedCert -DnsName localhost, web01.corp.example -IpAddress 127.0.0.1 -Path (Join-Path $dir 'localhost')
            $crt = Join-Path $dir 'localhost.crt'
            $key = Join-Path $dir 'localhost.key'
            Get-Content -LiteralPath $crt -Raw | Should -Match '^-----BEGIN CERTIFICATE-----'
            Get-Content -LiteralPath $key -Raw | Should -Match '^-----BEGIN PRIVATE KEY-----'
            $fromFile = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($crt)
            $fromFile.Thumbprint | Should -Be $cert.Thumbprint
        }

        It 'writes nothing without -Path' {
            Push-Location -LiteralPath $dir
            try {
                $null = New-SelfSignedCert -DnsName localhost
            }
            finally {
                Pop-Location
            }
            Get-FileName -LiteralPath $dir | Should -BeNullOrEmpty
        }

        It 'writes nothing and returns nothing with -WhatIf' {
            $result = New-SelfSignedCert -DnsName localhost -Path (Join-Path $dir 'whatif') -WhatIf
            $result | Should -BeNullOrEmpty
            Get-FileName -LiteralPath $dir | Should -BeNullOrEmpty
        }

        It 'refuses an existing certificate file (FileExists), changes nothing and writes no key' {
            $crt = Join-Path $dir 'exists.crt'
            Set-Content -LiteralPath $crt -Value 'original' -NoNewline
            { New-SelfSignedCert -DnsName localhost -Path (Join-Path $dir 'exists') -ErrorAction Stop } |
                Should -Throw -ErrorId 'FileExists,PkiTools.Commands.NewSelfSignedCertCommand'
            Get-Content -LiteralPath $crt -Raw | Should -Be 'original'
            Join-Path $dir 'exists.key' | Should -Not -Exist
        }

        It 'refuses an existing key file (FileExists) and leaves it unchanged' {
            $key = Join-Path $dir 'k.key'
            Set-Content -LiteralPath $key -Value 'original key' -NoNewline
            { New-SelfSignedCert -DnsName localhost -Path (Join-Path $dir 'k.pem') -ErrorAction Stop } |
                Should -Throw -ErrorId 'FileExists,PkiTools.Commands.NewSelfSignedCertCommand'
            Get-Content -LiteralPath $key -Raw | Should -Be 'original key'
            Join-Path $dir 'k.pem' | Should -Not -Exist
        }

        It 'overwrites both files with -Force' {
            $stem = Join-Path $dir 'forced'
            $first = New-SelfSignedCert -DnsName localhost -Path $stem
            $second = New-SelfSignedCert -DnsName localhost -Path $stem -Force
            $second.Thumbprint | Should -Not -Be $first.Thumbprint
            $fromFile = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new("$stem.crt")
            $fromFile.Thumbprint | Should -Be $second.Thumbprint
        }

        It 'writes the key file owner-only (0600)' -Skip:$NotUnix {
            $null = New-SelfSignedCert -DnsName localhost -Path (Join-Path $dir 'mode')
            Get-UnixPermission -LiteralPath (Join-Path $dir 'mode.key') | Should -Be '600'
        }
    }

    Context 'openssl interop' {
        It 'openssl reads the certificate and finds the key matches it' -Skip:$NoOpenSsl {
            $stem = Join-Path $TestDrive 'interop'
            $null = New-SelfSignedCert -DnsName localhost, web01.corp.example -IpAddress 127.0.0.1 -Path $stem
            $text = (& openssl x509 -in "$stem.crt" -noout -text 2>&1) -join "`n"
            $LASTEXITCODE | Should -Be 0
            $text | Should -Match 'DNS:web01\.corp\.example'
            $text | Should -Match 'IP Address:127\.0\.0\.1'
            $certPub = (& openssl x509 -in "$stem.crt" -noout -pubkey 2>&1) -join "`n"
            $keyPub = (& openssl pkey -in "$stem.key" -pubout 2>&1) -join "`n"
            $keyPub | Should -Be $certPub
        }

        It 'openssl verifies a self-signed root against itself' -Skip:$NoOpenSsl {
            $stem = Join-Path $TestDrive 'interop-root'
            $null = New-SelfSignedCert -Subject 'CN=Interop Root' -Profile RootCa -Path $stem
            $null = & openssl verify -CAfile "$stem.crt" "$stem.crt" 2>&1
            $LASTEXITCODE | Should -Be 0
        }
    }
}
