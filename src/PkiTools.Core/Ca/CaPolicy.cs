using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Text;
using PkiTools.Core.X509;

namespace PkiTools.Core.Ca
{
    /// <summary>
    /// What a CA may issue, kept in <c>policy.json</c> in the CA directory (human-editable). Empty name lists allow
    /// every name (except that DNS suffixes without IP ranges allow no IP address, as the CA certificate's name
    /// constraints then exclude them all); a name outside a non-empty list is a <see cref="PkiErrorCode.PolicyViolation"/>.
    /// </summary>
    public sealed class CaPolicy
    {
        public const string FileName = "policy.json";

        /// <summary>The longest lifetime a certificate may get, in days.</summary>
        public int MaxValidityDays { get; set; } = 825;

        /// <summary>Profiles (and so EKUs) this CA issues; IntermediateCa only when listed.</summary>
        public List<CertificateProfile> AllowedProfiles { get; set; } = new List<CertificateProfile>
        {
            CertificateProfile.TlsServer, CertificateProfile.TlsClient, CertificateProfile.TlsServerClient,
        };

        /// <summary>DNS suffixes ("corp.example" allows corp.example and *.corp.example names). Empty: any.</summary>
        public List<string> PermittedDnsSuffixes { get; set; } = new List<string>();

        /// <summary>CIDR ranges ("10.0.0.0/8", "2001:db8::/32"). Empty: any, unless DNS suffixes are given (then none).</summary>
        public List<string> PermittedIpRanges { get; set; } = new List<string>();

        public CertificateProfile DefaultProfile { get; set; } = CertificateProfile.TlsServer;

        /// <summary>nextUpdate of a CRL, in days after thisUpdate.</summary>
        public int DefaultCrlDays { get; set; } = 30;

        /// <summary>Where this CA publishes its CRL: written into every certificate it issues (cRLDistributionPoints).</summary>
        public List<string> CrlDistributionPoints { get; set; } = new List<string>();

        /// <summary>Where this CA's certificate can be fetched: written into every certificate it issues (authorityInfoAccess caIssuers).</summary>
        public List<string> AuthorityInfoAccess { get; set; } = new List<string>();

        /// <summary>
        /// How the CA's RSA key signs certificates and CRLs when a request does not say (signatureAlgorithm: "RsaPkcs1" or
        /// "RsaPss"). Null (the setting absent): the key's default, PKCS#1 v1.5 for an RSA key, RSASSA-PSS for an RSA-PSS key.
        /// </summary>
        public Keys.SignatureScheme? SignatureAlgorithm { get; set; }

        /// <summary>Throws <see cref="PkiErrorCode.PolicyViolation"/> unless the profile, every name and the lifetime fit.</summary>
        public void Check(CertificateProfile profile, IEnumerable<string> dnsNames, IEnumerable<string> ipAddresses, int validDays)
        {
            if (!AllowedProfiles.Contains(profile))
            {
                throw Violation($"the profile {profile} is not allowed (allowedProfiles: {string.Join(", ", AllowedProfiles)}).");
            }
            if (validDays > MaxValidityDays)
            {
                throw Violation($"a lifetime of {validDays} days exceeds maxValidityDays ({MaxValidityDays}).");
            }
            foreach (string dns in dnsNames)
            {
                if (!DnsPermitted(dns)) throw Violation($"the DNS name '{dns}' is outside permittedDnsSuffixes ({string.Join(", ", PermittedDnsSuffixes)}).");
            }
            foreach (string ip in ipAddresses)
            {
                if (!IpPermitted(ip))
                {
                    throw Violation(PermittedIpRanges.Count == 0
                        ? $"the IP address '{ip}' is not allowed: the CA is limited to DNS names (permittedDnsSuffixes: {string.Join(", ", PermittedDnsSuffixes)}) and its certificate excludes every IP address."
                        : $"the IP address '{ip}' is outside permittedIpRanges ({string.Join(", ", PermittedIpRanges)}).");
                }
            }
        }

