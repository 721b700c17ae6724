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
