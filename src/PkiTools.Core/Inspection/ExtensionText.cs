using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using BcKeyUsage = Org.BouncyCastle.Asn1.X509.KeyUsage;

namespace PkiTools.Core.Inspection
{
    /// <summary>
    /// Extension names and values in the words and layout of OpenSSL 3's <c>-text</c> output, so that what Get-CertDetail
    /// shows can be compared line by line with <c>openssl x509 -text</c>. Values are lines joined by '\n'; nested lines
    /// keep two spaces of indent as OpenSSL prints them. Unknown extensions are shown as colon-separated hex.
    /// </summary>
    internal static class ExtensionText
    {
        private static readonly Dictionary<string, string> ExtensionNames = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["2.5.29.14"] = "X509v3 Subject Key Identifier",
            ["2.5.29.15"] = "X509v3 Key Usage",
            ["2.5.29.17"] = "X509v3 Subject Alternative Name",
            ["2.5.29.18"] = "X509v3 Issuer Alternative Name",
            ["2.5.29.19"] = "X509v3 Basic Constraints",
            ["2.5.29.20"] = "X509v3 CRL Number",
            ["2.5.29.21"] = "X509v3 CRL Reason Code",
            ["2.5.29.24"] = "Invalidity Date",
            ["2.5.29.27"] = "X509v3 Delta CRL Indicator",
            ["2.5.29.28"] = "X509v3 Issuing Distribution Point",
            ["2.5.29.30"] = "X509v3 Name Constraints",
            ["2.5.29.31"] = "X509v3 CRL Distribution Points",
            ["2.5.29.32"] = "X509v3 Certificate Policies",
            ["2.5.29.35"] = "X509v3 Authority Key Identifier",
            ["2.5.29.36"] = "X509v3 Policy Constraints",
            ["2.5.29.37"] = "X509v3 Extended Key Usage",
            ["2.5.29.54"] = "X509v3 Inhibit Any Policy",
            ["1.3.6.1.5.5.7.1.1"] = "Authority Information Access",
            ["1.3.6.1.5.5.7.1.24"] = "TLS Feature",
            ["1.3.6.1.4.1.11129.2.4.2"] = "CT Precertificate SCTs",
            ["1.3.6.1.4.1.11129.2.4.3"] = "CT Precertificate Poison",
        };

