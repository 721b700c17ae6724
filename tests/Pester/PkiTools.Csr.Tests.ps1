# New-Csr and Invoke-CaSign
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
    $script:Profiles = @(
        @{ ProfileName = 'TlsServer'; Server = $true; Client = $false }
        @{ ProfileName = 'TlsClient'; Server = $false; Client = $true }
        @{ ProfileName = 'TlsServerClient'; Server = $true; Client = $true }
    )
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $Root = New-SelfSignedCert -Subject 'CN=Pester Csr Root' -Profile RootCa -Path (Join-Path $TestDrive 'root')
    $RootCrt = Join-Path $TestDrive 'root.crt'

    function Get-Eku {
        param($Certificate)
        $eku = $Certificate.Extensions | Where-Object { $_ -is [System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension] }
        @($eku.EnhancedKeyUsages | ForEach-Object Value)
    }

    function Get-BasicConstraints {
        param($Certificate)
        $Certificate.Extensions | Where-Object { $_ -is [System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension] }
    }
}

Describe 'New-Csr' {
    It 'creates a request with its key for DNS names and an IP address' {
        $csr = New-Csr -DnsName web01.corp.example, web01 -IpAddress 10.0.0.15
        $csr | Should -BeOfType ([PkiTools.Core.X509.CertificateSigningRequest])
        $csr.Subject | Should -Be 'CN=web01.corp.example'
        ($csr.DnsNames -join ',') | Should -Be 'web01.corp.example,web01'
        $csr.IpAddresses | Should -Be '10.0.0.15'
        $csr.SignatureValid | Should -BeTrue
        $csr.HasPrivateKey | Should -BeTrue
        $csr.KeyAlgorithm | Should -Be 'EcdsaP256'
        $csr.Pem | Should -Match '^-----BEGIN CERTIFICATE REQUEST-----'
    }

    It 'creates a <KeyAlgorithm> request' -ForEach $KeyAlgorithms {
        $csr = New-Csr -DnsName web01.corp.example -KeyAlgorithm $KeyAlgorithm
        $csr.KeyAlgorithm | Should -Be $KeyAlgorithm
        $csr.SignatureValid | Should -BeTrue
    }

    It 'uses a piped key, whose KeyId it shows' {
        $key = New-PrivateKey -Algorithm Rsa2048
        $csr = $key | New-Csr -Subject 'CN=app.corp.example, O=Corp, C=DE' -DnsName app.corp.example
        $csr.KeyId | Should -Be $key.KeyId
        $csr.Subject | Should -Match 'CN=app\.corp\.example'
        $csr.Subject | Should -Match 'O=Corp'
    }

    It 'needs a subject, a DNS name or an IP address (InvalidArgument)' {
        { New-Csr -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,PkiTools.Commands.NewCsrCommand'
    }

    Context 'files' {
        BeforeEach {
            $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
            $null = New-Item -ItemType Directory -Path $dir
        }

        It '-Path ./web01 writes web01.csr and web01.key' {
            Push-Location -LiteralPath $dir
            try {
                $null = New-Csr -DnsName web01.corp.example -Path ./web01
            }
            finally {
                Pop-Location
            }
            (Get-FileName -LiteralPath $dir) -join ',' | Should -Be 'web01.csr,web01.key'
            Get-Content -LiteralPath (Join-Path $dir 'web01.csr') -Raw | Should -Match '^-----BEGIN CERTIFICATE REQUEST-----'
        }

        It '-Path ./web01.csr writes web01.csr and web01.key' {
            $null = New-Csr -DnsName web01.corp.example -Path (Join-Path $dir 'web01.csr')
            (Get-FileName -LiteralPath $dir) -join ',' | Should -Be 'web01.csr,web01.key'
        }

        It 'does not write a piped key again' {
            $null = New-PrivateKey | New-Csr -DnsName web01.corp.example -Path (Join-Path $dir 'piped')
            (Get-FileName -LiteralPath $dir) -join ',' | Should -Be 'piped.csr'
        }

        It 'writes nothing without -Path' {
            Push-Location -LiteralPath $dir
            try {
                $null = New-Csr -DnsName web01.corp.example
            }
            finally {
                Pop-Location
            }
            Get-FileName -LiteralPath $dir | Should -BeNullOrEmpty
        }

        It 'writes nothing and returns nothing with -WhatIf' {
            $result = New-Csr -DnsName web01.corp.example -Path (Join-Path $dir 'whatif') -WhatIf
            $result | Should -BeNullOrEmpty
            Get-FileName -LiteralPath $dir | Should -BeNullOrEmpty
        }

        It 'refuses an existing file (FileExists) and leaves it unchanged; -Force overwrites' {
            $file = Join-Path $dir 'exists.csr'
            Set-Content -LiteralPath $file -Value 'original' -NoNewline
            { New-Csr -DnsName web01.corp.example -Path $file -ErrorAction Stop } | Should -Throw -ErrorId 'FileExists,PkiTools.Commands.NewCsrCommand'
            Get-Content -LiteralPath $file -Raw | Should -Be 'original'
            Join-Path $dir 'exists.key' | Should -Not -Exist
            $null = New-Csr -DnsName web01.corp.example -Path $file -Force
            Get-Content -LiteralPath $file -Raw | Should -Match '^-----BEGIN CERTIFICATE REQUEST-----'
        }

        It 'writes the key file owner-only (0600)' -Skip:$NotUnix {
            $null = New-Csr -DnsName web01.corp.example -Path (Join-Path $dir 'mode')
            Get-UnixPermission -LiteralPath (Join-Path $dir 'mode.key') | Should -Be '600'
        }

        It 'openssl verifies the request' -Skip:$NoOpenSsl {
            $null = New-Csr -DnsName web01.corp.example -Path (Join-Path $dir 'ossl')
            $out = (& openssl req -in (Join-Path $dir 'ossl.csr') -noout -verify -text 2>&1) -join "`n"
            $LASTEXITCODE | Should -Be 0
            $out | Should -Match 'DNS:web01\.corp\.example'
        }
    }
}

Describe 'Invoke-CaSign' {
    It 'signs a request from New-Csr; the certificate carries the key' {
        $cert = New-Csr -DnsName web01.corp.example | Invoke-CaSign -Issuer $Root -ValidDays 90
        $cert | Should -BeOfType ([System.Security.Cryptography.X509Certificates.X509Certificate2])
        $cert.Subject | Should -Be 'CN=web01.corp.example'
        $cert.Issuer | Should -Be $Root.Subject
        $cert.SubjectAltNames | Should -Contain 'DNS:web01.corp.example'
        $cert.HasPkiPrivateKey | Should -BeTrue
        [math]::Round(($cert.NotAfter - [datetime]::Now).TotalDays) | Should -Be 90
        (Get-BasicConstraints $cert).CertificateAuthority | Should -BeFalse
    }

    It 'runs the documented pipeline New-Csr | Invoke-CaSign -Path | Test-CertChain' {
        $stem = Join-Path $TestDrive 'web01'
        $result = New-Csr -DnsName web01.corp.example | Invoke-CaSign -Issuer $Root -ValidDays 90 -Path $stem | Test-CertChain -TrustedRoot $Root -DnsName web01.corp.example
        $result | Should -BeOfType ([PkiTools.Core.Validation.ChainValidationResult])
        $result.IsValid | Should -BeTrue
        "$stem.crt" | Should -Exist
        "$stem.key" | Should -Exist
    }

    It 'signs a <KeyAlgorithm> request' -ForEach $KeyAlgorithms {
        $cert = New-Csr -DnsName "$($KeyAlgorithm.ToLowerInvariant()).corp.example" -KeyAlgorithm $KeyAlgorithm | Invoke-CaSign -Issuer $Root
        $cert.KeyAlgorithm | Should -Be $KeyAlgorithm
        $cert.HasPkiPrivateKey | Should -BeTrue
    }

    It 'issues a -Profile <ProfileName> certificate with the right extended key usages' -ForEach $Profiles {
        $cert = New-Csr -DnsName p.corp.example | Invoke-CaSign -Issuer $Root -Profile $ProfileName
        $ekus = Get-Eku $cert
        ($ekus -contains '1.3.6.1.5.5.7.3.1') | Should -Be $Server
        ($ekus -contains '1.3.6.1.5.5.7.3.2') | Should -Be $Client
    }

    It 'signs several requests from the pipeline' {
        $certs = @(
            New-Csr -DnsName a.corp.example
            New-Csr -DnsName b.corp.example
        ) | Invoke-CaSign -Issuer $Root
        @($certs).Count | Should -Be 2
        $certs[0].Subject | Should -Be 'CN=a.corp.example'
        $certs[1].Subject | Should -Be 'CN=b.corp.example'
    }

    It 'signs PEM text and PEM lines from the pipeline' {
        $csr = New-Csr -DnsName pem.corp.example
        (Invoke-CaSign -Csr $csr.Pem -Issuer $Root).Subject | Should -Be 'CN=pem.corp.example'
        ($csr.Pem -split "`n" | Invoke-CaSign -Issuer $Root).Subject | Should -Be 'CN=pem.corp.example'
    }

    It 'signs a request file with -CsrPath; the certificate has no key, -Path writes only the .crt' {
        $dir = Join-Path $TestDrive 'csrpath'
        $null = New-Item -ItemType Directory -Path $dir
        $null = New-Csr -DnsName file.corp.example -Path (Join-Path $dir 'req')
        $cert = Invoke-CaSign -CsrPath (Join-Path $dir 'req.csr') -Issuer $Root -Path (Join-Path $dir 'issued')
        $cert.Subject | Should -Be 'CN=file.corp.example'
        $cert.HasPkiPrivateKey | Should -BeFalse
        (Get-FileName -LiteralPath $dir) -join ',' | Should -Be 'issued.crt,req.csr,req.key'
    }

    It 'New-Csr -Path x | Invoke-CaSign -Path x writes x.csr, x.crt and x.key without -Force' {
        $dir = Join-Path $TestDrive 'samestem'
        $null = New-Item -ItemType Directory -Path $dir
        $stem = Join-Path $dir 'web01'
        $cert = New-Csr -DnsName web01.corp.example -Path $stem | Invoke-CaSign -Issuer $Root -Path $stem -ErrorAction Stop
        $cert | Should -Not -BeNullOrEmpty
        (Get-FileName -LiteralPath $dir) -join ',' | Should -Be 'web01.crt,web01.csr,web01.key'
    }

    It 'writes nothing and returns nothing with -WhatIf' {
        $dir = Join-Path $TestDrive 'whatif'
        $null = New-Item -ItemType Directory -Path $dir
        $result = New-Csr -DnsName w.corp.example | Invoke-CaSign -Issuer $Root -Path (Join-Path $dir 'w') -WhatIf
        $result | Should -BeNullOrEmpty
        Get-FileName -LiteralPath $dir | Should -BeNullOrEmpty
    }

    It 'refuses an existing certificate file (FileExists) and leaves it unchanged; -Force overwrites' {
        $dir = Join-Path $TestDrive 'exists'
        $null = New-Item -ItemType Directory -Path $dir
        $crt = Join-Path $dir 'e.crt'
        Set-Content -LiteralPath $crt -Value 'original' -NoNewline
        { New-Csr -DnsName e.corp.example | Invoke-CaSign -Issuer $Root -Path (Join-Path $dir 'e') -ErrorAction Stop } |
            Should -Throw -ErrorId 'FileExists,PkiTools.Commands.InvokeCaSignCommand'
        Get-Content -LiteralPath $crt -Raw | Should -Be 'original'
        $cert = New-Csr -DnsName e.corp.example | Invoke-CaSign -Issuer $Root -Path (Join-Path $dir 'e') -Force
        [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($crt).Thumbprint | Should -Be $cert.Thumbprint
    }

    Context 'CA hierarchy' {
        It 'issues root -> intermediate (-Profile IntermediateCa) -> leaf' {
            $intermediate = New-Csr -Subject 'CN=Pester Issuing CA' | Invoke-CaSign -Issuer $Root -Profile IntermediateCa -Path (Join-Path $TestDrive 'issuing')
            $bc = Get-BasicConstraints $intermediate
            $bc.CertificateAuthority | Should -BeTrue
            $bc.HasPathLengthConstraint | Should -BeTrue
            $bc.PathLengthConstraint | Should -Be 0
            $intermediate.Issuer | Should -Be $Root.Subject

            $leaf = New-Csr -DnsName api.corp.example | Invoke-CaSign -Issuer $intermediate
            $leaf.Issuer | Should -Be 'CN=Pester Issuing CA'
            $result = $leaf | Test-CertChain -TrustedRoot $Root -Intermediate $intermediate -DnsName api.corp.example
            $result.IsValid | Should -BeTrue
            @($result.Chain).Count | Should -Be 3
        }

        It 'an intermediate with path length 0 cannot issue another CA (IssuerNotCa)' {
            $intermediate = New-Csr -Subject 'CN=Pester Issuing CA 2' | Invoke-CaSign -Issuer $Root -Profile IntermediateCa
            { New-Csr -Subject 'CN=Too Deep' | Invoke-CaSign -Issuer $intermediate -Profile IntermediateCa -ErrorAction Stop } |
                Should -Throw -ErrorId 'IssuerNotCa,PkiTools.Commands.InvokeCaSignCommand'
        }
    }

    Context 'bad issuers (terminating errors)' {
        It 'refuses a leaf certificate as issuer (IssuerNotCa)' {
            $leaf = New-SelfSignedCert -DnsName leaf.corp.example
            { New-Csr -DnsName x.corp.example | Invoke-CaSign -Issuer $leaf -ErrorAction Stop } |
                Should -Throw -ErrorId 'IssuerNotCa,PkiTools.Commands.InvokeCaSignCommand'
        }

        It 'raises IssuerNotCa as a terminating error even without -ErrorAction Stop' {
            $leaf = New-SelfSignedCert -DnsName leaf2.corp.example
            { New-Csr -DnsName x.corp.example | Invoke-CaSign -Issuer $leaf -ErrorAction SilentlyContinue } |
                Should -Throw -ErrorId 'IssuerNotCa,PkiTools.Commands.InvokeCaSignCommand'
        }

        It 'takes the issuer from the files New-SelfSignedCert wrote' {
            $stem = $RootCrt -replace '\.crt$', ''
            $cert = New-Csr -DnsName files.corp.example | Invoke-CaSign -Issuer $stem
            $cert.Issuer | Should -Be $Root.Subject
        }

        It 'calls a server certificate given as -Issuer without its key what it is: not a CA (IssuerNotCa)' {
            $dir = Join-Path $TestDrive 'leaf-as-issuer'
            $null = New-Item -ItemType Directory -Path $dir
            $null = New-SelfSignedCert -DnsName web.corp.example -Path (Join-Path $dir 'web')
            Remove-Item (Join-Path $dir 'web.key')
            { New-Csr -DnsName x.corp.example | Invoke-CaSign -Issuer (Join-Path $dir 'web.crt') -ErrorAction Stop } |
                Should -Throw -ErrorId 'IssuerNotCa,PkiTools.Commands.InvokeCaSignCommand'
        }

        It 'names a missing -Issuer file (FileNotFound) instead of failing parameter binding' {
            $missing = Join-Path $TestDrive 'no-such-ca'
            $err = { New-Csr -DnsName x.corp.example | Invoke-CaSign -Issuer $missing -ErrorAction Stop } |
                Should -Throw -ErrorId 'FileNotFound,PkiTools.Commands.InvokeCaSignCommand' -PassThru
            $err.TargetObject | Should -Be $missing
        }

        It 'refuses an issuer without private key (IssuerKeyMissing)' {
            $noKey = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($RootCrt)
            $noKey.HasPrivateKey | Should -BeFalse
            { New-Csr -DnsName x.corp.example | Invoke-CaSign -Issuer $noKey -ErrorAction Stop } |
                Should -Throw -ErrorId 'IssuerKeyMissing,PkiTools.Commands.InvokeCaSignCommand'
        }
    }

    Context 'bad requests (non-terminating errors)' {
        BeforeAll {
            $BadDir = Join-Path $TestDrive 'bad'
            $null = New-Item -ItemType Directory -Path $BadDir
            $null = New-Csr -DnsName good.corp.example -Path (Join-Path $BadDir 'good')
        }

        It 'reports garbage in a -CsrPath file (FormatUnknown)' {
            $file = Join-Path $BadDir 'garbage.csr'
            [System.IO.File]::WriteAllText($file, 'this is not a certificate signing request')
            { Invoke-CaSign -CsrPath $file -Issuer $Root -ErrorAction Stop } | Should -Throw -ErrorId 'FormatUnknown,PkiTools.Commands.InvokeCaSignCommand'
        }

        It 'reports random bytes in a -CsrPath file (CsrInvalid or FormatUnknown)' {
            $file = Join-Path $BadDir 'random.der'
            $bytes = [byte[]]::new(300)
            [System.Random]::new(42).NextBytes($bytes)
            $bytes[0] = 0x30
            [System.IO.File]::WriteAllBytes($file, $bytes)
            $null = Invoke-CaSign -CsrPath $file -Issuer $Root -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeIn @('CsrInvalid,PkiTools.Commands.InvokeCaSignCommand', 'FormatUnknown,PkiTools.Commands.InvokeCaSignCommand')
        }

        It 'reports a truncated PEM request file (FormatUnknown)' {
            $pem = Get-Content -LiteralPath (Join-Path $BadDir 'good.csr') -Raw
            $file = Join-Path $BadDir 'truncated.csr'
            [System.IO.File]::WriteAllText($file, $pem.Substring(0, [int]($pem.Length / 2)))
            { Invoke-CaSign -CsrPath $file -Issuer $Root -ErrorAction Stop } | Should -Throw -ErrorId 'FormatUnknown,PkiTools.Commands.InvokeCaSignCommand'
        }

        It 'reports truncated PEM lines from the pipeline (FormatUnknown)' {
            $lines = Get-Content -LiteralPath (Join-Path $BadDir 'good.csr')
            $half = $lines[0..([int]($lines.Count / 2))]
            { $half | Invoke-CaSign -Issuer $Root -ErrorAction Stop } | Should -Throw -ErrorId 'FormatUnknown,PkiTools.Commands.InvokeCaSignCommand'
        }

        It 'reports an object that is not a request (CsrInvalid)' {
            { Invoke-CaSign -Csr (Get-Date) -Issuer $Root -ErrorAction Stop } | Should -Throw -ErrorId 'CsrInvalid,PkiTools.Commands.InvokeCaSignCommand'
        }

        It 'reports a request whose signature was tampered with (CsrSignatureInvalid)' {
            $der = Read-PemDer -LiteralPath (Join-Path $BadDir 'good.csr')
            # The signature BIT STRING is the last element of the request: flip a bit in its last byte.
            $der[$der.Length - 1] = $der[$der.Length - 1] -bxor 0x01
            $file = Join-Path $BadDir 'tampered.csr'
            Write-Pem -LiteralPath $file -Der $der -Label 'CERTIFICATE REQUEST'
            { Invoke-CaSign -CsrPath $file -Issuer $Root -ErrorAction Stop } | Should -Throw -ErrorId 'CsrSignatureInvalid,PkiTools.Commands.InvokeCaSignCommand'
        }

        It 'reports a missing -CsrPath file (FileNotFound)' {
            { Invoke-CaSign -CsrPath (Join-Path $BadDir 'missing.csr') -Issuer $Root -ErrorAction Stop } | Should -Throw -ErrorId 'FileNotFound,PkiTools.Commands.InvokeCaSignCommand'
        }

        It 'goes on with the next file after a bad one' {
            $garbage = Join-Path $BadDir 'garbage2.csr'
            [System.IO.File]::WriteAllText($garbage, 'garbage')
            $certs = Invoke-CaSign -CsrPath $garbage, (Join-Path $BadDir 'good.csr') -Issuer $Root -ErrorVariable errs -ErrorAction SilentlyContinue
            @($certs).Count | Should -Be 1
            $certs.Subject | Should -Be 'CN=good.corp.example'
            $errs.Count | Should -Be 1
        }

        It 'refuses -ValidDays together with -NotAfter (InvalidArgument)' {
            { New-Csr -DnsName x.corp.example | Invoke-CaSign -Issuer $Root -ValidDays 3 -NotAfter ([datetime]::Now.AddDays(3)) -ErrorAction Stop } |
                Should -Throw -ErrorId 'InvalidArgument,PkiTools.Commands.InvokeCaSignCommand'
        }
    }

    Context 'openssl interop' {
        It 'signs a request made by openssl req' -Skip:$NoOpenSsl {
            $dir = Join-Path $TestDrive 'ossl'
            $null = New-Item -ItemType Directory -Path $dir -Force
            $csr = Join-Path $dir 'req.csr'
            $null = & openssl req -new -newkey rsa:2048 -nodes -keyout (Join-Path $dir 'req.key') -subj '/CN=web02.corp.example' -addext 'subjectAltName=DNS:web02.corp.example' -out $csr 2>&1
            $LASTEXITCODE | Should -Be 0
            $cert = Invoke-CaSign -CsrPath $csr -Issuer $Root -Path (Join-Path $dir 'web02')
            $cert.Subject | Should -Be 'CN=web02.corp.example'
            $cert.SubjectAltNames | Should -Contain 'DNS:web02.corp.example'
            $null = & openssl verify -CAfile $RootCrt (Join-Path $dir 'web02.crt') 2>&1
            $LASTEXITCODE | Should -Be 0
        }

        It 'refuses an RSA 1024 request (WeakKey) unless -AllowWeakKey' -Skip:$NoOpenSsl {
            $dir = Join-Path $TestDrive 'ossl-weak'
            $null = New-Item -ItemType Directory -Path $dir -Force
            $csr = Join-Path $dir 'weak.csr'
            $null = & openssl req -new -newkey rsa:1024 -nodes -keyout (Join-Path $dir 'weak.key') -subj '/CN=weak.corp.example' -out $csr 2>&1
            if ($LASTEXITCODE -ne 0) {
                Set-ItResult -Skipped -Because 'this openssl refuses to make RSA 1024 keys'
                return
            }
            { Invoke-CaSign -CsrPath $csr -Issuer $Root -ErrorAction Stop } | Should -Throw -ErrorId 'WeakKey,PkiTools.Commands.InvokeCaSignCommand'
            (Invoke-CaSign -CsrPath $csr -Issuer $Root -AllowWeakKey -WarningAction SilentlyContinue).Subject | Should -Be 'CN=weak.corp.example'
        }

        It 'openssl verifies root -> intermediate -> leaf files' -Skip:$NoOpenSsl {
            $dir = Join-Path $TestDrive 'ossl-chain'
            $null = New-Item -ItemType Directory -Path $dir -Force
            $intermediate = New-Csr -Subject 'CN=Pester Interop CA' | Invoke-CaSign -Issuer $Root -Profile IntermediateCa -Path (Join-Path $dir 'int')
            $null = New-Csr -DnsName leaf.corp.example | Invoke-CaSign -Issuer $intermediate -Path (Join-Path $dir 'leaf')
            $null = & openssl verify -CAfile $RootCrt -untrusted (Join-Path $dir 'int.crt') (Join-Path $dir 'leaf.crt') 2>&1
            $LASTEXITCODE | Should -Be 0
        }
    }
}
