using System.Security.Cryptography.X509Certificates;

namespace PkiTools.Core.Tls
{
    /// <summary>What one completed TLS handshake showed: the negotiated parameters and the certificates exactly as the server sent them.</summary>
    public sealed class TlsHandshakeInfo
    {
        internal TlsHandshakeInfo(TlsEndpoint endpoint, string? serverName, string remoteAddress, string protocol, string cipherSuite,
            X509Certificate2[] chain, bool clientCertificateRequested, bool clientCertificateSent)
        {
            HostName = endpoint.Host;
            Port = endpoint.Port;
            ServerName = serverName;
            RemoteAddress = remoteAddress;
            Protocol = protocol;
            CipherSuite = cipherSuite;
            _chain = chain;
            ClientCertificateRequested = clientCertificateRequested;
            ClientCertificateSent = clientCertificateSent;
        }

        /// <summary>The host as given (a DNS name in lower case, or an IP address).</summary>
        public string HostName { get; }

        public int Port { get; }

        /// <summary>The SNI name sent, or null when none was (an IP address).</summary>
        public string? ServerName { get; }

        /// <summary>The IP address the connection went to.</summary>
        public string RemoteAddress { get; }

        /// <summary>"Tls13" or "Tls12" (the names of .NET's SslProtocols).</summary>
        public string Protocol { get; }

        /// <summary>The IANA name of the negotiated cipher suite ("TLS_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256").</summary>
        public string CipherSuite { get; }

        private readonly X509Certificate2[] _chain;

        /// <summary>The server's certificate (the first one it sent).</summary>
        public X509Certificate2 Certificate => _chain[0];

        /// <summary>Every certificate of the server's Certificate message, in the order sent, byte for byte (leaf first). A copy of the array.</summary>
        public X509Certificate2[] Chain => (X509Certificate2[])_chain.Clone();

        /// <summary>True when the server asked for a client certificate (mutual TLS).</summary>
        public bool ClientCertificateRequested { get; }

        /// <summary>True when a client certificate was sent (and, as far as TLS shows, accepted).</summary>
        public bool ClientCertificateSent { get; }
    }
}
