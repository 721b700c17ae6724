using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using PkiTools.Core.Keys;
using BcHash = Org.BouncyCastle.Tls.HashAlgorithm;
using BcSignature = Org.BouncyCastle.Tls.SignatureAlgorithm;
using TlsCertificateMessage = Org.BouncyCastle.Tls.Certificate;

namespace PkiTools.Core.Tls
{
    /// <summary>
    /// The BouncyCastle TLS client behind a probe: TLS 1.3 and 1.2, SNI as asked, no OCSP request, every server
    /// certificate accepted (trust is decided afterwards, by the caller), the Certificate message kept byte for byte,
    /// and a client certificate offered when the server asks and one is configured.
    /// </summary>
    internal sealed class ProbeClient : DefaultTlsClient
    {
        /// <summary>Wider than BouncyCastle's default list (which lacks AES-256), so that servers restricted to one suite still answer.</summary>
        private static readonly int[] Suites =
        {
            CipherSuite.TLS_AES_128_GCM_SHA256,
            CipherSuite.TLS_AES_256_GCM_SHA384,
            CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
            CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
            CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
            CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
            CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
            CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
            CipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
            CipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
            CipherSuite.TLS_DHE_RSA_WITH_AES_128_CBC_SHA256,
            CipherSuite.TLS_DHE_RSA_WITH_AES_256_CBC_SHA256,
            CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256,
            CipherSuite.TLS_RSA_WITH_AES_256_GCM_SHA384,
            CipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA256,
            CipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA256,
            CipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA,
            CipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA,
        };

        private static readonly Dictionary<int, string> SuiteNames = typeof(CipherSuite)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(int) && f.Name.StartsWith("TLS_", StringComparison.Ordinal))
            .GroupBy(f => (int)f.GetRawConstantValue()!)
            .ToDictionary(g => g.Key, g => g.First().Name);

        private readonly string? _serverName;
        private readonly TlsClientCredential? _credential;

        public ProbeClient(RecordingCrypto crypto, string? serverName, TlsClientCredential? credential)
            : base(crypto)
        {
            RecordingCrypto = crypto;
            _serverName = serverName;
            _credential = credential;
        }

        public RecordingCrypto RecordingCrypto { get; }

        public bool HandshakeComplete { get; private set; }

        /// <summary>The server's Certificate message, each entry as the bytes it sent.</summary>
        public IReadOnlyList<byte[]>? ServerCertificates { get; private set; }

        public bool ClientCertificateRequested { get; private set; }

        public bool ClientCertificateSent { get; private set; }

        /// <summary>The negotiated version and suite, once the handshake is complete.</summary>
        public ProtocolVersion? Version => m_context?.ServerVersion;

        public int CipherSuiteNumber => m_context?.SecurityParameters?.CipherSuite ?? -1;

        public static string ProtocolName(ProtocolVersion? version) =>
            version == null ? "(none)" : version.Equals(ProtocolVersion.TLSv13) ? "Tls13" : version.Equals(ProtocolVersion.TLSv12) ? "Tls12" : version.ToString();

        public static string SuiteName(int suite) =>
            SuiteNames.TryGetValue(suite, out string? name) ? name : "0x" + suite.ToString("X4", System.Globalization.CultureInfo.InvariantCulture);

        protected override int[] GetSupportedCipherSuites() => TlsUtilities.GetSupportedCipherSuites(Crypto, Suites);

        protected override IList<ServerName>? GetSniServerNames() =>
            _serverName == null ? null : new List<ServerName> { new ServerName(NameType.host_name, Encoding.ASCII.GetBytes(_serverName)) };

        /// <summary>No OCSP stapling request: a probe reads certificates, not revocation.</summary>
        protected override CertificateStatusRequest? GetCertificateStatusRequest() => null;

        public override TlsAuthentication GetAuthentication() => new Authentication(this);

        public override void NotifyHandshakeComplete()
        {
            base.NotifyHandshakeComplete();
            HandshakeComplete = true;
        }

        private sealed class Authentication : TlsAuthentication
        {
            private readonly ProbeClient _client;

            public Authentication(ProbeClient client) => _client = client;

            /// <summary>Accepts every chain: trust is the caller's decision, made on what is recorded here.</summary>
            public void NotifyServerCertificate(TlsServerCertificate serverCertificate)
            {
                TlsCertificateMessage? message = serverCertificate?.Certificate;
                if (message == null || message.IsEmpty) throw new TlsFatalAlert(AlertDescription.bad_certificate, "the server sent no certificate");
                var raw = new List<byte[]>();
                foreach (TlsCertificate certificate in message.GetCertificateList())
                {
                    raw.Add(certificate is RecordingCrypto.RawCertificate r ? r.Raw : certificate.GetEncoded());
                }
                _client.ServerCertificates = raw;
            }