        private static readonly Dictionary<string, string> PurposeNames = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["1.3.6.1.5.5.7.3.1"] = "TLS Web Server Authentication",
            ["1.3.6.1.5.5.7.3.2"] = "TLS Web Client Authentication",
            ["1.3.6.1.5.5.7.3.3"] = "Code Signing",
            ["1.3.6.1.5.5.7.3.4"] = "E-mail Protection",
            ["1.3.6.1.5.5.7.3.8"] = "Time Stamping",
            ["1.3.6.1.5.5.7.3.9"] = "OCSP Signing",
            ["2.5.29.37.0"] = "Any Extended Key Usage",
        };

        private static readonly (int Bit, string Name)[] KeyUsages =
        {
            (BcKeyUsage.DigitalSignature, "Digital Signature"),
            (BcKeyUsage.NonRepudiation, "Non Repudiation"),
            (BcKeyUsage.KeyEncipherment, "Key Encipherment"),
            (BcKeyUsage.DataEncipherment, "Data Encipherment"),
            (BcKeyUsage.KeyAgreement, "Key Agreement"),
            (BcKeyUsage.KeyCertSign, "Certificate Sign"),
            (BcKeyUsage.CrlSign, "CRL Sign"),
            (BcKeyUsage.EncipherOnly, "Encipher Only"),
            (BcKeyUsage.DecipherOnly, "Decipher Only"),
        };

        /// <summary>OpenSSL's reason names, indexed by CRLReason code (7 is unused).</summary>
        internal static readonly string[] ReasonNames =
        {
            "Unspecified", "Key Compromise", "CA Compromise", "Affiliation Changed", "Superseded", "Cessation Of Operation",
            "Certificate Hold", "7", "Remove From CRL", "Privilege Withdrawn", "AA Compromise",
        };

        /// <summary>OpenSSL's long name of an extension, or its OID.</summary>
        public static string NameOf(string oid) => ExtensionNames.TryGetValue(oid, out string? name) ? name : oid;

        /// <summary>Whether PkiTools decodes the value of this extension (else it is shown as hex).</summary>
        public static bool IsKnown(string oid) => ExtensionNames.ContainsKey(oid) && Decoders.ContainsKey(oid);

        /// <summary>The value as text; hex for unknown extensions, "(malformed) hex" when a known one does not decode.</summary>
        public static string Describe(string oid, byte[] value)
        {
            if (!Decoders.TryGetValue(oid, out Func<Asn1Object, IEnumerable<string>>? decode)) return ColonHex(value);
            try
            {
                return string.Join("\n", decode(Asn1Object.FromByteArray(value)));
            }
            catch (Exception)
            {
                return "(malformed) " + ColonHex(value);
            }
        }

        private static readonly Dictionary<string, Func<Asn1Object, IEnumerable<string>>> Decoders =
            new Dictionary<string, Func<Asn1Object, IEnumerable<string>>>(StringComparer.Ordinal)
            {
                ["2.5.29.14"] = v => new[] { ColonHex(Asn1OctetString.GetInstance(v).GetOctets()) },
                ["2.5.29.15"] = v => new[] { KeyUsageText(DerBitString.GetInstance(v).IntValue) },
                ["2.5.29.17"] = v => new[] { string.Join(", ", GeneralNames.GetInstance(v).GetNames().Select(n => GeneralNameText(n, false))) },
                ["2.5.29.18"] = v => new[] { string.Join(", ", GeneralNames.GetInstance(v).GetNames().Select(n => GeneralNameText(n, false))) },
                ["2.5.29.19"] = v => new[] { BasicConstraintsText(BasicConstraints.GetInstance(v)) },
                ["2.5.29.20"] = v => new[] { DerInteger.GetInstance(v).Value.ToString() },
                ["2.5.29.27"] = v => new[] { DerInteger.GetInstance(v).Value.ToString() },
                ["2.5.29.21"] = v => new[] { ReasonText(DerEnumerated.GetInstance(v).IntValueExact) },
                ["2.5.29.30"] = v => NameConstraintsText(NameConstraints.GetInstance(v)),
                ["2.5.29.31"] = v => DistributionPointsText(CrlDistPoint.GetInstance(v)),
                ["2.5.29.32"] = v => PoliciesText(Asn1Sequence.GetInstance(v)),
                ["2.5.29.35"] = v => AuthorityKeyIdText(AuthorityKeyIdentifier.GetInstance(v)),
                ["2.5.29.37"] = v => new[] { string.Join(", ", ExtendedKeyUsage.GetInstance(v).GetAllUsages().Select(p => PurposeName(p.Id))) },
                ["2.5.29.54"] = v => new[] { DerInteger.GetInstance(v).Value.ToString() },
                ["1.3.6.1.5.5.7.1.1"] = v => AccessText(AuthorityInformationAccess.GetInstance(v)),
            };

        public static string PurposeName(string oid) => PurposeNames.TryGetValue(oid, out string? name) ? name : oid;

        public static string ReasonText(int code) => code >= 0 && code < ReasonNames.Length ? ReasonNames[code] : code.ToString(CultureInfo.InvariantCulture);

        private static string KeyUsageText(int bits)
        {
            var names = KeyUsages.Where(k => (bits & k.Bit) != 0).Select(k => k.Name).ToList();
            return names.Count == 0 ? "(none)" : string.Join(", ", names);
        }

        private static string BasicConstraintsText(BasicConstraints bc)
        {
            string text = bc.IsCA() ? "CA:TRUE" : "CA:FALSE";
            if (bc.PathLenConstraint != null) text += ", pathlen:" + bc.PathLenConstraint.ToString();
            return text;
        }

        private static IEnumerable<string> AuthorityKeyIdText(AuthorityKeyIdentifier aki)
        {
            byte[]? id = aki.KeyIdentifier?.GetOctets();
            if (id != null) yield return ColonHex(id);
            if (aki.AuthorityCertIssuer != null)
            {
                foreach (GeneralName name in aki.AuthorityCertIssuer.GetNames()) yield return GeneralNameText(name, false);
            }
            if (aki.AuthorityCertSerialNumber != null) yield return "serial:" + ColonHex(aki.AuthorityCertSerialNumber.ToByteArrayUnsigned());
        }

        private static IEnumerable<string> DistributionPointsText(CrlDistPoint cdp)
        {
            bool first = true;
            foreach (DistributionPoint point in cdp.GetDistributionPoints())
            {
                if (!first) yield return string.Empty;
                first = false;
                DistributionPointName? name = point.DistributionPointName;
                if (name != null && name.Type == DistributionPointName.FullName)
                {
                    yield return "Full Name:";
                    foreach (GeneralName gn in GeneralNames.GetInstance(name.Name).GetNames()) yield return "  " + GeneralNameText(gn, false);
                }
                else if (name != null)
                {
                    yield return "Relative Name:";
                    yield return "  " + X509Name.GetInstance(new DerSequence(Asn1Set.GetInstance(name.Name))).ToString();
                }
                if (point.Reasons != null) yield return "Reasons: " + ColonHex(point.Reasons.GetBytes());
                if (point.CrlIssuer != null)
                {
                    yield return "CRL Issuer:";
                    foreach (GeneralName gn in point.CrlIssuer.GetNames()) yield return "  " + GeneralNameText(gn, false);
                }
            }
        }

        private static IEnumerable<string> AccessText(AuthorityInformationAccess aia)
        {
            foreach (AccessDescription d in aia.GetAccessDescriptions())
            {
                string method = d.AccessMethod.Id switch
                {
                    "1.3.6.1.5.5.7.48.1" => "OCSP",
                    "1.3.6.1.5.5.7.48.2" => "CA Issuers",
                    string other => other,
                };
                yield return method + " - " + GeneralNameText(d.AccessLocation, false);
            }
        }

        private static IEnumerable<string> PoliciesText(Asn1Sequence policies)
        {
            foreach (Asn1Encodable element in policies)
            {
                var info = PolicyInformation.GetInstance(element);
                string oid = info.PolicyIdentifier.Id;
                yield return "Policy: " + (oid == "2.5.29.32.0" ? "X509v3 Any Policy" : oid);
                if (info.PolicyQualifiers == null) continue;
                foreach (Asn1Encodable q in info.PolicyQualifiers)
                {
                    var qualifier = PolicyQualifierInfo.GetInstance(q);
                    string id = qualifier.PolicyQualifierId.Id;
                    if (id == "1.3.6.1.5.5.7.2.1")
                    {
                        yield return "  CPS: " + ((IAsn1String)qualifier.Qualifier).GetString();
                    }
                    else if (id == "1.3.6.1.5.5.7.2.2")
                    {
                        var notice = UserNotice.GetInstance(qualifier.Qualifier);
                        yield return "  User Notice:";
                        if (notice.NoticeRef != null) yield return "    Organization: " + notice.NoticeRef.Organization.GetString();
                        if (notice.ExplicitText != null) yield return "    Explicit Text: " + notice.ExplicitText.GetString();
                    }
                    else
                    {
                        yield return "  " + id + ": " + ColonHex(qualifier.Qualifier.ToAsn1Object().GetDerEncoded());
                    }
                }
            }
        }

        private static IEnumerable<string> NameConstraintsText(NameConstraints nc)
        {
            if (nc.PermittedSubtreesValue != null)
            {
                yield return "Permitted:";
                foreach (GeneralSubtree s in nc.PermittedSubtreesValue.GetElements()) yield return "  " + GeneralNameText(s.Base, true);
            }
            if (nc.ExcludedSubtreesValue != null)
            {
                yield return "Excluded:";
                foreach (GeneralSubtree s in nc.ExcludedSubtreesValue.GetElements()) yield return "  " + GeneralNameText(s.Base, true);
            }
        }

        /// <summary>A general name as OpenSSL prints it: "DNS:x", "IP Address:1.2.3.4" (in constraints "IP:net/mask"), "email:", "URI:", "DirName:".</summary>
        internal static string GeneralNameText(GeneralName name, bool constraint)
        {
            switch (name.TagNo)
            {
                case GeneralName.DnsName:
                    return "DNS:" + ((IAsn1String)name.Name).GetString();
                case GeneralName.Rfc822Name:
                    return "email:" + ((IAsn1String)name.Name).GetString();
                case GeneralName.UniformResourceIdentifier:
                    return "URI:" + ((IAsn1String)name.Name).GetString();
                case GeneralName.DirectoryName:
                    return "DirName:" + OneLineName(X509Name.GetInstance(name.Name));
                case GeneralName.RegisteredID:
                    return "Registered ID:" + DerObjectIdentifier.GetInstance(name.Name).Id;
                case GeneralName.IPAddress:
                    byte[] raw = Asn1OctetString.GetInstance(name.Name).GetOctets();
                    if (constraint && (raw.Length == 8 || raw.Length == 32))
                    {
                        int half = raw.Length / 2;
                        return "IP:" + IpText(raw.Take(half).ToArray()) + "/" + IpText(raw.Skip(half).ToArray());
                    }
                    return (constraint ? "IP:" : "IP Address:") + IpText(raw);
                case GeneralName.OtherName:
                    return "othername: " + Asn1Sequence.GetInstance(name.Name)[0].ToString() + ":<unsupported>";
                default:
                    return "type" + name.TagNo.ToString(CultureInfo.InvariantCulture) + ":" + ColonHex(name.Name.ToAsn1Object().GetDerEncoded());
            }
        }

        /// <summary>OpenSSL 3's one-line form of a name: "CN = x, O = y", most significant first as encoded.</summary>
        internal static string OneLineName(X509Name name)
        {
            var oids = name.GetOidList();
            var values = name.GetValueList();
            var parts = new List<string>();
            for (int i = 0; i < oids.Count; i++)
            {
                string key = X509Name.DefaultSymbols.TryGetValue(oids[i], out string? symbol) ? symbol : oids[i].Id;
                parts.Add(key + " = " + values[i]);
            }
            return string.Join(", ", parts);
        }

        /// <summary>IPv4 dotted; IPv6 as eight upper-case groups without compression, as OpenSSL prints it.</summary>
        internal static string IpText(byte[] raw)
        {
            if (raw.Length == 4) return string.Join(".", raw.Select(b => b.ToString(CultureInfo.InvariantCulture)));
            if (raw.Length == 16)
            {
                var groups = new string[8];
                for (int i = 0; i < 8; i++) groups[i] = ((raw[2 * i] << 8) | raw[2 * i + 1]).ToString("X", CultureInfo.InvariantCulture);
                return string.Join(":", groups);
            }
            return "<invalid " + ColonHex(raw) + ">";
        }

        /// <summary>"AB:CD:EF", as OpenSSL prints key identifiers.</summary>
        internal static string ColonHex(byte[] data)
        {
            var sb = new StringBuilder(data.Length * 3);
            for (int i = 0; i < data.Length; i++)
            {
                if (i > 0) sb.Append(':');
                sb.Append(data[i].ToString("X2", CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }
    }
}
