namespace PkiTools.Core.Inspection
{
    /// <summary>One extension of a certificate, CSR (requested) or CRL, decoded as OpenSSL's -text shows it.</summary>
    public sealed class ExtensionDetail
    {
        internal ExtensionDetail(string oid, bool critical, byte[] value)
        {
            Oid = oid;
            Name = ExtensionText.NameOf(oid);
            Critical = critical;
            IsKnown = ExtensionText.IsKnown(oid);
            Value = ExtensionText.Describe(oid, value);
        }

        /// <summary>The extension's OID ("2.5.29.17").</summary>
        public string Oid { get; }

        /// <summary>OpenSSL's name ("X509v3 Subject Alternative Name"), or the OID when it has none.</summary>
        public string Name { get; }

        public bool Critical { get; }

        /// <summary>False when the value is shown as hex because PkiTools does not decode this extension.</summary>
        public bool IsKnown { get; }

        /// <summary>The decoded value, lines separated by '\n' (nested lines indented by two spaces), or colon-separated hex.</summary>
        public string Value { get; }

        public override string ToString() => Name + ":" + (Critical ? " critical" : string.Empty) + "\n  " + Value.Replace("\n", "\n  ");
    }
}
