using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Core.Formats
{
    /// <summary>How certificates are exported: the format and what goes in with them. Immutable; the defaults are a plain PEM file.</summary>
    public sealed class CertificateExportOptions
    {
        public CertificateFormat Format { get; init; } = CertificateFormat.Pem;

        /// <summary>Adds each certificate's known issuer chain (see <see cref="ExportedCertificate.KnownChain"/>).</summary>
        public bool IncludeChain { get; init; }

        /// <summary>An explicit issuer chain (issuer first), written in full (the root too) in every format; implies <see cref="IncludeChain"/>.</summary>
        public IReadOnlyList<X509Certificate2>? Chain { get; init; }

        /// <summary>Adds the private key to a PEM file (HAProxy's combined file). A PFX always takes the key when one is known.</summary>
        public bool IncludeKey { get; init; }

        /// <summary>An explicit private key for the (single) certificate; refused when it does not match (KeyMismatch).</summary>
        public PrivateKey? Key { get; init; }

        /// <summary>Allows a PFX without a password (anyone who can read the file can use the key).</summary>
        public bool NoPassword { get; init; }

        public PfxCompatibility PfxCompatibility { get; init; } = PfxCompatibility.Modern;

        /// <summary>The PFX friendly name; PFX only.</summary>
        public string? FriendlyName { get; init; }
    }

    /// <summary>A certificate to export with what is known about it: its private key and its issuer chain (issuer first).</summary>
    public sealed class ExportedCertificate
    {
        public ExportedCertificate(X509Certificate2 certificate, PrivateKey? knownKey = null, IReadOnlyList<X509Certificate2>? knownChain = null)
        {
            Certificate = certificate ?? throw new ArgumentNullException(nameof(certificate));
            KnownKey = knownKey;
            KnownChain = knownChain ?? Array.Empty<X509Certificate2>();
        }

        public X509Certificate2 Certificate { get; }

        public PrivateKey? KnownKey { get; }

        public IReadOnlyList<X509Certificate2> KnownChain { get; }
    }

    /// <summary>What an export will write, and what the caller should tell the user about it.</summary>
    public sealed class CertificateExportPlan
    {
        internal CertificateExportPlan(IReadOnlyList<OutputFile> files, X509Certificate2? pfxWithoutKey, IReadOnlyList<X509Certificate2> omittedRoots)
        {
            Files = files;
            PfxWithoutKey = pfxWithoutKey;
            OmittedRoots = omittedRoots;
        }

        /// <summary>The file to write (none when it already holds exactly these bytes); owner-only when it holds a key.</summary>
        public IReadOnlyList<OutputFile> Files { get; }

        /// <summary>The certificate of a PFX written without a private key because none is known; null otherwise.</summary>
        public X509Certificate2? PfxWithoutKey { get; }

        /// <summary>Self-signed roots of the known chain left out of a PEM file (servers do not send them).</summary>
        public IReadOnlyList<X509Certificate2> OmittedRoots { get; }
    }

    /// <summary>
    /// The format x option rules of a certificate export and the choice of chain and key, in one place: which
    /// combinations are refused (InvalidArgument, PasswordRequired), what each format holds, and the file's bytes.
    /// </summary>
    public static class CertificateExport
    {
        /// <summary>Plans the file at <paramref name="path"/> for <paramref name="certificates"/>; <paramref name="password"/> protects a PFX or the key of a PEM.</summary>
        public static CertificateExportPlan Plan(string path, IReadOnlyList<ExportedCertificate> certificates, CertificateExportOptions options, char[]? password)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            if (certificates == null || certificates.Count == 0) throw new PkiException(PkiErrorCode.InvalidArgument, "No certificate to write.");
            options ??= new CertificateExportOptions();
            CertificateFormat format = options.Format;
            if (certificates.Count > 1 && (format == CertificateFormat.Der || format == CertificateFormat.Pfx || options.Key != null))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument,
                    $"{certificates.Count} certificates arrived but {Words.A(format.ToString())} file{(options.Key != null ? " with a given key" : string.Empty)} holds one.", null, null,
                    new PkiHint("Export them one by one, or use {0} or {1} for a bundle.", "Format=Pem", "Format=P7b"));
            }
            var omitted = new List<X509Certificate2>();
            X509Certificate2? pfxWithoutKey = null;
            byte[] content = Build(certificates, options, password, omitted, ref pfxWithoutKey);
            bool secret = format == CertificateFormat.Pfx || (format == CertificateFormat.Pem && options.IncludeKey);
            return new CertificateExportPlan(OutputPlan.Single(path, content, secret), pfxWithoutKey, omitted);
        }

        private static byte[] Build(IReadOnlyList<ExportedCertificate> certificates, CertificateExportOptions options, char[]? password,
            List<X509Certificate2> omitted, ref X509Certificate2? pfxWithoutKey)
        {
            CertificateFormat format = options.Format;
            if (options.FriendlyName != null && format != CertificateFormat.Pfx)
            {
                throw Unusable("A friendly name applies to PFX files only.", new PkiHint("Use {0} with {1}.", "FriendlyName", "Format=Pfx"), "FriendlyName");
            }
            if (options.Key != null && format != CertificateFormat.Pfx && !(format == CertificateFormat.Pem && options.IncludeKey))
            {
                throw Unusable("A given private key goes into a PFX, or a PEM file that includes the key.",
                    new PkiHint("Use {0} with {1}, or with {2} and {3}.", "Key", "Format=Pfx", "Format=Pem", "IncludeKey"), "Key");
            }
            if (password != null && (format == CertificateFormat.Der || format == CertificateFormat.P7b))
            {
                throw Unusable($"{Words.Capital(Words.A(format.ToString()))} file is never encrypted.",
                    new PkiHint("{0} applies to {1}, and to {2} with {3}.", "Password", "Format=Pfx", "Format=Pem", "IncludeKey"), "Password");
            }
            switch (format)
            {
                case CertificateFormat.Der:
                    if (options.IncludeKey || options.IncludeChain || options.Chain != null)
                    {
                        throw Unusable("DER holds one certificate.", new PkiHint("{0} and {1} need {2} or {3}.", "IncludeKey", "IncludeChain", "Format=Pem", "Format=Pfx"));
                    }
                    return CertificateFiles.WriteDer(certificates[0].Certificate);
                case CertificateFormat.P7b:
                    if (options.IncludeKey) throw Unusable("A P7B file holds no keys.", new PkiHint("Use {0}, or {1} with {2}.", "Format=Pfx", "Format=Pem", "IncludeKey"), "IncludeKey");
                    return CertificateFiles.WriteP7b(WithChains(certificates, options, omitted), pem: true);
                case CertificateFormat.Pfx:
                    if (password == null && !options.NoPassword)
                    {
                        throw new PkiException(PkiErrorCode.PasswordRequired, "A PFX needs a password.", null, null,
                            new PkiHint("Give {0} (or {1} for an unprotected file, which anyone who can read it can use).", "Password", "NoPassword"), "Password");
                    }
                    if (password != null && options.NoPassword)
                    {
                        throw Unusable("A password and an unprotected file were both asked for.", new PkiHint("Give {0} or {1}, not both.", "Password", "NoPassword"));
                    }
                    ExportedCertificate leaf = certificates[0];
                    PrivateKey? pfxKey = KeyFor(leaf, options, required: false);
                    if (pfxKey == null) pfxWithoutKey = leaf.Certificate;
                    return CertificateFiles.WritePfx(leaf.Certificate, pfxKey, ChainOf(leaf, options, omitted), password, options.PfxCompatibility, options.FriendlyName);
                default:
                    if (password != null && !options.IncludeKey)
                    {
                        throw Unusable("A password on a PEM file encrypts its private key, and the key is not included.", new PkiHint("Add {0}.", "IncludeKey"), "Password");
                    }
                    PrivateKey? key = options.IncludeKey ? KeyFor(certificates[0], options, required: true) : null;
                    return CertificateFiles.WritePem(WithChains(certificates, options, omitted), key, password);
            }
        }

        /// <summary>The certificates, each followed by its chain when asked.</summary>
        private static List<X509Certificate2> WithChains(IReadOnlyList<ExportedCertificate> certificates, CertificateExportOptions options, List<X509Certificate2> omitted)
        {
            var all = new List<X509Certificate2>();
            foreach (ExportedCertificate certificate in certificates)
            {
                all.Add(certificate.Certificate);
                all.AddRange(ChainOf(certificate, options, omitted));
            }
            return all;
        }

        /// <summary>
        /// The issuers to write after a certificate: the explicit chain, in every format; else the known chain, with the
        /// self-signed root for PFX and P7B (as Windows' export does) but not for PEM, which is what a server sends (the
        /// client has the root already).
        /// </summary>
        private static IReadOnlyList<X509Certificate2> ChainOf(ExportedCertificate certificate, CertificateExportOptions options, List<X509Certificate2> omitted)
        {
            if (options.Chain != null) return options.Chain;
            if (!options.IncludeChain) return Array.Empty<X509Certificate2>();
            IReadOnlyList<X509Certificate2> chain = certificate.KnownChain;
            if (chain.Count == 0)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"No chain is known for '{certificate.Certificate.Subject}'.", null, certificate.Certificate,
                    new PkiHint("Pass the intermediates with {0} (objects or files).", "Chain"), "IncludeChain");
            }
            if (options.Format != CertificateFormat.Pem) return chain;
            var sent = new List<X509Certificate2>();
            foreach (X509Certificate2 issuer in chain)
            {
                if (CertificateFacts.IsSelfIssued(issuer))
                {
                    if (!omitted.Contains(issuer)) omitted.Add(issuer);
                    continue;
                }
                sent.Add(issuer);
            }
            return sent;
        }

        private static PrivateKey? KeyFor(ExportedCertificate certificate, CertificateExportOptions options, bool required)
        {
            PrivateKey? key = options.Key ?? certificate.KnownKey;
            if (key == null)
            {
                if (!required) return null;
                throw new PkiException(PkiErrorCode.InvalidArgument, $"No private key is known for '{certificate.Certificate.Subject}'.", null, certificate.Certificate,
                    new PkiHint("Pass it with {0} (a key read from its file).", "Key"));
            }
            if (!CertificateFacts.KeyMatches(certificate.Certificate, key))
            {
                throw new PkiException(PkiErrorCode.KeyMismatch, $"The private key {key.KeyId} does not belong to '{certificate.Certificate.Subject}'.", null, certificate.Certificate);
            }
            return key;
        }

        private static PkiException Unusable(string reason, PkiHint hint, string? input = null) =>
            new PkiException(PkiErrorCode.InvalidArgument, reason, null, null, hint, input);
    }
}
