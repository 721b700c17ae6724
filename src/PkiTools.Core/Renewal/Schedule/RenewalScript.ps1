# Renewal job, written by Register-CertRenewal (PkiTools) with the job's values above. Register the job again to change it.
# Run by the scheduler; safe to run by hand. Exit code 0: nothing failed; 1: a certificate, a hook or the CRL failed.
$ErrorActionPreference = 'Continue'
$Renew = @{ Path = $Paths; Ca = $Ca; ErrorAction = 'Continue' }
if ($null -ne $RenewBeforeDays) { $Renew.RenewBeforeDays = $RenewBeforeDays }
if ($null -ne $DeployHook) { $Renew.DeployHook = $DeployHook }
if ($null -ne $PostHook) { $Renew.PostHook = $PostHook }
# Update-Crl after the renewals, so the CA's CRL never lapses.
$Crl = @{ Ca = $Ca; RenewBeforeDays = 7; ErrorAction = 'Continue' }
# The CA key password: systemd's credential when the service has one (LoadCredential=), else the password file, else
# a credential named at registration; never the password itself.
$FromSystemd = $env:CREDENTIALS_DIRECTORY -and (Test-Path -LiteralPath (Join-Path $env:CREDENTIALS_DIRECTORY $Credential))
if ($FromSystemd) { $Renew.CaPasswordCredential = $Credential; $Crl.CaPasswordCredential = $Credential }
elseif ($PasswordFile) { $Renew.CaPasswordFile = $PasswordFile; $Crl.CaPasswordFile = $PasswordFile }
elseif ($CredentialNamed) { $Renew.CaPasswordCredential = $Credential; $Crl.CaPasswordCredential = $Credential }

$Failures = [System.Collections.Generic.List[string]]::new()
$Lines = [System.Collections.Generic.List[string]]::new()
$Started = [DateTime]::UtcNow
function Add-LogLine([System.Collections.IDictionary] $Entry) {
    $line = [ordered]@{ Time = [DateTime]::UtcNow.ToString('o'); Job = $JobName }
    foreach ($key in $Entry.Keys) { $line[$key] = $Entry[$key] }
    $Lines.Add((ConvertTo-Json -InputObject ([pscustomobject]$line) -Compress -Depth 3))
}
function Add-Failure([string] $Step, $Record) {
    $id = if ($Record -is [System.Management.Automation.ErrorRecord]) { ([string]$Record.FullyQualifiedErrorId -split ',')[0] } else { $null }
    $Failures.Add("${Step}: $Record")
    Add-LogLine ([ordered]@{ Kind = 'Error'; Step = $Step; ErrorId = $id; Message = [string]$Record })
}
function Format-Date($Value) { if ($null -eq $Value) { $null } else { ([DateTime]$Value).ToUniversalTime().ToString('o') } }

$Results = @()
try {
    Import-Module -Name $ModuleManifest -ErrorAction Stop
    $Results = @(Invoke-CertRenewal @Renew -ErrorVariable RenewErrors)
    foreach ($e in $RenewErrors) { Add-Failure 'Invoke-CertRenewal' $e }
} catch {
    Add-Failure 'Invoke-CertRenewal' $_
}
$Counts = [ordered]@{ Renewed = 0; NotDue = 0; Failed = 0; Skipped = 0 }
foreach ($r in $Results) {
    $action = [string]$r.Action
    if ($Counts.Contains($action)) { $Counts[$action]++ }
    Add-LogLine ([ordered]@{ Kind = 'Certificate'; Path = [string]$r.Path; Action = $action; OldNotAfter = (Format-Date $r.OldNotAfter); NewNotAfter = (Format-Date $r.NewNotAfter); Message = [string]$r.Message })
}
$CrlText = 'CRL current'
try {
    $crlResult = @(Update-Crl @Crl -ErrorVariable CrlErrors)
    foreach ($e in $CrlErrors) { Add-Failure 'Update-Crl' $e }
    if ($crlResult.Count -gt 0) { $CrlText = 'CRL re-signed'; Add-LogLine ([ordered]@{ Kind = 'Crl'; Action = 'Renewed'; NextUpdate = (Format-Date $crlResult[0].NextUpdate) }) }
    if ($CrlErrors.Count -gt 0) { $CrlText = 'CRL failed' }
} catch {
    Add-Failure 'Update-Crl' $_
    $CrlText = 'CRL failed'
}
$Outcome = if ($Failures.Count -gt 0 -or $Counts.Failed -gt 0) { 'Failed' } else { 'Succeeded' }
$Summary = "pkitools renewal '$JobName': $($Counts.Renewed) renewed, $($Counts.NotDue) not due, $($Counts.Failed) failed, $($Counts.Skipped) skipped; $CrlText; $Outcome"
Add-LogLine ([ordered]@{ Kind = 'Run'; Outcome = $Outcome; Summary = $Summary })

foreach ($folder in (Split-Path -Parent $LogFile), (Split-Path -Parent $StateFile)) {
    if (-not (Test-Path -LiteralPath $folder)) { $null = New-Item -ItemType Directory -Path $folder -Force }
}
[System.IO.File]::AppendAllText($LogFile, (($Lines -join "`n") + "`n"), [System.Text.UTF8Encoding]::new($false))
$State = [ordered]@{ Job = $JobName; LastRun = $Started.ToString('o'); LastOutcome = $Outcome; Renewed = $Counts.Renewed; NotDue = $Counts.NotDue; Failed = $Counts.Failed; Skipped = $Counts.Skipped; Summary = $Summary }
$temp = "$StateFile.$PID.tmp"
[System.IO.File]::WriteAllText($temp, (ConvertTo-Json -InputObject ([pscustomobject]$State)), [System.Text.UTF8Encoding]::new($false))
Move-Item -LiteralPath $temp -Destination $StateFile -Force

foreach ($r in $Results | Where-Object { [string]$_.Action -in 'Renewed', 'Failed' }) { Write-Output "  $($r.Action) $($r.Path)$(if ($r.Message) { ": $($r.Message)" })" }
foreach ($f in $Failures) { Write-Output "  failed: $f" }
Write-Output $Summary
exit ([int]($Outcome -eq 'Failed'))
