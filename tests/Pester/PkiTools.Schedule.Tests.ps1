# Scheduling renewals: Register-CertRenewal, Get-CertRenewal and Unregister-CertRenewal as a user runs them, with a
# fake crontab on PATH and PKITOOLS_SCHEDULE_ROOT keeping every file in $TestDrive.
BeforeDiscovery {
    $script:NotUnix = -not ($IsLinux -or $IsMacOS)
}

BeforeAll {
    . "$PSScriptRoot/Common.ps1"
    $script:SavedPath = $env:PATH
    $Bin = Join-Path $TestDrive 'bin'
    $null = New-Item -ItemType Directory -Path $Bin
    # crontab -l / crontab - over a file, as the real one keeps the user's table.
    Set-Content -LiteralPath (Join-Path $Bin 'crontab') -Value @'
#!/bin/sh
case "$1" in
  -l) if [ -f "$FAKE_CRONTAB" ]; then cat "$FAKE_CRONTAB"; else echo "no crontab for $(id -un)" >&2; exit 1; fi ;;
  -) cat > "$FAKE_CRONTAB" ;;
  *) echo "fake crontab: unexpected $*" >&2; exit 2 ;;
esac
'@
    if (-not $IsWindows) { chmod 755 (Join-Path $Bin 'crontab') }
    $env:PATH = $Bin + [IO.Path]::PathSeparator + $env:PATH
    $env:FAKE_CRONTAB = Join-Path $TestDrive 'crontab.txt'
    $env:PKITOOLS_SCHEDULE_ROOT = Join-Path $TestDrive 'machine'
    $null = New-Item -ItemType Directory -Path $env:PKITOOLS_SCHEDULE_ROOT
    Set-Content -LiteralPath $env:FAKE_CRONTAB -Value "MAILTO=ops@corp.example`n5 4 * * * /usr/local/bin/backup" -NoNewline

    $Odd = Join-Path $TestDrive "it's a pki dir"
    $Ca = New-Ca -Path (Join-Path $Odd 'issuing') -Subject 'CN=Pester Schedule CA'
    $Tls = (New-Item -ItemType Directory -Path (Join-Path $Odd 'tls dir')).FullName
}

AfterAll {
    $env:PATH = $script:SavedPath
    Remove-Item Env:FAKE_CRONTAB, Env:PKITOOLS_SCHEDULE_ROOT -ErrorAction SilentlyContinue
}

