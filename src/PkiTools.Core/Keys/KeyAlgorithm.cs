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

    /// <summary>The family of a key.</summary>
    public enum KeyType
    {
        Rsa,
        Ecdsa,
        Ed25519,
    }
}
