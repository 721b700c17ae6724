using System;
using System.Management.Automation;
using System.Security;
using PkiTools.Core.Keys;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// The parameters of cmdlets that make something for a subject and a key (New-Csr, New-SelfSignedCert): the names,
    /// an existing key from the pipeline or a key algorithm to generate one, and the output files.
    /// </summary>
    public abstract class SubjectCmdlet : PkiCmdlet
    {
        protected const string GenerateKeySet = "GenerateKey";
        protected const string ExistingKeySet = "ExistingKey";

        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("DnsNameList")]
        public string[] DnsName { get; set; } = Array.Empty<string>();

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("IPAddresses")]
        public string[] IpAddress { get; set; } = Array.Empty<string>();

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? Subject { get; set; }

        [Parameter(ParameterSetName = GenerateKeySet)]
        public KeyAlgorithm KeyAlgorithm { get; set; } = KeyAlgorithm.EcdsaP256;

        [Parameter(ParameterSetName = ExistingKeySet, Mandatory = true, ValueFromPipeline = true)]
        public PrivateKey? Key { get; set; }

        /// <summary>File stem of the outputs (see each cmdlet).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Writes the key file encrypted (PKCS#8, PBES2 AES-256-CBC, PBKDF2-HMAC-SHA256).</summary>
        [Parameter]
        public SecureString? Password { get; set; }

        /// <summary>
        /// How an RSA key signs: RsaPkcs1 (PKCS#1 v1.5) or RsaPss (RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt).
        /// Default: RsaPkcs1 for an RSA key, RsaPss for an RSA-PSS key. Other keys refuse it (SignatureAlgorithmMismatch).
        /// </summary>
        [Parameter]
        public SignatureScheme SignatureAlgorithm { get; set; }

        /// <summary>-SignatureAlgorithm when given, else null.</summary>
        protected SignatureScheme? Scheme => Templates.Scheme(this, SignatureAlgorithm);

        /// <summary>True when the key was generated here (and so belongs in the output files).</summary>
        protected bool KeyGenerated => Key == null;

        /// <summary>The key from -Key, or a new one of -KeyAlgorithm.</summary>
        protected PrivateKey SubjectKey() => Key ?? GenerateKey(KeyAlgorithm);
    }
}
