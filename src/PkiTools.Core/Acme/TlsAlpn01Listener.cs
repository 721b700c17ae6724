using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using Org.BouncyCastle.X509;
using PkiTools.Core.Keys;

namespace PkiTools.Core.Acme
{
    /// <summary>
    /// tls-alpn-01 (RFC 8737) from a TLS listener for as long as it lives: a handshake that offers ALPN "acme-tls/1" and
    /// names a deployed identifier (SNI) gets a self-signed certificate for that name with the critical
    /// id-pe-acmeIdentifier extension holding SHA-256(key authorization); no application data is served. The core
    /// targets netstandard2.0, whose SslStream has no ALPN, so the TLS server is BouncyCastle's.
    /// </summary>
    public sealed class TlsAlpn01Listener : IAcmeChallengeResponder, IDisposable
    {
        /// <summary>The ALPN protocol of RFC 8737.</summary>
        public const string AlpnProtocol = "acme-tls/1";

        /// <summary>id-pe-acmeIdentifier.</summary>
        public const string AcmeIdentifierOid = "1.3.6.1.5.5.7.1.31";

        private static readonly SecureRandom Random = new SecureRandom();

        private readonly ChallengeSocket _socket;
        private readonly ConcurrentDictionary<string, (byte[] Der, AsymmetricKeyParameter Key)> _certificates =
            new ConcurrentDictionary<string, (byte[], AsymmetricKeyParameter)>(StringComparer.OrdinalIgnoreCase);
        private int _handshakes;

        /// <param name="port">The port the CA connects to (443 for a public CA).</param>
        /// <param name="address">The address to listen on (default: every IPv6 and IPv4 address where the system allows both on one socket, else every IPv4 address).</param>
        public TlsAlpn01Listener(int port, IPAddress? address = null)
        {
            _socket = new ChallengeSocket(port, address, "tls-alpn-01", "TlsPort", null, Serve);
        }

        public int Port => _socket.Port;

        /// <summary>How many acme-tls/1 handshakes completed.</summary>
        public int Handshakes => Volatile.Read(ref _handshakes);

        /// <summary>Why the last failed handshake failed (a client without acme-tls/1, an unknown name ...), for diagnostics.</summary>
        public string? LastHandshakeError { get; private set; }

        public string ChallengeType => AcmeChallenge.TlsAlpn01;

        public TimeSpan ReadyDelay => TimeSpan.Zero;

        public Task DeployAsync(AcmeChallengeContext challenge, CancellationToken cancel)
        {
            PrivateKey key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
            AsymmetricKeyParameter bcKey = PrivateKeyFactory.CreateKey(key.ExportPkcs8());
            _certificates[challenge.Identifier] = (CreateCertificate(challenge.Identifier, challenge.KeyAuthorization, key, bcKey), bcKey);
            return Task.CompletedTask;
        }

        public Task RemoveAsync(AcmeChallengeContext challenge, CancellationToken cancel)
        {
            _certificates.TryRemove(challenge.Identifier, out _);
            return Task.CompletedTask;
        }

        /// <summary>The RFC 8737 certificate (DER) for <paramref name="identifier"/>: self-signed, SAN dNSName, critical acmeIdentifier.</summary>
        public static byte[] CreateCertificate(string identifier, string keyAuthorization, PrivateKey key)
        {
            return CreateCertificate(identifier, keyAuthorization, key, PrivateKeyFactory.CreateKey(key.ExportPkcs8()));
        }

