# Import-PrivateKey, Export-PrivateKey, and -Password on the cmdlets that write key files
BeforeDiscovery {
    $script:NoOpenSsl = $null -eq (Get-Command openssl -ErrorAction SilentlyContinue)
    $script:NotUnix = -not ($IsLinux -or $IsMacOS)

    # Keys openssl generates (genpkey writes PKCS#8 PEM) ...
    $keyTypes = @(
        @{ Algorithm = 'Rsa2048'; Generate = @('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048') }
        @{ Algorithm = 'EcdsaP256'; Generate = @('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256') }
        @{ Algorithm = 'EcdsaP384'; Generate = @('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384') }
        @{ Algorithm = 'EcdsaP521'; Generate = @('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521') }
        @{ Algorithm = 'Ed25519'; Generate = @('genpkey', '-algorithm', 'ED25519') }
    )
    # ... and every form openssl converts them to (Convert = $null: the genpkey file itself).
    # Encrypted forms get -passout; Traditional forms do not exist for Ed25519.
    $forms = @(
        @{ Form = 'PKCS#8 PEM'; Convert = $null; Encrypted = $false; Traditional = $false }
        @{ Form = 'PKCS#8 DER'; Convert = @('pkcs8', '-topk8', '-nocrypt', '-outform', 'DER'); Encrypted = $false; Traditional = $false }
        @{ Form = 'PKCS#1/SEC1 PEM'; Convert = @('pkey', '-traditional'); Encrypted = $false; Traditional = $true }
        @{ Form = 'PKCS#1/SEC1 DER'; Convert = @('pkey', '-outform', 'DER'); Encrypted = $false; Traditional = $false }
        @{ Form = 'encrypted PKCS#8 PEM, AES-256-CBC'; Convert = @('pkcs8', '-topk8', '-v2', 'aes-256-cbc'); Encrypted = $true; Traditional = $false }
        @{ Form = 'encrypted PKCS#8 DER, AES-256-CBC'; Convert = @('pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-outform', 'DER'); Encrypted = $true; Traditional = $false }
        @{ Form = 'encrypted PKCS#8, AES-128-CBC with HMAC-SHA1'; Convert = @('pkcs8', '-topk8', '-v2', 'aes-128-cbc', '-v2prf', 'hmacWithSHA1'); Encrypted = $true; Traditional = $false }
        @{ Form = 'encrypted PKCS#8, DES-EDE3-CBC'; Convert = @('pkcs8', '-topk8', '-v2', 'des3'); Encrypted = $true; Traditional = $false }
        @{ Form = 'encrypted PKCS#8, PBES1 SHA1-3DES'; Convert = @('pkcs8', '-topk8', '-v1', 'PBE-SHA1-3DES'); Encrypted = $true; Traditional = $false }
    )
    $script:OpenSslCases = foreach ($k in $keyTypes) {
        foreach ($f in $forms) {
            if ($f.Traditional -and $k.Algorithm -eq 'Ed25519') { continue }
            $k + $f
        }
    }

    $script:ExportFormats = @(
        @{ Algorithm = 'Rsa2048'; Format = 'Pkcs8'; Label = 'PRIVATE KEY' }
        @{ Algorithm = 'Rsa2048'; Format = 'Pkcs1'; Label = 'RSA PRIVATE KEY' }
        @{ Algorithm = 'EcdsaP256'; Format = 'Pkcs8'; Label = 'PRIVATE KEY' }
        @{ Algorithm = 'EcdsaP256'; Format = 'Sec1'; Label = 'EC PRIVATE KEY' }
        @{ Algorithm = 'EcdsaP384'; Format = 'Sec1'; Label = 'EC PRIVATE KEY' }
        @{ Algorithm = 'Ed25519'; Format = 'Pkcs8'; Label = 'PRIVATE KEY' }
    )
    $script:WrongFormats = @(
        @{ Algorithm = 'EcdsaP256'; Format = 'Pkcs1' }
        @{ Algorithm = 'Ed25519'; Format = 'Pkcs1' }
        @{ Algorithm = 'Rsa2048'; Format = 'Sec1' }
        @{ Algorithm = 'Ed25519'; Format = 'Sec1' }
    )
    $script:Writers = @(
        @{ Command = 'New-PrivateKey'; KeyFile = 'k.key' }
        @{ Command = 'New-SelfSignedCert'; KeyFile = 'k.key' }
        @{ Command = 'New-Csr'; KeyFile = 'k.key' }
        @{ Command = 'Invoke-CaSign'; KeyFile = 'k.key' }
    )
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"

    $Secret = 'Pester-Pa55word'
    $Pw = ConvertTo-SecureString -String $Secret -AsPlainText -Force
    $Wrong = ConvertTo-SecureString -String 'not-the-password' -AsPlainText -Force
    $Root = New-SelfSignedCert -Subject 'CN=Pester KeyFiles Root' -Profile RootCa

    # A fresh, empty folder for one test.
    function New-TestFolder {
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $dir
        $dir
    }

    # The first line of a text file.
    function Get-FirstLine {
        param([Parameter(Mandatory)][string] $LiteralPath)
        @([System.IO.File]::ReadAllLines($LiteralPath))[0]
    }

    # PEM or openssl output without any whitespace, for comparisons.
    function ConvertTo-Compact {
        param([AllowNull()][object] $Text)
        (@($Text) -join '') -replace '\s', ''
    }

    # Runs the cmdlet under test so that it writes <stem>.key (or the file itself for New-PrivateKey) with -Password;
    # returns the KeyId of the key that should be in the file.
    function Invoke-KeyWriter {
        param([string] $Command, [string] $Folder, [securestring] $Password)
        $stem = Join-Path $Folder 'k'
        switch ($Command) {
            'New-PrivateKey' { (New-PrivateKey -Path "$stem.key" -Password $Password).KeyId }
            'New-SelfSignedCert' {
                $key = New-PrivateKey
                $null = $key | New-SelfSignedCert -DnsName keyfiles.example -Path $stem -Password $Password
                $key.KeyId
            }
            'New-Csr' { (New-Csr -DnsName keyfiles.example -Path $stem -Password $Password).KeyId }
            'Invoke-CaSign' {
                $csr = New-Csr -DnsName keyfiles.example
                $null = $csr | Invoke-CaSign -Issuer $Root -Path $stem -Password $Password
                $csr.KeyId
            }
        }
    }
}

