# Shared setup of the CA Pester files (PkiTools.NewCa/CaSign/Revocation/CaBadInput.Tests.ps1). Dot-source it from
# BeforeAll after Common.ps1:
#     BeforeAll { . "$PSScriptRoot/Common.ps1"; . "$PSScriptRoot/CaCommon.ps1" }


$Secret = 'ca-Pa55word'
$Pw = ConvertTo-SecureString -String $Secret -AsPlainText -Force
$Wrong = ConvertTo-SecureString -String 'not-the-password' -AsPlainText -Force

function New-TestFolder {
    $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $dir
    $dir
}

# A path for a new CA folder (not created: New-Ca creates it).
function New-CaPath {
    param([string] $Name = 'ca')
    Join-Path (New-TestFolder) $Name
}

# The certificates of a PEM file, in order, as X509Certificate2 objects.
function Read-PemCertificate {
    param([Parameter(Mandatory)][string] $LiteralPath)
    $text = [System.IO.File]::ReadAllText($LiteralPath)
    foreach ($m in [regex]::Matches($text, '-----BEGIN CERTIFICATE-----(?<b64>[^-]+)-----END CERTIFICATE-----')) {
        $der = [Convert]::FromBase64String(($m.Groups['b64'].Value -replace '\s', ''))
        [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($der)
    }
}

# The extension of a certificate with this OID, or $null.
function Get-Extension {
    param([Parameter(Mandatory)] $Certificate, [Parameter(Mandatory)][string] $Oid)
    $Certificate.Extensions | Where-Object { $_.Oid.Value -eq $Oid }
}

# The bytes of a file as one string, to compare a file before and after (an empty file is '').
function Get-FileStamp {
    param([Parameter(Mandatory)][string] $LiteralPath)
    [Convert]::ToBase64String([System.IO.File]::ReadAllBytes($LiteralPath))
}

# The lines of the ledger.
function Get-LedgerLine {
    param([Parameter(Mandatory)][string] $CaPath)
    @([System.IO.File]::ReadAllLines((Join-Path $CaPath 'index.txt')) | Where-Object { $_ })
}

# Files and folders New-Ca writes.
$CaFiles = 'ca.crt', 'crlnumber', 'index.txt', 'index.txt.attr', 'openssl.cnf', 'policy.json', 'serial'
