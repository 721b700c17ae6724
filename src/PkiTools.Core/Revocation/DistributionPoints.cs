using System;
using System.Collections.Generic;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.X509;

namespace PkiTools.Core.Revocation
{
    /// <summary>
    /// The names and reason sets RFC 5280 §6.3.3 compares: a certificate's cRLDistributionPoints against a CRL's
    /// issuingDistributionPoint. Directory names are compared as §7.1 asks, other names by their DER.
    /// </summary>
    internal static class DistributionPoints
    {
        /// <summary>Every reason of RFC 5280's ReasonFlags except unused, as BouncyCastle's DerBitString.IntValue packs them.</summary>
        public const int AllReasons = ReasonFlags.KeyCompromise | ReasonFlags.CACompromise | ReasonFlags.AffiliationChanged
            | ReasonFlags.Superseded | ReasonFlags.CessationOfOperation | ReasonFlags.CertificateHold
            | ReasonFlags.PrivilegeWithdrawn | ReasonFlags.AACompromise;

        /// <summary>The reasons a ReasonFlags covers: all of them when it is absent.</summary>
        public static int Mask(ReasonFlags? reasons) => reasons == null ? AllReasons : reasons.IntValue & AllReasons;

        /// <summary>The reasons of <paramref name="mask"/> by name, for messages.</summary>
        public static string Describe(int mask)
        {
            var names = new List<string>();
            void Add(int bit, string name)
            {
                if ((mask & bit) != 0) names.Add(name);
            }
            Add(ReasonFlags.KeyCompromise, "keyCompromise");
            Add(ReasonFlags.CACompromise, "cACompromise");
            Add(ReasonFlags.AffiliationChanged, "affiliationChanged");
            Add(ReasonFlags.Superseded, "superseded");
            Add(ReasonFlags.CessationOfOperation, "cessationOfOperation");
            Add(ReasonFlags.CertificateHold, "certificateHold");
            Add(ReasonFlags.PrivilegeWithdrawn, "privilegeWithdrawn");
            Add(ReasonFlags.AACompromise, "aACompromise");
            return names.Count == 0 ? "none" : string.Join(", ", names);
        }

        /// <summary>
        /// The names a distribution point name stands for: its full names, or the name of <paramref name="issuerDer"/>
        /// (the CRL issuer) with the relative name appended (nameRelativeToCRLIssuer). Throws on a malformed one.
        /// </summary>
        public static GeneralName[] NamesOf(DistributionPointName name, byte[] issuerDer)
        {
            if (name.Type == DistributionPointName.FullName) return GeneralNames.GetInstance(name.Name).GetNames();
            Asn1Set rdn = Asn1Set.GetInstance(name.Name);
            Asn1Sequence issuer = Asn1Sequence.GetInstance(issuerDer);
            var rdns = new Asn1EncodableVector();
            foreach (Asn1Encodable part in issuer) rdns.Add(part);
            rdns.Add(rdn);
            return new[] { new GeneralName(X509Name.GetInstance(new DerSequence(rdns))) };
        }

        /// <summary>A directory name as a GeneralName.</summary>
        public static GeneralName Directory(byte[] nameDer) => new GeneralName(X509Name.GetInstance(nameDer));

        /// <summary>The directory names among <paramref name="names"/> (DER), for issuer comparisons.</summary>
        public static List<byte[]> DirectoryNames(GeneralNames? names)
        {
            var result = new List<byte[]>();
            if (names == null) return result;
            foreach (GeneralName name in names.GetNames())
            {
                if (name.TagNo == GeneralName.DirectoryName) result.Add(X509Name.GetInstance(name.Name).GetDerEncoded());
            }
            return result;
        }

        /// <summary>Most name pairs compared for one distribution point (a hostile certificate or CRL with thousands of names each).</summary>
        internal const int MaxNameComparisons = 4096;

        /// <summary>
        /// True when some name of <paramref name="a"/> equals some name of <paramref name="b"/>; false, without comparing,
        /// when that would take more than <see cref="MaxNameComparisons"/> comparisons (no CA needs that many names).
        /// </summary>
        public static bool AnyMatch(IReadOnlyList<GeneralName> a, IReadOnlyList<GeneralName> b)
        {
            if ((long)a.Count * b.Count > MaxNameComparisons) return false;
            foreach (GeneralName x in a)
            {
                foreach (GeneralName y in b)
                {
                    if (x.TagNo != y.TagNo) continue;
                    if (x.TagNo == GeneralName.DirectoryName
                        ? NameComparison.Equal(X509Name.GetInstance(x.Name).GetDerEncoded(), X509Name.GetInstance(y.Name).GetDerEncoded())
                        : Arrays.AreEqual(x.Name.ToAsn1Object().GetDerEncoded(), y.Name.ToAsn1Object().GetDerEncoded()))
                    {
                        return true;
                    }
                }
            }
            return false;
        }

        /// <summary>One name for messages: the URI itself, a directory name as text.</summary>
        public static string Describe(IReadOnlyList<GeneralName> names)
        {
            var parts = new List<string>();
            foreach (GeneralName name in names)
            {
                parts.Add(name.TagNo switch
                {
                    GeneralName.UniformResourceIdentifier => DerIA5String.GetInstance(name.Name).GetString(),
                    GeneralName.DirectoryName => Names.Describe(X509Name.GetInstance(name.Name).GetDerEncoded()),
                    _ => name.ToString(),
                });
            }
            return string.Join(", ", parts);
        }

        /// <summary>The certificate's cRLDistributionPoints (empty when it has none). Throws when the extension is malformed
        /// (a malformed name inside a point throws when <see cref="NamesOf"/> reads it).</summary>
        public static DistributionPoint[] Of(ParsedCertificate certificate)
        {
            X509Extension? extension = certificate.Extensions?.GetExtension(X509Extensions.CrlDistributionPoints);
            if (extension == null) return Array.Empty<DistributionPoint>();
            DistributionPoint[] points = CrlDistPoint.GetInstance(extension.GetParsedValue()).GetDistributionPoints();
            foreach (DistributionPoint point in points)
            {
                if (point.DistributionPointName == null && point.CrlIssuer == null)
                {
                    throw new ArgumentException("a distribution point has neither a name nor a cRLIssuer (RFC 5280 4.2.1.13)");
                }
            }
            return points;
        }
    }
}
