using System;
using System.Collections.Generic;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X500;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.X509;

namespace PkiTools.Core.Validation
{
    /// <summary>
    /// RFC 5280 4.2.1.10 name constraints for dNSName, iPAddress, directoryName, rfc822Name and URI subtrees. A CA
    /// constraining any other name form (otherName, x400Address, ediPartyName, registeredID) fails closed for
    /// certificates that carry a name of that form. Applying each CA's subtrees separately is equivalent to RFC 5280's
    /// intersection of permitted sets.
    /// </summary>
    internal sealed class NameConstraintChecker
    {
        /// <summary>Name comparisons allowed per validation (Go uses the same bound).</summary>
        public const int MaxComparisons = 250_000;

        private readonly List<Form> _permitted = new List<Form>();
        private readonly List<Form> _excluded = new List<Form>();

        private NameConstraintChecker()
        {
        }

        /// <summary>A GeneralName decoded once: its tag and the representation its comparisons use (null: unreadable).</summary>
        internal sealed class Form
        {
            /// <param name="name">The name.</param>
            /// <param name="ofCertificate">
            /// True for a name a certificate carries (not a constraint): a dNSName or rfc822Name that is not
            /// syntactically valid is then unreadable, so it is outside every permitted subtree and inside every
            /// excluded one of its form (RFC 5280: names must be within the permitted namespace, which a malformed
            /// name cannot be shown to be).
            /// </param>
            public Form(GeneralName name, bool ofCertificate = false)
            {
                Name = name;
                Tag = name.TagNo;
                try
                {
                    switch (Tag)
                    {
                        case GeneralName.DnsName:
                        case GeneralName.Rfc822Name:
                        case GeneralName.UniformResourceIdentifier:
                            Text = ((IAsn1String)name.Name).GetString();
                            if (Tag == GeneralName.DnsName) Text = Text.ToLowerInvariant().TrimEnd('.');
                            if (ofCertificate && Tag == GeneralName.DnsName && !IsDnsName(Text)) Unreadable = true;
                            if (ofCertificate && Tag == GeneralName.Rfc822Name && !IsMailbox(Text)) Unreadable = true;
                            break;
                        case GeneralName.IPAddress:
                            Bytes = Asn1OctetString.GetInstance(name.Name).GetOctets();
                            break;
                        case GeneralName.DirectoryName:
                            Asn1Sequence seq = Asn1Sequence.GetInstance(X509Name.GetInstance(name.Name).ToAsn1Object());
                            Rdns = new Asn1Set[seq.Count];
                            RdnDer = new byte[seq.Count][];
                            for (int i = 0; i < seq.Count; i++)
                            {
                                Rdns[i] = Asn1Set.GetInstance(seq[i]);
                                RdnDer[i] = Rdns[i].GetDerEncoded();
                            }
                            break;
                    }
                }
                catch (Exception ex) when (ex is ArgumentException || ex is InvalidCastException || ex is FormatException)
                {
                    Unreadable = true;
                }
            }

            /// <summary>Preferred name syntax (letters, digits, hyphens; underscores tolerated), a whole "*" left-most label allowed.</summary>
            private static bool IsDnsName(string name)
            {
                if (name.Length == 0 || name.Length > 253) return false;
                string[] labels = name.Split('.');
                for (int i = 0; i < labels.Length; i++)
                {
                    string label = labels[i];
                    if (label.Length == 0 || label.Length > 63) return false;
                    if (label == "*" && i == 0 && labels.Length > 1) continue;
                    foreach (char c in label)
                    {
                        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
                    }
                }
                return true;
            }

            /// <summary>local-part@domain with exactly one unquoted '@', a non-empty local part and a valid domain.</summary>
            private static bool IsMailbox(string address)
            {
                int at = address.LastIndexOf('@');
                if (at <= 0 || at == address.Length - 1) return false;
                string local = address.Substring(0, at);
                bool quoted = local.Length >= 2 && local[0] == '"' && local[local.Length - 1] == '"';
                if (!quoted && local.IndexOf('@') >= 0) return false;
                foreach (char c in address)
                {
                    if (c <= ' ' || c > '~') return false;
                }
                return IsDnsName(address.Substring(at + 1).ToLowerInvariant());
            }

            public GeneralName Name { get; }
            public int Tag { get; }
            public string? Text { get; }
            public byte[]? Bytes { get; }
            public Asn1Set[]? Rdns { get; }
            public byte[][]? RdnDer { get; }
            public bool Unreadable { get; }
        }