        /// <summary>
        /// Sorts a subject CN of a request into the names <see cref="Check"/> checks: an IP address goes to
        /// <paramref name="ipAddresses"/>, a CN that could be read as a host name to <paramref name="dnsNames"/>, and a CN
        /// that is clearly not a host name (<see cref="IsClearlyNotHostName"/>) nowhere. When the policy limits DNS names,
        /// a CN that could be read as a host name must be a DNS name exactly as a subjectAltName would be written (ASCII,
        /// no spaces, no trailing or leading dot, any case): the CN is copied into the certificate verbatim, so
        /// "www.bank.com\0.corp.example", "evil.com " or "evil\uFF0Ecom" would otherwise reach clients that read them
        /// as another name than the one checked. Such a CN is a <see cref="PkiErrorCode.PolicyViolation"/>.
        /// </summary>
        public void AddCommonName(string commonName, List<string> dnsNames, List<string> ipAddresses)
        {
            if (IPAddress.TryParse(commonName, out _) && commonName.Trim() == commonName)
            {
                ipAddresses.Add(commonName);
                return;
            }
            if (IsClearlyNotHostName(commonName)) return;
            if (PermittedDnsSuffixes.Count > 0 && !IsExactDnsName(commonName))
            {
                throw Violation($"the subject CN '{Printable(commonName)}' could be read as a host name but is not a DNS name as a subjectAltName would carry it " +
                    "(ASCII letters, digits, '-' and '_' in dot-separated labels, no spaces, control characters or Unicode dots; an internationalised name in its xn-- form), " +
                    $"so it cannot be checked against permittedDnsSuffixes ({string.Join(", ", PermittedDnsSuffixes)}).");
            }
            dnsNames.Add(commonName);
        }

        /// <summary>
        /// Whether a subject CN is clearly not a host name, so that a CA limited to DNS suffixes may issue it unchecked
        /// ("Backup Agent", "Jane Doe", "Corp Issuing CA", "web01"): printable ASCII only (no control character, no
        /// non-ASCII letter that an IDNA mapping could turn into ASCII), no leading or trailing space, and no dot of any
        /// kind (".", and the ideographic and full-width dots U+3002, U+FF0E, U+FF61 that IDNA maps to "."). A single
        /// label ("web01") is not treated as a host name, as OpenSSL does not take a CN without a dot as one either.
        /// Everything else is read as a host name.
        /// </summary>
        public static bool IsClearlyNotHostName(string commonName)
        {
            if (commonName.Length == 0) return true;
            if (commonName[0] == ' ' || commonName[commonName.Length - 1] == ' ') return false;
            foreach (char c in commonName)
            {
                if (c < 0x20 || c > 0x7E) return false; // control characters, NUL, every non-ASCII character
                if (c == '.' || c == '/' || c == '\\') return false;
            }
            return true;
        }

        /// <summary>Whether <paramref name="name"/> is a valid DNS name already in the form a SAN carries (up to case).</summary>
        private static bool IsExactDnsName(string name)
        {
            try
            {
                return string.Equals(Names.NormalizeDnsName(name), name, StringComparison.OrdinalIgnoreCase)
                    && name.All(c => c > 0x20 && c < 0x7F);
            }
            catch (PkiException)
            {
                return false;
            }
        }

