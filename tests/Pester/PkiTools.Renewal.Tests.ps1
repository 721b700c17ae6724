# Invoke-CertRenewal: the scheduled job's work, as a sysadmin scripts it.
BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    Push-Location $TestDrive
    $script:Ca = New-Ca -Path ./ca -Subject 'CN=Pester Renewal CA'
    New-Item -ItemType Directory ./tls | Out-Null
    New-Csr -DnsName soon.corp.example | Invoke-CaSign -Ca $Ca -Path ./tls/soon -ValidDays 9 | Out-Null
    New-Csr -DnsName later.corp.example | Invoke-CaSign -Ca $Ca -Path ./tls/later -ValidDays 90 | Out-Null
}

AfterAll { Pop-Location }

Describe 'Renewing what is due' {
    It '-WhatIf names the certificate that would be renewed and changes nothing' {
        $before = Get-FileHash ./tls/soon.crt
        $results = Invoke-CertRenewal -Path ./tls -Ca ./ca -RenewBeforeDays 10 -WhatIf
        ($results | Where-Object Action -eq 'Skipped').Message | Should -Match '\d+ days left, under 10'
        (Get-FileHash ./tls/soon.crt).Hash | Should -Be $before.Hash
    }

    It 'renews only the due one, runs the deploy hook for it and the post hook once' {
        $results = Invoke-CertRenewal -Path ./tls -Ca ./ca -RenewBeforeDays 10 -Confirm:$false `
            -DeployHook { Add-Content ./deployed.txt $env:RENEWED_DOMAINS } -PostHook { Add-Content ./reloaded.txt 'reload' }
        ($results | Where-Object Action -eq 'Renewed').Path | Should -Be (Join-Path $TestDrive 'tls/soon.crt')
        ($results | Where-Object Action -eq 'NotDue').Path | Should -Be (Join-Path $TestDrive 'tls/later.crt')
        Get-Content ./deployed.txt | Should -Be 'soon.corp.example'
        Get-Content ./reloaded.txt | Should -Be 'reload'
        (Import-Cert ./tls/soon.crt).NotAfter | Should -BeGreaterThan (Get-Date).AddDays(8)
        Test-CertChain -Path ./tls/soon.crt -TrustedRoot ./ca/ca.crt -Quiet | Should -BeTrue
    }

    It 'renews nothing on the next run, and keeps the previous set as a backup' {
        @(Invoke-CertRenewal -Path ./tls -Ca ./ca | Where-Object Action -eq 'Renewed').Count | Should -Be 0
        @(Get-ChildItem ./tls/.pkitools-backup/soon.crt -Directory).Count | Should -Be 1
        Get-ChildItem ./tls/.pkitools-backup/soon.crt -Recurse -File | ForEach-Object Name | Sort-Object | Should -Be @('soon.crt', 'soon.key')
    }

    It 'stops a script that asks to stop when a file is missing' {
        { Invoke-CertRenewal -Path ./tls/missing.crt -Ca ./ca -ErrorAction Stop } | Should -Throw
    }
}

Describe 'One run over an inventory of 1,000 certificate files from two CAs' {
    BeforeAll {
        # The fixture is made through the core library because its certificates (and so their CAs) must have started in
        # the past: 90-day certificates, 100 of them 70 days old (20 days left: under a third, due), 900 of them 10 days old.
        $script:Inventory = Join-Path $TestDrive 'inventory'
        New-Item -ItemType Directory $Inventory | Out-Null
        $now = [DateTimeOffset]::UtcNow
        $script:InventoryCas = foreach ($n in 1, 2) {
            [PkiTools.Core.Ca.CaDirectory]::Create((Join-Path $TestDrive "inventory-ca$n"), "CN=Inventory CA $n", 'EcdsaP256', 10, $null, $null, $null, $null, $null, $now.AddDays(-200))
        }
        $issuers = foreach ($ca in $InventoryCas) {
            [PkiTools.Core.X509.CertificateIssuer]::new($ca.Certificate, [PkiTools.Core.Keys.PrivateKey]::Import([IO.File]::ReadAllBytes($ca.KeyPath)), $null, $null)
        }
        $key = [PkiTools.Core.Keys.PrivateKey]::Generate('EcdsaP256')
        $keyPem = $key.ExportPem()
        $script:Due = [System.Collections.Generic.List[string]]::new()
        for ($i = 0; $i -lt 1000; $i++) {
            $name = 'host{0:D4}.example' -f $i
            $soon = $i % 10 -eq 3
            $start = $now.AddDays($(if ($soon) { -70 } else { -10 }))
            $template = [PkiTools.Core.X509.CertificateTemplate]@{ Subject = "CN=$name"; DnsNames = [string[]]@($name); NotBefore = $start; NotAfter = $start.AddDays(90) }
            [IO.File]::WriteAllText("$Inventory/$name.crt", $issuers[$i % 2].Issue($key, $template).Pem)
            [IO.File]::WriteAllText("$Inventory/$name.key", $keyPem)
            if ($soon) { $Due.Add("$Inventory/$name.crt") }
        }
        $script:Posix = -not $IsWindows
        $script:Root = $Posix -and (& id -u) -eq '0'
        if ($Posix) { & chmod 600 (Get-ChildItem $Inventory -Filter *.key).FullName }
        # One key belongs to a service's user and group: the renewed key must too.
        if ($Root) { & chown 1234:4321 "$Inventory/host0003.example.key" }
    }

    It 'renews exactly the 100 that are due, in one Invoke-CertRenewal' {
        $results = Invoke-CertRenewal -Path $Inventory -Ca $InventoryCas -Confirm:$false
        $results.Count | Should -Be 1000
        ($results | Where-Object Action -eq 'Renewed').Path | Sort-Object | Should -Be ($Due | Sort-Object)
        @($results | Where-Object Action -eq 'NotDue').Count | Should -Be 900
    }

    It 'every renewed certificate validates against its own CA with Test-CertChain, and matches its new key' {
        foreach ($crt in $Due) {
            $cert = Import-Cert $crt
            $cert.NotAfter | Should -BeGreaterThan (Get-Date).AddDays(89) -Because $crt
            $ca = $InventoryCas | Where-Object Subject -eq $cert.Issuer
            Test-CertChain -Path $crt -TrustedRoot $ca.Certificate -Quiet | Should -BeTrue -Because $crt
            $key = Import-PrivateKey ($crt -replace '\.crt$', '.key')
            [PkiTools.Core.X509.CertificateFacts]::KeyMatches($cert, $key) | Should -BeTrue -Because $crt
        }
    }

    It 'every key file keeps mode 0600, and the handed-over one its owner and group' -Skip:$IsWindows {
        Get-ChildItem $Inventory -Filter *.key | ForEach-Object { Get-UnixPermission $_.FullName | Should -Be '600' -Because $_.Name }
        if ($Root) { & stat -c '%u:%g' "$Inventory/host0003.example.key" | Should -Be '1234:4321' }
    }

    It 'renews nothing on the next run' {
        @(Invoke-CertRenewal -Path $Inventory -Ca $InventoryCas -Confirm:$false | Where-Object Action -ne 'NotDue').Count | Should -Be 0
    }
}
