# Install-Cert, Uninstall-Cert, Get-InstalledCert: a sysadmin's trust chores, as scripts. The .NET CurrentUser stores
# live under $HOME, so this file gives the process a throw-away HOME before anything opens a store.
BeforeDiscovery {
    $script:NotLinux = -not $IsLinux
    $script:NoCertutil = $null -eq (Get-Command certutil -ErrorAction SilentlyContinue)
}

BeforeAll {
    $script:RealHome = $env:HOME
    $env:HOME = Join-Path $TestDrive 'home'
    New-Item -ItemType Directory -Path $env:HOME | Out-Null
    . "$PSScriptRoot/Common.ps1"
    Push-Location $TestDrive
    $script:Ca = New-Ca -Path ./ca -Subject 'CN=Pester Trust Root, O=PkiTools Tests'
}

AfterAll {
    Pop-Location
    $env:HOME = $RealHome
}

Describe 'Trusting a root for the current user' {
    It 'installs it, reads it back, and is idempotent' {
        $first = Import-Cert ./ca/ca.crt | Install-Cert -Store CurrentUser\Root -Confirm:$false
        $first.Action | Should -Be 'Installed'
        $first.Verified | Should -BeTrue
        $first.Location | Should -Be 'CurrentUser\Root'
        (Import-Cert ./ca/ca.crt | Install-Cert -Store CurrentUser\Root -Confirm:$false).Action | Should -Be 'AlreadyPresent'
        Join-Path $env:HOME '.dotnet/corefx/cryptography/x509stores/root' | Should -Exist -Because '.NET keeps CurrentUser stores under this (throw-away) HOME on Linux'
    } -Skip:$NotLinux

    It 'finds it by name and pipes it to Uninstall-Cert' {
        $found = @(Get-InstalledCert -Store CurrentUser\Root -DnsName 'Pester Trust*')
        $found.Count | Should -Be 1
        $found[0].Store | Should -Be 'CurrentUser\Root'
        $removed = $found | Uninstall-Cert -Store CurrentUser\Root -Confirm:$false
        $removed.Action | Should -Be 'Removed'
        $removed.Verified | Should -BeTrue
        @(Get-InstalledCert -Store CurrentUser\Root -DnsName 'Pester Trust*').Count | Should -Be 0
    }

    It 'says NotFound, without an error, for what is not there' {
        $result = Uninstall-Cert -Thumbprint $Ca.Certificate.Thumbprint -Store CurrentUser\Root -Confirm:$false -ErrorVariable problems
        $result.Action | Should -Be 'NotFound'
        $problems | Should -BeNullOrEmpty
    }
}

Describe 'A server certificate with its key in the personal store' {
    It 'keeps the key, and the expiry filter finds it' {
        $leaf = New-Csr -DnsName app.corp.example | Invoke-CaSign -Ca ./ca -ValidDays 5
        ($leaf | Install-Cert -Store CurrentUser\My -Confirm:$false).Verified | Should -BeTrue
        $mine = Get-InstalledCert -Store CurrentUser\My -DnsName app.corp.example
        $mine.HasPrivateKey | Should -BeTrue
        @(Get-InstalledCert -Store CurrentUser\My -ExpiringWithinDays 10 -Thumbprint $leaf.Thumbprint).Count | Should -Be 1
        @(Get-InstalledCert -Store CurrentUser\My -ExpiringWithinDays 1 -Thumbprint $leaf.Thumbprint).Count | Should -Be 0
        $expiring = @(Find-ExpiringCert -Store CurrentUser\My -WithinDays 10 | Where-Object Subject -eq $leaf.Subject)
        $expiring.Count | Should -Be 1
        $expiring[0].Source | Should -Be 'Store:CurrentUser\My'
        $expiring[0].DaysLeft | Should -BeLessOrEqual 5
        $expiring[0].Renewable | Should -BeFalse
        @(Find-ExpiringCert -Store CurrentUser\My -WithinDays 1 | Where-Object Subject -eq $leaf.Subject).Count | Should -Be 0
        ($mine | Uninstall-Cert -Store CurrentUser\My -Confirm:$false).Action | Should -Be 'Removed'
    }
}

