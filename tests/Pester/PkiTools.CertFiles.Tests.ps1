# Import-Cert and Export-Cert
BeforeDiscovery {
    $script:NoOpenSsl = $null -eq (Get-Command openssl -ErrorAction SilentlyContinue)
    $script:NotUnix = -not ($IsLinux -or $IsMacOS)
    # Run only once the manifest exports the two cmdlets (they arrive from another branch).
    $manifest = Import-PowerShellDataFile -LiteralPath "$PSScriptRoot/../../PkiTools.psd1"
    $script:NoCertCmdlets = -not (@($manifest.CmdletsToExport) -contains 'Import-Cert' -and @($manifest.CmdletsToExport) -contains 'Export-Cert')

    # Every format, and how to write and read it. HasKey: the file carries the private key.
    $script:RoundTrips = @(
        @{ Name = 'PEM'; Format = 'Pem'; Ext = 'pem'; Export = @{}; Import = @{}; HasKey = $false }
        @{ Name = 'PEM with -IncludeKey'; Format = 'Pem'; Ext = 'pem'; Export = @{ IncludeKey = $true }; Import = @{}; HasKey = $true }
        @{ Name = 'PEM with an encrypted key'; Format = 'Pem'; Ext = 'pem'; Export = @{ IncludeKey = $true; UsePassword = $true }; Import = @{ UsePassword = $true }; HasKey = $true }
        @{ Name = 'DER'; Format = 'Der'; Ext = 'cer'; Export = @{}; Import = @{}; HasKey = $false }
        @{ Name = 'P7B'; Format = 'P7b'; Ext = 'p7b'; Export = @{}; Import = @{}; HasKey = $false }
        @{ Name = 'PFX, Modern'; Format = 'Pfx'; Ext = 'pfx'; Export = @{ UsePassword = $true; PfxCompatibility = 'Modern' }; Import = @{ UsePassword = $true }; HasKey = $true }
        @{ Name = 'PFX, Legacy'; Format = 'Pfx'; Ext = 'pfx'; Export = @{ UsePassword = $true; PfxCompatibility = 'Legacy' }; Import = @{ UsePassword = $true }; HasKey = $true }
        @{ Name = 'PFX, -NoPassword'; Format = 'Pfx'; Ext = 'pfx'; Export = @{ NoPassword = $true }; Import = @{}; HasKey = $true }
    )
    $script:Garbage = @(
        @{ Name = 'an empty file'; Content = '' }
        @{ Name = 'text'; Content = 'garbage, not a certificate' }
        @{ Name = 'a truncated PEM block'; Content = "-----BEGIN CERTIFICATE-----`nMIIB`n" }
    )
    $script:SingleOnly = @(
        @{ Format = 'Der'; Extra = @{} }
        @{ Format = 'Pfx'; Extra = @{ NoPassword = $true } }
    )
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"

    $Secret = 'pfx-Pa55word'
    $Pw = ConvertTo-SecureString -String $Secret -AsPlainText -Force
    $Wrong = ConvertTo-SecureString -String 'nope' -AsPlainText -Force

    # root -> issuing (IntermediateCa) -> site (TlsServer): Invoke-CaSign remembers the chain of $Leaf.
    $Root = New-SelfSignedCert -Subject 'CN=Pester CertFiles Root' -Profile RootCa -Path (Join-Path $TestDrive 'root')
    $RootCrt = Join-Path $TestDrive 'root.crt'
    $Issuing = New-Csr -Subject 'CN=Pester CertFiles Issuing' | Invoke-CaSign -Issuer $Root -Profile IntermediateCa -Path (Join-Path $TestDrive 'issuing')
    $IssuingCrt = Join-Path $TestDrive 'issuing.crt'
    $Leaf = New-Csr -DnsName site.example | Invoke-CaSign -Issuer $Issuing -Path (Join-Path $TestDrive 'site')
    $SiteCrt = Join-Path $TestDrive 'site.crt'
    $SiteKey = Join-Path $TestDrive 'site.key'

    function New-TestFolder {
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $dir
        $dir
    }

    # Number of PEM blocks with this label in a file.
    function Get-PemBlockCount {
        param([Parameter(Mandatory)][string] $LiteralPath, [Parameter(Mandatory)][string] $Label)
        ([regex]::Matches([System.IO.File]::ReadAllText($LiteralPath), "-----BEGIN $Label-----")).Count
    }

    # True when the private key attached to $Certificate signs what $Leaf's public key verifies (the keys are ECDSA P-256).
    function Test-LeafKey {
        param([Parameter(Mandatory)] $Certificate)
        $data = [System.Text.Encoding]::UTF8.GetBytes('pester')
        $private = [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::GetECDsaPrivateKey($Certificate)
        if ($null -eq $private) { return $false }
        $signature = $private.SignData($data, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
        $public = [System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions]::GetECDsaPublicKey($Leaf)
        $public.VerifyData($data, $signature, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
    }

    # Export-Cert / Import-Cert parameters from a test case (UsePassword stands for -Password $Pw).
    function ConvertTo-Splat {
        param([hashtable] $Case)
        $splat = @{}
        foreach ($name in $Case.Keys) {
            if ($name -eq 'UsePassword') { $splat.Password = $Pw } else { $splat[$name] = $Case[$name] }
        }
        $splat
    }
}

Describe 'Import-Cert and Export-Cert' -Skip:$NoCertCmdlets {
    Context 'round trips' {
        It '<Name> keeps the thumbprint and the key' -ForEach $RoundTrips {
            $file = Join-Path (New-TestFolder) "out.$Ext"
            $export = ConvertTo-Splat $Export
            $import = ConvertTo-Splat $Import
            $Leaf | Export-Cert -Path $file -Format $Format @export -ErrorAction Stop
            $file | Should -Exist
            $back = @(Import-Cert -Path $file @import -ErrorAction Stop)
            $back.Count | Should -Be 1
            $back[0] | Should -BeOfType ([System.Security.Cryptography.X509Certificates.X509Certificate2])
            $back[0].Thumbprint | Should -Be $Leaf.Thumbprint
            if ($HasKey) {
                $back[0].HasPrivateKey | Should -BeTrue
                Test-LeafKey -Certificate $back[0] | Should -BeTrue
            }
            else {
                $back[0].HasPrivateKey | Should -BeFalse
            }
        }

        It '<Name> is owner-only (0600) when it holds a key' -ForEach $RoundTrips -Skip:$NotUnix {
            if (-not $HasKey) {
                Set-ItResult -Skipped -Because 'the file holds no key'
                return
            }
            $file = Join-Path (New-TestFolder) "out.$Ext"
            $export = ConvertTo-Splat $Export
            $Leaf | Export-Cert -Path $file -Format $Format @export -ErrorAction Stop
            Get-UnixPermission -LiteralPath $file | Should -Be '600'
        }

        It 'reads PEM text from the pipeline, line by line or whole' {
            (Get-Content -LiteralPath $SiteCrt | Import-Cert).Thumbprint | Should -Be $Leaf.Thumbprint
            (Get-Content -LiteralPath $SiteCrt -Raw | Import-Cert).Thumbprint | Should -Be $Leaf.Thumbprint
        }

        It 'reads files piped from Get-ChildItem' {
            $certs = @(Get-ChildItem -LiteralPath $TestDrive -Filter '*.crt' | Import-Cert)
            $certs.Thumbprint | Should -Contain $Leaf.Thumbprint
            $certs.Thumbprint | Should -Contain $Root.Thumbprint
        }

        It 'returns the certificates with -PassThru and nothing without' {
            $dir = New-TestFolder
            $Leaf | Export-Cert -Path (Join-Path $dir 'quiet.pem') | Should -BeNullOrEmpty
            ($Leaf | Export-Cert -Path (Join-Path $dir 'pt.pem') -PassThru).Thumbprint | Should -Be $Leaf.Thumbprint
        }

        It 'writes nothing with -WhatIf' {
            $file = Join-Path (New-TestFolder) 'whatif.pfx'
            $Leaf | Export-Cert -Path $file -Format Pfx -Password $Pw -PassThru -WhatIf | Should -BeNullOrEmpty
            $file | Should -Not -Exist
        }

        It 'refuses to overwrite (FileExists) and overwrites with -Force' {
            $file = Join-Path (New-TestFolder) 'exists.pem'
            Set-Content -LiteralPath $file -Value 'original' -NoNewline
            { $Leaf | Export-Cert -Path $file -ErrorAction Stop } | Should -Throw -ErrorId 'FileExists,PkiTools.Commands.ExportCertCommand'
            Get-Content -LiteralPath $file -Raw | Should -Be 'original'
            $Leaf | Export-Cert -Path $file -Force
            (Import-Cert -LiteralPath $file).Thumbprint | Should -Be $Leaf.Thumbprint
        }
    }

    Context 'chains' {
        It '-IncludeChain writes the full chain PEM (leaf, intermediate, no root)' {
            $file = Join-Path (New-TestFolder) 'fullchain.pem'
            $Leaf | Export-Cert -Path $file -IncludeChain
            Get-PemBlockCount -LiteralPath $file -Label 'CERTIFICATE' | Should -Be 2
            Get-PemBlockCount -LiteralPath $file -Label 'PRIVATE KEY' | Should -Be 0
            $back = @(Import-Cert -Path $file)
            $back.Count | Should -Be 2
            $back[0].Thumbprint | Should -Be $Leaf.Thumbprint
            $back[1].Thumbprint | Should -Be $Issuing.Thumbprint
        }

        It 'openssl verifies the full chain file against the root' -Skip:$NoOpenSsl {
            $file = Join-Path (New-TestFolder) 'fullchain.pem'
            $Leaf | Export-Cert -Path $file -IncludeChain
            $out = (& openssl verify -CAfile $RootCrt -untrusted $file $file 2>&1) -join "`n"
            $LASTEXITCODE | Should -Be 0 -Because $out
        }

        It 'takes the chain from -Chain (objects or files) for a certificate without a known chain' {
            $dir = New-TestFolder
            Import-Cert -Path $SiteCrt | Export-Cert -Path (Join-Path $dir 'from-files.pem') -Chain $IssuingCrt
            $back = @(Import-Cert -Path (Join-Path $dir 'from-files.pem'))
            ($back.Thumbprint -join ',') | Should -Be "$($Leaf.Thumbprint),$($Issuing.Thumbprint)"
        }

        It 'writes every certificate given with -Chain, the root too' {
            $file = Join-Path (New-TestFolder) 'from-objects.pem'
            Import-Cert -Path $SiteCrt | Export-Cert -Path $file -Chain $Issuing, $Root
            $back = @(Import-Cert -Path $file)
            ($back.Thumbprint -join ',') | Should -Be "$($Leaf.Thumbprint),$($Issuing.Thumbprint),$($Root.Thumbprint)"
        }

        It 'puts the root into a P7B with -IncludeChain, as Windows does' {
            $file = Join-Path (New-TestFolder) 'chain.p7b'
            $Leaf | Export-Cert -Path $file -Format P7b -IncludeChain
            $back = @(Import-Cert -Path $file)
            $back.Count | Should -Be 3
            $back.Thumbprint | Should -Contain $Root.Thumbprint
        }

        It 'refuses -IncludeChain when no chain is known (InvalidArgument)' {
            $file = Join-Path (New-TestFolder) 'nochain.pem'
            { Import-Cert -Path $SiteCrt | Export-Cert -Path $file -IncludeChain -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,PkiTools.Commands.ExportCertCommand'
            $file | Should -Not -Exist
        }

        It 'remembers the chain of a bundle it reads, for the next export' {
            $dir = New-TestFolder
            $Leaf | Export-Cert -Path (Join-Path $dir 'fullchain.pem') -IncludeChain
            $leafAgain = @(Import-Cert -Path (Join-Path $dir 'fullchain.pem'))[0]
            $leafAgain | Export-Cert -Path (Join-Path $dir 'again.pem') -IncludeChain
            Get-PemBlockCount -LiteralPath (Join-Path $dir 'again.pem') -Label 'CERTIFICATE' | Should -Be 2
        }

        It 'puts the whole chain, root included, into a PFX with -IncludeChain' {
            $file = Join-Path (New-TestFolder) 'chain.pfx'
            $Leaf | Export-Cert -Path $file -Format Pfx -Password $Pw -IncludeChain
            $back = @(Import-Cert -Path $file -Password $Pw)
            $back.Count | Should -Be 3
            $back[0].Thumbprint | Should -Be $Leaf.Thumbprint
            $back.Thumbprint | Should -Contain $Issuing.Thumbprint
            $back.Thumbprint | Should -Contain $Root.Thumbprint
        }
    }

    Context '-IncludeKey and -Key' {
        It 'writes the combined HAProxy PEM: certificate, chain and key, owner-only' {
            $file = Join-Path (New-TestFolder) 'haproxy.pem'
            $Leaf | Export-Cert -Path $file -IncludeChain -IncludeKey
            Get-PemBlockCount -LiteralPath $file -Label 'CERTIFICATE' | Should -Be 2
            Get-PemBlockCount -LiteralPath $file -Label 'PRIVATE KEY' | Should -Be 1
            $back = @(Import-Cert -Path $file)
            $back.Count | Should -Be 2
            $back[0].Thumbprint | Should -Be $Leaf.Thumbprint
            $back[0].HasPrivateKey | Should -BeTrue
            Test-LeafKey -Certificate $back[0] | Should -BeTrue
            if ($IsLinux -or $IsMacOS) { Get-UnixPermission -LiteralPath $file | Should -Be '600' }
        }

        It 'openssl finds the matching certificate and key in the combined PEM' -Skip:$NoOpenSsl {
            $file = Join-Path (New-TestFolder) 'haproxy.pem'
            $Leaf | Export-Cert -Path $file -IncludeChain -IncludeKey
            $certKey = (& openssl x509 -in $file -noout -pubkey 2>$null) -join "`n"
            $key = (& openssl pkey -in $file -pubout 2>$null) -join "`n"
            $LASTEXITCODE | Should -Be 0
            $key | Should -Be $certKey
        }

        It 'pairs a certificate with its key from a file (-Key)' {
            $file = Join-Path (New-TestFolder) 'paired.pfx'
            Import-Cert -Path $SiteCrt | Export-Cert -Path $file -Format Pfx -Password $Pw -Key (Import-PrivateKey $SiteKey)
            $back = @(Import-Cert -Path $file -Password $Pw)[0]
            $back.Thumbprint | Should -Be $Leaf.Thumbprint
            Test-LeafKey -Certificate $back | Should -BeTrue
        }

        It 'refuses a key that does not belong to the certificate (KeyMismatch) and writes nothing' -ForEach @(
            @{ Format = 'Pfx'; Extra = @{ UsePassword = $true } }
            @{ Format = 'Pem'; Extra = @{ IncludeKey = $true } }
        ) {
            $file = Join-Path (New-TestFolder) "bad.$($Format.ToLowerInvariant())"
            $extra = ConvertTo-Splat $Extra
            { Import-Cert -Path $SiteCrt | Export-Cert -Path $file -Format $Format @extra -Key (New-PrivateKey) -ErrorAction Stop } |
                Should -Throw -ErrorId 'KeyMismatch,PkiTools.Commands.ExportCertCommand'
            $file | Should -Not -Exist
        }

        It 'refuses -IncludeKey when no key is known (InvalidArgument)' {
            $file = Join-Path (New-TestFolder) 'nokey.pem'
            { Import-Cert -Path $SiteCrt | Export-Cert -Path $file -IncludeKey -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,PkiTools.Commands.ExportCertCommand'
            $file | Should -Not -Exist
        }

        It 'refuses -Password with -Format Pem without -IncludeKey (InvalidArgument)' {
            $file = Join-Path (New-TestFolder) 'pw.pem'
            { $Leaf | Export-Cert -Path $file -Password $Pw -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,PkiTools.Commands.ExportCertCommand'
            $file | Should -Not -Exist
        }
    }

    Context 'PFX passwords' {
        It 'writes a Modern PFX that openssl reads without -legacy' -Skip:$NoOpenSsl {
            $file = Join-Path (New-TestFolder) 'modern.pfx'
            $Leaf | Export-Cert -Path $file -Format Pfx -Password $Pw -IncludeChain -FriendlyName 'pester site'
            $out = (& openssl pkcs12 -info -nodes -in $file -passin "pass:$Secret" 2>&1) -join "`n"
            $LASTEXITCODE | Should -Be 0 -Because $out
            $out | Should -Match 'PBES2'
            $out | Should -Match 'AES-256-CBC'
            $out | Should -Match '(?i)MAC:\s*sha256'
            $out | Should -Match 'BEGIN PRIVATE KEY'
            $out | Should -Match 'pester site'
        }

        It 'needs -Password or -NoPassword for a PFX (PasswordRequired)' {
            $dir = New-TestFolder
            $file = Join-Path $dir 'n.pfx'
            { $Leaf | Export-Cert -Path $file -Format Pfx -ErrorAction Stop } | Should -Throw -ErrorId 'PasswordRequired,PkiTools.Commands.ExportCertCommand'
            $file | Should -Not -Exist
            $Leaf | Export-Cert -Path $file -Format Pfx -NoPassword
            (Import-Cert -Path $file)[0].HasPrivateKey | Should -BeTrue
        }

        It 'refuses -Password together with -NoPassword (InvalidArgument)' {
            $file = Join-Path (New-TestFolder) 'both.pfx'
            { $Leaf | Export-Cert -Path $file -Format Pfx -Password $Pw -NoPassword -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,PkiTools.Commands.ExportCertCommand'
            $file | Should -Not -Exist
        }

        It 'reports PasswordRequired and PasswordIncorrect when reading a protected PFX' {
            $file = Join-Path (New-TestFolder) 'w.pfx'
            $Leaf | Export-Cert -Path $file -Format Pfx -Password $Pw
            { Import-Cert -Path $file -ErrorAction Stop } | Should -Throw -ErrorId 'PasswordRequired,PkiTools.Commands.ImportCertCommand'
            { Import-Cert -Path $file -Password $Wrong -ErrorAction Stop } | Should -Throw -ErrorId 'PasswordIncorrect,PkiTools.Commands.ImportCertCommand'
            $err = $null
            $null = Import-Cert -Path $file -Password $Wrong -ErrorVariable err -ErrorAction SilentlyContinue
            "$($err[0])" | Should -Match 'w\.pfx'
            "$($err[0])" | Should -Not -Match 'nope'
        }

        It 'reads a PFX openssl writes (<Name>)' -Skip:$NoOpenSsl -ForEach @(
            @{ Name = 'certificate and key'; WithChain = $false; Count = 1 }
            @{ Name = 'with the intermediate'; WithChain = $true; Count = 2 }
        ) {
            $file = Join-Path (New-TestFolder) 'openssl.pfx'
            $chain = if ($WithChain) { @('-certfile', $IssuingCrt) } else { @() }
            $null = & openssl pkcs12 -export -in $SiteCrt -inkey $SiteKey @chain -passout "pass:$Secret" -out $file 2>&1
            $LASTEXITCODE | Should -Be 0
            $back = @(Import-Cert -Path $file -Password $Pw)
            $back.Count | Should -Be $Count
            $back[0].Thumbprint | Should -Be $Leaf.Thumbprint
            Test-LeafKey -Certificate $back[0] | Should -BeTrue
        }
    }

    Context 'bundles' {
        It 'writes several certificates into one P7B bundle and reads them all back' {
            $file = Join-Path (New-TestFolder) 'bundle.p7b'
            $Leaf, $Issuing, $Root | Export-Cert -Path $file -Format P7b
            $back = @(Import-Cert -Path $file)
            $back.Count | Should -Be 3
            ($back.Thumbprint | Sort-Object) | Should -Be (@($Leaf.Thumbprint, $Issuing.Thumbprint, $Root.Thumbprint) | Sort-Object)
        }

        It 'openssl lists every certificate of the P7B bundle' -Skip:$NoOpenSsl {
            $file = Join-Path (New-TestFolder) 'bundle.p7b'
            $Leaf, $Issuing, $Root | Export-Cert -Path $file -Format P7b
            $out = @(& openssl pkcs7 -in $file -print_certs -noout 2>&1)
            $LASTEXITCODE | Should -Be 0
            @($out | Where-Object { $_ -match '^subject' }).Count | Should -Be 3
        }

        It 'reads a DER P7B bundle openssl writes' -Skip:$NoOpenSsl {
            $file = Join-Path (New-TestFolder) 'openssl.p7b'
            $null = & openssl crl2pkcs7 -nocrl -certfile $SiteCrt -certfile $IssuingCrt -outform DER -out $file 2>&1
            $LASTEXITCODE | Should -Be 0
            $back = @(Import-Cert -Path $file)
            $back.Thumbprint | Should -Contain $Leaf.Thumbprint
            $back.Thumbprint | Should -Contain $Issuing.Thumbprint
        }

        It 'writes several certificates as one PEM bundle' {
            $file = Join-Path (New-TestFolder) 'bundle.pem'
            $Leaf, $Issuing | Export-Cert -Path $file
            ((Import-Cert -Path $file).Thumbprint -join ',') | Should -Be "$($Leaf.Thumbprint),$($Issuing.Thumbprint)"
        }

        It 'refuses several certificates for -Format <Format> (InvalidArgument) and writes nothing' -ForEach $SingleOnly {
            $file = Join-Path (New-TestFolder) "two.$($Format.ToLowerInvariant())"
            $extra = ConvertTo-Splat $Extra
            { $Leaf, $Issuing | Export-Cert -Path $file -Format $Format @extra -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidArgument,PkiTools.Commands.ExportCertCommand'
            $file | Should -Not -Exist
        }
    }

    Context 'unreadable input' {
        It 'reports FormatUnknown for <Name>, naming the file' -ForEach $Garbage {
            $file = Join-Path (New-TestFolder) 'bad.crt'
            [System.IO.File]::WriteAllText($file, $Content)
            { Import-Cert -Path $file -ErrorAction Stop } | Should -Throw -ErrorId 'FormatUnknown,PkiTools.Commands.ImportCertCommand'
            $err = $null
            $null = Import-Cert -Path $file -ErrorVariable err -ErrorAction SilentlyContinue
            "$($err[0])" | Should -Match 'bad\.crt'
        }

        It 'reports FileNotFound for a missing file' {
            { Import-Cert -Path (Join-Path $TestDrive 'missing.crt') -ErrorAction Stop } | Should -Throw -ErrorId 'FileNotFound,PkiTools.Commands.ImportCertCommand'
        }

        It 'reads the good files when one of several fails' {
            $dir = New-TestFolder
            Copy-Item -LiteralPath $SiteCrt -Destination (Join-Path $dir 'good.crt')
            [System.IO.File]::WriteAllText((Join-Path $dir 'bad.crt'), 'garbage')
            $err = $null
            $certs = @(Import-Cert -Path (Join-Path $dir '*.crt') -ErrorVariable err -ErrorAction SilentlyContinue)
            $certs.Count | Should -Be 1
            $certs[0].Thumbprint | Should -Be $Leaf.Thumbprint
            $err.Count | Should -Be 1
        }
    }
}
