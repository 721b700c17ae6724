# New-AcmeAccount, Get-AcmeAccount, Request-AcmeCert, Revoke-AcmeCert against Debian's pebble, started by this file on
# free ports of 127.0.0.1 (see AcmeCommon.ps1) and stopped in AfterAll, also after a failure.
BeforeDiscovery {
    $script:NoPebble = $null -eq (Get-Command pebble -ErrorAction SilentlyContinue) -or $null -eq (Get-Command pebble-challtestsrv -ErrorAction SilentlyContinue)
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    . "$PSScriptRoot/AcmeCommon.ps1"
    $script:Pebble = $null
    $script:EabPebble = $null
    # Pester removes what a Context wrote to TestDrive at its end: the account and the servers live in a folder of
    # this file's own, removed in AfterAll.
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) ('pkitools-acme-' + [guid]::NewGuid().ToString('N'))
    $script:Pebble = Start-TestPebble -Folder (Join-Path $Work 'pebble')
    $script:State = Join-Path $Work 'state'
    $script:Out = Join-Path $Work 'out'
    New-Item -ItemType Directory -Path $Out | Out-Null

    function New-TestName { param([string] $Label = 'www') "$Label-$([guid]::NewGuid().ToString('N').Substring(0, 8)).acme.test" }

    # A certificate pebble issued: valid to pebble's root by Test-CertChain and by openssl verify.
    function Assert-PebbleCertificate {
        param([string] $Stem, [string] $Name, $Server = $Pebble)
        $result = Test-CertChain -Path "$Stem.crt" -Intermediate "$Stem.fullchain.crt" -TrustedRoot $Server.IssuingRootFile -DnsName $Name
        $result.IsValid | Should -BeTrue -Because ($result.Problems | Out-String)
        $verify = & openssl verify -CAfile $Server.IssuingRootFile -untrusted "$Stem.fullchain.crt" "$Stem.crt" 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($verify | Out-String)
        Get-UnixPermission -LiteralPath "$Stem.key" | Should -Be '600'
    }
}