Describe 'Register-CertRenewal -Scheduler Cron' -Skip:$NotUnix {
    It '-WhatIf changes nothing (the Module tests check what it prints)' {
        $before = Get-Content -LiteralPath $env:FAKE_CRONTAB -Raw
        $null = Register-CertRenewal -Name web -Path $Tls -Ca $Ca -At 03:30 -Scheduler Cron -WhatIf
        Get-Content -LiteralPath $env:FAKE_CRONTAB -Raw | Should -Be $before
        Get-ChildItem -LiteralPath $env:PKITOOLS_SCHEDULE_ROOT | Should -BeNullOrEmpty
        @(Get-CertRenewal).Count | Should -Be 0
    }

    It 'adds one marked entry and keeps the lines that were there' {
        $job = Register-CertRenewal -Name web -Path $Tls -Ca $Ca -At 03:30 -Scheduler Cron -PostHook 'echo reloaded' -WarningAction SilentlyContinue
        $job.Scheduler | Should -Be 'Cron'
        $job.Schedule | Should -Be 'daily 03:30, random delay up to 1h'
        Test-Path -LiteralPath $job.ScriptPath | Should -BeTrue
        $lines = Get-Content -LiteralPath $env:FAKE_CRONTAB
        $lines[0..1] | Should -Be 'MAILTO=ops@corp.example', '5 4 * * * /usr/local/bin/backup'
        $lines[2] | Should -Be '# pkitools-renew:web'
        $lines[3] | Should -Match '^30 3 \* \* \* sleep '
        $lines[3] | Should -BeLike "*$($job.ScriptPath)"
    }

    It 'registering again replaces the entry, never adds a second' {
        $null = Register-CertRenewal -Name web -Path $Tls -Ca $Ca -At 05:45 -Scheduler Cron -WarningAction SilentlyContinue
        $null = Register-CertRenewal -Name web -Path $Tls -Ca $Ca -At 05:45 -Scheduler Cron -WarningAction SilentlyContinue
        $lines = Get-Content -LiteralPath $env:FAKE_CRONTAB
        @($lines | Where-Object { $_ -eq '# pkitools-renew:web' }).Count | Should -Be 1
        @($lines | Where-Object { $_ -like '*web.ps1*' }).Count | Should -Be 1
        ($lines | Where-Object { $_ -like '*web.ps1*' }) | Should -Match '^45 5 '
        (Get-CertRenewal web).Schedule | Should -Be 'daily 05:45, random delay up to 1h'
    }

    It 'Get-CertRenewal shows the job, its paths, and that cron has it' {
        $job = Get-CertRenewal -Name 'w*'
        $job.Name | Should -Be 'web'
        $job.Paths | Should -Be @($Tls)
        $job.Ca | Should -Be $Ca.Path
        $job.Scheduled | Should -BeTrue
        $job.LastRun | Should -BeNullOrEmpty
        $job.NextRun | Should -BeOfType [datetime]
    }

    It 'the script runs with a stand-in Invoke-CertRenewal, and Get-CertRenewal reports the run' {
        $job = Get-CertRenewal web
        function global:Invoke-CertRenewal { param($Path, $Ca, $PostHook)
            [pscustomobject]@{ Path = (Join-Path $Path[0] 'www.crt'); Action = 'Renewed'; OldNotAfter = (Get-Date).AddDays(3); NewNotAfter = (Get-Date).AddDays(90); Message = $null }
        }
        try {
            $out = & $job.ScriptPath
            $LASTEXITCODE | Should -Be 0
        } finally {
            Remove-Item function:global:Invoke-CertRenewal
        }
        $out[-1] | Should -Be "pkitools renewal 'web': 1 renewed, 0 not due, 0 failed, 0 skipped; CRL current; Succeeded"
        $log = Get-Content -LiteralPath $job.LogPath | ForEach-Object { $_ | ConvertFrom-Json }
        $log[0].Kind | Should -Be 'Certificate'
        $log[0].Path | Should -Be (Join-Path $Tls 'www.crt')
        $log[-1].Outcome | Should -Be 'Succeeded'
        $after = Get-CertRenewal web
        $after.LastOutcome | Should -Be 'Succeeded'
        $after.LastRun | Should -BeGreaterThan (Get-Date).ToUniversalTime().AddMinutes(-5)
    }

    It 'the systemd credential wins over the password file when the service has it' {
        $pw = Join-Path $TestDrive 'ca.pw'
        Set-Content -LiteralPath $pw -Value 'not-used'
        $job = Register-CertRenewal -Name cred -Path $Tls -Ca $Ca -Scheduler Cron -CaPasswordFile $pw -WarningAction SilentlyContinue
        $creds = Join-Path $TestDrive 'creds'
        $null = New-Item -ItemType Directory -Path $creds
        Set-Content -LiteralPath (Join-Path $creds 'pkitools-ca-password') -Value 'x'
        function global:Invoke-CertRenewal { param($Path, $Ca, $CaPasswordFile, $CaPasswordCredential) $global:Seen = $PSBoundParameters; @() }
        try {
            $null = & $job.ScriptPath
            $global:Seen.ContainsKey('CaPasswordFile') | Should -BeTrue
            $env:CREDENTIALS_DIRECTORY = $creds
            $null = & $job.ScriptPath
            $global:Seen.CaPasswordCredential | Should -Be 'pkitools-ca-password'
            $global:Seen.ContainsKey('CaPasswordFile') | Should -BeFalse
        } finally {
            Remove-Item Env:CREDENTIALS_DIRECTORY -ErrorAction SilentlyContinue
            Remove-Item function:global:Invoke-CertRenewal
        }
    }

    It 'Unregister-CertRenewal removes the entry and the script, keeps the other lines and the log' {
        $job = Get-CertRenewal web
        Get-CertRenewal | Unregister-CertRenewal -Confirm:$false
        Get-Content -LiteralPath $env:FAKE_CRONTAB | Should -Be 'MAILTO=ops@corp.example', '5 4 * * * /usr/local/bin/backup'
        Test-Path -LiteralPath $job.ScriptPath | Should -BeFalse
        Test-Path -LiteralPath $job.LogPath | Should -BeTrue
        @(Get-CertRenewal).Count | Should -Be 0
    }

    It 'removing a job that is not there is a warning, not an error' {
        Unregister-CertRenewal -Name web -Confirm:$false -WarningVariable w -WarningAction SilentlyContinue -ErrorAction Stop
        $w | Should -Match "No renewal job named 'web'"
    }
}

