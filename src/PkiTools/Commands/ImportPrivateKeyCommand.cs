using System.Management.Automation;
using System.Security;
using PkiTools.Core;
using PkiTools.Commands.Infrastructure;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;

namespace PkiTools.Commands
{
    /// <summary>
    /// Import-PrivateKey: reads a private key file: PKCS#8 (plain or encrypted), PKCS#1 RSA, SEC1 EC or Ed25519, PEM or
    /// DER, as OpenSSL, Windows and Java write them, or the key of a PFX; each key is checked for consistency first.
    /// </summary>
    [Cmdlet(VerbsData.Import, "PrivateKey", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(PrivateKey))]
    public sealed class ImportPrivateKeyCommand : FileInputCmdlet
    {
        /// <summary>Key files (wildcards expanded); paths also bind from the pipeline, as strings or by property name.</summary>
        [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public override string[]? Path { get; set; }

        /// <summary>The password of an encrypted key or PFX.</summary>
        [Parameter]
        public SecureString? Password { get; set; }

        protected override void ProcessRecord()
        {
            ForEachFile((file, data) =>
            {
                PrivateKey key = Passwords.With(Password, pw => PrivateKey.Import(data, pw));
                WriteVerbose($"Read {Words.A(key.Algorithm.ToString())} key, key id {key.KeyId}, from {file}.");
                WriteObject(key);
            });
        }
    }
}
