# Test-CertChain
BeforeDiscovery {
    $script:NoOpenSsl = $null -eq (Get-Command openssl -ErrorAction SilentlyContinue)
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"

    # root -> issuing (IntermediateCa) -> web01 (TlsServer, 90 days) / client (TlsClient); a second, unrelated root.
    $Root = New-SelfSignedCert -Subject 'CN=Pester Chain Root' -Profile RootCa -Path (Join-Path $TestDrive 'root')
    $RootCrt = Join-Path $TestDrive 'root.crt'
    $Issuing = New-Csr -Subject 'CN=Pester Chain Issuing CA' | Invoke-CaSign -Issuer $Root -Profile IntermediateCa -Path (Join-Path $TestDrive 'issuing')
    $IssuingCrt = Join-Path $TestDrive 'issuing.crt'
    $Leaf = New-Csr -DnsName web01.corp.example -IpAddress 192.0.2.10 | Invoke-CaSign -Issuer $Issuing -ValidDays 90 -Path (Join-Path $TestDrive 'web01')
    $LeafCrt = Join-Path $TestDrive 'web01.crt'
    $Direct = New-Csr -DnsName direct.corp.example | Invoke-CaSign -Issuer $Root -ValidDays 90
    $Client = New-Csr -DnsName client.corp.example | Invoke-CaSign -Issuer $Root -Profile TlsClient
    $OtherRoot = New-SelfSignedCert -Subject 'CN=Pester Other Root' -Profile RootCa -Path (Join-Path $TestDrive 'other-root')

    # fullchain.pem: leaf first, then the intermediate.
    $FullChain = Join-Path $TestDrive 'fullchain.pem'
    [System.IO.File]::WriteAllText($FullChain, [System.IO.File]::ReadAllText($LeafCrt) + [System.IO.File]::ReadAllText($IssuingCrt))
}