        private static byte[] CreateCertificate(string identifier, string keyAuthorization, PrivateKey key, AsymmetricKeyParameter bcKey)
        {
            byte[] digest;
            using (SHA256 sha = SHA256.Create()) digest = sha.ComputeHash(Encoding.UTF8.GetBytes(keyAuthorization));
            var generator = new X509V3CertificateGenerator();
            var name = new X509Name("CN=" + identifier.Replace(",", "\\,").Replace("+", "\\+"));
            generator.SetSerialNumber(new BigInteger(1, SecureRandom.GetNextBytes(Random, 16)));
            generator.SetIssuerDN(name);
            generator.SetSubjectDN(name);
            generator.SetNotBefore(DateTime.UtcNow.AddMinutes(-5));
            generator.SetNotAfter(DateTime.UtcNow.AddDays(7));
            generator.SetPublicKey(PublicKeyFactory.CreateKey(key.SubjectPublicKeyInfo));
            generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.DnsName, identifier)));
            generator.AddExtension(new DerObjectIdentifier(AcmeIdentifierOid), true, new DerOctetString(digest));
            return generator.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", bcKey, Random)).GetEncoded();
        }

        private void Serve(TcpClient client)
        {
            using (client)
            {
                try
                {
                    var protocol = new TlsServerProtocol(client.GetStream());
                    protocol.Accept(new Server(new BcTlsCrypto(Random), this));
                    Interlocked.Increment(ref _handshakes);
                    protocol.Close();
                }
                catch (Exception ex) when (ex is IOException || ex is SocketException || ex is ObjectDisposedException || ex is TlsException)
                {
                    // A failed or abandoned handshake: the CA's validation reports it; kept for diagnostics.
                    LastHandshakeError = ex is TlsFatalAlert alert ? "TLS alert " + AlertDescription.GetText(alert.AlertDescription) : ex.GetType().Name + ": " + ex.Message;
                }
            }
        }

        /// <summary>The BouncyCastle server: acme-tls/1 only, and the certificate of the SNI name.</summary>
        private sealed class Server : DefaultTlsServer
        {
            private readonly TlsAlpn01Listener _owner;
            private string? _serverName;

            public Server(BcTlsCrypto crypto, TlsAlpn01Listener owner)
                : base(crypto)
            {
                _owner = owner;
            }

            /// <summary>TLS 1.3 and ECDHE-ECDSA only: the challenge certificate's key is ECDSA, so an RSA suite could not be served.</summary>
            protected override int[] GetSupportedCipherSuites() => TlsUtilities.GetSupportedCipherSuites(Crypto, new[]
            {
                CipherSuite.TLS_AES_128_GCM_SHA256,
                CipherSuite.TLS_AES_256_GCM_SHA384,
                CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
                CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            });

            protected override IList<ProtocolName> GetProtocolNames() => new List<ProtocolName> { ProtocolName.AsUtf8Encoding(AlpnProtocol) };

            public override void ProcessClientExtensions(IDictionary<int, byte[]> clientExtensions)
            {
                base.ProcessClientExtensions(clientExtensions);
                IList<ProtocolName>? alpn = TlsExtensionsUtilities.GetAlpnExtensionClient(clientExtensions);
                bool offered = false;
                if (alpn != null)
                {
                    foreach (ProtocolName p in alpn) offered |= p.GetUtf8Decoding() == AlpnProtocol;
                }
                // RFC 8737 §3: a server answering this challenge must not complete other handshakes with the certificate.
                if (!offered) throw new TlsFatalAlert(AlertDescription.no_application_protocol);
                IList<ServerName>? names = TlsExtensionsUtilities.GetServerNameExtensionClient(clientExtensions);
                if (names != null)
                {
                    foreach (ServerName n in names)
                    {
                        if (n.NameType == NameType.host_name) _serverName = Encoding.ASCII.GetString(n.NameData);
                    }
                }
                if (_serverName == null || !_owner._certificates.ContainsKey(_serverName)) throw new TlsFatalAlert(AlertDescription.unrecognized_name);
            }

            /// <summary>TLS 1.3 has no key exchange algorithm to choose credentials by (DefaultTlsServer refuses it): always the ECDSA signer.</summary>
            public override TlsCredentials GetCredentials() =>
                TlsUtilities.IsTlsV13(m_context.ServerVersion) ? GetECDsaSignerCredentials() : base.GetCredentials();

            protected override TlsCredentialedSigner GetECDsaSignerCredentials()
            {
                (byte[] der, AsymmetricKeyParameter key) = _owner._certificates[_serverName!];
                TlsCertificate certificate = Crypto.CreateCertificate(der);
                Certificate chain = TlsUtilities.IsTlsV13(m_context.ServerVersion)
                    ? new Certificate(TlsUtilities.EmptyBytes, new[] { new CertificateEntry(certificate, null) })
                    : new Certificate(new[] { certificate });
                return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(m_context), (BcTlsCrypto)Crypto, key, chain,
                    new SignatureAndHashAlgorithm(Org.BouncyCastle.Tls.HashAlgorithm.sha256, Org.BouncyCastle.Tls.SignatureAlgorithm.ecdsa));
            }

            protected override TlsCredentialedSigner GetRsaSignerCredentials() => throw new TlsFatalAlert(AlertDescription.internal_error);
        }

        public void Dispose() => _socket.Dispose();
    }
}
