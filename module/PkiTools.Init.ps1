# Run by Import-Module PkiTools (ScriptsToProcess), in the importer's session.
# PowerShell's built-in X509Certificate2 table view (Thumbprint, Subject, EnhancedKeyUsageList) is loaded before any
# module's FormatsToProcess, and the first view loaded for a type is its default. Prepending our certificate view makes
# it the default for every X509Certificate2 in the session: NotAfter, DaysLeft, Thumbprint, Subject, DnsNames.
$pkiToolsCertificateView = Join-Path $PSScriptRoot 'PkiTools.Certificate.Format.ps1xml'
if (-not (Get-FormatData -TypeName System.Security.Cryptography.X509Certificates.X509Certificate2 -ErrorAction Ignore |
        Where-Object { $_.FormatViewDefinition.Name -contains 'PkiTools.X509Certificate2' })) {
    Microsoft.PowerShell.Utility\Update-FormatData -PrependPath $pkiToolsCertificateView
}
Remove-Variable -Name pkiToolsCertificateView -ErrorAction Ignore
