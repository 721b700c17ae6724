using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace PkiTools.Core.X509
{
    /// <summary>Distinguished names and subject alternative names: parsing user input and describing DER.</summary>
    internal static class Names
    {
        private static readonly IdnMapping Idn = new IdnMapping { AllowUnassigned = false, UseStd3AsciiRules = false };

        /// <summary>
        /// Parses a distinguished name the way .NET and Windows write them ("CN=web01, O=Corp": most specific first),
        /// so that the certificate's Subject property shows back exactly what the user typed.
        /// </summary>
        public static X509Name ParseDistinguishedName(string name)
        {
            if (name.Trim().Length == 0)
            {
                return new X509Name(new List<DerObjectIdentifier>(), new List<string>());
            }
            try
            {
                var dn = new X500DistinguishedName(name, X500DistinguishedNameFlags.Reversed);
                return X509Name.GetInstance(Asn1Object.FromByteArray(dn.RawData));
            }
            catch (Exception ex) when (ex is CryptographicException || ex is ArgumentException)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument,
                    $"'{name}' is not a valid distinguished name. Write it as 'CN=web01.corp.example, O=Corp, C=GB'.", ex, name);
            }
        }

        /// <summary>The .NET rendering of a DER name (as X509Certificate2.Subject shows it).</summary>
        public static string Describe(X509Name name) => Describe(name.GetDerEncoded());

        public static string Describe(byte[] nameDer)
        {
            try
            {
                return new X500DistinguishedName(nameDer).Name ?? string.Empty;
            }
            catch (CryptographicException)
            {
                return "(unreadable name)";
            }
        }

        /// <summary>
        /// Normalises a DNS name for a SAN: lower case, IDNA (punycode) for Unicode labels, a wildcard only as the
        /// whole left-most label, no empty labels, at most 253 characters.
        /// </summary>
        public static string NormalizeDnsName(string name)
        {
            string trimmed = name.Trim().TrimEnd('.');
            string error = $"'{name}' is not a valid DNS name for a certificate. Use names like web01.corp.example or *.corp.example.";
            if (trimmed.Length == 0) throw new PkiException(PkiErrorCode.InvalidArgument, error, null, name);
            string ascii;
            try
            {
                bool wildcard = trimmed.StartsWith("*.", StringComparison.Ordinal);
                string rest = wildcard ? trimmed.Substring(2) : trimmed;
                ascii = (wildcard ? "*." : string.Empty) + Idn.GetAscii(rest).ToLowerInvariant();
            }
            catch (ArgumentException ex)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, error, ex, name);
            }
            if (ascii.Length > 253) throw new PkiException(PkiErrorCode.InvalidArgument, error, null, name);
            string[] labels = ascii.Split('.');
            for (int i = 0; i < labels.Length; i++)
            {
                string label = labels[i];
                if (i == 0 && label == "*" && labels.Length > 1) continue;
                if (label.Length == 0 || label.Length > 63 || label[0] == '-' || label[label.Length - 1] == '-')
                {
                    throw new PkiException(PkiErrorCode.InvalidArgument, error, null, name);
                }
                foreach (char c in label)
                {
                    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
                    {
                        throw new PkiException(PkiErrorCode.InvalidArgument, error, null, name);
                    }
                }
            }
            return ascii;
        }

        public static IPAddress ParseIpAddress(string text)
        {
            if (IPAddress.TryParse(text.Trim(), out IPAddress? ip) && (ip.AddressFamily == AddressFamily.InterNetwork || ip.AddressFamily == AddressFamily.InterNetworkV6))
            {
                // A zone (fe80::1%eth0) has no meaning in a certificate: keep the address bytes only.
                return new IPAddress(ip.GetAddressBytes());
            }
            throw new PkiException(PkiErrorCode.InvalidArgument, $"'{text}' is not an IPv4 or IPv6 address.", null, text);
        }

        /// <summary>DNS names and IP addresses of a subjectAltName extension value; other name types go to <paramref name="others"/>.</summary>
        public static void ReadSubjectAltNames(GeneralNames names, List<string> dns, List<string> ips, List<string>? others)
        {
            foreach (GeneralName gn in names.GetNames())
            {
                switch (gn.TagNo)
                {
                    case GeneralName.DnsName:
                        dns.Add(DerIA5String.GetInstance(gn.Name).GetString());
                        break;
                    case GeneralName.IPAddress:
                        byte[] raw = Asn1OctetString.GetInstance(gn.Name).GetOctets();
                        ips.Add(raw.Length == 4 || raw.Length == 16 ? new IPAddress(raw).ToString() : "(invalid IP " + Hex.Encode(raw) + ")");
                        break;
                    case GeneralName.Rfc822Name:
                        others?.Add("email:" + DerIA5String.GetInstance(gn.Name).GetString());
                        break;
                    case GeneralName.UniformResourceIdentifier:
                        others?.Add("URI:" + DerIA5String.GetInstance(gn.Name).GetString());
                        break;
                    default:
                        others?.Add("type" + gn.TagNo.ToString(CultureInfo.InvariantCulture));
                        break;
                }
            }
        }
    }
}
