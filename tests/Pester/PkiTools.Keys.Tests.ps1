# New-PrivateKey
BeforeDiscovery {
    $script:NoOpenSsl = $null -eq (Get-Command openssl -ErrorAction SilentlyContinue)
    $script:NotUnix = -not ($IsLinux -or $IsMacOS)
    $script:Algorithms = @(
        @{ Algorithm = 'Rsa2048'; KeySize = 2048 }
        @{ Algorithm = 'Rsa3072'; KeySize = 3072 }
        @{ Algorithm = 'Rsa4096'; KeySize = 4096 }
        @{ Algorithm = 'EcdsaP256'; KeySize = 256 }
        @{ Algorithm = 'EcdsaP384'; KeySize = 384 }
        @{ Algorithm = 'EcdsaP521'; KeySize = 521 }
        @{ Algorithm = 'Ed25519'; KeySize = 256 }
    )
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
}

Describe 'New-PrivateKey' {
    Context 'every -Algorithm value' {
        It 'generates a <Algorithm> key of <KeySize> bits' -ForEach $Algorithms {
            $key = New-PrivateKey -Algorithm $Algorithm
            $key | Should -BeOfType ([PkiTools.Core.Keys.PrivateKey])
            $key.Algorithm | Should -Be $Algorithm
            $key.KeySize | Should -Be $KeySize
            $key.KeyId | Should -Match '^[0-9a-fA-F]{64}$'
            $key.PublicKeyPem | Should -Match '-----BEGIN PUBLIC KEY-----'
        }

        It 'writes a <Algorithm> key as PKCS#8 PEM' -ForEach $Algorithms {
            $file = Join-Path $TestDrive "$Algorithm.key"
            $key = New-PrivateKey -Algorithm $Algorithm -Path $file
            $key.Algorithm | Should -Be $Algorithm
            $file | Should -Exist
            $text = Get-Content -LiteralPath $file -Raw
            $text | Should -Match '^-----BEGIN PRIVATE KEY-----'
            $text | Should -Match '-----END PRIVATE KEY-----\s*$'
        }

        It 'openssl reads the <Algorithm> key file' -ForEach $Algorithms -Skip:$NoOpenSsl {
            $file = Join-Path $TestDrive "openssl-$Algorithm.key"
            $null = New-PrivateKey -Algorithm $Algorithm -Path $file
            $null = & openssl pkey -in $file -noout 2>&1
            $LASTEXITCODE | Should -Be 0
        }
    }

    It 'defaults to EcdsaP256' {
        (New-PrivateKey).Algorithm | Should -Be 'EcdsaP256'
    }

    It 'accepts -KeyAlgorithm as an alias and positional parameters' {
        (New-PrivateKey -KeyAlgorithm EcdsaP384).Algorithm | Should -Be 'EcdsaP384'
        $file = Join-Path $TestDrive 'positional.key'
        (New-PrivateKey EcdsaP521 $file).Algorithm | Should -Be 'EcdsaP521'
        $file | Should -Exist
    }

    It 'generates a different key each time' {
        (New-PrivateKey).KeyId | Should -Not -Be (New-PrivateKey).KeyId
    }

    It 'refuses an unknown algorithm at parameter binding' {
        { New-PrivateKey -Algorithm Rsa512 -ErrorAction Stop } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,PkiTools.Commands.NewPrivateKeyCommand'
    }

    It 'writes the key file owner-only (0600)' -Skip:$NotUnix {
        $file = Join-Path $TestDrive 'mode.key'
        $null = New-PrivateKey -Path $file
        Get-UnixPermission -LiteralPath $file | Should -Be '600'
    }

    Context 'files' {
        BeforeEach {
            $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
            $null = New-Item -ItemType Directory -Path $dir
        }

        It 'writes nothing without -Path' {
            Push-Location -LiteralPath $dir
            try {
                $null = New-PrivateKey
            }
            finally {
                Pop-Location
            }
            Get-FileName -LiteralPath $dir | Should -BeNullOrEmpty
        }

        It 'writes the file exactly at -Path, relative to the current location' {
            Push-Location -LiteralPath $dir
            try {
                $null = New-PrivateKey -Path ./web01.key
            }
            finally {
                Pop-Location
            }
            (Get-FileName -LiteralPath $dir) -join ',' | Should -Be 'web01.key'
        }

        It 'writes nothing and returns nothing with -WhatIf' {
            $file = Join-Path $dir 'whatif.key'
            $result = New-PrivateKey -Path $file -WhatIf
            $result | Should -BeNullOrEmpty
            $file | Should -Not -Exist
        }

        It 'refuses to overwrite an existing file (FileExists) and leaves it unchanged' {
            $file = Join-Path $dir 'exists.key'
            Set-Content -LiteralPath $file -Value 'original' -NoNewline
            { New-PrivateKey -Path $file -ErrorAction Stop } | Should -Throw -ErrorId 'FileExists,PkiTools.Commands.NewPrivateKeyCommand'
            Get-Content -LiteralPath $file -Raw | Should -Be 'original'
        }

        It 'writes a FileExists error and no object when the error is not stopped' {
            $file = Join-Path $dir 'exists2.key'
            Set-Content -LiteralPath $file -Value 'original' -NoNewline
            $result = New-PrivateKey -Path $file -ErrorVariable errs -ErrorAction SilentlyContinue
            $result | Should -BeNullOrEmpty
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -Be 'FileExists,PkiTools.Commands.NewPrivateKeyCommand'
            $errs[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        }

        It 'overwrites with -Force' {
            $file = Join-Path $dir 'force.key'
            Set-Content -LiteralPath $file -Value 'original' -NoNewline
            $key = New-PrivateKey -Path $file -Force
            $key | Should -Not -BeNullOrEmpty
            Get-Content -LiteralPath $file -Raw | Should -Match '^-----BEGIN PRIVATE KEY-----'
        }

        It 'reports FileWriteFailed when the folder does not exist' {
            $file = Join-Path $dir 'no-such-folder/x.key'
            { New-PrivateKey -Path $file -ErrorAction Stop } | Should -Throw -ErrorId 'FileWriteFailed,PkiTools.Commands.NewPrivateKeyCommand'
        }
    }
}
