@{
    RootModule           = 'bin/PkiTools.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Desktop', 'Core')
    GUID                 = '5e1b7c3a-8f0d-4f6e-9a51-2c4d7e9b0a13'
    Author               = 'PkiTools maintainers'
    CompanyName          = 'PkiTools'
    Copyright            = '(c) PkiTools maintainers. MIT licence.'
    Description          = 'Run a small PKI from PowerShell: keys, CSRs, self-signed and CA-signed certificates, and chain validation, on Windows, Linux and macOS.'
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    # Imported before RootModule: on PowerShell 7 it loads the ReadyToRun PkiTools.Core and BouncyCastle (bin/net10.0-<rid>/).
    NestedModules        = @('bin/PkiTools.Loader.dll')
    FormatsToProcess     = @('module/PkiTools.Format.ps1xml')
    TypesToProcess       = @('module/PkiTools.Types.ps1xml')
    CmdletsToExport      = @(
        'New-PrivateKey'
        'New-SelfSignedCert'
        'New-Csr'
        'Invoke-CaSign'
        'Test-CertChain'
        'Import-PrivateKey'
        'Export-PrivateKey'
        'Import-Cert'
        'Export-Cert'
        'New-Ca'
        'Get-Ca'
        'Move-CaLedger'
        'Export-CaLedger'
        'Get-IssuedCert'
        'Revoke-Cert'
        'New-Crl'
        'Update-Crl'
        'Get-CertDetail'
        'Import-Csr'
        'Import-Crl'
        'Install-Cert'
        'Uninstall-Cert'
        'Get-InstalledCert'
        'Get-TlsCert'
        'Test-TlsEndpoint'
        'Invoke-CertRenewal'
        'Find-ExpiringCert'
        'Export-CertMetric'
        'Register-CertRenewal'
        'Unregister-CertRenewal'
        'Get-CertRenewal'
        'New-AcmeAccount'
        'Get-AcmeAccount'
        'Request-AcmeCert'
        'Revoke-AcmeCert'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('PKI', 'X509', 'Certificate', 'CSR', 'CA', 'TLS', 'OpenSSL', 'Linux', 'Windows', 'macOS')
            LicenseUri = 'https://github.com/pkitools/PkiTools/blob/main/LICENSE'
            ProjectUri = 'https://github.com/pkitools/PkiTools'
        }
    }
}
