using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Keys;
using PkiTools.Core.Validation;
using PkiTools.Core.X509;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>One chain to validate, what PkiTools must report, and whether the reference implementations can express it.</summary>
    public sealed class ChainCase
    {
        public ChainCase(string name, X509Certificate2 leaf, X509Certificate2[] roots, X509Certificate2[] intermediates, params (ChainProblemCode Code, int Index)[] expected)
        {
            Name = name;
            Leaf = leaf;
            Roots = roots;
            Intermediates = intermediates;
            Expected = expected;
        }

        public string Name { get; }
        public X509Certificate2 Leaf { get; }
        public X509Certificate2[] Roots { get; }
        public X509Certificate2[] Intermediates { get; }
        public (ChainProblemCode Code, int Index)[] Expected { get; }
        public string? DnsName { get; init; }
        public string? IpAddress { get; init; }
        public CertificatePurpose Purpose { get; init; } = CertificatePurpose.Any;

        /// <summary>False when `openssl verify` has no equivalent option or knowingly differs (documented at the case).</summary>
        public bool OpenSsl { get; init; } = true;

        /// <summary>False when .NET's X509Chain cannot express the check or knowingly differs.</summary>
        public bool DotNet { get; init; } = true;

        public ChainValidationOptions Options => new ChainValidationOptions
        {
            TrustedRoots = Roots,
            Intermediates = Intermediates,
            DnsName = DnsName,
            IpAddress = IpAddress,
            Purpose = Purpose,
            At = ValidationPki.At,
        };

        public override string ToString() => Name;
    }

    /// <summary>
    /// The test PKI, built once per test run with a fixed clock so that expiry cases are deterministic: every case is
    /// validated at <see cref="At"/>.
    /// </summary>
    public static class ValidationPki
    {
        public static readonly DateTimeOffset At = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

        private static readonly Lazy<Dictionary<string, ChainCase>> LazyCases = new Lazy<Dictionary<string, ChainCase>>(Build);

        public static IReadOnlyDictionary<string, ChainCase> Cases => LazyCases.Value;

        public static X509Certificate2 Root => Cases["good"].Roots[0];

        public static X509Certificate2 Intermediate => Cases["good"].Intermediates[0];

        public static X509Certificate2 Leaf => Cases["good"].Leaf;

        public static DateTimeOffset Days(double d) => At.AddDays(d);

        public static PrivateKey Key() => PrivateKey.Generate(KeyAlgorithm.EcdsaP256);

        public static IssuedCertificate SelfSignedRoot(string subject, PrivateKey? key = null, double from = -365, double to = 3650) =>
            CertificateIssuer.SelfSign(key ?? Key(), new CertificateTemplate { Subject = subject, Profile = CertificateProfile.RootCa, NotBefore = Days(from), NotAfter = Days(to) }, Days(from));

        public static IssuedCertificate Issue(X509Certificate2 issuer, CertificateTemplate template, PrivateKey? key = null) =>
            new CertificateIssuer(issuer) { Clock = () => Days(-30) }.Issue(key ?? Key(), template);

        public static IssuedCertificate Ca(X509Certificate2 issuer, string subject, PrivateKey? key = null, int? pathLength = null, double from = -300, double to = 1000) =>
            Issue(issuer, new CertificateTemplate { Subject = subject, Profile = CertificateProfile.IntermediateCa, PathLength = pathLength, NotBefore = Days(from), NotAfter = Days(to) }, key);

        public static IssuedCertificate Server(X509Certificate2 issuer, string dns, string[]? ips = null, double from = -10, double to = 90, CertificateProfile profile = CertificateProfile.TlsServer, PrivateKey? key = null) =>
            Issue(issuer, new CertificateTemplate { Subject = "CN=" + dns, DnsNames = new[] { dns }, IpAddresses = ips ?? Array.Empty<string>(), Profile = profile, NotBefore = Days(from), NotAfter = Days(to) }, key);

        private static Dictionary<string, ChainCase> Build()
        {
            var cases = new List<ChainCase>();
            X509Certificate2[] none = Array.Empty<X509Certificate2>();

            X509Certificate2 root = SelfSignedRoot("CN=Validation Root, O=PkiTools Tests").Certificate;
            PrivateKey intKey = Key();
            X509Certificate2 inter = Ca(root, "CN=Validation Intermediate, O=PkiTools Tests", intKey).Certificate;
            X509Certificate2 leaf = Server(inter, "web01.corp.example", new[] { "192.0.2.10" }).Certificate;
            X509Certificate2[] roots = { root };
            X509Certificate2[] ints = { inter };

            cases.Add(new ChainCase("good", leaf, roots, ints) { DnsName = "web01.corp.example", Purpose = CertificatePurpose.ServerAuth });
            cases.Add(new ChainCase("good-no-name-check", leaf, roots, ints));
            cases.Add(new ChainCase("expired-leaf", Server(inter, "old.corp.example", from: -100, to: -1).Certificate, roots, ints, (ChainProblemCode.Expired, 0)));
            cases.Add(new ChainCase("not-yet-valid-leaf", Server(inter, "new.corp.example", from: 1, to: 90).Certificate, roots, ints, (ChainProblemCode.NotYetValid, 0)));
            cases.Add(new ChainCase("wrong-host", leaf, roots, ints, (ChainProblemCode.NameMismatch, 0)) { DnsName = "web02.corp.example", DotNet = false });
            cases.Add(new ChainCase("host-case-and-trailing-dot", leaf, roots, ints) { DnsName = "WEB01.Corp.Example.", DotNet = false, OpenSsl = false }); // OpenSSL does not strip the trailing dot
            cases.Add(new ChainCase("no-cn-fallback", Issue(inter, new CertificateTemplate { Subject = "CN=nosan.corp.example", Profile = CertificateProfile.TlsServer, NotBefore = Days(-10), NotAfter = Days(90) }).Certificate,
                roots, ints, (ChainProblemCode.NameMismatch, 0)) { DnsName = "nosan.corp.example", DotNet = false, OpenSsl = false }); // OpenSSL 3.0 still falls back to the CN
            cases.Add(new ChainCase("ip-match", leaf, roots, ints) { IpAddress = "192.0.2.10", DotNet = false });
            cases.Add(new ChainCase("ip-mismatch", leaf, roots, ints, (ChainProblemCode.NameMismatch, 0)) { IpAddress = "192.0.2.11", DotNet = false });
            cases.Add(new ChainCase("ip-as-host-name-matches-ip-san", leaf, roots, ints) { DnsName = "192.0.2.10", DotNet = false, OpenSsl = false });

            // Leaf signed by another CA that has the same name as the trusted root.
            X509Certificate2 impostor = SelfSignedRoot("CN=Validation Root, O=PkiTools Tests").Certificate;
            cases.Add(new ChainCase("wrong-issuer-same-name", Server(impostor, "evil.corp.example").Certificate, roots, none, (ChainProblemCode.SignatureInvalid, 0)));

            cases.Add(new ChainCase("missing-intermediate", leaf, roots, none, (ChainProblemCode.MissingIssuer, 0)));

            // A TLS leaf used as an issuer: a CA twin (same name and key) signs, the validator only sees the leaf.
            PrivateKey leafKey = Key();
            X509Certificate2 leafR = Server(root, "leafr.corp.example", key: leafKey).Certificate;
            X509Certificate2 twin = Issue(root, new CertificateTemplate { Subject = "CN=leafr.corp.example", Profile = CertificateProfile.IntermediateCa, NotBefore = Days(-20), NotAfter = Days(100) }, leafKey).Certificate;
            cases.Add(new ChainCase("leaf-used-as-issuer", Server(twin, "under-leaf.corp.example").Certificate, roots, new[] { leafR }, (ChainProblemCode.IssuerNotCa, 1)));

            // root -> A (pathLen 0) -> B -> leaf. B is issued by A's twin with pathLen 1 (CertificateIssuer refuses the real A).
            PrivateKey aKey = Key();
            X509Certificate2 a0 = Ca(root, "CN=PathLen CA", aKey, pathLength: 0).Certificate;
            X509Certificate2 a1 = Ca(root, "CN=PathLen CA", aKey, pathLength: 1).Certificate;
            X509Certificate2 b = Ca(a1, "CN=PathLen Sub CA").Certificate;
            X509Certificate2 leafP = Server(b, "deep.corp.example").Certificate;
            cases.Add(new ChainCase("pathlen-exceeded", leafP, roots, new[] { b, a0 }, (ChainProblemCode.PathLengthExceeded, 2)));
            cases.Add(new ChainCase("pathlen-respected", leafP, roots, new[] { b, a1 }));

            X509Certificate2 client = Server(inter, "client.corp.example", profile: CertificateProfile.TlsClient).Certificate;
            cases.Add(new ChainCase("client-leaf-for-server-auth", client, roots, ints, (ChainProblemCode.WrongPurpose, 0)) { Purpose = CertificatePurpose.ServerAuth });
            cases.Add(new ChainCase("client-leaf-for-client-auth", client, roots, ints) { Purpose = CertificatePurpose.ClientAuth });
            cases.Add(new ChainCase("server-leaf-for-client-auth", leaf, roots, ints, (ChainProblemCode.WrongPurpose, 0)) { Purpose = CertificatePurpose.ClientAuth });

            X509Certificate2 unrelated = SelfSignedRoot("CN=Unrelated Root").Certificate;
            cases.Add(new ChainCase("untrusted-root", leaf, new[] { unrelated }, new[] { inter, root }, (ChainProblemCode.UntrustedRoot, 2)));
            cases.Add(new ChainCase("no-roots-at-all", leaf, none, new[] { inter, root }, (ChainProblemCode.UntrustedRoot, 2)) { OpenSsl = false }); // openssl needs a CAfile

            X509Certificate2 selfLeaf = CertificateIssuer.SelfSign(Key(), new CertificateTemplate { DnsNames = new[] { "self.corp.example" }, NotBefore = Days(-10), NotAfter = Days(90) }, Days(-10)).Certificate;
            cases.Add(new ChainCase("self-signed-leaf-trusted", selfLeaf, new[] { selfLeaf }, none) { DnsName = "self.corp.example", Purpose = CertificatePurpose.ServerAuth, DotNet = false });
            cases.Add(new ChainCase("self-signed-leaf-untrusted", selfLeaf, roots, none, (ChainProblemCode.UntrustedRoot, 0)));
            X509Certificate2 expiredSelf = CertificateIssuer.SelfSign(Key(), new CertificateTemplate { DnsNames = new[] { "gone.corp.example" }, NotBefore = Days(-100), NotAfter = Days(-1) }, Days(-100)).Certificate;
            cases.Add(new ChainCase("self-signed-leaf-trusted-expired", expiredSelf, new[] { expiredSelf }, none, (ChainProblemCode.Expired, 0)));
            // An expired trust anchor is reported (as OpenSSL does); its live twin (same name and key) issued the leaf.
            PrivateKey anchorKey = Key();
            X509Certificate2 expiredRoot = SelfSignedRoot("CN=Expiring Root", anchorKey, from: -400, to: -5).Certificate;
            X509Certificate2 liveTwin = SelfSignedRoot("CN=Expiring Root", anchorKey, from: -400, to: 3650).Certificate;
            cases.Add(new ChainCase("expired-trust-anchor", Server(liveTwin, "late.corp.example").Certificate, new[] { expiredRoot }, none, (ChainProblemCode.Expired, 1)));

            X509Certificate2 wild = Server(inter, "*.corp.example").Certificate;
            cases.Add(new ChainCase("wildcard-one-label", wild, roots, ints) { DnsName = "a.corp.example", DotNet = false });
            cases.Add(new ChainCase("wildcard-not-two-labels", wild, roots, ints, (ChainProblemCode.NameMismatch, 0)) { DnsName = "a.b.corp.example", DotNet = false });
            cases.Add(new ChainCase("wildcard-not-bare-domain", wild, roots, ints, (ChainProblemCode.NameMismatch, 0)) { DnsName = "corp.example", DotNet = false });
            cases.Add(new ChainCase("wildcard-never-ip", Server(inter, "*.0.2.1").Certificate, roots, ints, (ChainProblemCode.NameMismatch, 0)) { DnsName = "192.0.2.1", DotNet = false, OpenSsl = false }); // OpenSSL -verify_hostname matches the wildcard against the IP text

            // Two intermediates with the same name and key; the first given has expired.
            X509Certificate2 interOld = Ca(root, "CN=Validation Intermediate, O=PkiTools Tests", intKey, from: -800, to: -10).Certificate;
            cases.Add(new ChainCase("reissued-intermediate-valid-one-chosen", leaf, roots, new[] { interOld, inter }));
            cases.Add(new ChainCase("only-expired-intermediate", leaf, roots, new[] { interOld }, (ChainProblemCode.Expired, 1)));

            // X and Y cross-sign each other; the leaf is issued by X; neither reaches a trusted root.
            PrivateKey xKey = Key(), yKey = Key();
            IssuedCertificate x0 = SelfSignedRoot("CN=Loop X", xKey);
            IssuedCertificate y0 = SelfSignedRoot("CN=Loop Y", yKey);
            X509Certificate2 xByY = Ca(y0.Certificate, "CN=Loop X", xKey, pathLength: 5).Certificate;
            X509Certificate2 yByX = Ca(x0.Certificate, "CN=Loop Y", yKey, pathLength: 5).Certificate;
            X509Certificate2 loopLeaf = Server(x0.Certificate, "loop.corp.example").Certificate;
            cases.Add(new ChainCase("cross-signed-loop", loopLeaf, roots, new[] { xByY, yByX }, (ChainProblemCode.MissingIssuer, 2)));
            cases.Add(new ChainCase("cross-signed-loop-with-trusted-y", loopLeaf, new[] { y0.Certificate }, new[] { yByX, xByY }));

            return cases.ToDictionary(c => c.Name, StringComparer.Ordinal);
        }
    }
}