Describe 'Before changing anything' {
    It '-WhatIf on the system store names the anchor file and the update command, and writes nothing' {
        $anchors = '/usr/local/share/ca-certificates'
        $before = @(Get-ChildItem $anchors -File | ForEach-Object Name)
        $out = Import-Cert ./ca/ca.crt | Install-Cert -Store System -WhatIf 6>&1 | Out-String
        $out | Should -BeNullOrEmpty -Because 'WhatIf output goes to the host, and no result is written'
        @(Get-ChildItem $anchors -File | ForEach-Object Name) | Should -Be $before
    } -Skip:(-not (Test-Path /usr/local/share/ca-certificates))

    It 'an unreachable store stops a script that asks to stop, with a stable error id' {
        { Import-Cert ./ca/ca.crt | Install-Cert -Store LocalMachine\CA -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-PkiErrorId StoreUnavailable Install-Cert)
    } -Skip:$NotLinux
}

Describe 'Trusting a root in every browser database of the user' {
    BeforeAll {
        function New-NssDatabase([string] $Folder) {
            New-Item -ItemType Directory -Path $Folder -Force | Out-Null
            certutil -N --empty-password -d "sql:$Folder" | Out-Null
            $Folder
        }
        $firefox = Join-Path $env:HOME '.mozilla/firefox'
        $snap = Join-Path $env:HOME 'snap/firefox/common/.mozilla/firefox'
        $script:Databases = @(
            New-NssDatabase (Join-Path $env:HOME '.pki/nssdb')
            New-NssDatabase (Join-Path $firefox 'k3x9.default-release')
            New-NssDatabase (Join-Path $snap 'q1w2.default')
        )
        Set-Content -LiteralPath (Join-Path $firefox 'profiles.ini') -Value "[Profile0]`nName=default-release`nIsRelative=1`nPath=k3x9.default-release`n"
        Set-Content -LiteralPath (Join-Path $snap 'profiles.ini') -Value "[Profile0]`nName=default`nIsRelative=1`nPath=q1w2.default`n"
    }

    It 'finds Chromium''s, Firefox''s and snap Firefox''s databases and trusts the root in each' {
        $results = @(Import-Cert ./ca/ca.crt | Install-Cert -Store Nss -Confirm:$false)
        $results.Count | Should -Be 3
        $results | ForEach-Object { $_.Action | Should -Be 'Installed'; $_.Verified | Should -BeTrue }
        @($results.Location | Sort-Object) | Should -Be @($Databases | Sort-Object)
        foreach ($db in $Databases) {
            (certutil -L -d "sql:$db" | Out-String) | Should -Match 'Pester Trust Root.*C,,'
        }
        @(Get-InstalledCert -Store Nss -Thumbprint $Ca.Certificate.Thumbprint).Count | Should -Be 3
    } -Skip:$NoCertutil

    It 'lists the root in one given database in the expiry inventory' {
        $found = @(Find-ExpiringCert -Store Nss -NssDatabase $Databases[0] | Where-Object Subject -eq $Ca.Certificate.Subject)
        $found.Count | Should -Be 1
        $found[0].Source | Should -BeLike "Store:Nss*$($Databases[0])*"
        $found[0].NotAfter | Should -Be $Ca.Certificate.NotAfter
    } -Skip:$NoCertutil

    It 'takes it out of each again' {
        $results = @(Import-Cert ./ca/ca.crt | Uninstall-Cert -Store Nss -Confirm:$false)
        $results.Action | Sort-Object -Unique | Should -Be 'Removed'
        foreach ($db in $Databases) { (certutil -L -d "sql:$db" | Out-String) | Should -Not -Match 'Pester Trust Root' }
    } -Skip:$NoCertutil
}