AfterAll {
    Stop-TestPebble $script:Pebble
    Stop-TestPebble $script:EabPebble
    if ($script:Work) { Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'ACME cmdlets without a server' {
    It 'tab-completes -Directory with the well-known directories and -Challenge with the challenge types' {
        $line = 'New-AcmeAccount -Directory LetsE'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('LetsEncrypt', 'LetsEncryptStaging')
        $line = 'Get-AcmeAccount -Directory '
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('LetsEncrypt', 'LetsEncryptStaging')
        $line = 'Request-AcmeCert -Challenge '
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('Dns01', 'Http01', 'TlsAlpn01')
    }

    It 'refuses what is not an ACME directory, and an account folder that holds none, with InvalidArgument and FileNotFound' {
        { New-AcmeAccount -Directory 'ftp://example.org/dir' -AcceptTermsOfService -StatePath (Join-Path $TestDrive 'x') -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-PkiErrorId InvalidArgument New-AcmeAccount)
        { Request-AcmeCert -Account $TestDrive -DnsName a.example -Challenge Http01 -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-PkiErrorId FileNotFound Request-AcmeCert)
        @(Get-AcmeAccount -StatePath (Join-Path $TestDrive 'none')).Count | Should -Be 0
    }

    It 'refuses another challenge''s parameters, a missing web root and Dns01 without a hook before anything is ordered' {
        $cases = @(
            @{ Args = @{ Challenge = 'TlsAlpn01'; WebRoot = $TestDrive }; Id = 'InvalidArgument'; Text = '-WebRoot belongs to the Http01 challenge' }
            @{ Args = @{ Challenge = 'Http01'; DnsHook = { } }; Id = 'InvalidArgument'; Text = '-DnsHook belongs to the Dns01 challenge' }
            @{ Args = @{ Challenge = 'Http01'; WebRoot = $TestDrive; HttpPort = 8080 }; Id = 'InvalidArgument'; Text = 'exclude each other' }
            @{ Args = @{ Challenge = 'Http01'; WebRoot = (Join-Path $TestDrive 'no-such-root') }; Id = 'FileNotFound'; Text = 'does not exist' }
            @{ Args = @{ Challenge = 'Dns01' }; Id = 'InvalidArgument'; Text = '-DnsHook' }
        )
        foreach ($case in $cases) {
            $a = $case.Args
            Request-AcmeCert -Account $TestDrive -DnsName a.example @a -ErrorVariable refused -ErrorAction SilentlyContinue
            $refused[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId $case.Id Request-AcmeCert)
            $refused[0].ErrorDetails.Message | Should -BeLike "*$($case.Text)*"
        }
    }
}

Describe 'ACME against pebble' -Skip:$NoPebble {
    Context 'accounts' {
        It 'trusts the directory''s HTTPS through the user''s root store (Install-Cert) when no -TrustedRoot is given' -Skip:(-not $IsLinux) {
            # A fresh pwsh with a throw-away HOME: .NET keeps CurrentUser\Root there on Linux and trusts it when it
            # checks a server; without the root installed, the same call is AcmeUnavailable naming the trust.
            $trustHome = Join-Path $Work 'trust-home'
            New-Item -ItemType Directory -Path $trustHome | Out-Null
            $manifest = (Resolve-Path "$PSScriptRoot/../../PkiTools.psd1").Path
            $code = "Import-Module '$manifest'; " +
                "`$before = try { New-AcmeAccount -Directory '$($Pebble.DirectoryUrl)' -AcceptTermsOfService -StatePath '$trustHome/state' -ErrorAction Stop; 'created' } catch { `$_.FullyQualifiedErrorId }; " +
                "Import-Cert -Path '$($Pebble.ListenerRootFile)' | Install-Cert -Store CurrentUser\Root -Confirm:`$false | Out-Null; " +
                "`$after = New-AcmeAccount -Directory '$($Pebble.DirectoryUrl)' -AcceptTermsOfService -StatePath '$trustHome/state'; " +
                "'before=' + `$before; 'after=' + `$after.Url.AbsoluteUri; 'root=' + [string]`$after.TrustedRoot"
            $savedHome = $env:HOME
            try {
                $env:HOME = $trustHome
                # This same PowerShell, as a new process ($PSHOME holds the pwsh.dll it runs from).
                $out = & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $code 2>&1 | Out-String
            }
            finally { $env:HOME = $savedHome }
            $out | Should -Match 'before=AcmeUnavailable,PkiTools.Commands.NewAcmeAccountCommand'
            $out | Should -Match 'after=https://127\.0\.0\.1:\d+/'
            $out | Should -Match 'root=\s*$'
        }

        It 'creates an account whose key is owner-only and whose JSON holds no secret' {
            $verbose = New-AcmeAccount -Directory $Pebble.DirectoryUrl -TrustedRoot $Pebble.ListenerRootFile -Contact 'admin@example.org' -AcceptTermsOfService -StatePath $State -Verbose 4>&1
            $script:Account = $verbose | Where-Object { $_ -is [PkiTools.Core.Acme.StoredAcmeAccount] }
            $Account | Should -Not -BeNullOrEmpty
            $Account.Url.AbsoluteUri | Should -Match '^https://127\.0\.0\.1:\d+/'
            $Account.Contact | Should -Be 'mailto:admin@example.org'
            $Account.KeyAlgorithm | Should -Be 'EcdsaP256'
            $Account.TrustedRoot.Thumbprint | Should -Be $Pebble.ListenerRoot.Thumbprint
            Test-Path -LiteralPath (Join-Path $Account.Folder 'account.json') | Should -BeTrue
            Get-UnixPermission -LiteralPath $Account.KeyPath | Should -Be '600'
            Get-UnixPermission -LiteralPath $Account.Folder | Should -Be '700'
            $json = Get-Content -Raw -LiteralPath (Join-Path $Account.Folder 'account.json')
            $json | Should -Not -Match 'PRIVATE KEY'
            ($json | ConvertFrom-Json).url | Should -Be $Account.Url.AbsoluteUri
            ($verbose | Out-String) | Should -Not -Match 'PRIVATE KEY'
            # No piece of the key's base64 anywhere in what the cmdlet wrote or stored beside it.
            $script:AccountKeyBody = (Get-Content -LiteralPath $Account.KeyPath | Where-Object { $_ -notlike '-----*' }) -join ''
            foreach ($text in ($verbose | Out-String), $json) { $text | Should -Not -Match ([regex]::Escape($AccountKeyBody.Substring(40, 24))) }
            ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String) | Should -Match 'Created the ACME account'
        }

        It 'finds the same account on a second call, and Get-AcmeAccount lists it' {
            $again = New-AcmeAccount -Directory $Pebble.DirectoryUrl -AcceptTermsOfService -StatePath $State -Verbose 4>&1
            $found = $again | Where-Object { $_ -is [PkiTools.Core.Acme.StoredAcmeAccount] }
            $found.Url | Should -Be $Account.Url
            $found.Folder | Should -Be $Account.Folder
            $found.TrustedRoot.Thumbprint | Should -Be $Pebble.ListenerRoot.Thumbprint
            ($again | Out-String) | Should -Match 'Found the ACME account'
            $listed = @(Get-AcmeAccount -StatePath $State)
            $listed.Count | Should -Be 1
            $listed[0].Url | Should -Be $Account.Url
            @(Get-AcmeAccount -StatePath $State -Directory LetsEncrypt).Count | Should -Be 0
            ($listed | Format-Table | Out-String) | Should -Match '127\.0\.0\.1'
        }

        It 'refuses a server whose HTTPS certificate is not trusted, and warns each time -SkipCertificateCheck is used' {
            $skipState = Join-Path $TestDrive 'skip-state'
            { New-AcmeAccount -Directory $Pebble.DirectoryUrl -AcceptTermsOfService -StatePath $skipState -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-PkiErrorId AcmeUnavailable New-AcmeAccount)
            $a = New-AcmeAccount -Directory $Pebble.DirectoryUrl -AcceptTermsOfService -StatePath $skipState -SkipCertificateCheck -WarningVariable w1 3>$null
            $w1 | Should -Match 'not checked'
            $a.SkipCertificateCheck | Should -BeTrue
            $null = New-AcmeAccount -Directory $Pebble.DirectoryUrl -AcceptTermsOfService -StatePath $skipState -WarningVariable w2 3>$null
            $w2 | Should -Match 'not checked'
            $name = New-TestName
            $cert = Request-AcmeCert -Account $a -DnsName $name -Challenge Http01 -HttpPort $Pebble.HttpPort -WarningVariable w3 3>$null
            $w3 | Should -Match 'not checked'
            $cert | Should -BeOfType ([System.Security.Cryptography.X509Certificates.X509Certificate2])
        }

        It '-WhatIf creates and writes nothing' {
            $whatIfState = Join-Path $TestDrive 'whatif-state'
            New-AcmeAccount -Directory $Pebble.DirectoryUrl -TrustedRoot $Pebble.ListenerRootFile -AcceptTermsOfService -StatePath $whatIfState -WhatIf
            Test-Path -LiteralPath $whatIfState | Should -BeFalse
            Request-AcmeCert -Account $Account -DnsName (New-TestName) -Challenge Http01 -HttpPort $Pebble.HttpPort -Path (Join-Path $Out 'whatif') -WhatIf
            Test-Path -LiteralPath (Join-Path $Out 'whatif.crt') | Should -BeFalse
        }
    }

    Context 'certificates' {
        It 'issues by http-01 from its own listener and writes the files Invoke-CaSign -Path writes' {
            $name = New-TestName
            $stem = Join-Path $Out 'http'
            $all = Request-AcmeCert -Account $Account -DnsName $name -Challenge Http01 -HttpPort $Pebble.HttpPort -Path $stem -Verbose *>&1
            $cert = $all | Where-Object { $_ -is [System.Security.Cryptography.X509Certificates.X509Certificate2] }
            $cert | Should -BeOfType ([System.Security.Cryptography.X509Certificates.X509Certificate2])
            ($all | Out-String) | Should -Match 'Wrote .*http\.key \(owner-only\)'
            ($all | Out-String) | Should -Not -Match 'PRIVATE KEY'
            ($all | Out-String) | Should -Not -Match ([regex]::Escape($AccountKeyBody.Substring(40, 24)))
            $cert.HasPkiPrivateKey | Should -BeTrue
            $cert.SubjectAltNames | Should -Contain "DNS:$name"
            @(Get-ChildItem -LiteralPath $Out -Filter 'http*' | ForEach-Object Name | Sort-Object) | Should -Be @('http.crt', 'http.fullchain.crt', 'http.key')
            Assert-PebbleCertificate -Stem $stem -Name $name
            (Import-Cert -Path "$stem.crt").Thumbprint | Should -Be $cert.Thumbprint
        }

        It 'issues by http-01 through a web root, and removes the token file afterwards' {
            $name = New-TestName
            $webRoot = Join-Path $TestDrive 'webroot'
            New-Item -ItemType Directory -Path $webRoot | Out-Null
            # The web server of this test: serves the web root on the port pebble validates.
            $server = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, $Pebble.HttpPort)
            $server.Start()
            $job = Start-ThreadJob -ArgumentList $server, $webRoot -ScriptBlock {
                param($server, $root)
                while ($true) {
                    $client = $server.AcceptTcpClient()
                    try {
                        $stream = $client.GetStream()
                        $reader = [System.IO.StreamReader]::new($stream)
                        $path = ($reader.ReadLine() -split ' ')[1]
                        while ($reader.ReadLine()) { }
                        $file = Join-Path $root $path.TrimStart('/')
                        $body, $status = if (Test-Path -LiteralPath $file -PathType Leaf) { [System.IO.File]::ReadAllBytes($file), '200 OK' } else { [byte[]]@(), '404 Not Found' }
                        $head = [System.Text.Encoding]::ASCII.GetBytes("HTTP/1.1 $status`r`nContent-Length: $($body.Length)`r`nConnection: close`r`n`r`n")
                        $stream.Write($head, 0, $head.Length); $stream.Write($body, 0, $body.Length); $stream.Flush()
                    } catch { } finally { $client.Dispose() }
                }
            }
            try {
                $cert = Request-AcmeCert -Account $Account -DnsName $name -Challenge Http01 -WebRoot $webRoot -Path (Join-Path $Out 'webroot')
            }
            finally {
                $server.Stop(); $job | Stop-Job -PassThru | Remove-Job -Force
            }
            $cert | Should -Not -BeNullOrEmpty
            @(Get-ChildItem -LiteralPath (Join-Path $webRoot '.well-known/acme-challenge') -File).Count | Should -Be 0
            Assert-PebbleCertificate -Stem (Join-Path $Out 'webroot') -Name $name
        }

        It 'issues by tls-alpn-01 from its own listener, for a CSR from New-Csr on the pipeline' {
            $name = New-TestName 'tls'
            $stem = Join-Path $Out 'tls'
            $cert = New-Csr -DnsName $name, "alt-$name" | Request-AcmeCert -Account $Account.Folder -Challenge TlsAlpn01 -TlsPort $Pebble.TlsPort -Path $stem
            $cert.SubjectAltNames | Should -Contain "DNS:alt-$name"
            Assert-PebbleCertificate -Stem $stem -Name $name
        }

        It 'issues by dns-01 with a hook that sets the TXT record in pebble''s DNS, called to create then to delete' {
            $name = New-TestName 'dns'
            $stem = Join-Path $Out 'dns'
            $script:HookCalls = [System.Collections.Generic.List[string]]::new()
            $hook = {
                param($Action, $RecordName, $Value)
                $script:HookCalls.Add("$Action $RecordName $Value")
                Set-TestPebbleTxt -Pebble $Pebble -Name $RecordName -Value $Value -Clear:($Action -eq 'Delete')
            }
            $cert = Request-AcmeCert -Account $Account -DnsName $name, "*.$name" -Challenge Dns01 -DnsHook $hook -Path $stem
            $cert.SubjectAltNames | Should -Contain "DNS:*.$name"
            $HookCalls.Count | Should -Be 4
            @($HookCalls | Where-Object { $_ -like 'Create *' }).Count | Should -Be 2
            $HookCalls[0] | Should -Match "^Create _acme-challenge\.$([regex]::Escape($name)) [A-Za-z0-9_-]{43}$"
            $HookCalls[3] | Should -Match '^Delete '
            Assert-PebbleCertificate -Stem $stem -Name $name
        }

        It 'a failing authorization (a web root pebble does not see) is AcmeChallengeFailed with the server''s detail and leaves no files' {
            $wrongRoot = Join-Path $TestDrive 'wrong-root'
            New-Item -ItemType Directory -Path $wrongRoot | Out-Null
            $stem = Join-Path $Out 'failed'
            # Nothing serves the web root: pebble gets connection refused on the http-01 port.
            $cert = Request-AcmeCert -Account $Account -DnsName (New-TestName) -Challenge Http01 -WebRoot $wrongRoot -Path $stem -ErrorVariable problems -ErrorAction SilentlyContinue
            $cert | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId AcmeChallengeFailed Request-AcmeCert)
            $problems[0].ErrorDetails.Message | Should -Match 'could not validate control of'
            $problems[0].ErrorDetails.Message | Should -Match 'connection'
            @(Get-ChildItem -LiteralPath $Out -Filter 'failed*').Count | Should -Be 0
            @(Get-ChildItem -LiteralPath (Join-Path $wrongRoot '.well-known/acme-challenge') -File -ErrorAction SilentlyContinue).Count | Should -Be 0
        }

        It 'a -DnsHook that throws is HookFailed, is still called to delete, and leaves no files' {
            $stem = Join-Path $Out 'hook-failed'
            $script:FailedCalls = [System.Collections.Generic.List[string]]::new()
            $hook = { param($Action, $RecordName, $Value) $script:FailedCalls.Add($Action); if ($Action -eq 'Create') { throw 'the DNS API refused' } }
            $cert = Request-AcmeCert -Account $Account -DnsName (New-TestName) -Challenge Dns01 -DnsHook $hook -Path $stem -ErrorVariable problems -ErrorAction SilentlyContinue
            $cert | Should -BeNullOrEmpty
            $problems[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId HookFailed Request-AcmeCert)
            $problems[0].ErrorDetails.Message | Should -Match 'the DNS API refused'
            $FailedCalls | Should -Be @('Create', 'Delete')
            @(Get-ChildItem -LiteralPath $Out -Filter 'hook-failed*').Count | Should -Be 0
        }

        It 'refuses existing files before ordering, without -Force, and replaces them with it' {
            { Request-AcmeCert -Account $Account -DnsName (New-TestName) -Challenge Http01 -HttpPort $Pebble.HttpPort -Path (Join-Path $Out 'http') -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-PkiErrorId FileExists Request-AcmeCert)
            # Only a key file of another key is in the way too.
            $stem = Join-Path $Out 'key-only'
            New-PrivateKey -Path "$stem.key" | Out-Null
            { Request-AcmeCert -Account $Account -DnsName (New-TestName) -Challenge Http01 -HttpPort $Pebble.HttpPort -Path $stem -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-PkiErrorId FileExists Request-AcmeCert)
            # New-Csr -Path x | Request-AcmeCert -Path x: the key file already holds the request's key.
            $name = New-TestName
            $stem = Join-Path $Out 'same-key'
            $cert = New-Csr -DnsName $name -Path $stem | Request-AcmeCert -Account $Account -Challenge Http01 -HttpPort $Pebble.HttpPort -Path $stem
            Assert-PebbleCertificate -Stem $stem -Name $name
            $renewed = Request-AcmeCert -Account $Account -DnsName $name -Challenge Http01 -HttpPort $Pebble.HttpPort -Path $stem -Force
            (Import-Cert -Path "$stem.crt").Thumbprint | Should -Be $renewed.Thumbprint
            $renewed.Thumbprint | Should -Not -Be $cert.Thumbprint
        }
    }

    Context 'revocation' {
        It 'revokes with the account key' {
            $name = New-TestName 'revoke'
            $cert = Request-AcmeCert -Account $Account -DnsName $name -Challenge Http01 -HttpPort $Pebble.HttpPort
            Revoke-AcmeCert -Account $Account -Certificate $cert -Reason Superseded -Confirm:$false
            $status = Invoke-RestMethod -Uri "$($Pebble.ManagementUrl)/cert-status-by-serial/$($cert.SerialNumber.ToLowerInvariant().TrimStart('0'))" -SkipCertificateCheck
            $status.Status | Should -Be 'Revoked'
            { Revoke-AcmeCert -Account $Account -Certificate $cert -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId (Get-PkiErrorId AcmeProblem Revoke-AcmeCert)
        }

        It 'revokes with the certificate''s key from its files, without an account' {
            $name = New-TestName 'revoke'
            $stem = Join-Path $Out 'revoke-by-key'
            $null = Request-AcmeCert -Account $Account -DnsName $name -Challenge Http01 -HttpPort $Pebble.HttpPort -Path $stem
            Revoke-AcmeCert -Directory $Pebble.DirectoryUrl -TrustedRoot $Pebble.ListenerRootFile -Certificate "$stem.crt" -Reason KeyCompromise -Confirm:$false
            $serial = (Import-Cert -Path "$stem.crt").SerialNumber.ToLowerInvariant().TrimStart('0')
            (Invoke-RestMethod -Uri "$($Pebble.ManagementUrl)/cert-status-by-serial/$serial" -SkipCertificateCheck).Status | Should -Be 'Revoked'
        }
    }

    Context 'stopping' {
        It 'Ctrl+C (Stop) ends a request the server does not answer at once, and nothing is stored' {
            # A "directory" that accepts the connection and never answers: only the stop can end the call quickly.
            $silent = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $silent.Start()
            $stopState = Join-Path $Work 'stop-state'
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Import-Module '$PSScriptRoot/../../PkiTools.psd1'; New-AcmeAccount -Directory http://127.0.0.1:$($silent.LocalEndpoint.Port)/dir -AcceptTermsOfService -StatePath '$stopState'")
                $async = $ps.BeginInvoke()
                $deadline = [DateTime]::UtcNow.AddSeconds(20)
                while (-not $silent.Pending() -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
                $silent.Pending() | Should -BeTrue
                $clock = [System.Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
                $async.IsCompleted | Should -BeTrue
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
                Test-Path -LiteralPath $stopState | Should -BeFalse
            }
            finally { $ps.Dispose(); $silent.Stop() }
        }
    }

    Context 'renewal (Invoke-CertRenewal -Acme)' {
        BeforeAll {
            # Certificates of 30 seconds: due at two thirds (pebble 2.4 offers no renewal information, so the lifetime decides).
            $script:ShortPebble = Start-TestPebble -Folder (Join-Path $Work 'pebble-short') -CertificateValiditySeconds 30
            $script:ShortAccount = New-AcmeAccount -Directory $ShortPebble.DirectoryUrl -TrustedRoot $ShortPebble.ListenerRootFile -AcceptTermsOfService -StatePath (Join-Path $Work 'short-state')
        }
        AfterAll { Stop-TestPebble $script:ShortPebble }

        It 'renews in place at two thirds of the lifetime and not before, with the deploy hook, and -WhatIf orders nothing' {
            $site = Join-Path $Work 'renew-site'
            New-Item -ItemType Directory -Path $site | Out-Null
            $name = New-TestName renew
            $first = Request-AcmeCert -Account $ShortAccount -DnsName $name -Challenge Http01 -HttpPort $ShortPebble.HttpPort -Path (Join-Path $site 'www')
            $acme = @{ Acme = $ShortAccount; Challenge = 'Http01'; HttpPort = $ShortPebble.HttpPort }

            $early = Invoke-CertRenewal -Path $site @acme
            $early.Action | Should -Be 'NotDue'
            $early.Message | Should -Match 'due at a third'
            $dry = Invoke-CertRenewal -Path $site @acme -Force -WhatIf
            $dry.Action | Should -Be 'Skipped'
            (Import-Cert -Path (Join-Path $site 'www.crt')).Thumbprint | Should -Be $first.Thumbprint

            $due = $first.NotBefore.ToUniversalTime().AddTicks(($first.NotAfter - $first.NotBefore).Ticks * 7 / 10)
            $wait = ($due - [DateTime]::UtcNow).TotalMilliseconds
            if ($wait -gt 0) { Start-Sleep -Milliseconds ([int] $wait + 500) }
            $deployed = Join-Path $Work 'deployed.txt'
            $hook = [scriptblock]::Create("Add-Content -LiteralPath '$deployed' -Value `$env:RENEWED_DOMAINS")
            $renewed = Invoke-CertRenewal -Path $site @acme -DeployHook $hook
            $renewed.Action | Should -Be 'Renewed' -Because $renewed.Message
            Get-Content -LiteralPath $deployed | Should -Be @($name)
            $new = Import-Cert -Path (Join-Path $site 'www.crt')
            $new.Thumbprint | Should -Not -Be $first.Thumbprint
            Assert-PebbleCertificate -Stem (Join-Path $site 'www') -Name $name -Server $ShortPebble
        }

        It 'renews the CA''s certificates through the CA and the others through ACME in one run, and a failed order is that file''s error only' {
            $site = Join-Path $Work 'mixed-site'
            New-Item -ItemType Directory -Path $site | Out-Null
            $ca = New-Ca -Path (Join-Path $Work 'mixed-ca') -Subject 'CN=Mixed Renewal CA'
            New-Csr -DnsName internal.example | Invoke-CaSign -Ca $ca -Path (Join-Path $site 'internal') | Out-Null
            $name = New-TestName mixed
            Request-AcmeCert -Account $ShortAccount -DnsName $name -Challenge Http01 -HttpPort $ShortPebble.HttpPort -Path (Join-Path $site 'public') | Out-Null
            # The web root no server serves: pebble cannot validate the ACME certificate; the CA's one renews anyway.
            $webRoot = Join-Path $Work 'unserved'
            New-Item -ItemType Directory -Path $webRoot | Out-Null
            $results = Invoke-CertRenewal -Path $site -Ca $ca -Acme $ShortAccount -Challenge Http01 -WebRoot $webRoot -Force -ErrorVariable failed -ErrorAction SilentlyContinue
            ($results | Where-Object Path -like '*internal.crt').Action | Should -Be 'Renewed'
            ($results | Where-Object Path -like '*public.crt').Action | Should -Be 'Failed'
            $failed.Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId AcmeChallengeFailed Invoke-CertRenewal)
            @(Get-ChildItem -LiteralPath $webRoot -Recurse -File).Count | Should -Be 0
        }

        It 'refuses another challenge''s parameters with -Acme before anything is ordered' {
            { Invoke-CertRenewal -Path $Work -Acme $ShortAccount -Challenge TlsAlpn01 -WebRoot $Work -ErrorAction Stop } |
                Should -Throw -ErrorId (Get-PkiErrorId InvalidArgument Invoke-CertRenewal)
        }
    }

    Context 'external account binding' {
        BeforeAll {
            $script:EabPebble = Start-TestPebble -Folder (Join-Path $Work 'pebble-eab') -RequireEab
        }

        It 'refuses an account without the binding, creates one with it, and never shows the HMAC key' {
            $eabState = Join-Path $TestDrive 'eab-state'
            { New-AcmeAccount -Directory $EabPebble.DirectoryUrl -TrustedRoot $EabPebble.ListenerRootFile -AcceptTermsOfService -StatePath $eabState -ErrorAction Stop } |
                Should -Throw '*requires external account binding*'
            $credential = [pscredential]::new($EabPebble.EabKeyId, (ConvertTo-SecureString $EabPebble.EabHmacKey -AsPlainText -Force))
            $all = New-AcmeAccount -Directory $EabPebble.DirectoryUrl -TrustedRoot $EabPebble.ListenerRootFile -AcceptTermsOfService -StatePath $eabState -ExternalAccountBinding $credential -Verbose *>&1
            $account = $all | Where-Object { $_ -is [PkiTools.Core.Acme.StoredAcmeAccount] }
            $account.Url | Should -Not -BeNullOrEmpty
            $text = ($all | Out-String) + (Get-ChildItem -LiteralPath $account.Folder -Filter *.json | Get-Content -Raw)
            $text | Should -Not -Match ([regex]::Escape($EabPebble.EabHmacKey))
            $text | Should -Not -Match 'PRIVATE KEY'
            # A wrong HMAC key: the server's refusal, without the key in the error.
            $wrong = [pscredential]::new($EabPebble.EabKeyId, (ConvertTo-SecureString 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' -AsPlainText -Force))
            New-AcmeAccount -Directory $EabPebble.DirectoryUrl -TrustedRoot $EabPebble.ListenerRootFile -AcceptTermsOfService -StatePath (Join-Path $TestDrive 'eab-wrong') -ExternalAccountBinding $wrong -ErrorVariable refused -ErrorAction SilentlyContinue
            $refused.Count | Should -Be 1
            $refused[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId AcmeProblem New-AcmeAccount)
            ($refused[0] | Out-String) | Should -Not -Match 'AAAAAAAAAAAAAAAAAAAA'
        }
    }
}
