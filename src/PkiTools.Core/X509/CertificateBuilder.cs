using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.Keys;
using BcBasicConstraints = Org.BouncyCastle.Asn1.X509.BasicConstraints;
using BcKeyUsage = Org.BouncyCastle.Asn1.X509.KeyUsage;

namespace PkiTools.Core.X509
{
    /// <summary>
    /// Turns a template into DER. Every rule (names, validity, serial, extensions) is checked here, before any byte
    /// is produced; the signature is verified against the issuer's public key before the certificate is returned.
    /// </summary>
    internal static class CertificateBuilder
    {
        internal sealed class ResolvedNames
        {
            public ResolvedNames(X509Name subject, bool subjectIsEmpty, GeneralNames? subjectAltNames)
            {
                Subject = subject;
                SubjectIsEmpty = subjectIsEmpty;
                SubjectAltNames = subjectAltNames;
            }

            public X509Name Subject { get; }

            public bool SubjectIsEmpty { get; }

            public GeneralNames? SubjectAltNames { get; }
        }

        /// <summary>The issuer side of a signing operation.</summary>
        internal sealed class IssuerSide
        {
            public IssuerSide(X509Name name, byte[] keyIdentifier, ICertificateSigner signer, PublicKeyInfo publicKey, DateTime? notBefore, DateTime? notAfter, int? pathLength)
            {
                Name = name;
                KeyIdentifier = keyIdentifier;
                Signer = signer;
                PublicKey = publicKey;
                NotBefore = notBefore;
                NotAfter = notAfter;
                PathLength = pathLength;
                SignatureAlgorithm = AlgorithmIdentifier.GetInstance(signer.SignatureAlgorithm);
            }

            /// <summary>The same issuer signing with another signer (another signature algorithm of the same key).</summary>
            public IssuerSide WithSigner(ICertificateSigner signer) => new IssuerSide(Name, KeyIdentifier, signer, PublicKey, NotBefore, NotAfter, PathLength);

            public X509Name Name { get; }

            public byte[] KeyIdentifier { get; }

            public ICertificateSigner Signer { get; }

            public PublicKeyInfo PublicKey { get; }

            public AlgorithmIdentifier SignatureAlgorithm { get; }

            public DateTime? NotBefore { get; }

            public DateTime? NotAfter { get; }

            public int? PathLength { get; }
        }

        private static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);