Describe 'Test-CertChain' {
    Context 'valid chains' {
        It 'validates a leaf issued directly by the root' {
            $result = $Direct | Test-CertChain -TrustedRoot $Root -DnsName direct.corp.example
            $result | Should -BeOfType ([PkiTools.Core.Validation.ChainValidationResult])
            $result.IsValid | Should -BeTrue
            $result.Problems | Should -BeNullOrEmpty
            $result.Certificate.Thumbprint | Should -Be $Direct.Thumbprint
            @($result.Chain).Count | Should -Be 2
            @($result.Chain)[0].Thumbprint | Should -Be $Direct.Thumbprint
            @($result.Chain)[-1].Thumbprint | Should -Be $Root.Thumbprint
        }

        It 'validates root -> intermediate -> leaf with -Intermediate' {
            $result = Test-CertChain -Certificate $Leaf -TrustedRoot $Root -Intermediate $Issuing -DnsName web01.corp.example
            $result.IsValid | Should -BeTrue
            @($result.Chain).Count | Should -Be 3
        }

        It 'takes -TrustedRoot and -Intermediate as file paths' {
            $result = Test-CertChain -Certificate $Leaf -TrustedRoot $RootCrt -Intermediate $IssuingCrt -DnsName web01.corp.example
            $result.IsValid | Should -BeTrue
        }

        It 'uses the rest of a PEM bundle in -Path as intermediates' {
            $result = Test-CertChain -Path $FullChain -TrustedRoot $RootCrt -DnsName web01.corp.example
            $result.IsValid | Should -BeTrue
            $result.Certificate.Thumbprint | Should -Be $Leaf.Thumbprint
        }

        It 'accepts -LiteralPath and files piped from Get-ChildItem' {
            (Test-CertChain -LiteralPath $FullChain -TrustedRoot $Root -Quiet) | Should -BeTrue
            $results = @(Get-ChildItem -LiteralPath $FullChain | Test-CertChain -TrustedRoot $Root)
            $results.Count | Should -Be 1
            $results[0].IsValid | Should -BeTrue
        }

        It 'validates an IP address' {
            (Test-CertChain -Path $FullChain -TrustedRoot $Root -IpAddress 192.0.2.10).IsValid | Should -BeTrue
        }

        It 'validates a client certificate for -Purpose ClientAuth' {
            (Test-CertChain -Certificate $Client -TrustedRoot $Root -Purpose ClientAuth).IsValid | Should -BeTrue
        }
    }

    Context '-Quiet' {
        It 'returns $true for a valid chain' {
            $result = Test-CertChain -Path $FullChain -TrustedRoot $RootCrt -DnsName web01.corp.example -Quiet
            $result | Should -BeOfType ([bool])
            $result | Should -BeTrue
        }

        It 'returns $false for an invalid chain' {
            $result = Test-CertChain -Path $FullChain -TrustedRoot $RootCrt -DnsName www.corp.example -Quiet
            $result | Should -BeOfType ([bool])
            $result | Should -BeFalse
        }

        It 'returns one Boolean per certificate' {
            $results = @($Direct, $Client | Test-CertChain -TrustedRoot $Root -Quiet)
            $results.Count | Should -Be 2
            $results | ForEach-Object { $_ | Should -BeOfType ([bool]) }
        }
    }

    Context 'broken chains are results, not errors' {
        It 'reports <Code> for <Case>' -ForEach @(
            @{ Case = 'a leaf tested 400 days from now'; Code = 'Expired'; Kind = 'Future' }
            @{ Case = 'a chain tested two days ago'; Code = 'NotYetValid'; Kind = 'Past' }
            @{ Case = 'the wrong host name'; Code = 'NameMismatch'; Kind = 'WrongHost' }
            @{ Case = 'the wrong IP address'; Code = 'NameMismatch'; Kind = 'WrongIp' }
            @{ Case = 'a root that is not among the trusted roots'; Code = 'UntrustedRoot'; Kind = 'OtherRoot' }
            @{ Case = 'a self-signed certificate and no trusted root'; Code = 'UntrustedRoot'; Kind = 'SelfSigned' }
            @{ Case = 'a missing intermediate'; Code = 'MissingIssuer'; Kind = 'NoIntermediate' }
        ) {
            $arguments = @{ Certificate = $Leaf; TrustedRoot = $Root; Intermediate = $Issuing; DnsName = 'web01.corp.example' }
            switch ($Kind) {
                'Future' { $arguments.At = (Get-Date).AddDays(400) }
                'Past' { $arguments.At = (Get-Date).AddDays(-2) }
                'WrongHost' { $arguments.DnsName = 'www.corp.example' }
                'WrongIp' { $arguments.Remove('DnsName'); $arguments.IpAddress = '192.0.2.99' }
                'OtherRoot' { $arguments.TrustedRoot = $OtherRoot; $arguments.Intermediate = @($Issuing, $Root) }
                'SelfSigned' {
                    $arguments.Certificate = New-SelfSignedCert -DnsName web01.corp.example
                    $arguments.Remove('TrustedRoot')
                    $arguments.Remove('Intermediate')
                }
                'NoIntermediate' { $arguments.Remove('Intermediate') }
                default { throw "unknown case $Kind" }
            }

            $result = Test-CertChain @arguments -ErrorAction Stop
            $result.IsValid | Should -BeFalse
            Get-ProblemCode -Result $result | Should -Contain $Code
        }

        It 'reports WrongPurpose for a TlsClient certificate tested with -Purpose ServerAuth' {
            $result = Test-CertChain -Certificate $Client -TrustedRoot $Root -Purpose ServerAuth
            $result.IsValid | Should -BeFalse
            Get-ProblemCode -Result $result | Should -Contain 'WrongPurpose'
        }

        It 'defaults to ServerAuth when -DnsName is given (WrongPurpose for a client certificate)' {
            $result = Test-CertChain -Certificate $Client -TrustedRoot $Root -DnsName client.corp.example
            Get-ProblemCode -Result $result | Should -Contain 'WrongPurpose'
        }

        It 'puts the leaf at index 0 of an Expired problem' {
            $result = Test-CertChain -Certificate $Direct -TrustedRoot $Root -At (Get-Date).AddDays(400)
            $expired = @($result.Problems | Where-Object { [string]$_.Code -eq 'Expired' })
            $expired.Count | Should -BeGreaterThan 0
            $expired[0].Index | Should -Be 0
            $expired[0].Message | Should -Not -BeNullOrEmpty
        }

        It 'writes no error for a broken chain' {
            $null = Test-CertChain -Certificate $Leaf -TrustedRoot $OtherRoot -ErrorVariable errs
            $errs.Count | Should -Be 0
        }

        It 'writes the problems to the verbose stream' {
            $verbose = Test-CertChain -Certificate $Leaf -TrustedRoot $Root -Intermediate $Issuing -DnsName www.corp.example -Quiet -Verbose 4>&1
            @($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'NameMismatch' }).Count | Should -BeGreaterThan 0
        }
    }

    Context 'unreadable input (errors)' {
        It 'reports a missing file (FileNotFound)' {
            { Test-CertChain -Path (Join-Path $TestDrive 'missing.crt') -TrustedRoot $Root -ErrorAction Stop } |
                Should -Throw -ErrorId 'FileNotFound,PkiTools.Commands.TestCertChainCommand'
        }

        It 'reports a file that holds no certificate (FormatUnknown)' {
            $file = Join-Path $TestDrive 'not-a-cert.pem'
            [System.IO.File]::WriteAllText($file, 'hello')
            { Test-CertChain -Path $file -TrustedRoot $Root -ErrorAction Stop } |
                Should -Throw -ErrorId 'FormatUnknown,PkiTools.Commands.TestCertChainCommand'
        }

        It 'reports a missing -TrustedRoot file as FileNotFound, naming the file' {
            $missing = Join-Path $TestDrive 'missing-root.crt'
            $err = { Test-CertChain -Certificate $Leaf -TrustedRoot $missing -ErrorAction Stop } |
                Should -Throw -ErrorId 'FileNotFound,PkiTools.Commands.TestCertChainCommand' -PassThru
            $err.TargetObject | Should -Be $missing
            $err.ToString() | Should -BeLike "*-TrustedRoot*$missing*"
        }
    }

    Context 'files a new user gets wrong' {
        It 'skips a CRL file that is not a CRL with a CrlInvalid warning naming the file, and still answers' {
            $file = Join-Path $TestDrive 'not-a.crl'
            [System.IO.File]::WriteAllBytes($file, [byte[]](0x30, 0x03, 0x02, 0x01, 0x01))
            $result = $Leaf | Test-CertChain -TrustedRoot $Root -Intermediate $Issuing -Crl $file -WarningVariable warned -WarningAction SilentlyContinue -ErrorAction Stop
            $warned.Count | Should -Be 1
            "$warned" | Should -BeLike "CrlInvalid: *$file*skipped*"
            "$warned" | Should -Not -Match 'Org\.BouncyCastle|System\.'
            # -Crl turned checking on; the only CRL was unreadable, so the status is unknown, never good.
            $result.IsValid | Should -BeFalse
            $result.Problems.Code | Should -Contain 'RevocationUnknown'
        }

        It 'still takes roots as objects, paths and Get-ChildItem output' {
            $Leaf | Test-CertChain -TrustedRoot $Root -Intermediate $IssuingCrt -Quiet | Should -BeTrue
            $Leaf | Test-CertChain -TrustedRoot $RootCrt -Intermediate $Issuing -Quiet | Should -BeTrue
            $Leaf | Test-CertChain -TrustedRoot (Get-ChildItem $RootCrt) -Intermediate (Get-ChildItem $IssuingCrt) -Quiet | Should -BeTrue
        }
    }

    Context 'revocation with only the issuing CA''s CRL' {
        BeforeAll {
            $CaDir = Join-Path $TestDrive 'rev'
            $null = New-Ca -Path (Join-Path $CaDir 'root') -Subject 'CN=Pester Rev Root'
            $null = New-Ca -Path (Join-Path $CaDir 'issuing') -Subject 'CN=Pester Rev Issuing' -Parent (Join-Path $CaDir 'root')
            $Good = New-Csr -DnsName good.corp.example | Invoke-CaSign -Ca (Join-Path $CaDir 'issuing')
            $Bad = New-Csr -DnsName bad.corp.example | Invoke-CaSign -Ca (Join-Path $CaDir 'issuing')
            $Bad | Revoke-Cert -Ca (Join-Path $CaDir 'issuing') -Reason KeyCompromise -Confirm:$false
            $IssuingCrl = Join-Path $CaDir 'issuing.crl'
            $null = New-Crl -Ca (Join-Path $CaDir 'issuing') -Path $IssuingCrl
            $RevArgs = @{ TrustedRoot = (Join-Path $CaDir 'root/ca.crt'); Intermediate = (Join-Path $CaDir 'issuing/ca.crt'); Crl = $IssuingCrl }
        }

        It 'by default also wants the root''s CRL for the intermediate (RevocationUnknown at index 1)' {
            $result = $Good | Test-CertChain @RevArgs
            $result.IsValid | Should -BeFalse
            $result.Problems.Code | Should -Be 'RevocationUnknown'
            $result.Problems.Index | Should -Be 1
        }

        It 'checks the leaf alone with -RevocationFlag EndCertificateOnly' {
            $Good | Test-CertChain @RevArgs -RevocationFlag EndCertificateOnly -Quiet | Should -BeTrue
            $result = $Bad | Test-CertChain @RevArgs -RevocationFlag EndCertificateOnly
            $result.Problems.Code | Should -Be 'Revoked'
            $result.Problems.Message | Should -Match '\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC'
        }

        It 'says on -Verbose which checks ran and which paths were tried' {
            $verbose = $Good | Test-CertChain @RevArgs -RevocationFlag EndCertificateOnly -DnsName good.corp.example -Verbose 4>&1 |
                Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
            @($verbose | Where-Object { $_ -match '^Checks: .*revocation: Offline .*EndCertificateOnly' }).Count | Should -Be 1
            $verbose | Should -Contain "Path 1: 'CN=good.corp.example' -> 'CN=Pester Rev Issuing' -> 'CN=Pester Rev Root' reaches a trusted anchor: valid."
        }
    }

    Context 'openssl agrees' {
        It 'openssl verifies the same chain' -Skip:$NoOpenSsl {
            $null = & openssl verify -CAfile $RootCrt -untrusted $IssuingCrt $LeafCrt 2>&1
            $LASTEXITCODE | Should -Be 0
            (Test-CertChain -Path $LeafCrt -TrustedRoot $RootCrt -Intermediate $IssuingCrt -Quiet) | Should -BeTrue
        }
    }
}
