using System.Management.Automation;
using System.Security;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;

namespace PkiTools.Commands
{
    /// <summary>New-PrivateKey: generates a key with the platform's crypto and optionally writes it (PKCS#8 PEM, owner-only).</summary>
    [Cmdlet(VerbsCommon.New, "PrivateKey", SupportsShouldProcess = true)]
    [OutputType(typeof(PrivateKey))]
    public sealed class NewPrivateKeyCommand : PkiCmdlet
    {
        [Parameter(Position = 0)]
        [Alias("KeyAlgorithm")]
        public KeyAlgorithm Algorithm { get; set; } = KeyAlgorithm.EcdsaP256;

        /// <summary>The key file to write. Without it nothing is written.</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Writes the key file encrypted (PKCS#8, PBES2 AES-256-CBC, PBKDF2-HMAC-SHA256).</summary>
        [Parameter]
        public SecureString? Password { get; set; }

        protected override void ProcessRecord()
        {
            Guard(() =>
            {
                PrivateKey key = GenerateKey(Algorithm);
                WarnPasswordUnused(Password, Path != null, "without -Path no key file is written.");
                if (Path != null && !Passwords.With(Password, pw => WriteFiles(OutputPlan.KeyOnly(ResolveOutputPath(Path), key, pw), Force, "Write private key")))
                {
                    return;
                }
                WriteObject(key);
            });
        }
    }
}
