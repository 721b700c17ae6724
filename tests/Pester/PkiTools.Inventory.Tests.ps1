# Find-ExpiringCert and Export-CertMetric: an admin's scenarios (a folder of deployed certificates, a CA, a metrics file).
BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    Push-Location $TestDrive
    New-Item -ItemType Directory -Path ./srv/web, ./srv/mail/old, ./metrics | Out-Null
    $script:Root = New-SelfSignedCert -Subject 'CN=Inventory Pester Root' -Profile RootCa -Path ./root
    New-Csr -DnsName web.example -Path ./srv/web/web | Invoke-CaSign -Issuer $Root -ValidDays 20 -Path ./srv/web/web | Out-Null
    New-Csr -DnsName mail.example -Path ./srv/mail/mail | Invoke-CaSign -Issuer $Root -ValidDays 200 -Path ./srv/mail/mail | Out-Null
    # A certificate deployed without its key, and a PFX locked with a password.
    $old = New-Csr -DnsName old.example | Invoke-CaSign -Issuer $Root -ValidDays 5
    $old | Export-Cert -Path ./srv/mail/old/old.cer -Format Der
    $locked = ConvertTo-SecureString 'pfx-password' -AsPlainText -Force
    Import-Cert ./srv/web/web.crt | Export-Cert -Path ./srv/web/web.pfx -Format Pfx -Password $locked
}

AfterAll {
    Pop-Location
}

Describe 'Find-ExpiringCert' {
    It 'lists what expires within 30 days under a tree, soonest first, and says which it can renew' {
        $found = Find-ExpiringCert -Path ./srv -Recurse -WithinDays 30 -ErrorAction SilentlyContinue -ErrorVariable problems | Sort-Object DaysLeft
        $found.Subject | Should -Be @('CN=old.example', 'CN=web.example')
        $found[0].Renewable | Should -BeFalse
        $found[0].NotRenewableReason | Should -Be 'no key file beside it'
        $found[1].Renewable | Should -BeTrue
        $found[1].KeyPath | Should -Be (Join-Path $TestDrive 'srv/web/web.key')
        # The PFX with a password is one error naming it; the scan went on.
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be (Get-PkiErrorId PasswordRequired Find-ExpiringCert)
        $problems[0].TargetObject | Should -Be (Join-Path $TestDrive 'srv/web/web.pfx')
    }

    It 'takes files from Get-ChildItem and shows a table' {
        $table = Get-ChildItem ./srv -Recurse -Filter *.crt | Find-ExpiringCert | Format-Table | Out-String -Width 200
        $table | Should -Match 'SourceKind\s+DaysLeft\s+NotAfter\s+Subject\s+Source\s+Renewable'
        $table | Should -Match 'mail\.example'
    }

    It 'lists the valid certificates of a CA ledger beside the files' {
        New-Ca -Path ./ca -Subject 'CN=Inventory Pester CA' | Out-Null
        New-Csr -DnsName api.example | Invoke-CaSign -Ca ./ca -ValidDays 15 | Out-Null
        $found = Find-ExpiringCert -Ca ./ca -Path ./srv/web/web.crt
        ($found | Where-Object SourceKind -eq 'Ledger').Subject | Should -Be 'CN=api.example'
        ($found | Where-Object SourceKind -eq 'File').Subject | Should -Be 'CN=web.example'
    }
}

Describe 'Export-CertMetric' {
    It 'writes a Prometheus textfile that node_exporter can read, mode 0644' {
        Find-ExpiringCert -Path ./srv -Recurse -ErrorAction SilentlyContinue | Export-CertMetric -Path ./metrics/certs.prom
        $lines = Get-Content ./metrics/certs.prom
        $lines | Should -Contain '# TYPE pkitools_certificate_expiry_seconds gauge'
        $lines | Should -Contain '# TYPE pkitools_certificate_days_left gauge'
        @($lines | Where-Object { $_ -like 'pkitools_certificate_days_left{*' }).Count | Should -Be 3
        $web = $lines | Where-Object { $_ -like 'pkitools_certificate_expiry_seconds{*dns="web.example"*' }
        $notAfter = (Import-Cert ./srv/web/web.crt).NotAfter.ToUniversalTime()
        [long]($web -split ' ')[-1] | Should -Be ([DateTimeOffset]::new($notAfter, [TimeSpan]::Zero).ToUnixTimeSeconds())
        if ($IsLinux -or $IsMacOS) { Get-UnixPermission -LiteralPath ./metrics/certs.prom | Should -Be '644' }
        if (Get-Command promtool -ErrorAction SilentlyContinue) {
            Get-Content -Raw ./metrics/certs.prom | promtool check metrics
            $LASTEXITCODE | Should -Be 0
        }
    }
}
