using System;
using System.IO;
using PkiTools.Core.Formats;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Core.Ca
{
    /// <summary>
    /// The CA's private key: read from the key file at the first signature (a wrong password, a missing file or a key
    /// that does not belong to the certificate is said in the CA's words), then kept for the CA object's lifetime.
    /// </summary>
    internal sealed class CaSigningKey
    {
        private readonly CaDirectory _ca;
        private readonly object _gate = new object();
        private CertificateIssuer? _issuer;
        private PrivateKey? _key;

        public CaSigningKey(CaDirectory ca) => _ca = ca;

        /// <summary>The CA key as a signer, read (and checked against the certificate) at first use.</summary>
        /// <remarks><paramref name="scheme"/>: how an RSA key signs (null: the policy's signatureAlgorithm, else the key's default).</remarks>
        public ICertificateSigner Signer(char[]? password, SignatureScheme? scheme = null)
        {
            Issuer(password);
            return new KeySigner(_key!, null, scheme ?? _ca.Policy.SignatureAlgorithm);
        }

        /// <summary>The CA key as an issuer, read from the key file (and checked against the certificate) at first use.</summary>
        public CertificateIssuer Issuer(char[]? password)
        {
            lock (_gate)
            {
                if (_issuer != null) return _issuer;
                PrivateKey key;
                if (!File.Exists(_ca.KeyPath))
                {
                    throw new PkiException(PkiErrorCode.IssuerKeyMissing,
                        $"The CA key '{_ca.KeyPath}' is missing, so this CA cannot sign (certificates or CRLs). Restore the key file (or copy it back from offline storage) and try again.", null, _ca.KeyPath);
                }
                try
                {
                    key = PrivateKey.Import(CertificateReader.ReadFile(_ca.KeyPath), password);
                }
                catch (PkiException ex) when (ex.Target == null)
                {
                    // The key's own hint names Password, which the CA cmdlets call CaPassword (ParentPassword in New-Ca).
                    (string reason, PkiHint? hint) = ex.Code switch
                    {
                        PkiErrorCode.PasswordRequired => ($"The CA key '{_ca.KeyPath}' is encrypted.",
                            new PkiHint($"Give its password with {{0}} or {{1}} (an owner-only file), or as the systemd credential '{PasswordFile.DefaultCredentialName}' (LoadCredential=, or another name with {{2}}); for the parent ({{3}}) of a new sub-CA, {{4}} or {{5}}.",
                                "CaPassword", "CaPasswordFile", "CaPasswordCredential", "Parent", "ParentPassword", "ParentPasswordFile")),
                        PkiErrorCode.PasswordIncorrect => ($"The password of the CA key '{_ca.KeyPath}' is incorrect (or the file is corrupt).",
                            new PkiHint("Check {0}, {1} or the systemd credential ({2} or {3} for the parent ({4}) of a new sub-CA).", "CaPassword", "CaPasswordFile", "ParentPassword", "ParentPasswordFile", "Parent")),
                        _ => ($"The CA key '{_ca.KeyPath}': {ex.Reason}", ex.Hint),
                    };
                    throw new PkiException(ex.Code, reason, ex, _ca.KeyPath, hint);
                }
                return UseKey(key);
            }
        }

        /// <summary>Uses a key already in memory (New-Ca's first CRL), checked against the certificate.</summary>
        public CertificateIssuer UseKey(PrivateKey key)
        {
            lock (_gate)
            {
                if (!CertificateFacts.KeyMatches(_ca.Certificate, key))
                {
                    throw new PkiException(PkiErrorCode.KeyMismatch, $"The CA key '{_ca.KeyPath}' does not belong to the CA certificate.", null, _ca.KeyPath);
                }
                _key = key;
                _issuer = new CertificateIssuer(_ca.Certificate, key, _ca.Chain, null, _ca.Policy.SignatureAlgorithm) { Clock = () => _ca.Clock() };
                return _issuer;
            }
        }
    }
}
