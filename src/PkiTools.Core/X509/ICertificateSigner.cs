using System;
using PkiTools.Core.Keys;

namespace PkiTools.Core.X509
{
    /// <summary>
    /// The seam between structure building and signing: any key that can sign (a platform RSA/ECDsa, a Windows store
    /// key, an HSM later) plugs in here.
    /// </summary>
    public interface ICertificateSigner
    {
        /// <summary>DER AlgorithmIdentifier of the signatures this signer produces.</summary>
        byte[] SignatureAlgorithm { get; }

        /// <summary>DER SubjectPublicKeyInfo of the signing key; the result is verified against it.</summary>
        byte[] PublicKey { get; }

        /// <summary>Signs the bytes (a DER TBSCertificate, CertificationRequestInfo or TBSCertList).</summary>
        byte[] Sign(byte[] data);
    }

    /// <summary>Signs with a <see cref="PrivateKey"/>.</summary>
    internal sealed class KeySigner : ICertificateSigner
    {
        private readonly PrivateKey _key;
        private readonly SignatureAlgorithm _algorithm;

        public KeySigner(PrivateKey key, System.Security.Cryptography.HashAlgorithmName? hash, SignatureScheme? scheme = null)
        {
            _key = key;
            _algorithm = key.DefaultSignatureAlgorithm(hash, scheme);
        }

        public byte[] SignatureAlgorithm => _algorithm.IdentifierDer;

        internal PrivateKey Key => _key;

        public byte[] PublicKey => _key.SubjectPublicKeyInfo;

        public byte[] Sign(byte[] data) => _key.Sign(data, _algorithm);
    }
}
