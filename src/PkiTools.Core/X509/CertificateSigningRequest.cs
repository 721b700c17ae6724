using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;

namespace PkiTools.Core.X509
{
    /// <summary>
    /// A PKCS#10 certificate signing request: what it asks for (untrusted until a CA's policy says otherwise), whether
    /// its signature verifies, and the private key when it was made here.
    /// </summary>
    public sealed class CertificateSigningRequest
    {
        private const string ExtensionRequestOid = "1.2.840.113549.1.9.14";
        private const string MsCertExtensionsOid = "1.3.6.1.4.1.311.2.1.14";
        private readonly byte[] _der;
        private readonly PrivateKey? _privateKey;
        private IReadOnlyList<GeneralName>? _requestedNames;

        private CertificateSigningRequest(byte[] der, CertificationRequest request, PrivateKey? key, bool signatureValid)
        {
            _der = der;
            _privateKey = key;
            CertificationRequestInfo info = request.GetCertificationRequestInfo();
            SubjectName = info.Subject;
            SubjectDer = info.Subject.GetDerEncoded();
            Subject = Names.Describe(SubjectDer);
            SubjectPublicKeyInfo = info.SubjectPublicKeyInfo.GetDerEncoded();
            var dns = new List<string>();
            var ips = new List<string>();
            var others = new List<string>();
            var requested = new List<string>();
            if (info.Attributes != null)
            {
                foreach (Asn1Encodable element in info.Attributes)
                {
                    var attribute = AttributePkcs.GetInstance(element);
                    string type = attribute.AttrType.Id;
                    if (type != ExtensionRequestOid && type != MsCertExtensionsOid) continue;
                    foreach (Asn1Encodable value in attribute.AttrValues)
                    {
                        X509Extensions extensions = X509Extensions.GetInstance(value);
                        foreach (DerObjectIdentifier oid in extensions.ExtensionOids)
                        {
                            if (oid.Equals(X509Extensions.SubjectAlternativeName))
                            {
                                Names.ReadSubjectAltNames(GeneralNames.GetInstance(extensions.GetExtension(oid).GetParsedValue()), dns, ips, others);
                            }
                            else
                            {
                                requested.Add(oid.Id);
                            }
                        }
                    }
                }
            }
            DnsNames = dns.ToArray();
            IpAddresses = ips.ToArray();
            OtherNames = others.ToArray();
            RequestedExtensions = requested.ToArray();
            SignatureAlgorithm = Keys.SignatureAlgorithm.NameOf(request.SignatureAlgorithm.Algorithm.Id);
            SignatureValid = signatureValid;
            SignatureUnsupported = signatureValid ? null : Keys.SignatureAlgorithm.UnsupportedReason(request.SignatureAlgorithm);
            PublicKeyInfo? publicKey = null;
            try
            {
                publicKey = PublicKeyInfo.Create(info.SubjectPublicKeyInfo);
            }
            catch (Exception)
            {
                // Reported through KeyAlgorithm below and refused at signing.
            }
            KeyAlgorithm = publicKey?.Algorithm ?? "(malformed key)";
            KeySize = publicKey?.KeySize ?? 0;
            KeyType = publicKey?.KeyType;
            KeyId = Hex.Sha256(SubjectPublicKeyInfo);
            Pem = Formats.Pem.Encode("CERTIFICATE REQUEST", der);
        }

        /// <summary>The subject as .NET writes names ("CN=web01.corp.example, O=Corp").</summary>
        public string Subject { get; }

        public string[] DnsNames { get; }

        public string[] IpAddresses { get; }

        /// <summary>Other requested SAN entries (email:, URI:), not issued by the foundation profiles.</summary>
        public string[] OtherNames { get; }

        /// <summary>OIDs of requested extensions other than subjectAltName: shown, never copied blindly.</summary>
        public string[] RequestedExtensions { get; }

        public string KeyAlgorithm { get; }

        public int KeySize { get; }

        /// <summary>Hex SHA-256 of the SubjectPublicKeyInfo (matches the key's KeyId).</summary>
        public string KeyId { get; }

        public string SignatureAlgorithm { get; }

        /// <summary>Whether the CSR's self-signature verifies with the public key it carries.</summary>
        public bool SignatureValid { get; }

        public string Pem { get; }

        public bool HasPrivateKey => _privateKey != null;

        /// <summary>Why the signature could not be verified at all (RSASSA-PSS parameters PkiTools does not support), in words; null otherwise.</summary>
        internal string? SignatureUnsupported { get; }

        internal KeyType? KeyType { get; }

        internal byte[] SubjectDer { get; }

        /// <summary>The subject as parsed from the request, once (signing and the CA's policy read it; nothing re-parses <see cref="SubjectDer"/>).</summary>
        internal X509Name SubjectName { get; }

        /// <summary>
        /// The requested DNS names (normalised) and IP addresses as subjectAltName entries, built on first use and kept:
        /// what a signer copies when its policy allows them. Throws InvalidArgument for a name that is not a valid DNS name
        /// or IP address (every time it is asked).
        /// </summary>
        internal IReadOnlyList<GeneralName> RequestedNames => _requestedNames ??= BuildRequestedNames();

        internal byte[] SubjectPublicKeyInfo { get; }

