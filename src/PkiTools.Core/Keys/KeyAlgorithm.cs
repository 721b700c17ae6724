namespace PkiTools.Core.Keys
{
    /// <summary>The key algorithms PkiTools generates. The names are part of the cmdlet contract (-KeyAlgorithm, -Algorithm).</summary>
    public enum KeyAlgorithm
    {
        Rsa2048,
        Rsa3072,
        Rsa4096,
        EcdsaP256,
        EcdsaP384,
        EcdsaP521,
        Ed25519,
    }

    /// <summary>
    /// How an RSA key signs (-SignatureAlgorithm). The names are part of the cmdlet contract. Without a choice an RSA key
    /// signs with PKCS#1 v1.5, an RSA-PSS key with RSASSA-PSS; ECDSA and Ed25519 keys have one algorithm each.
    /// </summary>
    public enum SignatureScheme
    {
        /// <summary>RSASSA-PKCS1-v1_5 (sha256WithRSAEncryption ...).</summary>
        RsaPkcs1,

        /// <summary>RSASSA-PSS (RFC 4055): MGF1 with the same hash, a salt as long as the hash, parameters written out.</summary>
        RsaPss,
    }

    /// <summary>The family of a key.</summary>
    public enum KeyType
    {
        Rsa,
        Ecdsa,
        Ed25519,
    }

    /// <summary>Private key file formats (-Format of Export-PrivateKey).</summary>
    public enum PrivateKeyFormat
    {
        /// <summary>PKCS#8, any key type, optionally encrypted.</summary>
        Pkcs8,

        /// <summary>PKCS#1 "RSA PRIVATE KEY" (RSA only).</summary>
        Pkcs1,

        /// <summary>SEC1 "EC PRIVATE KEY" (ECDSA only).</summary>
        Sec1,
    }

    /// <summary>How a key file is encoded: its format, PEM or DER, and whether it is encrypted.</summary>
    public sealed class PrivateKeyEncoding
    {
        public PrivateKeyEncoding(PrivateKeyFormat format, bool pem, bool encrypted)
        {
            Format = format;
            Pem = pem;
            Encrypted = encrypted;
        }

        /// <summary>PKCS#8, PKCS#1 or SEC1 (the obsolete OpenSSL-encrypted PEM counts as PKCS#1).</summary>
        public PrivateKeyFormat Format { get; }

        /// <summary>PEM text rather than DER bytes.</summary>
        public bool Pem { get; }

        /// <summary>Protected by a password.</summary>
        public bool Encrypted { get; }
    }
}
