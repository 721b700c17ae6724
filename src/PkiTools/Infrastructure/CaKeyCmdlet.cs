using System;
using System.Management.Automation;
using System.Security;
using PkiTools.Core.Ca;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// CA cmdlets that sign with the CA key (New-Crl, Update-Crl, Invoke-CertRenewal): the key's password as a
    /// SecureString, an owner-only file, or a systemd credential, declared once.
    /// </summary>
    public abstract class CaKeyCmdlet : CaCmdlet
    {
        /// <summary>The password of the CA key file.</summary>
        [Parameter]
        public SecureString? CaPassword { get; set; }

        /// <summary>A file whose first line is the CA key's password; refused unless only its owner can read it.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CaPasswordFile { get; set; }

        /// <summary>The systemd credential holding the CA key's password (default: pkitools-ca-password, looked up when the key is encrypted and no password is given).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CaPasswordCredential { get; set; }

        /// <summary>Runs <paramref name="use"/> with the CA key's password from whichever source was given (null for an unencrypted key).</summary>
        protected T WithCaPassword<T>(CaDirectory ca, Func<char[]?, T> use)
        {
            string? file = CaPasswordFile == null ? null : ResolveOutputPath(CaPasswordFile);
            return Passwords.WithCaPassword(CaPassword, file, CaPasswordCredential, () => ca.KeyIsEncrypted, "-CaPassword", "-CaPasswordFile", use);
        }
    }
}