        /// <summary>Null when the certificate has no nameConstraints; throws when the extension is malformed.</summary>
        public static NameConstraintChecker? For(ParsedCertificate certificate)
        {
            X509Extension? ext = certificate.Extensions?.GetExtension(X509Extensions.NameConstraints);
            if (ext == null) return null;
            NameConstraints nc = NameConstraints.GetInstance(ext.GetParsedValue());
            var checker = new NameConstraintChecker();
            foreach (GeneralSubtree subtree in nc.PermittedSubtreesValue?.GetElements() ?? Array.Empty<GeneralSubtree>())
            {
                checker._permitted.Add(new Form(subtree.Base));
            }
            foreach (GeneralSubtree subtree in nc.ExcludedSubtreesValue?.GetElements() ?? Array.Empty<GeneralSubtree>())
            {
                checker._excluded.Add(new Form(subtree.Base));
            }
            if (checker._permitted.Count == 0 && checker._excluded.Count == 0)
            {
                throw new ArgumentException("nameConstraints with neither permitted nor excluded subtrees (RFC 5280 4.2.1.10)");
            }
            return checker;
        }

        /// <summary>The names of one certificate that name constraints apply to.</summary>
        internal sealed class SubjectNames
        {
            public SubjectNames(ParsedCertificate certificate)
            {
                Asn1Sequence subject = Asn1Sequence.GetInstance(Asn1Object.FromByteArray(certificate.SubjectDer));
                if (subject.Count > 0) Names.Add(new Form(new GeneralName(GeneralName.DirectoryName, X509Name.GetInstance(subject)), ofCertificate: true));
                X509Extension? san = certificate.Extensions?.GetExtension(X509Extensions.SubjectAlternativeName);
                if (san != null)
                {
                    foreach (GeneralName n in GeneralNames.GetInstance(san.GetParsedValue()).GetNames()) Names.Add(new Form(n, ofCertificate: true));
                }
                // RFC 5280: emailAddress attributes in the subject are constrained as rfc822Names.
                foreach (Asn1Encodable rdn in subject)
                {
                    foreach (Asn1Encodable atv in Asn1Set.GetInstance(rdn))
                    {
                        var pair = AttributeTypeAndValue.GetInstance(atv);
                        if (pair.Type.Equals(X509Name.EmailAddress) && pair.Value is IAsn1String s)
                        {
                            Names.Add(new Form(new GeneralName(GeneralName.Rfc822Name, s.GetString()), ofCertificate: true));
                        }
                    }
                }
            }

            public List<Form> Names { get; } = new List<Form>();
        }

        /// <summary>Null when every name is allowed; otherwise a sentence naming the first offending name.</summary>
        public string? Check(SubjectNames names, ref int comparisons)
        {
            foreach (Form name in names.Names)
            {
                bool constrained = false, permitted = false;
                foreach (Form subtree in _permitted)
                {
                    if (subtree.Tag != name.Tag) continue;
                    constrained = true;
                    if (++comparisons > MaxComparisons) return null;
                    if (Matches(subtree, name, forExclusion: false) == true)
                    {
                        permitted = true;
                        break;
                    }
                }
                if (constrained && !permitted)
                {
                    return $"{Describe(name.Name)} is outside the names this CA is permitted to certify";
                }
                foreach (Form subtree in _excluded)
                {
                    if (subtree.Tag != name.Tag) continue;
                    if (++comparisons > MaxComparisons) return null;
                    if (Matches(subtree, name, forExclusion: true) != false)
                    {
                        return $"{Describe(name.Name)} is within a subtree this CA excludes";
                    }
                }
            }
            return null;
        }

        /// <summary>True: within the subtree; false: outside; null: cannot tell (an unsupported or malformed form).</summary>
        private static bool? Matches(Form constraint, Form name, bool forExclusion)
        {
            if (constraint.Unreadable || name.Unreadable) return null;
            switch (name.Tag)
            {
                case GeneralName.DnsName:
                    return MatchesDnsNormalized(constraint.Text!, name.Text!, forExclusion);
                case GeneralName.IPAddress:
                    return MatchesIp(constraint.Bytes!, name.Bytes!);
                case GeneralName.DirectoryName:
                    return MatchesDirectoryName(constraint, name);
                case GeneralName.Rfc822Name:
                    return MatchesEmail(constraint.Text!, name.Text!);
                case GeneralName.UniformResourceIdentifier:
                    return MatchesUri(constraint.Text!, name.Text!);
                default:
                    return null;
            }
        }

        private static string Text(GeneralName n) => ((IAsn1String)n.Name).GetString();

