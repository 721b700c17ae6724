using System;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using PkiTools.Core.Acme;
using PkiTools.Core.Ca;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Core.Renewal
{
    /// <summary>
    /// What renews certificates for <see cref="CertificateRenewer"/>: a CA folder (<see cref="CaRenewalIssuer"/>) or an
    /// ACME account (<see cref="AcmeRenewalIssuer"/>). The renewer asks the issuers in order and the first that
    /// <see cref="Renews"/> a certificate renews it.
    /// </summary>
    public interface IRenewalIssuer
    {
        /// <summary>How results name it: "the CA 'CN=Corp Root'", "the ACME server acme.example".</summary>
        string Name { get; }

        /// <summary>Whether this issuer renews <paramref name="certificate"/>.</summary>
        bool Renews(X509Certificate2 certificate);

        /// <summary>
        /// This issuer's own answer to "is it due now" (an ACME server's renewal window), or null for the renewer's
        /// rule: a third of the lifetime left.
        /// </summary>
        (bool Due, string Reason)? IsDue(X509Certificate2 certificate, DateTimeOffset now);

        /// <summary>A new certificate for <paramref name="key"/> with <paramref name="template"/>'s names, replacing <paramref name="old"/>.</summary>
        IssuedCertificate Issue(PrivateKey key, CertificateTemplate template, X509Certificate2 old);
    }

    /// <summary>A CA folder renews the certificates it issued (its subject is their issuer), under its policy and into its ledger.</summary>
    public sealed class CaRenewalIssuer : IRenewalIssuer
    {
        private readonly char[]? _password;

        /// <param name="ca">The CA.</param>
        /// <param name="password">Its key's password when the key file is encrypted.</param>
        public CaRenewalIssuer(CaDirectory ca, char[]? password = null)
        {
            Ca = ca;
            _password = password;
        }

        public CaDirectory Ca { get; }

        public string Name => $"the CA '{Ca.Subject}'";

        public bool Renews(X509Certificate2 certificate) => Ca.Certificate.SubjectName.RawData.SequenceEqual(certificate.IssuerName.RawData);

        public (bool Due, string Reason)? IsDue(X509Certificate2 certificate, DateTimeOffset now) => null;

        public IssuedCertificate Issue(PrivateKey key, CertificateTemplate template, X509Certificate2 old) => Ca.Issue(key, template, _password);
    }

    /// <summary>
    /// An ACME account renews every end-entity certificate that no CA before it in the list claims (ACME certificates
    /// come from intermediates that change over time, so their issuer names are not a reliable key): a new order for
    /// the certificate's DNS names, answered through one challenge responder, sent as the replacement of the old
    /// certificate (RFC 9773 "replaces") when the server offers renewal information. It is due inside the window the
    /// server suggests for it (a random moment in it, RFC 9773 §4.2) when the server offers one, otherwise at two
    /// thirds of its lifetime.
    /// </summary>
    public sealed class AcmeRenewalIssuer : IRenewalIssuer, IDisposable
    {
        private readonly Uri _directory;
        private readonly Func<CancellationToken, Task<AcmeClient>> _connect;
        private readonly bool _ownsClient;
        private readonly IAcmeChallengeResponder _responder;
        private readonly Random _random;
        private readonly CancellationToken _cancel;
        private AcmeClient? _client;

        /// <param name="client">Connected, with its account in use (<see cref="AcmeClient.UseAccount"/>); the caller disposes it.</param>
        /// <param name="responder">How challenges are answered (http-01 listener or web root, tls-alpn-01 listener, dns-01 hook).</param>
        /// <param name="random">Picks the moment inside a renewal window (a seeded one in tests).</param>
        /// <param name="cancel">Stops an order in progress (Ctrl+C).</param>
        public AcmeRenewalIssuer(AcmeClient client, IAcmeChallengeResponder responder, Random? random = null, CancellationToken cancel = default)
            : this(client.Directory.Url, _ => Task.FromResult(client), responder, random, cancel, ownsClient: false)
        {
        }

        /// <summary>
        /// Connects on first need (the first certificate this issuer renews), so that a run whose ACME server is
        /// unreachable still renews what its CAs renew: the ACME certificates get Failed results instead.
        /// </summary>
        /// <param name="directory">The directory URL (for messages before the connection).</param>
        /// <param name="connect">Connects and puts the account in use; the issuer disposes the client.</param>
        /// <param name="responder">How challenges are answered.</param>
        /// <param name="random">Picks the moment inside a renewal window.</param>
        /// <param name="cancel">Stops a connection or order in progress (Ctrl+C).</param>
        public AcmeRenewalIssuer(Uri directory, Func<CancellationToken, Task<AcmeClient>> connect, IAcmeChallengeResponder responder, Random? random = null, CancellationToken cancel = default)
            : this(directory, connect, responder, random, cancel, ownsClient: true)
        {
        }

        private AcmeRenewalIssuer(Uri directory, Func<CancellationToken, Task<AcmeClient>> connect, IAcmeChallengeResponder responder, Random? random, CancellationToken cancel, bool ownsClient)
        {
            _directory = directory;
            _connect = connect;
            _ownsClient = ownsClient;
            _responder = responder;
            _random = random ?? new Random();
            _cancel = cancel;
        }

        public string Name => $"the ACME server {_directory.Host}";

        /// <summary>The client, connected on first use; a failed connection is tried again for the next certificate.</summary>
        private AcmeClient Client() => _client ??= _connect(_cancel).GetAwaiter().GetResult();

        public void Dispose()
        {
            if (_ownsClient) _client?.Dispose();
        }

        /// <summary>Receives one line when the server's renewal information could not be read and the lifetime rule decides instead.</summary>
        public Action<string>? Log { get; set; }

        public bool Renews(X509Certificate2 certificate) => !CertificateFacts.IsSelfIssued(certificate);

        public (bool Due, string Reason)? IsDue(X509Certificate2 certificate, DateTimeOffset now)
        {
            AcmeRenewalInfo? info;
            try
            {
                info = Client().GetRenewalInfoAsync(certificate, _cancel).GetAwaiter().GetResult();
            }
            catch (PkiException ex) when (ex.Code == PkiErrorCode.AcmeProblem || ex.Code == PkiErrorCode.AcmeUnavailable || ex.Code == PkiErrorCode.AcmeRateLimited)
            {
                // RFC 9773 §4.3: a client that cannot get renewal information falls back on its own schedule.
                Log?.Invoke($"No renewal information from {_directory.Host} for serial {certificate.SerialNumber} ({ex.Reason}); the lifetime decides.");
                return null;
            }
            if (info == null) return null;
            string window = $"{Words.Date(info.WindowStart)} to {Words.Date(info.WindowEnd)}";
            return AcmeRenewal.IsDue(certificate, info, now, _random)
                ? (true, $"inside the renewal window {_directory.Host} suggests ({window})")
                : (false, $"the renewal window {_directory.Host} suggests is {window}");
        }

        public IssuedCertificate Issue(PrivateKey key, CertificateTemplate template, X509Certificate2 old)
        {
            if (template.IpAddresses.Count > 0)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument,
                    $"The certificate names IP addresses ({string.Join(", ", template.IpAddresses)}); ACME renewal here covers DNS names only.", null, old);
            }
            if (template.DnsNames.Count == 0)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "The certificate names no DNS name, so an ACME server cannot renew it.", null, old);
            }
            // The subject is left to the server (ACME CAs take the names from the order); the CSR asks for the same names.
            CertificateSigningRequest csr = CertificateSigningRequest.Create(key, null, template.DnsNames, Array.Empty<string>());
            AcmeCertificateChain chain = Client().IssueAsync(csr, _responder, old, _cancel).GetAwaiter().GetResult();
            return new IssuedCertificate(chain.Leaf.RawData, key, Array.Empty<string>(), chain.Issuers);
        }
    }
}