        /// <summary>A name with control and non-ASCII characters shown as \uXXXX, for messages.</summary>
        private static string Printable(string s)
        {
            var b = new StringBuilder();
            foreach (char c in s) b.Append(c < 0x20 || c > 0x7E ? "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture) : c.ToString());
            return b.ToString();
        }

        public bool DnsPermitted(string name)
        {
            if (PermittedDnsSuffixes.Count == 0) return true;
            string n = name.Trim().TrimEnd('.').ToLowerInvariant();
            if (n.StartsWith("*.", StringComparison.Ordinal)) n = n.Substring(2);
            foreach (string suffix in PermittedDnsSuffixes)
            {
                string s = suffix.Trim().TrimStart('.').TrimEnd('.').ToLowerInvariant();
                if (n == s || n.EndsWith("." + s, StringComparison.Ordinal)) return true;
            }
            return false;
        }

        public bool IpPermitted(string address)
        {
            // DNS suffixes without IP ranges: the CA certificate excludes every IP address (see CertificateBuilder), so none may be issued.
            if (PermittedIpRanges.Count == 0) return PermittedDnsSuffixes.Count == 0;
            if (!IPAddress.TryParse(address, out IPAddress? ip)) return false;
            byte[] a = ip.GetAddressBytes();
            foreach (string range in PermittedIpRanges)
            {
                (byte[] network, int bits) = ParseCidr(range);
                if (network.Length != a.Length) continue;
                bool match = true;
                for (int i = 0; i < bits && match; i++)
                {
                    int mask = 0x80 >> (i % 8);
                    match = (a[i / 8] & mask) == (network[i / 8] & mask);
                }
                if (match) return true;
            }
            return false;
        }

        internal static (byte[] Network, int Bits) ParseCidr(string range)
        {
            string[] parts = range.Trim().Split('/');
            // IPv4 as four decimal octets only: IPAddress.TryParse takes inet_aton forms, so "10.1/16" would be 10.0.0.1/16
            // and "010.0.0.0" octal 8.0.0.0, silently constraining another range than the one written.
            bool ipv4Ok = parts[0].IndexOf(':') >= 0 || System.Text.RegularExpressions.Regex.IsMatch(parts[0], @"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$");
            if (!ipv4Ok || !IPAddress.TryParse(parts[0], out IPAddress? ip))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"'{range}' is not an IP range in CIDR form (10.0.0.0/8).", null, range);
            }
            byte[] bytes = ip.GetAddressBytes();
            int bits = bytes.Length * 8;
            if (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out bits) || bits > bytes.Length * 8) || parts.Length > 2)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"'{range}' is not an IP range in CIDR form (10.0.0.0/8).", null, range);
            }
            return (bytes, bits);
        }

        /// <summary>
        /// Makes this (a new sub-CA's) policy fit inside <paramref name="parent"/>'s permitted names, narrowing only. A
        /// sub-CA given no names inherits the parent's. Names it is given must lie inside the parent's
        /// (<see cref="PkiErrorCode.PolicyViolation"/> otherwise); as for any CA, DNS domains alone exclude every IP
        /// address; IP ranges alone under a parent limited to DNS names inherit the parent's domains (and are refused,
        /// because that parent excludes every IP address).
        /// </summary>
        public void NarrowNamesTo(CaPolicy parent, string parentName)
        {
            bool parentLimitsDns = parent.PermittedDnsSuffixes.Count > 0;
            if (!parentLimitsDns && parent.PermittedIpRanges.Count == 0) return;
            if (PermittedDnsSuffixes.Count == 0 && PermittedIpRanges.Count == 0)
            {
                PermittedDnsSuffixes = new List<string>(parent.PermittedDnsSuffixes);
                PermittedIpRanges = new List<string>(parent.PermittedIpRanges);
                return;
            }
            if (parentLimitsDns)
            {
                if (PermittedDnsSuffixes.Count == 0) PermittedDnsSuffixes = new List<string>(parent.PermittedDnsSuffixes);
                foreach (string domain in PermittedDnsSuffixes)
                {
                    if (!parent.DnsPermitted(domain.Trim().TrimStart('.')))
                    {
                        throw Violation($"the DNS domain '{domain}' is outside the parent CA '{parentName}' (permittedDnsSuffixes: {string.Join(", ", parent.PermittedDnsSuffixes)}): a sub-CA can only narrow its parent's names.");
                    }
                }
            }
            foreach (string range in PermittedIpRanges)
            {
                if (parent.PermittedIpRanges.Count == 0)
                {
                    throw Violation($"the parent CA '{parentName}' is limited to DNS names (permittedDnsSuffixes: {string.Join(", ", parent.PermittedDnsSuffixes)}) and excludes every IP address, so a sub-CA cannot be given the IP range '{range}'.");
                }
                if (!parent.PermittedIpRanges.Any(p => RangeWithin(range, p)))
                {
                    throw Violation($"the IP range '{range}' is outside the parent CA '{parentName}' (permittedIpRanges: {string.Join(", ", parent.PermittedIpRanges)}): a sub-CA can only narrow its parent's names.");
                }
            }
        }

        /// <summary>
        /// The permitted DNS domains and IP ranges of a CA certificate's nameConstraints extension, as a policy holding
        /// only those names; null when the certificate has no permitted subtrees of those kinds. For a parent CA whose
        /// policy.json names nothing (an easy-rsa or openssl CA adopted with Get-Ca) but whose certificate is constrained.
        /// </summary>
        public static CaPolicy? PermittedNamesOf(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
        {
            System.Security.Cryptography.X509Certificates.X509Extension? extension = null;
            foreach (System.Security.Cryptography.X509Certificates.X509Extension e in certificate.Extensions)
            {
                if (e.Oid?.Value == "2.5.29.30") extension = e;
            }
            if (extension == null) return null;
            var names = new CaPolicy();
            try
            {
                var constraints = Org.BouncyCastle.Asn1.X509.NameConstraints.GetInstance(Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(extension.RawData));
                Org.BouncyCastle.Asn1.X509.GeneralSubtree[]? permitted = constraints.PermittedSubtreesValue?.GetElements();
                if (permitted == null) return null;
                foreach (Org.BouncyCastle.Asn1.Asn1Encodable item in permitted)
                {
                    Org.BouncyCastle.Asn1.X509.GeneralName name = Org.BouncyCastle.Asn1.X509.GeneralSubtree.GetInstance(item).Base;
                    if (name.TagNo == Org.BouncyCastle.Asn1.X509.GeneralName.DnsName)
                    {
                        string domain = name.Name.ToString()!.Trim().TrimStart('.');
                        if (domain.Length > 0) names.PermittedDnsSuffixes.Add(domain);
                    }
                    else if (name.TagNo == Org.BouncyCastle.Asn1.X509.GeneralName.IPAddress)
                    {
                        byte[] octets = Org.BouncyCastle.Asn1.Asn1OctetString.GetInstance(name.Name).GetOctets();
                        if (octets.Length != 8 && octets.Length != 32) continue;
                        int half = octets.Length / 2;
                        int bits = 0;
                        for (int i = 0; i < half * 8 && (octets[half + i / 8] & (0x80 >> (i % 8))) != 0; i++) bits++;
                        var address = new IPAddress(octets.Take(half).ToArray());
                        names.PermittedIpRanges.Add(address + "/" + bits.ToString(CultureInfo.InvariantCulture));
                    }
                }
            }
            catch (Exception ex) when (ex is ArgumentException || ex is InvalidCastException || ex is System.IO.IOException)
            {
                throw new PkiException(PkiErrorCode.CertificateInvalid, $"The nameConstraints extension of '{certificate.Subject}' cannot be read: {PlainReason.Of(ex)}.", ex, certificate);
            }
            return names.PermittedDnsSuffixes.Count + names.PermittedIpRanges.Count == 0 ? null : names;
        }

        /// <summary>Whether the CIDR range <paramref name="inner"/> lies inside <paramref name="outer"/>.</summary>
        internal static bool RangeWithin(string inner, string outer)
        {
            (byte[] a, int aBits) = ParseCidr(inner);
            (byte[] b, int bBits) = ParseCidr(outer);
            if (a.Length != b.Length || aBits < bBits) return false;
            for (int i = 0; i < bBits; i++)
            {
                int mask = 0x80 >> (i % 8);
                if ((a[i / 8] & mask) != (b[i / 8] & mask)) return false;
            }
            return true;
        }

        /// <summary>Checks the values themselves (ranges parse, numbers positive).</summary>
        public void Validate()
        {
            if (MaxValidityDays < 1) throw new PkiException(PkiErrorCode.InvalidArgument, "maxValidityDays must be at least 1.");
            if (DefaultCrlDays < 1) throw new PkiException(PkiErrorCode.InvalidArgument, "defaultCrlDays must be at least 1.");
            foreach (string r in PermittedIpRanges) ParseCidr(r);
            foreach (string d in PermittedDnsSuffixes) CertificateBuilder.NormalizeConstraintDomain(d);
            foreach (string u in CrlDistributionPoints) CertificateBuilder.CheckUri(u, "crlDistributionPoints");
            foreach (string u in AuthorityInfoAccess) CertificateBuilder.CheckUri(u, "authorityInfoAccess");
        }

        private static PkiException Violation(string what) =>
            new PkiException(PkiErrorCode.PolicyViolation, "The CA's policy refuses this request: " + what + " Nothing was issued.");

        /// <summary>policy.json, indented, one setting a line.</summary>
        public string ToJson()
        {
            static string Str(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
            static string List(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(Str)) + "]";
            var b = new StringBuilder();
            b.Append("{\n");
            b.Append("  \"maxValidityDays\": ").Append(MaxValidityDays.ToString(CultureInfo.InvariantCulture)).Append(",\n");
            b.Append("  \"allowedProfiles\": ").Append(List(AllowedProfiles.Select(p => p.ToString()))).Append(",\n");
            b.Append("  \"permittedDnsSuffixes\": ").Append(List(PermittedDnsSuffixes)).Append(",\n");
            b.Append("  \"permittedIpRanges\": ").Append(List(PermittedIpRanges)).Append(",\n");
            b.Append("  \"defaultProfile\": ").Append(Str(DefaultProfile.ToString())).Append(",\n");
            b.Append("  \"defaultCrlDays\": ").Append(DefaultCrlDays.ToString(CultureInfo.InvariantCulture)).Append(",\n");
            b.Append("  \"crlDistributionPoints\": ").Append(List(CrlDistributionPoints)).Append(",\n");
            b.Append("  \"authorityInfoAccess\": ").Append(List(AuthorityInfoAccess)).Append(SignatureAlgorithm == null ? "\n" : ",\n");
            if (SignatureAlgorithm != null) b.Append("  \"signatureAlgorithm\": ").Append(Str(SignatureAlgorithm.ToString()!)).Append('\n');
            b.Append("}\n");
            return b.ToString();
        }

        /// <summary>The policy file at <paramref name="path"/>, or the defaults when there is none (easy-rsa and openssl ca folders).</summary>
        public static CaPolicy Load(string path) =>
            System.IO.File.Exists(path)
                ? FromJson(System.Text.Encoding.UTF8.GetString(Formats.CertificateReader.ReadFile(path)), path)
                : new CaPolicy();

        /// <summary>Reads policy.json; unknown keys are refused (a typo must not silently loosen the policy).</summary>
        public static CaPolicy FromJson(string json, string? source = null)
        {
            object? root;
            try
            {
                root = new Internal.MiniJson(json).ParseDocument();
            }
            catch (FormatException ex)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"The CA policy {source} is not valid JSON: {ex.Message}", ex, source);
            }
            if (!(root is Dictionary<string, object?> map))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"The CA policy {source} must be a JSON object.", null, source);
            }
            var policy = new CaPolicy();
            foreach (KeyValuePair<string, object?> kv in map)
            {
                try
                {
                    switch (kv.Key)
                    {
                        case "maxValidityDays": policy.MaxValidityDays = Convert.ToInt32((double)kv.Value!); break;
                        case "defaultCrlDays": policy.DefaultCrlDays = Convert.ToInt32((double)kv.Value!); break;
                        case "allowedProfiles": policy.AllowedProfiles = Strings(kv.Value).Select(ParseProfile).ToList(); break;
                        case "permittedDnsSuffixes": policy.PermittedDnsSuffixes = Strings(kv.Value); break;
                        case "permittedIpRanges": policy.PermittedIpRanges = Strings(kv.Value); break;
                        case "crlDistributionPoints": policy.CrlDistributionPoints = Strings(kv.Value); break;
                        case "authorityInfoAccess": policy.AuthorityInfoAccess = Strings(kv.Value); break;
                        case "defaultProfile": policy.DefaultProfile = ParseProfile((string)kv.Value!); break;
                        case "signatureAlgorithm": policy.SignatureAlgorithm = kv.Value == null ? null : ParseScheme((string)kv.Value); break;
                        default: throw new FormatException($"unknown setting '{kv.Key}'");
                    }
                }
                catch (Exception ex) when (ex is InvalidCastException || ex is NullReferenceException)
                {
                    // .NET's cast messages name types ("System.String" to "System.Double"): say what the setting takes.
                    string expected = kv.Key switch
                    {
                        "maxValidityDays" or "defaultCrlDays" => "a number of days",
                        "defaultProfile" => "a profile name in quotes",
                        "signatureAlgorithm" => "RsaPkcs1 or RsaPss in quotes",
                        _ => "a list of strings in quotes",
                    };
                    throw new PkiException(PkiErrorCode.InvalidArgument, $"The CA policy {source}: '{kv.Key}' is invalid (it must be {expected}).", ex, source);
                }
                catch (OverflowException ex)
                {
                    throw new PkiException(PkiErrorCode.InvalidArgument, $"The CA policy {source}: '{kv.Key}' is invalid (the number is too large).", ex, source);
                }
                catch (Exception ex) when (ex is FormatException || ex is ArgumentException)
                {
                    throw new PkiException(PkiErrorCode.InvalidArgument, $"The CA policy {source}: '{kv.Key}' is invalid ({ex.Message.TrimEnd('.')}).", ex, source);
                }
            }
            policy.Validate();
            return policy;
        }

        private static Keys.SignatureScheme ParseScheme(string name)
        {
            foreach (Keys.SignatureScheme scheme in (Keys.SignatureScheme[])Enum.GetValues(typeof(Keys.SignatureScheme)))
            {
                if (string.Equals(scheme.ToString(), name, StringComparison.OrdinalIgnoreCase)) return scheme;
            }
            throw new FormatException($"'{name}' is not a signature algorithm; use one of {string.Join(", ", Enum.GetNames(typeof(Keys.SignatureScheme)))}");
        }

        private static CertificateProfile ParseProfile(string name)
        {
            foreach (CertificateProfile profile in (CertificateProfile[])Enum.GetValues(typeof(CertificateProfile)))
            {
                if (string.Equals(profile.ToString(), name, StringComparison.OrdinalIgnoreCase)) return profile;
            }
            throw new FormatException($"'{name}' is not a profile; use one of {string.Join(", ", Enum.GetNames(typeof(CertificateProfile)))}");
        }

        private static List<string> Strings(object? value) => ((List<object?>)value!).Select(v => (string)v!).ToList();
    }
}
