using System.Management.Automation;
using System.Security;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;

namespace PkiTools.Commands
{
    /// <summary>
    /// Export-PrivateKey: writes a key file (created owner-only before the first byte): PKCS#8, encrypted with -Password
    /// (PBES2 AES-256-CBC + PBKDF2-HMAC-SHA256, 600,000 iterations), or PKCS#1 / SEC1 for tools that want them.
    /// </summary>
    [Cmdlet(VerbsData.Export, "PrivateKey", SupportsShouldProcess = true)]
    [OutputType(typeof(PrivateKey))]
    public sealed class ExportPrivateKeyCommand : PkiCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public PrivateKey? Key { get; set; }

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter]
        public PrivateKeyFormat Format { get; set; } = PrivateKeyFormat.Pkcs8;

        /// <summary>Encrypts the key (PKCS#8 only).</summary>
        [Parameter]
        public SecureString? Password { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            Guard(() =>
            {
                string target = ResolveOutputPath(Path!);
                if (Passwords.With(Password, pw => WriteFiles(OutputPlan.KeyOnly(target, Key!, pw, Format), Force, "Write private key")) && PassThru)
                {
                    WriteObject(Key);
                }
            });
        }
    }
}