Describe 'schedulers that cannot be used here' {
    It 'says so with SchedulerUnavailable and a sentence that helps' -TestCases @(
        @{ Scheduler = 'TaskScheduler'; Why = 'Task Scheduler exists on Windows only' }
        @{ Scheduler = 'Systemd'; Why = 'systemd is not the running service manager here' }
    ) -Skip:$NotUnix {
        { Register-CertRenewal -Name web -Path $Tls -Ca $Ca -Scheduler $Scheduler -ErrorAction Stop } |
            Should -Throw -ErrorId (Get-PkiErrorId -Id SchedulerUnavailable -Command Register-CertRenewal) -ExpectedMessage "*$Why*"
    }
}

Describe 'the scheduled job, run the way cron runs it' -Skip:$NotUnix {
    It 'renews with the real Invoke-CertRenewal, logs it and exits 0; with the CA key gone the next run exits non-zero' {
        $repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
        $site = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'live certs')).FullName
        New-Csr -DnsName due.corp.example | Invoke-CaSign -Ca $Ca -Path (Join-Path $site 'due') -ValidDays 10 | Out-Null
        $job = Register-CertRenewal -Name live -Path $site -Ca $Ca -RenewBeforeDays 30 -Scheduler Cron -WarningAction SilentlyContinue
        $before = (Import-Cert (Join-Path $site 'due.crt')).SerialNumber
        # A separate non-interactive pwsh, as cron starts it (dotnet pwsh: this checkout's pinned tool).
        Push-Location -LiteralPath $repo
        try { $out = & dotnet pwsh -NoProfile -NonInteractive -File $job.ScriptPath 2>&1 | Out-String; $code = $LASTEXITCODE } finally { Pop-Location }
        $code | Should -Be 0 -Because $out
        (Import-Cert (Join-Path $site 'due.crt')).SerialNumber | Should -Not -Be $before
        $log = @(Get-Content -LiteralPath $job.LogPath | ForEach-Object { $_ | ConvertFrom-Json })
        ($log | Where-Object Kind -eq 'Certificate').Action | Should -Be 'Renewed'
        (Get-CertRenewal live).LastOutcome | Should -Be 'Succeeded'

        # The CA key goes away (a 10-day certificate is due again under 30 days): the run fails and says so by its exit code.
        $key = Join-Path $Ca.Path 'private/ca.key'
        Move-Item -LiteralPath $key -Destination "$key.away"
        try {
            Push-Location -LiteralPath $repo
            try { $out = & dotnet pwsh -NoProfile -NonInteractive -File $job.ScriptPath 2>&1 | Out-String; $code = $LASTEXITCODE } finally { Pop-Location }
        } finally { Move-Item -LiteralPath "$key.away" -Destination $key }
        $code | Should -Not -Be 0 -Because $out
        (Get-CertRenewal live).LastOutcome | Should -Not -Be 'Succeeded'
        Unregister-CertRenewal -Name live -Confirm:$false
    }
}