            public TlsCredentials? GetClientCredentials(CertificateRequest certificateRequest)
            {
                _client.ClientCertificateRequested = true;
                if (_client._credential == null) return null;
                TlsClientContext context = _client.m_context;
                SignatureAndHashAlgorithm? algorithm = ClientSigner.Choose(_client._credential.Key, certificateRequest, context.ServerVersion);
                if (algorithm == null) return null;
                _client.ClientCertificateSent = true;
                return new ClientSigner(context, _client.RecordingCrypto, _client._credential, certificateRequest, algorithm);
            }
        }
    }

    /// <summary>BouncyCastle's crypto, keeping each received certificate's bytes exactly (BouncyCastle re-encodes them as DER).</summary>
    internal sealed class RecordingCrypto : BcTlsCrypto
    {
        public RecordingCrypto()
            : base(new SecureRandom())
        {
        }

        public override TlsCertificate CreateCertificate(short type, byte[] encoding) =>
            type == CertificateType.X509 ? new RawCertificate(this, encoding) : base.CreateCertificate(type, encoding);

        internal sealed class RawCertificate : BcTlsCertificate
        {
            public RawCertificate(BcTlsCrypto crypto, byte[] encoding)
                : base(crypto, encoding)
            {
                Raw = (byte[])encoding.Clone();
            }

            public byte[] Raw { get; }
        }
    }

    /// <summary>
    /// Signs the client's CertificateVerify with a <see cref="PrivateKey"/>: the platform RSA/ECDSA key (non-exportable
    /// keys too: the key never leaves its provider) or the Ed25519 key.
    /// </summary>
    internal sealed class ClientSigner : TlsCredentialedSigner
    {
        private readonly PrivateKey _key;

        public ClientSigner(TlsClientContext context, TlsCrypto crypto, TlsClientCredential credential, CertificateRequest request, SignatureAndHashAlgorithm algorithm)
        {
            _key = credential.Key;
            SignatureAndHashAlgorithm = algorithm;
            var chain = new List<X509Certificate2> { credential.Certificate };
            chain.AddRange(credential.Intermediates.Where(c => !X509.CertificateFacts.IsSelfIssued(c)));
            TlsCertificate[] certificates = chain.Select(c => crypto.CreateCertificate(c.RawData)).ToArray();
            if (TlsUtilities.IsTlsV13(context.ServerVersion))
            {
                Certificate = new TlsCertificateMessage(request.GetCertificateRequestContext(),
                    certificates.Select(c => new CertificateEntry(c, null)).ToArray());
            }
            else
            {
                Certificate = new TlsCertificateMessage(certificates);
            }
        }

        public TlsCertificateMessage Certificate { get; }

        public SignatureAndHashAlgorithm SignatureAndHashAlgorithm { get; }

        /// <summary>Not used: <see cref="GetStreamSigner"/> always returns a signer, and BouncyCastle then never asks for a raw signature.</summary>
        public byte[] GenerateRawSignature(byte[] hash) => throw new TlsFatalAlert(AlertDescription.internal_error, "raw signatures are not supported");

        public TlsStreamSigner GetStreamSigner() => new BufferingSigner(this);

        /// <summary>
        /// The first scheme the server accepts (in its order of preference) that this key can make, or null. TLS 1.3
        /// allows only RSA-PSS for RSA keys and ties an ECDSA hash to the curve; TLS 1.2 also takes PKCS#1 v1.5.
        /// </summary>
        public static SignatureAndHashAlgorithm? Choose(PrivateKey key, CertificateRequest request, ProtocolVersion version)
        {
            bool tls13 = TlsUtilities.IsTlsV13(version);
            short[]? types = request.CertificateTypes;
            short wanted = key.KeyType switch
            {
                KeyType.Rsa => ClientCertificateType.rsa_sign,
                KeyType.Ecdsa => ClientCertificateType.ecdsa_sign,
                _ => ClientCertificateType.ecdsa_sign, // RFC 8422: Ed25519 certificates go under ecdsa_sign
            };
            if (!tls13 && types != null && Array.IndexOf(types, wanted) < 0) return null;
            var ours = new List<SignatureAndHashAlgorithm>();
            switch (key.KeyType)
            {
                case KeyType.Rsa when key.PssOnly:
                    // An id-RSASSA-PSS key signs with the rsa_pss_pss schemes only (RFC 8446 4.2.3), with its own hash when it names one.
                    foreach (SignatureAndHashAlgorithm pss in new[] { SignatureAndHashAlgorithm.rsa_pss_pss_sha256, SignatureAndHashAlgorithm.rsa_pss_pss_sha384, SignatureAndHashAlgorithm.rsa_pss_pss_sha512 })
                    {
                        // TLS's PSS schemes use MGF1 on the same hash and a salt as long as it: a key demanding otherwise has none.
                        RsaPssParameters? r = key.PssRestriction;
                        if (r == null || (PssHash(pss.Signature) == r.Hash && r.MgfHash == r.Hash && r.SaltLength <= RsaPssParameters.HashLength(r.Hash))) ours.Add(pss);
                    }
                    break;
                case KeyType.Rsa:
                    ours.Add(SignatureAndHashAlgorithm.rsa_pss_rsae_sha256);
                    ours.Add(SignatureAndHashAlgorithm.rsa_pss_rsae_sha384);
                    ours.Add(SignatureAndHashAlgorithm.rsa_pss_rsae_sha512);
                    if (!tls13)
                    {
                        ours.Add(new SignatureAndHashAlgorithm(BcHash.sha256, BcSignature.rsa));
                        ours.Add(new SignatureAndHashAlgorithm(BcHash.sha384, BcSignature.rsa));
                        ours.Add(new SignatureAndHashAlgorithm(BcHash.sha512, BcSignature.rsa));
                    }
                    break;
                case KeyType.Ecdsa:
                    short hash = key.KeySize <= 256 ? BcHash.sha256 : key.KeySize <= 384 ? BcHash.sha384 : BcHash.sha512;
                    ours.Add(new SignatureAndHashAlgorithm(hash, BcSignature.ecdsa));
                    break;
                case KeyType.Ed25519:
                    ours.Add(SignatureAndHashAlgorithm.ed25519);
                    break;
            }
            IList<SignatureAndHashAlgorithm>? offered = request.SupportedSignatureAlgorithms;
            if (offered == null) return tls13 ? null : ours.FirstOrDefault();
            return offered.FirstOrDefault(o => ours.Any(a => a.Equals(o)));
        }

        /// <summary>The hash of a TLS RSA-PSS scheme (rsae or pss), or null for any other signature.</summary>
        private static HashAlgorithmName? PssHash(short signature) =>
            signature == BcSignature.rsa_pss_rsae_sha256 || signature == BcSignature.rsa_pss_pss_sha256 ? HashAlgorithmName.SHA256
            : signature == BcSignature.rsa_pss_rsae_sha384 || signature == BcSignature.rsa_pss_pss_sha384 ? HashAlgorithmName.SHA384
            : signature == BcSignature.rsa_pss_rsae_sha512 || signature == BcSignature.rsa_pss_pss_sha512 ? HashAlgorithmName.SHA512
            : (HashAlgorithmName?)null;

        private byte[] Sign(byte[] data)
        {
            SignatureAndHashAlgorithm a = SignatureAndHashAlgorithm;
            if (_key.Rsa != null)
            {
                HashAlgorithmName? pssHash = PssHash(a.Signature);
                bool pss = pssHash != null;
                HashAlgorithmName hash = pssHash ?? HashName(a.Hash);
                return _key.Rsa.SignData(data, hash, pss ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1);
            }
            if (_key.Ecdsa != null)
            {
                return EcdsaSignatureFormat.P1363ToDer(_key.Ecdsa.SignData(data, HashName(a.Hash)));
            }
            return _key.Sign(data, Keys.SignatureAlgorithm.Ed25519);
        }

        private static HashAlgorithmName HashName(short hash) => hash switch
        {
            BcHash.sha256 => HashAlgorithmName.SHA256,
            BcHash.sha384 => HashAlgorithmName.SHA384,
            BcHash.sha512 => HashAlgorithmName.SHA512,
            _ => throw new TlsFatalAlert(AlertDescription.internal_error, "unexpected hash " + hash),
        };

        /// <summary>Collects what is to be signed and signs it in one call, so the platform key does the whole job.</summary>
        private sealed class BufferingSigner : TlsStreamSigner
        {
            private readonly ClientSigner _owner;
            private readonly MemoryStream _buffer = new MemoryStream();

            public BufferingSigner(ClientSigner owner) => _owner = owner;

            public Stream Stream => new NonClosingStream(_buffer);

            public byte[] GetSignature()
            {
                try
                {
                    return _owner.Sign(_buffer.ToArray());
                }
                catch (Exception ex) when (ex is CryptographicException || ex is PkiException)
                {
                    throw new TlsFatalAlert(AlertDescription.internal_error, "the client key could not sign: " + PlainReason.Of(ex), ex);
                }
            }
        }

        /// <summary>BouncyCastle disposes the signer's stream before asking for the signature.</summary>
        private sealed class NonClosingStream : Stream
        {
            private readonly Stream _inner;

            public NonClosingStream(Stream inner) => _inner = inner;

            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => _inner.Length;
            public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);
        }
    }
}