        private IReadOnlyList<GeneralName> BuildRequestedNames()
        {
            var names = new List<GeneralName>(DnsNames.Length + IpAddresses.Length);
            foreach (string dns in DnsNames) names.Add(new GeneralName(GeneralName.DnsName, Names.NormalizeDnsName(dns)));
            foreach (string ip in IpAddresses) names.Add(new GeneralName(GeneralName.IPAddress, new DerOctetString(Names.ParseIpAddress(ip).GetAddressBytes())));
            return names;
        }

        /// <summary>The private key, when this CSR was created here. Secret: not a property so it never formats.</summary>
        public PrivateKey? GetPrivateKey() => _privateKey;

        /// <summary>A copy of the DER encoding.</summary>
        public byte[] GetEncoded() => (byte[])_der.Clone();

        public override string ToString() => Subject;

        /// <summary>Creates and signs a CSR for <paramref name="key"/> asking for the given subject and SANs.</summary>
        public static CertificateSigningRequest Create(PrivateKey key, string? subject, IReadOnlyList<string> dnsNames, IReadOnlyList<string> ipAddresses, HashAlgorithmName? hash = null)
            => Create(key, subject, dnsNames, ipAddresses, hash, null);

        /// <summary>As above, signed with <paramref name="scheme"/> (RSA keys: PKCS#1 v1.5 or RSASSA-PSS; null: the key's default).</summary>
        public static CertificateSigningRequest Create(PrivateKey key, string? subject, IReadOnlyList<string> dnsNames, IReadOnlyList<string> ipAddresses, HashAlgorithmName? hash, SignatureScheme? scheme)
        {
            var template = new CertificateTemplate { Subject = subject, DnsNames = dnsNames, IpAddresses = ipAddresses };
            CertificateBuilder.ResolvedNames names = CertificateBuilder.ResolveNames(template);
            var attributes = new Asn1EncodableVector();
            if (names.SubjectAltNames != null)
            {
                var generator = new X509ExtensionsGenerator();
                generator.AddExtension(X509Extensions.SubjectAlternativeName, names.SubjectIsEmpty, names.SubjectAltNames);
                attributes.Add(new AttributePkcs(new DerObjectIdentifier(ExtensionRequestOid), new DerSet(generator.Generate())));
            }
            var signer = new KeySigner(key, hash, scheme);
            var info = new CertificationRequestInfo(names.Subject, Org.BouncyCastle.Asn1.X509.SubjectPublicKeyInfo.GetInstance(key.SubjectPublicKeyInfo), new DerSet(attributes));
            byte[] infoDer = info.GetDerEncoded();
            byte[] signature = signer.Sign(infoDer);
            var algorithm = AlgorithmIdentifier.GetInstance(signer.SignatureAlgorithm);
            var request = new CertificationRequest(info, algorithm, new DerBitString(signature));
            byte[] der = request.GetDerEncoded();
            return new CertificateSigningRequest(der, request, key, true);
        }

        /// <summary>
        /// Reads a CSR from PEM (CERTIFICATE REQUEST or NEW CERTIFICATE REQUEST) or DER and verifies its signature.
        /// Malformed input throws <see cref="PkiErrorCode.CsrInvalid"/> (or FormatUnknown for unrecognisable PEM).
        /// </summary>
        public static CertificateSigningRequest Parse(byte[] data)
        {
            byte[] der = data;
            if (Formats.Pem.LooksLikePem(data))
            {
                der = Array.Empty<byte>();
                foreach (PemBlock block in Formats.Pem.Decode(System.Text.Encoding.UTF8.GetString(data)))
                {
                    if (block.Label == "CERTIFICATE REQUEST" || block.Label == "NEW CERTIFICATE REQUEST")
                    {
                        der = block.Data;
                        break;
                    }
                }
                if (der.Length == 0)
                {
                    throw new PkiException(PkiErrorCode.CsrInvalid, "The PEM text holds no CERTIFICATE REQUEST block.");
                }
            }
            else if (data.Length == 0 || data[0] != 0x30)
            {
                throw new PkiException(PkiErrorCode.FormatUnknown, "The data is neither PEM nor DER: expected a 'CERTIFICATE REQUEST' PEM block or a DER PKCS#10 request.");
            }
            try
            {
                byte[] infoDer = DerReader.FirstElement(der) ?? throw new ArgumentException("not a DER SEQUENCE");
                var request = CertificationRequest.GetInstance(Asn1Object.FromByteArray(der));
                bool valid = false;
                try
                {
                    PublicKeyInfo key = PublicKeyInfo.Create(request.GetCertificationRequestInfo().SubjectPublicKeyInfo);
                    valid = key.Verify(request.SignatureAlgorithm, infoDer, request.Signature.GetOctets());
                }
                catch (Exception)
                {
                    valid = false;
                }
                return new CertificateSigningRequest((byte[])der.Clone(), request, null, valid);
            }
            catch (PkiException)
            {
                throw;
            }
            catch (Exception ex)
            {
                throw new PkiException(PkiErrorCode.CsrInvalid,
                    "The data is not a valid PKCS#10 certificate signing request (PEM 'CERTIFICATE REQUEST' or DER): " + PlainReason.Of(ex) + ".", ex);
            }
        }
    }
}
