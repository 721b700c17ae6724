using System.Collections.Generic;
using System.Text;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace PkiTools.Core.Ca
{
    /// <summary>Names as <c>X509_NAME_oneline</c> prints them in index.txt: "/C=DE/O=Corp/CN=web01", in DER order.</summary>
    internal static class OpenSslNames
    {
        private static readonly Dictionary<string, string> ShortNames = new Dictionary<string, string>
        {
            ["2.5.4.3"] = "CN",
            ["2.5.4.6"] = "C",
            ["2.5.4.7"] = "L",
            ["2.5.4.8"] = "ST",
            ["2.5.4.9"] = "street",
            ["2.5.4.10"] = "O",
            ["2.5.4.11"] = "OU",
            ["2.5.4.12"] = "title",
            ["2.5.4.4"] = "SN",
            ["2.5.4.42"] = "GN",
            ["2.5.4.5"] = "serialNumber",
            ["2.5.4.17"] = "postalCode",
            ["2.5.4.46"] = "dnQualifier",
            ["0.9.2342.19200300.100.1.25"] = "DC",
            ["0.9.2342.19200300.100.1.1"] = "UID",
            ["1.2.840.113549.1.9.1"] = "emailAddress",
        };

        public static string OneLine(X509Name name)
        {
            var b = new StringBuilder();
            IList<DerObjectIdentifier> oids = name.GetOidList();
            IList<string> values = name.GetValueList();
            for (int i = 0; i < oids.Count; i++)
            {
                string oid = oids[i].Id;
                b.Append('/').Append(ShortNames.TryGetValue(oid, out string? sn) ? sn : oid).Append('=');
                string value = values[i];
                if (value.StartsWith("#", System.StringComparison.Ordinal) && !ShortNames.ContainsKey(oid))
                {
                    b.Append(value);
                    continue;
                }
                foreach (byte c in System.Text.Encoding.UTF8.GetBytes(value))
                {
                    // openssl escapes bytes outside printable ASCII as \xHH.
                    if (c < 0x20 || c > 0x7E) b.Append("\\x").Append(c.ToString("X2"));
                    else b.Append((char)c);
                }
            }
            return b.Length == 0 ? "/" : b.ToString();
        }
    }
}