Describe 'Import-PrivateKey' {
    Context 'keys openssl writes' {
        It 'reads a <Algorithm> key as <Form>' -ForEach $OpenSslCases -Skip:$NoOpenSsl {
            $dir = New-TestFolder
            $source = Join-Path $dir 'source.pem'
            $null = & openssl @Generate -out $source 2>&1
            $LASTEXITCODE | Should -Be 0
            $expected = ConvertTo-Compact (& openssl pkey -in $source -pubout 2>$null)

            $file = $source
            if ($Convert) {
                $file = Join-Path $dir 'converted.key'
                $passout = if ($Encrypted) { @('-passout', "pass:$Secret") } else { @() }
                $null = & openssl @Convert -in $source -out $file @passout 2>&1
                if ($LASTEXITCODE -ne 0) {
                    Set-ItResult -Skipped -Because "this openssl cannot write $Form"
                    return
                }
            }

            $key = if ($Encrypted) { Import-PrivateKey -Path $file -Password $Pw } else { Import-PrivateKey -Path $file }
            $key | Should -BeOfType ([PkiTools.Core.Keys.PrivateKey])
            $key.Algorithm | Should -Be $Algorithm
            ConvertTo-Compact $key.PublicKeyPem | Should -Be $expected
        }

        It 'needs the password of a key openssl encrypted' -Skip:$NoOpenSsl {
            $dir = New-TestFolder
            $file = Join-Path $dir 'enc.key'
            $null = & openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 -pass "pass:$Secret" -out $file 2>&1
            $LASTEXITCODE | Should -Be 0
            { Import-PrivateKey -Path $file -ErrorAction Stop } | Should -Throw -ErrorId 'PasswordRequired,PkiTools.Commands.ImportPrivateKeyCommand'
            (Import-PrivateKey -Path $file -Password $Pw).Algorithm | Should -Be 'EcdsaP256'
        }
    }

    Context 'encrypted keys' {
        BeforeAll {
            $EncDir = New-TestFolder
            $EncFile = Join-Path $EncDir 'enc.key'
            $EncKey = New-PrivateKey -Algorithm EcdsaP384 -Path $EncFile -Password $Pw
        }

        It 'writes encrypted PKCS#8 and reads it back with the password' {
            Get-FirstLine -LiteralPath $EncFile | Should -Be '-----BEGIN ENCRYPTED PRIVATE KEY-----'
            $key = Import-PrivateKey -Path $EncFile -Password $Pw
            $key.KeyId | Should -Be $EncKey.KeyId
            $key.Algorithm | Should -Be 'EcdsaP384'
        }

        It 'reports PasswordRequired without -Password' {
            { Import-PrivateKey -Path $EncFile -ErrorAction Stop } | Should -Throw -ErrorId 'PasswordRequired,PkiTools.Commands.ImportPrivateKeyCommand'
        }

        It 'reports PasswordIncorrect for a wrong password, naming the file and not the password' {
            $err = $null
            $result = Import-PrivateKey -Path $EncFile -Password $Wrong -ErrorVariable err -ErrorAction SilentlyContinue
            $result | Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be 'PasswordIncorrect,PkiTools.Commands.ImportPrivateKeyCommand'
            "$($err[0])" | Should -Match ([regex]::Escape('enc.key'))
            "$($err[0])" | Should -Not -Match 'not-the-password'
            { Import-PrivateKey -Path $EncFile -Password $Wrong -ErrorAction Stop } | Should -Throw -ErrorId 'PasswordIncorrect,PkiTools.Commands.ImportPrivateKeyCommand'
        }

        It 'never writes the password to the verbose stream' {
            $verbose = Import-PrivateKey -Path $EncFile -Password $Pw -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            ($verbose | ForEach-Object Message) -join "`n" | Should -Not -Match $Secret
        }

        It 'openssl reads the encrypted key with the password' -Skip:$NoOpenSsl {
            $out = & openssl pkey -in $EncFile -passin "pass:$Secret" -pubout 2>$null
            $LASTEXITCODE | Should -Be 0
            ConvertTo-Compact $out | Should -Be (ConvertTo-Compact $EncKey.PublicKeyPem)
        }

        It 'encrypts with PBES2, PBKDF2-HMAC-SHA256 (600,000 iterations) and AES-256-CBC' -Skip:$NoOpenSsl {
            $out = (& openssl asn1parse -in $EncFile 2>&1) -join "`n"
            $LASTEXITCODE | Should -Be 0
            $out | Should -Match ':PBES2'
            $out | Should -Match ':PBKDF2'
            $out | Should -Match ':hmacWithSHA256'
            $out | Should -Match ':aes-256-cbc'
            $out | Should -Match 'INTEGER\s+:0?927C0\b'   # 600,000
        }
    }

    Context 'paths and errors' {
        BeforeAll {
            $PathDir = New-TestFolder
            $KeyA = New-PrivateKey -Algorithm EcdsaP256 -Path (Join-Path $PathDir 'a.key')
            $KeyB = New-PrivateKey -Algorithm Ed25519 -Path (Join-Path $PathDir 'b.key')
            $KeyBracket = New-PrivateKey -Path (Join-Path $PathDir '[x].key')
        }

        It 'expands wildcards in -Path' {
            $keys = @(Import-PrivateKey -Path (Join-Path $PathDir '?.key'))
            $keys.Count | Should -Be 2
            ($keys.KeyId | Sort-Object) | Should -Be (@($KeyA.KeyId, $KeyB.KeyId) | Sort-Object)
        }

        It 'takes -LiteralPath as written' {
            (Import-PrivateKey -LiteralPath (Join-Path $PathDir '[x].key')).KeyId | Should -Be $KeyBracket.KeyId
        }

        It 'reads files piped from Get-ChildItem and paths piped as strings' {
            $keys = @(Get-ChildItem -LiteralPath $PathDir -Filter '*.key' | Import-PrivateKey)
            $keys.Count | Should -Be 3
            (Join-Path $PathDir 'a.key') | Import-PrivateKey | ForEach-Object KeyId | Should -Be $KeyA.KeyId
        }

        It 'reports FileNotFound for a missing file' {
            { Import-PrivateKey -Path (Join-Path $PathDir 'missing.key') -ErrorAction Stop } | Should -Throw -ErrorId 'FileNotFound,PkiTools.Commands.ImportPrivateKeyCommand'
        }

        It 'reports FormatUnknown for a file that is not a key' {
            $junk = Join-Path (New-TestFolder) 'junk.key'
            [System.IO.File]::WriteAllText($junk, 'this is not a key')
            { Import-PrivateKey -LiteralPath $junk -ErrorAction Stop } | Should -Throw -ErrorId 'FormatUnknown,PkiTools.Commands.ImportPrivateKeyCommand'
        }

        It 'reads the good files when one of several fails' {
            $dir = New-TestFolder
            $good = New-PrivateKey -Path (Join-Path $dir 'good.key')
            [System.IO.File]::WriteAllText((Join-Path $dir 'bad.key'), 'junk')
            $err = $null
            $keys = @(Import-PrivateKey -Path (Join-Path $dir '*.key') -ErrorVariable err -ErrorAction SilentlyContinue)
            $keys.Count | Should -Be 1
            $keys[0].KeyId | Should -Be $good.KeyId
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be 'FormatUnknown,PkiTools.Commands.ImportPrivateKeyCommand'
        }
    }
}