        /// <summary>
        /// "corp.example" covers itself and every name below it; ".corp.example" only names below it; "" everything.
        /// For exclusion a wildcard SAN "*.corp.example" also conflicts with a constraint naming one host it covers.
        /// </summary>
        internal static bool MatchesDns(string constraint, string name, bool forExclusion) =>
            MatchesDnsNormalized(constraint.ToLowerInvariant().TrimEnd('.'), name.ToLowerInvariant().TrimEnd('.'), forExclusion);

        private static bool MatchesDnsNormalized(string c, string n, bool forExclusion)
        {
            if (c.Length == 0) return true;
            if (c[0] == '.') return n.EndsWith(c, StringComparison.Ordinal) && n.Length > c.Length;
            if (n == c || (n.EndsWith(c, StringComparison.Ordinal) && n[n.Length - c.Length - 1] == '.')) return true;
            if (forExclusion && n.StartsWith("*.", StringComparison.Ordinal))
            {
                // "*.corp.example" stands for "x.corp.example": excluded "x.corp.example" must reject it.
                string suffix = n.Substring(1);
                int dot = c.IndexOf('.');
                return dot > 0 && string.Equals(c.Substring(dot), suffix, StringComparison.Ordinal);
            }
            return false;
        }

        internal static bool? MatchesIp(byte[] constraint, byte[] address)
        {
            if (constraint.Length != 8 && constraint.Length != 32) return null;
            if (address.Length * 2 != constraint.Length) return false;
            int n = address.Length;
            for (int i = 0; i < n; i++)
            {
                byte mask = constraint[n + i];
                if ((address[i] & mask) != (constraint[i] & mask)) return false;
            }
            return true;
        }

        private static bool MatchesDirectoryName(Form constraint, Form name)
        {
            Asn1Set[] c = constraint.Rdns!, n = name.Rdns!;
            if (c.Length > n.Length) return false;
            for (int i = 0; i < c.Length; i++)
            {
                if (!Arrays.AreEqual(constraint.RdnDer![i], name.RdnDer![i]) && !RdnEquivalent(c[i], n[i])) return false;
            }
            return true;
        }

        private static bool RdnEquivalent(Asn1Set a, Asn1Set b) => string.Equals(NameComparison.RdnKey(a), NameComparison.RdnKey(b), StringComparison.Ordinal);

        /// <summary>"user@host" one mailbox; "host" every mailbox at that host; ".host" every mailbox below it.</summary>
        internal static bool MatchesEmail(string constraint, string email)
        {
            int at = email.LastIndexOf('@');
            if (at <= 0) return false;
            string host = email.Substring(at + 1);
            if (constraint.IndexOf('@') >= 0)
            {
                int cat = constraint.LastIndexOf('@');
                return string.Equals(constraint.Substring(0, cat), email.Substring(0, at), StringComparison.Ordinal)
                    && string.Equals(constraint.Substring(cat + 1), host, StringComparison.OrdinalIgnoreCase);
            }
            if (constraint.StartsWith(".", StringComparison.Ordinal))
            {
                return host.EndsWith(constraint, StringComparison.OrdinalIgnoreCase) && host.Length > constraint.Length;
            }
            return string.Equals(constraint, host, StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>URI constraints name hosts: ".corp.example" any host below it, "corp.example" that host only.</summary>
        private static bool? MatchesUri(string constraint, string uri)
        {
            if (!Uri.TryCreate(uri, UriKind.Absolute, out Uri? parsed) || string.IsNullOrEmpty(parsed.Host)) return null;
            string host = parsed.Host.TrimEnd('.');
            if (constraint.StartsWith(".", StringComparison.Ordinal))
            {
                return host.EndsWith(constraint, StringComparison.OrdinalIgnoreCase) && host.Length > constraint.Length;
            }
            return string.Equals(constraint, host, StringComparison.OrdinalIgnoreCase);
        }

        private static string Describe(GeneralName name)
        {
            try
            {
                switch (name.TagNo)
                {
                    case GeneralName.DnsName:
                        return "The DNS name " + Text(name);
                    case GeneralName.Rfc822Name:
                        return "The e-mail address " + Text(name);
                    case GeneralName.UniformResourceIdentifier:
                        return "The URI " + Text(name);
                    case GeneralName.IPAddress:
                        byte[] ip = Asn1OctetString.GetInstance(name.Name).GetOctets();
                        return "The IP address " + (ip.Length == 4 || ip.Length == 16 ? new System.Net.IPAddress(ip).ToString() : Hex.Encode(ip));
                    case GeneralName.DirectoryName:
                        return "The name '" + X509.Names.Describe(X509Name.GetInstance(name.Name)) + "'";
                    default:
                        return "A name of type " + name.TagNo;
                }
            }
            catch (Exception)
            {
                return "A malformed name";
            }
        }
    }
}