        public static ResolvedNames ResolveNames(CertificateTemplate template)
        {
            var sans = new List<GeneralName>();
            string? firstName = null;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string dns in template.DnsNames)
            {
                string name = X509.Names.NormalizeDnsName(dns);
                firstName ??= name;
                if (seen.Add("dns:" + name)) sans.Add(new GeneralName(GeneralName.DnsName, name));
            }
            foreach (string ipText in template.IpAddresses)
            {
                var ip = X509.Names.ParseIpAddress(ipText);
                firstName ??= ip.ToString();
                if (seen.Add("ip:" + ip)) sans.Add(new GeneralName(GeneralName.IPAddress, new DerOctetString(ip.GetAddressBytes())));
            }
            X509Name subject;
            if (template.Subject != null)
            {
                subject = X509.Names.ParseDistinguishedName(template.Subject);
            }
            else if (firstName != null)
            {
                subject = X509.Names.ParseDistinguishedName("CN=" + QuoteIfNeeded(firstName));
            }
            else
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "The certificate has no subject and no names.", null, null,
                    new PkiHint("Give a subject ({0} 'CN=...') or at least one {1} or {2}.", "Subject", "DnsName", "IpAddress"));
            }
            bool empty = subject.GetOidList().Count == 0;
            if (empty && sans.Count == 0)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "A certificate with an empty subject needs at least one subject alternative name.", null, null,
                    new PkiHint("Give at least one {0} or {1}.", "DnsName", "IpAddress"));
            }
            return new ResolvedNames(subject, empty, sans.Count == 0 ? null : new GeneralNames(sans.ToArray()));
        }

        private static string QuoteIfNeeded(string value) =>
            value.IndexOfAny(new[] { ',', '+', '"', '\\', '<', '>', ';', '=' }) >= 0 ? "\"" + value.Replace("\"", "\\\"") + "\"" : value;

        /// <summary>Builds, signs and self-checks one certificate. Returns its DER and any warnings.</summary>
        public static byte[] Build(
            CertificateTemplate template,
            X509Name subject,
            GeneralNames? subjectAltNames,
            bool subjectIsEmpty,
            byte[] subjectPublicKeyInfo,
            KeyType subjectKeyType,
            IssuerSide? issuer,
            ICertificateSigner selfSigner,
            PublicKeyInfo selfPublicKey,
            DateTimeOffset now,
            List<string> warnings)
        {
            bool selfSigned = issuer == null;
            if (selfSigned && template.Profile == CertificateProfile.IntermediateCa)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "An intermediate CA is signed by its parent, never self-signed.", null, null,
                    new PkiHint("Have its parent CA sign it with {0}, or use {1} for a self-signed CA.", "Profile=IntermediateCa", "Profile=RootCa"), "Profile");
            }
            if (!selfSigned && template.Profile == CertificateProfile.RootCa)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "A root CA is self-signed, never signed by another CA.", null, null,
                    new PkiHint("Self-sign it with {0}, or use {1} to issue a subordinate CA.", "Profile=RootCa", "Profile=IntermediateCa"), "Profile");
            }
            if (selfSigned && subjectIsEmpty)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "A self-signed certificate needs a subject: it is also the issuer name, which may not be empty.");
            }
            CertificateProfile profile = template.Profile;
            bool isCa = Profiles.IsCa(profile);

            // Validity.
            DateTime notBefore = Truncate((template.NotBefore ?? now - Backdate).UtcDateTime);
            DateTime notAfter;
            if (template.NotAfter is DateTimeOffset explicitEnd)
            {
                notAfter = Truncate(explicitEnd.UtcDateTime);
            }
            else
            {
                int days = template.ValidDays ?? Profiles.DefaultValidDays(profile);
                if (days <= 0) throw new PkiException(PkiErrorCode.ValidityInvalid, $"The validity must be at least one day (got {days}).");
                notAfter = Truncate(now.UtcDateTime.AddDays(days));
            }
            if (issuer != null)
            {
                if (issuer.NotAfter is DateTime issuerEnd && notAfter > issuerEnd)
                {
                    warnings.Add($"The validity was clipped to the issuer's NotAfter ({PkiTools.Core.Words.Date(issuerEnd)}); the requested end was {PkiTools.Core.Words.Date(notAfter)}.");
                    notAfter = issuerEnd;
                }
                if (issuer.NotBefore is DateTime issuerStart && notBefore < issuerStart)
                {
                    notBefore = issuerStart;
                }
            }
            if (notBefore >= notAfter)
            {
                throw new PkiException(PkiErrorCode.ValidityInvalid, issuer?.NotAfter is DateTime end && end <= now.UtcDateTime
                    ? $"The issuer certificate expired on {PkiTools.Core.Words.Date(end)}; it cannot issue certificates."
                    : $"NotBefore ({PkiTools.Core.Words.Date(notBefore)}) must be earlier than NotAfter ({PkiTools.Core.Words.Date(notAfter)}).");
            }

            // Path length.
            int? pathLength = null;
            if (isCa)
            {
                pathLength = template.PathLength ?? (profile == CertificateProfile.IntermediateCa ? 0 : (int?)null);
                if (pathLength < 0) throw new PkiException(PkiErrorCode.InvalidArgument, "The path length must be 0 or more.", null, null, new PkiHint("Give {0} 0 or more.", "PathLength"), "PathLength");
                if (issuer?.PathLength is int parentLimit)
                {
                    if (parentLimit == 0)
                    {
                        throw new PkiException(PkiErrorCode.IssuerNotCa, "The issuer's pathLenConstraint is 0: it may issue only end-entity certificates, not another CA.");
                    }
                    if (pathLength == null || pathLength >= parentLimit)
                    {
                        throw new PkiException(PkiErrorCode.InvalidArgument, $"The issuer's pathLenConstraint is {parentLimit}.", null, null,
                            new PkiHint("Give {0} or less.", $"PathLength={parentLimit - 1}"), "PathLength");
                    }
                }
            }
            else if (template.PathLength != null)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "A path length applies only to the RootCa and IntermediateCa profiles.", null, null,
                    new PkiHint("Leave out {0}, or use {1} or {2}.", "PathLength", "Profile=RootCa", "Profile=IntermediateCa"), "PathLength");
            }

            // Serial.
            byte[] serial = template.SerialNumber ?? RandomSerial();
            var serialValue = new Org.BouncyCastle.Math.BigInteger(1, serial);
            if (serialValue.SignValue <= 0 || serialValue.ToByteArray().Length > 20)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "The serial number must be positive and at most 20 octets.");
            }

            // Extensions.
            var extensions = new X509ExtensionsGenerator();
            byte[] ski = KeyIdentifier(subjectPublicKeyInfo);
            if (isCa)
            {
                extensions.AddExtension(X509Extensions.BasicConstraints, true, pathLength is int p ? new BcBasicConstraints(p) : new BcBasicConstraints(true));
                extensions.AddExtension(X509Extensions.KeyUsage, true, new BcKeyUsage(BcKeyUsage.KeyCertSign | BcKeyUsage.CrlSign | BcKeyUsage.DigitalSignature));
            }
            else
            {
                extensions.AddExtension(X509Extensions.BasicConstraints, true, new BcBasicConstraints(false));
                int usage = BcKeyUsage.DigitalSignature;
                if (subjectKeyType == KeyType.Rsa && profile != CertificateProfile.TlsClient) usage |= BcKeyUsage.KeyEncipherment;
                extensions.AddExtension(X509Extensions.KeyUsage, true, new BcKeyUsage(usage));
                var purposes = new List<KeyPurposeID>();
                if (profile != CertificateProfile.TlsClient) purposes.Add(KeyPurposeID.id_kp_serverAuth);
                if (profile != CertificateProfile.TlsServer) purposes.Add(KeyPurposeID.id_kp_clientAuth);
                extensions.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(purposes.ToArray()));
            }
            extensions.AddExtension(X509Extensions.SubjectKeyIdentifier, false, new SubjectKeyIdentifier(ski));
            if (!selfSigned)
            {
                extensions.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(issuer!.KeyIdentifier));
            }
            if (subjectAltNames != null)
            {
                // RFC 5280 4.2.1.6: critical when the subject is empty.
                extensions.AddExtension(X509Extensions.SubjectAlternativeName, subjectIsEmpty, subjectAltNames);
            }
            else if (!isCa)
            {
                warnings.Add("The certificate has no subjectAltName: TLS clients will not match any host name to it.");
            }

            AddPublicationAndConstraints(extensions, template, isCa);

            ICertificateSigner signer = issuer?.Signer ?? selfSigner;
            AlgorithmIdentifier signatureAlgorithm = issuer?.SignatureAlgorithm ?? AlgorithmIdentifier.GetInstance(selfSigner.SignatureAlgorithm);
            var tbsGenerator = new V3TbsCertificateGenerator();
            tbsGenerator.SetSerialNumber(new DerInteger(serialValue));
            tbsGenerator.SetSignature(signatureAlgorithm);
            tbsGenerator.SetIssuer(issuer?.Name ?? subject);
            tbsGenerator.SetStartDate(new Time(notBefore));
            tbsGenerator.SetEndDate(new Time(notAfter));
            tbsGenerator.SetSubject(subject);
            tbsGenerator.SetSubjectPublicKeyInfo(SubjectPublicKeyInfo.GetInstance(subjectPublicKeyInfo));
            tbsGenerator.SetExtensions(extensions.Generate());
            TbsCertificateStructure tbs = tbsGenerator.GenerateTbsCertificate();
            byte[] tbsDer = tbs.GetDerEncoded();
            byte[] signature = signer.Sign(tbsDer);

            PublicKeyInfo verifier = issuer?.PublicKey ?? selfPublicKey;
            if (!verifier.Verify(signatureAlgorithm, tbsDer, signature))
            {
                throw new PkiException(PkiErrorCode.SignatureSelfCheckFailed,
                    "The signature just produced does not verify with the issuer's public key: the signing key does not match the issuer certificate, or the signer is broken. Nothing was issued.");
            }
            return new X509CertificateStructure(tbs, signatureAlgorithm, new DerBitString(signature)).GetDerEncoded();
        }

        /// <summary>nameConstraints (CA profiles), cRLDistributionPoints and authorityInfoAccess (caIssuers), all checked first.</summary>
        private static void AddPublicationAndConstraints(X509ExtensionsGenerator extensions, CertificateTemplate template, bool isCa)
        {
            if (template.PermittedDnsDomains.Count > 0 || template.PermittedIpRanges.Count > 0)
            {
                if (!isCa)
                {
                    throw new PkiException(PkiErrorCode.InvalidArgument, "Name constraints apply only to CA certificates.", null, null,
                        new PkiHint("Leave out {0} and {1}, or issue a CA certificate.", "PermittedDnsDomain", "PermittedIpRange"));
                }
                var permitted = new List<Asn1Encodable>();
                foreach (string domain in template.PermittedDnsDomains)
                {
                    permitted.Add(new DerSequence(new GeneralName(GeneralName.DnsName, NormalizeConstraintDomain(domain))));
                }
                foreach (string range in template.PermittedIpRanges)
                {
                    permitted.Add(new DerSequence(new GeneralName(GeneralName.IPAddress, new DerOctetString(IpConstraint(range)))));
                }
                var parts = new List<Asn1Encodable> { new DerTaggedObject(false, 0, new DerSequence(permitted.ToArray())) };
                if (template.PermittedIpRanges.Count == 0)
                {
                    // DNS-only constraints leave IP addresses unconstrained (RFC 5280 4.2.1.10): exclude them all, so the
                    // CA cannot vouch for an address either.
                    parts.Add(new DerTaggedObject(false, 1, new DerSequence(
                        new DerSequence(new GeneralName(GeneralName.IPAddress, new DerOctetString(new byte[8]))),
                        new DerSequence(new GeneralName(GeneralName.IPAddress, new DerOctetString(new byte[32]))))));
                }
                extensions.AddExtension(X509Extensions.NameConstraints, true, new DerSequence(parts.ToArray()));
            }
            if (template.CrlDistributionPoints.Count > 0)
            {
                var names = new GeneralNames(template.CrlDistributionPoints.Select(u => new GeneralName(GeneralName.UniformResourceIdentifier, CheckUri(u, "CrlDistributionPoint", isInput: true))).ToArray());
                var point = new DerSequence(new DerTaggedObject(true, 0, new DerTaggedObject(false, 0, names)));
                extensions.AddExtension(X509Extensions.CrlDistributionPoints, false, new DerSequence(point));
            }
            if (template.AuthorityInfoAccess.Count > 0)
            {
                var access = template.AuthorityInfoAccess.Select(u => (Asn1Encodable)new AccessDescription(AccessDescription.IdADCAIssuers,
                    new GeneralName(GeneralName.UniformResourceIdentifier, CheckUri(u, "AuthorityInfoAccess", isInput: true)))).ToArray();
                extensions.AddExtension(X509Extensions.AuthorityInfoAccess, false, new DerSequence(access));
            }
        }

        /// <summary>"corp.example" or ".corp.example" as a dNSName constraint: the domain and everything below it.</summary>
        internal static string NormalizeConstraintDomain(string domain)
        {
            string d = (domain ?? "").Trim().TrimStart('.').TrimEnd('.').ToLowerInvariant();
            bool ok = d.Length > 0 && d.Length <= 253;
            foreach (string label in d.Split('.'))
            {
                ok &= label.Length > 0 && label.Length <= 63 && label[0] != '-' && label[label.Length - 1] != '-';
                foreach (char c in label) ok &= (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
            }
            if (!ok) throw new PkiException(PkiErrorCode.InvalidArgument, $"'{domain}' is not a DNS domain for a name constraint (letters, digits, hyphens and dots, such as corp.example; no wildcard).", null, domain);
            return d;
        }

        /// <summary>An iPAddress constraint: the network address followed by its mask (8 octets for IPv4, 32 for IPv6).</summary>
        internal static byte[] IpConstraint(string range)
        {
            (byte[] network, int bits) = Ca.CaPolicy.ParseCidr(range);
            var result = new byte[network.Length * 2];
            for (int i = 0; i < network.Length; i++)
            {
                int maskBits = Math.Max(0, Math.Min(8, bits - 8 * i));
                byte mask = (byte)(0xFF << (8 - maskBits));
                result[i] = (byte)(network[i] & mask);
                result[network.Length + i] = mask;
            }
            return result;
        }

        /// <summary>
        /// <paramref name="uri"/> checked to be an absolute http, https, ldap or file URI. <paramref name="field"/> is the
        /// option name when <paramref name="isInput"/> (the caller's layer renders it in the hint), else a policy field name.
        /// </summary>
        internal static string CheckUri(string uri, string field, bool isInput = false)
        {
            // The text must name its scheme: System.Uri also takes "/ca.crl" (Unix) and "C:\ca.crl" as file URIs, whose
            // original string, written into the certificate, is no URI at all.
            if (!Uri.TryCreate(uri?.Trim(), UriKind.Absolute, out Uri? parsed) || (parsed.Scheme != "http" && parsed.Scheme != "https" && parsed.Scheme != "ldap" && parsed.Scheme != "file")
                || !parsed.OriginalString.StartsWith(parsed.Scheme + ":", StringComparison.OrdinalIgnoreCase))
            {
                string reason = $"'{uri}' is not an absolute http, https, ldap or file URI (clients fetch http://...).";
                if (isInput) throw new PkiException(PkiErrorCode.InvalidArgument, reason, null, uri, new PkiHint("Check {0}.", field), field);
                throw new PkiException(PkiErrorCode.InvalidArgument, $"{field}: {reason}", null, uri);
            }
            return parsed.OriginalString;
        }

        /// <summary>RFC 7093 section 2 method 1: the leftmost 160 bits of the SHA-256 of the subjectPublicKey bits.</summary>
        public static byte[] KeyIdentifier(byte[] subjectPublicKeyInfo)
        {
            byte[] keyBits = SubjectPublicKeyInfo.GetInstance(subjectPublicKeyInfo).PublicKey.GetBytes();
            byte[] hash = Hex.Sha256Digest(keyBits);
            var id = new byte[20];
            Buffer.BlockCopy(hash, 0, id, 0, 20);
            return id;
        }

        private static byte[] RandomSerial()
        {
            var serial = new byte[16];
            using (var rng = RandomNumberGenerator.Create())
            {
                do
                {
                    rng.GetBytes(serial);
                }
                while (serial[0] == 0 && serial[1] == 0);
            }
            return serial;
        }

        private static DateTime Truncate(DateTime utc) => new DateTime(utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
    }
}