Describe 'Export-PrivateKey' {
    Context '-Format' {
        It 'writes a <Algorithm> key as <Format> ("<Label>") that reads back' -ForEach $ExportFormats {
            $file = Join-Path (New-TestFolder) 'out.key'
            $key = New-PrivateKey -Algorithm $Algorithm
            $result = $key | Export-PrivateKey -Path $file -Format $Format
            $result | Should -BeNullOrEmpty
            Get-FirstLine -LiteralPath $file | Should -Be "-----BEGIN $Label-----"
            (Import-PrivateKey -LiteralPath $file).KeyId | Should -Be $key.KeyId
        }

        It 'openssl reads the <Algorithm> key written as <Format>' -ForEach $ExportFormats -Skip:$NoOpenSsl {
            $file = Join-Path (New-TestFolder) 'out.key'
            $key = New-PrivateKey -Algorithm $Algorithm
            $key | Export-PrivateKey -Path $file -Format $Format
            $out = & openssl pkey -in $file -pubout 2>$null
            $LASTEXITCODE | Should -Be 0
            ConvertTo-Compact $out | Should -Be (ConvertTo-Compact $key.PublicKeyPem)
        }

        It 'refuses -Format <Format> for a <Algorithm> key (InvalidArgument) and writes nothing' -ForEach $WrongFormats {
            $file = Join-Path (New-TestFolder) 'wrong.key'
            $key = New-PrivateKey -Algorithm $Algorithm
            { $key | Export-PrivateKey -Path $file -Format $Format -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,PkiTools.Commands.ExportPrivateKeyCommand'
            $file | Should -Not -Exist
        }

        It 'defaults to PKCS#8' {
            $file = Join-Path (New-TestFolder) 'default.key'
            New-PrivateKey -Algorithm Rsa2048 | Export-PrivateKey -Path $file
            Get-FirstLine -LiteralPath $file | Should -Be '-----BEGIN PRIVATE KEY-----'
        }
    }

    Context '-Password' {
        It 'writes encrypted PKCS#8 that Import-PrivateKey reads with the password' {
            $file = Join-Path (New-TestFolder) 'enc.key'
            $key = New-PrivateKey -Algorithm Rsa2048
            $key | Export-PrivateKey -Path $file -Password $Pw
            Get-FirstLine -LiteralPath $file | Should -Be '-----BEGIN ENCRYPTED PRIVATE KEY-----'
            (Import-PrivateKey -Path $file -Password $Pw).KeyId | Should -Be $key.KeyId
            { Import-PrivateKey -Path $file -ErrorAction Stop } | Should -Throw -ErrorId 'PasswordRequired,PkiTools.Commands.ImportPrivateKeyCommand'
            { Import-PrivateKey -Path $file -Password $Wrong -ErrorAction Stop } | Should -Throw -ErrorId 'PasswordIncorrect,PkiTools.Commands.ImportPrivateKeyCommand'
        }

        It 'decrypts and converts: Import-PrivateKey -Password | Export-PrivateKey -Format Pkcs1' {
            $dir = New-TestFolder
            $key = New-PrivateKey -Algorithm Rsa2048 -Path (Join-Path $dir 'enc.key') -Password $Pw
            Import-PrivateKey (Join-Path $dir 'enc.key') -Password $Pw | Export-PrivateKey -Path (Join-Path $dir 'rsa.key') -Format Pkcs1
            Get-FirstLine -LiteralPath (Join-Path $dir 'rsa.key') | Should -Be '-----BEGIN RSA PRIVATE KEY-----'
            (Import-PrivateKey (Join-Path $dir 'rsa.key')).KeyId | Should -Be $key.KeyId
        }

        It 'refuses -Password with -Format <Format> (InvalidArgument): encryption is PKCS#8 only' -ForEach @(
            @{ Algorithm = 'EcdsaP256'; Format = 'Sec1' }
            @{ Algorithm = 'Rsa2048'; Format = 'Pkcs1' }
        ) {
            $file = Join-Path (New-TestFolder) 'refused.key'
            $key = New-PrivateKey -Algorithm $Algorithm
            { $key | Export-PrivateKey -Path $file -Format $Format -Password $Pw -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,PkiTools.Commands.ExportPrivateKeyCommand'
            $file | Should -Not -Exist
        }
    }

    Context 'files' {
        It 'writes every format owner-only (0600)' -Skip:$NotUnix {
            $dir = New-TestFolder
            New-PrivateKey -Algorithm Rsa2048 | Export-PrivateKey -Path (Join-Path $dir 'pkcs1.key') -Format Pkcs1
            New-PrivateKey -Algorithm EcdsaP256 | Export-PrivateKey -Path (Join-Path $dir 'sec1.key') -Format Sec1
            New-PrivateKey | Export-PrivateKey -Path (Join-Path $dir 'enc.key') -Password $Pw
            foreach ($name in 'pkcs1.key', 'sec1.key', 'enc.key') {
                Get-UnixPermission -LiteralPath (Join-Path $dir $name) | Should -Be '600' -Because $name
            }
        }

        It 'returns the key with -PassThru' {
            $file = Join-Path (New-TestFolder) 'pt.key'
            $key = New-PrivateKey
            ($key | Export-PrivateKey -Path $file -PassThru).KeyId | Should -Be $key.KeyId
        }

        It 'takes -Path by position, the key from the pipeline' {
            $file = Join-Path (New-TestFolder) 'positional.key'
            $key = New-PrivateKey
            $key | Export-PrivateKey $file
            (Import-PrivateKey $file).KeyId | Should -Be $key.KeyId
        }

        It 'writes nothing and returns nothing with -WhatIf, even with -PassThru' {
            $file = Join-Path (New-TestFolder) 'whatif.key'
            $result = New-PrivateKey | Export-PrivateKey -Path $file -PassThru -WhatIf
            $result | Should -BeNullOrEmpty
            $file | Should -Not -Exist
        }

        It 'refuses to overwrite (FileExists) and overwrites with -Force' {
            $file = Join-Path (New-TestFolder) 'exists.key'
            Set-Content -LiteralPath $file -Value 'original' -NoNewline
            $key = New-PrivateKey
            { $key | Export-PrivateKey -Path $file -ErrorAction Stop } | Should -Throw -ErrorId 'FileExists,PkiTools.Commands.ExportPrivateKeyCommand'
            Get-Content -LiteralPath $file -Raw | Should -Be 'original'
            $key | Export-PrivateKey -Path $file -Force
            (Import-PrivateKey -LiteralPath $file).KeyId | Should -Be $key.KeyId
        }
    }
}

Describe '-Password on the cmdlets that write key files' {
    It '<Command> -Password writes an encrypted key file that reads back' -ForEach $Writers {
        $dir = New-TestFolder
        $keyId = Invoke-KeyWriter -Command $Command -Folder $dir -Password $Pw
        $file = Join-Path $dir $KeyFile
        Get-FirstLine -LiteralPath $file | Should -Be '-----BEGIN ENCRYPTED PRIVATE KEY-----'
        (Import-PrivateKey -LiteralPath $file -Password $Pw).KeyId | Should -Be $keyId
        { Import-PrivateKey -LiteralPath $file -ErrorAction Stop } | Should -Throw -ErrorId 'PasswordRequired,PkiTools.Commands.ImportPrivateKeyCommand'
        { Import-PrivateKey -LiteralPath $file -Password $Wrong -ErrorAction Stop } | Should -Throw -ErrorId 'PasswordIncorrect,PkiTools.Commands.ImportPrivateKeyCommand'
    }

    It '<Command> -Password writes the key file owner-only (0600)' -ForEach $Writers -Skip:$NotUnix {
        $dir = New-TestFolder
        $null = Invoke-KeyWriter -Command $Command -Folder $dir -Password $Pw
        Get-UnixPermission -LiteralPath (Join-Path $dir $KeyFile) | Should -Be '600'
    }

    It 'openssl reads the key file of <Command> -Password' -ForEach $Writers -Skip:$NoOpenSsl {
        $dir = New-TestFolder
        $null = Invoke-KeyWriter -Command $Command -Folder $dir -Password $Pw
        $null = & openssl pkey -in (Join-Path $dir $KeyFile) -passin "pass:$Secret" -noout 2>&1
        $LASTEXITCODE | Should -Be 0
    }

    It 'New-Csr -Path x -Password | Invoke-CaSign -Path x -Password keeps the one encrypted key file' {
        $dir = New-TestFolder
        $stem = Join-Path $dir 'web01'
        $csr = New-Csr -DnsName web01.example -Path $stem -Password $Pw
        $cert = $csr | Invoke-CaSign -Issuer $Root -Path $stem -Password $Pw -ErrorAction Stop
        $cert | Should -Not -BeNullOrEmpty
        $cert.HasPrivateKey | Should -BeTrue
        (Get-FileName -LiteralPath $dir) -join ',' | Should -Be 'web01.crt,web01.csr,web01.key'
        Get-FirstLine -LiteralPath "$stem.key" | Should -Be '-----BEGIN ENCRYPTED PRIVATE KEY-----'
        (Import-PrivateKey -LiteralPath "$stem.key" -Password $Pw).KeyId | Should -Be $csr.KeyId
    }

    It 'New-Csr with a piped key writes no key file, with or without -Password' {
        $dir = New-TestFolder
        $null = New-PrivateKey | New-Csr -DnsName piped.example -Path (Join-Path $dir 'piped') -Password $Pw
        (Get-FileName -LiteralPath $dir) -join ',' | Should -Be 'piped.csr'
    }

    It 'New-PrivateKey -Password without -Path writes nothing' {
        $dir = New-TestFolder
        Push-Location -LiteralPath $dir
        try {
            $key = New-PrivateKey -Password $Pw
        }
        finally {
            Pop-Location
        }
        $key | Should -Not -BeNullOrEmpty
        Get-FileName -LiteralPath $dir | Should -BeNullOrEmpty
    }
}

Describe 'Keys and files from the wild (issue 18)' {
    BeforeAll {
        $Wild = New-TestFolder
        function Invoke-OpenSsl { $null = & openssl @args 2>&1; if ($LASTEXITCODE -ne 0) { throw "openssl $args failed" } }
    }

    It 'refuses <Name> keys as UnsupportedAlgorithm, naming the algorithm' -Skip:$NoOpenSsl -TestCases @(
        @{ Name = 'X25519'; Generate = @('genpkey', '-algorithm', 'X25519') }
        @{ Name = 'X448'; Generate = @('genpkey', '-algorithm', 'X448') }
        @{ Name = 'Ed448'; Generate = @('genpkey', '-algorithm', 'Ed448') }
        @{ Name = 'Diffie-Hellman'; Generate = @('genpkey', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048') }
    ) {
        $file = Join-Path $Wild "$Name.key"
        Invoke-OpenSsl @Generate -out $file
        $err = $null
        Import-PrivateKey -LiteralPath $file -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId -Id UnsupportedAlgorithm -Command Import-PrivateKey)
        $err[0].ToString() | Should -BeLike "*$Name*key*"
    }

    It 'reads an EC key with explicit P-256 parameters as EcdsaP256' -Skip:$NoOpenSsl {
        $file = Join-Path $Wild 'explicit.key'
        Invoke-OpenSsl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:explicit -out $file
        (Import-PrivateKey -LiteralPath $file).Algorithm | Should -Be 'EcdsaP256'
    }

    It 'refuses an RSA key whose modulus is not the product of its primes as KeyInvalid, as openssl pkey -check does' -Skip:$NoOpenSsl {
        $file = Join-Path $Wild 'rsa.key'
        Invoke-OpenSsl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out $file
        Invoke-OpenSsl rsa -in $file -traditional -outform DER -out "$file.der"
        # PKCS#1 DER: 30 82 04 xx | 02 01 00 | 02 82 01 01 00 <256 modulus bytes>: change the modulus's last byte, so
        # that n is no longer p*q and every other part is intact.
        $der = [System.IO.File]::ReadAllBytes("$file.der")
        $der[12 + 255] = $der[12 + 255] -bxor 0x02
        [System.IO.File]::WriteAllBytes("$file.bad", $der)
        (& openssl pkey -in "$file.bad" -inform DER -check -noout 2>&1) -join ' ' | Should -BeLike '*Key is invalid*'
        $err = $null
        Import-PrivateKey -LiteralPath "$file.bad" -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId -Id KeyInvalid -Command Import-PrivateKey)
        $err[0].ToString() | Should -BeLike '*not the product of its primes*'
    }

    It 'reads the key of a key-only PFX with -Password' -Skip:$NoOpenSsl {
        $key = Join-Path $Wild 'pfx.key'
        $pfx = Join-Path $Wild 'keyonly.pfx'
        Invoke-OpenSsl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out $key
        Invoke-OpenSsl pkcs12 -export -nocerts -inkey $key -passout "pass:$Secret" -out $pfx
        (Import-PrivateKey -LiteralPath $pfx -Password $Pw).KeyId | Should -Be (Import-PrivateKey -LiteralPath $key).KeyId
    }

    It 'Import-Cert calls a CRL a CRL and points to Import-Crl' {
        $ca = New-Ca -Path (Join-Path $Wild 'ca') -Subject 'CN=Pester Wild CA'
        $crl = Join-Path $Wild 'ca.crl'
        $null = New-Crl -Ca $ca -Path $crl
        $err = $null
        Import-Cert -LiteralPath $crl -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId -Id WrongFileType -Command Import-Cert)
        $err[0].ToString() | Should -BeLike '*Read it with Import-Crl.'
    }
}
