using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.Revocation;
using BcExtensions = Org.BouncyCastle.Asn1.X509.X509Extensions;
using PkiTools.Core.X509;

namespace PkiTools.Core.Validation
{
    /// <summary>
    /// RFC 5280 path building and validation against explicit trust anchors. Builds candidate paths depth first from
    /// the leaf (trusted anchors first, then AKI/SKI matches, a mismatching SKI last, then issuers valid at the
    /// validation time), checks each complete path, and reports the first valid one or the problems of the best candidate. Never throws for a bad
    /// chain; hostile inputs are stopped by fixed budgets.
    /// </summary>
    public static partial class ChainValidator
    {
        /// <summary>Longest path considered, in certificates (leaf and anchor included).</summary>
        internal const int MaxPathLength = 10;

        /// <summary>Signature verifications allowed per validation.</summary>
        internal const int MaxSignatureChecks = 100;

        /// <summary>Complete candidate paths evaluated per validation.</summary>
        internal const int MaxCandidatePaths = 50;

        /// <summary>CRL signature verifications allowed per validation (each CRL is verified once per issuer key).</summary>
        internal const int MaxCrlSignatureChecks = 100;

        private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
        private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
        private const string AnyExtendedKeyUsageOid = "2.5.29.37.0";

        private static readonly HashSet<string> KnownCriticalExtensions = new HashSet<string>(StringComparer.Ordinal)
        {
            "2.5.29.19", // basicConstraints
            "2.5.29.15", // keyUsage
            "2.5.29.37", // extKeyUsage
            "2.5.29.17", // subjectAltName
            "2.5.29.32", // certificatePolicies
            "2.5.29.33", // policyMappings (PolicyProcessor)
            "2.5.29.36", // policyConstraints
            "2.5.29.54", // inhibitAnyPolicy
            "2.5.29.35", // authorityKeyIdentifier
            "2.5.29.14", // subjectKeyIdentifier
            "2.5.29.30", // nameConstraints (NameConstraintChecker)
        };

        private static readonly Lazy<IReadOnlyList<Input>> SystemRoots = new Lazy<IReadOnlyList<Input>>(LoadSystemRoots, true);

        /// <summary>The operating system's root certificates as <see cref="ChainValidationOptions.UseSystemTrust"/> sees them (read once per process).</summary>
        internal static IReadOnlyList<X509Certificate2> SystemTrustedRoots => SystemRoots.Value.Select(i => i.Certificate).ToList();

        /// <summary>
        /// The problems of a certificate given as parsed DER (none: valid), the same decision as <see cref="Validate"/>
        /// without building an <see cref="X509Certificate2"/> for the leaf unless a problem must name it: for the CA's
        /// check of each certificate it issues, where that second parse would cost more than the validation.
        /// </summary>
        internal static IReadOnlyList<ChainProblem> ProblemsOf(ParsedCertificate leaf, ChainValidationOptions options)
        {
            if (leaf == null) throw new ArgumentNullException(nameof(leaf));
            Builder? builder = Run(null, leaf, options, out ChainProblem? unreadable);
            if (builder == null) return new[] { unreadable! };
            return builder.Problems();
        }

        /// <summary>Validates <paramref name="certificate"/>: builds a path to one of the trusted roots and checks it.</summary>
        public static ChainValidationResult Validate(X509Certificate2 certificate, ChainValidationOptions options)
        {
            if (certificate == null) throw new ArgumentNullException(nameof(certificate));
            Builder? builder = Run(certificate, null, options, out ChainProblem? unreadable);
            if (builder == null) return new ChainValidationResult(certificate, new[] { certificate }, new[] { unreadable! });
            return builder.Result(certificate);
        }

        private static Builder? Run(X509Certificate2? certificate, ParsedCertificate? parsed, ChainValidationOptions options, out ChainProblem? unreadable)
        {
            unreadable = null;
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (options.MaxDepth < 0)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"MaxDepth must be 0 or more (the number of intermediate CA certificates allowed); got {options.MaxDepth}.");
            }

            // Validity is encoded in whole seconds: compare at that granularity (as OpenSSL does with time_t).
            DateTime at = (options.At ?? DateTimeOffset.UtcNow).UtcDateTime;
            at = new DateTime(at.Ticks - at.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
            var pool = new Pool();
            Node? leaf = pool.Add(certificate, parsed, trusted: false);
            if (leaf == null)
            {
                unreadable = new ChainProblem(ChainProblemCode.CertificateInvalid, 0, certificate == null ? "(unreadable certificate)" : SafeSubject(certificate),
                    "The certificate cannot be parsed (malformed DER or a malformed extension); obtain a correct copy of it.");
                return null;
            }
            IReadOnlyList<X509Certificate2> roots = options.TrustedRoots ?? Array.Empty<X509Certificate2>();
            ParsedCertificate?[] parsedRoots = options.ParsedTrustedRoots;
            for (int i = 0; i < roots.Count; i++)
            {
                pool.Add(roots[i], parsedRoots[i], trusted: true);
            }
            if (options.UseSystemTrust)
            {
                foreach (Input input in SystemRoots.Value)
                {
                    pool.Add(input.Certificate, input.Parsed, trusted: true);
                }
            }
            IReadOnlyList<X509Certificate2> intermediates = options.Intermediates ?? Array.Empty<X509Certificate2>();
            ParsedCertificate?[] parsedIntermediates = options.ParsedIntermediates;
            for (int i = 0; i < intermediates.Count; i++)
            {
                pool.Add(intermediates[i], parsedIntermediates[i], trusted: false);
            }

            options.Trace?.Invoke(DescribeChecks(options, at));
            var builder = new Builder(pool, options, at);
            builder.Run(leaf);
            return builder;
        }

        private sealed class Input
        {
            public Input(X509Certificate2 certificate, ParsedCertificate parsed)
            {
                Certificate = certificate;
                Parsed = parsed;
            }

            public X509Certificate2 Certificate { get; }

            public ParsedCertificate Parsed { get; }
        }

        private sealed class Node
        {
            private X509Certificate2? _certificate;

            public Node(int id, X509Certificate2? certificate, ParsedCertificate parsed, DateTime notBefore, DateTime notAfter)
            {
                Id = id;
                _certificate = certificate;
                P = parsed;
                NotBefore = notBefore;
                NotAfter = notAfter;
            }

            private byte[]? _spki;
            private bool _spkiFailed;
            private bool _constraintsRead;
            private NameConstraintChecker? _constraints;
            private bool _constraintsInvalid;
            private NameConstraintChecker.SubjectNames? _names;
            private bool _namesInvalid;

            public int Id { get; }

            /// <summary>The certificate; built from the DER on first use for a leaf given only parsed (see <see cref="ProblemsOf"/>).</summary>
            public X509Certificate2 Certificate => _certificate ??= new X509Certificate2(P.Der);

            public ParsedCertificate P { get; }

            public DateTime NotBefore { get; }

            public DateTime NotAfter { get; }

            public bool Trusted { get; set; }

            public string Subject => SafeSubject(Certificate);

            /// <summary>This CA's name constraints (null: none); <paramref name="invalid"/> when the extension is malformed.</summary>
            public NameConstraintChecker? Constraints(out bool invalid)
            {
                if (!_constraintsRead)
                {
                    _constraintsRead = true;
                    try
                    {
                        _constraints = NameConstraintChecker.For(P);
                    }
                    catch (Exception)
                    {
                        _constraintsInvalid = true;
                    }
                }
                invalid = _constraintsInvalid;
                return _constraints;
            }

            /// <summary>Subject and subjectAltName names for name-constraint checks, or null when they cannot be read.</summary>
            public NameConstraintChecker.SubjectNames? ConstrainedNames()
            {
                if (_names == null && !_namesInvalid)
                {
                    try
                    {
                        _names = new NameConstraintChecker.SubjectNames(P);
                    }
                    catch (Exception)
                    {
                        _namesInvalid = true;
                    }
                }
                return _names;
            }

            private int _aia; // 0 unknown, 1 well formed or absent, 2 malformed
            private int _weak; // 0 unknown, 1 acceptable, 2 weak
            private string? _weakKey;

            /// <summary>True when the authorityInfoAccess extension is present but not a non-empty list of access descriptions.</summary>
            public bool MalformedAuthorityInfoAccess
            {
                get
                {
                    if (_aia == 0) _aia = KeyPolicy.MalformedAuthorityInfoAccess(P) ? 2 : 1;
                    return _aia == 2;
                }
            }

            /// <summary>A description of the certificate's key when it is too weak to rely on, else null.</summary>
            private CertificatePolicyExtensions? _policies;

            /// <summary>The certificate's policy extensions, read on first use.</summary>
            public CertificatePolicyExtensions Policies => _policies ??= CertificatePolicyExtensions.Read(P);

            public string? WeakKey
            {
                get
                {
                    if (_weak == 0)
                    {
                        _weakKey = KeyPolicy.WeakKey(P);
                        _weak = _weakKey == null ? 1 : 2;
                    }
                    return _weakKey;
                }
            }

            /// <summary>The SubjectPublicKeyInfo DER, or null when it cannot be encoded.</summary>
            public byte[]? SpkiDer
            {
                get
                {
                    if (_spki == null && !_spkiFailed)
                    {
                        try
                        {
                            _spki = P.Tbs.SubjectPublicKeyInfo.GetDerEncoded();
                        }
                        catch (Exception)
                        {
                            _spkiFailed = true;
                        }
                    }
                    return _spki;
                }
            }
        }

        /// <summary>The certificates of one validation, parsed once, indexed by DER and by subject name.</summary>
        private sealed class Pool
        {
            private readonly Dictionary<byte[], Node> _byDer = new Dictionary<byte[], Node>(ByteArrayComparer.Instance);

            /// <summary>How many certificates the pool holds (node ids are 0 to Count - 1).</summary>
            public int Count => _byDer.Count;

            /// <summary>Nodes by subject, names compared as RFC 5280 §7.1 asks (case, white space and string type aside).</summary>
            public Dictionary<string, List<Node>> BySubject { get; } = new Dictionary<string, List<Node>>(StringComparer.Ordinal);

            public Node? Add(X509Certificate2? certificate, ParsedCertificate? parsed, bool trusted)
            {
                if (certificate == null && parsed == null) return null;
                byte[] der;
                try
                {
                    der = parsed?.Der ?? certificate!.RawData;
                }
                catch (Exception)
                {
                    return null;
                }
                if (der == null || der.Length == 0) return null;
                if (_byDer.TryGetValue(der, out Node? existing))
                {
                    existing.Trusted |= trusted;
                    return existing;
                }
                Node node;
                try
                {
                    parsed ??= ParsedCertificate.Parse(der);
                    node = new Node(_byDer.Count, certificate, parsed, parsed.NotBefore, parsed.NotAfter) { Trusted = trusted };
                }
                catch (Exception)
                {
                    // A certificate we cannot read is not a candidate (and, for the leaf, a CertificateInvalid problem).
                    return null;
                }
                _byDer.Add(der, node);
                if (!BySubject.TryGetValue(node.P.SubjectKey, out List<Node>? list))
                {
                    list = new List<Node>(1);
                    BySubject.Add(node.P.SubjectKey, list);
                }
                list.Add(node);
                return node;
            }
        }

        private enum Terminal
        {
            /// <summary>The path ends at a trusted certificate.</summary>
            Anchor,

            /// <summary>The last certificate is a candidate issuer whose key does not verify the one before it.</summary>
            BadSignature,

            /// <summary>The path ends at a self-signed certificate that is not trusted.</summary>
            SelfSigned,

            /// <summary>No certificate with the issuer's name is available.</summary>
            NoIssuer,

            /// <summary>Every certificate with the issuer's name is already in the path (cross-signed CAs in a loop).</summary>
            Loop,

            /// <summary>The path reached <see cref="MaxPathLength"/> without an anchor.</summary>
            TooDeep,

            /// <summary>The path holds more intermediates than <see cref="ChainValidationOptions.MaxDepth"/> allows, without an anchor.</summary>
            OverMaxDepth,
        }

        private sealed class Candidate
        {
            public Candidate(Node[] path, Terminal terminal, List<ChainProblem> problems, PolicyOutcome policies, List<RevocationCheck>? revocation)
            {
                Revocation = revocation;
                Nodes = path;
                Terminal = terminal;
                Problems = problems;
                Policies = policies;
            }

            public PolicyOutcome Policies { get; }

            /// <summary>The revocation check of each certificate checked, or null when revocation is not checked.</summary>
            public List<RevocationCheck>? Revocation { get; }

            public Node[] Nodes { get; }

            public Terminal Terminal { get; }

            public List<ChainProblem> Problems { get; }

            /// <summary>
            /// The candidate whose problems are reported when none is valid: the one that got furthest. Every signature
            /// valid first (a wrong issuer with the right name says little about the chain), then how far the path got
            /// (a trust anchor, a self-signed end, a dead end), then the fewest problems, then the longest.
            /// </summary>
            public bool IsBetterThan(Candidate other)
            {
                bool signed = Terminal != Terminal.BadSignature, otherSigned = other.Terminal != Terminal.BadSignature;
                if (signed != otherSigned) return signed;
                int a = Rank(Terminal, Nodes), b = Rank(other.Terminal, other.Nodes);
                if (a != b) return a < b;
                if (Problems.Count != other.Problems.Count) return Problems.Count < other.Problems.Count;
                return Nodes.Length > other.Nodes.Length;
            }

            private static int Rank(Terminal t, Node[] path) => t switch
            {
                Terminal.Anchor => 0,
                Terminal.BadSignature => path[path.Length - 1].Trusted ? 1 : 3,
                Terminal.SelfSigned => 2,
                _ => 4,
            };
        }

        private sealed partial class Builder
        {
            private readonly Pool _pool;
            private readonly ChainValidationOptions _options;
            private readonly DateTime _at;
            private readonly List<Node> _path = new List<Node>(MaxPathLength);
            private readonly Dictionary<(int Child, int Parent), bool> _signatures = new Dictionary<(int, int), bool>();
            private int _signatureChecks;
            private int _candidates;
            private int _nameComparisons;
            private string? _limit;
            private readonly bool _checkRevocation;
            private Candidate? _best;
            private Candidate? _valid;
            /// <summary>Which pool nodes are in the path being built (by node id).</summary>
            private readonly bool[] _inPath;
            /// <summary>The only trust anchor this builder may end at (a CRL issuer's path must end where the certificate's
            /// did, RFC 5280 §6.3.3(f)); null: any trusted certificate.</summary>
            private readonly Node? _anchor;

            public Builder(Pool pool, ChainValidationOptions options, DateTime at, Node? anchor = null, RevocationState? revocation = null, int depth = 0)
            {
                _pool = pool;
                _options = options;
                _at = at;
                _anchor = anchor;
                _inPath = new bool[pool.Count];
                _checkRevocation = options.EffectiveRevocationMode == RevocationMode.Offline;
                if (_checkRevocation) InitRevocation(revocation, depth);
            }

            /// <summary>Whether a path may end at <paramref name="n"/> as its trust anchor.</summary>
            private bool IsAnchor(Node n) => _anchor != null ? ReferenceEquals(n, _anchor) : n.Trusted;

            /// <summary>True when a path reached a trust anchor and passed every check.</summary>
            public bool Found => _valid != null;

            private bool Stop => _valid != null || _limit != null;

            public void Run(Node leaf)
            {
                _path.Add(leaf);
                _inPath[leaf.Id] = true;
                Extend();
            }

            /// <summary>The problems <see cref="Result"/> would report, without building the chain of certificates.</summary>
            public IReadOnlyList<ChainProblem> Problems()
            {
                Candidate? chosen = _valid ?? _best;
                var problems = new List<ChainProblem>();
                if (chosen != null) problems.AddRange(chosen.Problems);
                if (_valid == null && _limit != null)
                {
                    int last = chosen == null ? 0 : chosen.Nodes.Length - 1;
                    string subject = chosen == null ? "" : chosen.Nodes[last].Subject;
                    problems.Add(new ChainProblem(ChainProblemCode.PathBuildingLimitExceeded, last, subject,
                        $"Path building stopped after {_limit} without finding a valid chain; remove unrelated or cross-signed CA certificates from the intermediates."));
                }
                return problems;
            }

            public ChainValidationResult Result(X509Certificate2 certificate)
            {
                Candidate? chosen = _valid ?? _best;
                var problems = new List<ChainProblem>();
                X509Certificate2[] chain;
                if (chosen == null)
                {
                    chain = new[] { certificate };
                }
                else
                {
                    chain = new X509Certificate2[chosen.Nodes.Length];
                    for (int i = 0; i < chain.Length; i++) chain[i] = chosen.Nodes[i].Certificate;
                    chain[0] = certificate;
                    problems.AddRange(chosen.Problems);
                }
                if (_valid == null && _limit != null)
                {
                    _options.Trace?.Invoke($"Path building stopped after {_limit}.");
                    problems.Add(new ChainProblem(ChainProblemCode.PathBuildingLimitExceeded, chain.Length - 1, SafeSubject(chain[chain.Length - 1]),
                        $"Path building stopped after {_limit} without finding a valid chain; remove unrelated or cross-signed CA certificates from the intermediates."));
                }
                PolicyOutcome policies = chosen?.Policies ?? PolicyOutcome.Empty;
                return new ChainValidationResult(certificate, chain, problems, policies.UserConstrained, policies.AuthorityConstrained, chosen?.Revocation);
            }

            private void Extend()
            {
                if (Stop) return;
                Node current = _path[_path.Count - 1];
                if (IsAnchor(current))
                {
                    Complete(Terminal.Anchor);
                    return;
                }
                if (current.P.IsSelfIssued)
                {
                    bool? self = Verify(current, current);
                    if (self == null) return;
                    if (self.Value)
                    {
                        Complete(Terminal.SelfSigned);
                        return;
                    }
                }
                if (_options.MaxDepth is int maxDepth && Intermediates(_path.Count) > maxDepth)
                {
                    Complete(Terminal.OverMaxDepth);
                    return;
                }
                if (_path.Count >= MaxPathLength)
                {
                    Complete(Terminal.TooDeep);
                    return;
                }
                List<Node> candidates = Candidates(current, out bool anyNamed);
                if (candidates.Count == 0)
                {
                    Complete(anyNamed ? Terminal.Loop : Terminal.NoIssuer);
                    return;
                }
                foreach (Node candidate in candidates)
                {
                    if (Stop) return;
                    bool? signed = Verify(current, candidate);
                    if (signed == null) return;
                    _path.Add(candidate);
                    _inPath[candidate.Id] = true;
                    if (signed.Value) Extend();
                    else Complete(Terminal.BadSignature);
                    _inPath[candidate.Id] = false;
                    _path.RemoveAt(_path.Count - 1);
                }
            }

            /// <summary>Intermediates among the first <paramref name="count"/> path entries (the leaf excluded), self-issued ones not counted.</summary>
            private int Intermediates(int count)
            {
                int n = 0;
                for (int i = 1; i < count; i++)
                {
                    if (!_path[i].P.IsSelfIssued) n++;
                }
                return n;
            }

            private List<Node> Candidates(Node child, out bool anyNamed)
            {
                var result = new List<Node>();
                anyNamed = false;
                if (!_pool.BySubject.TryGetValue(child.P.IssuerKey, out List<Node>? named)) return result;
                anyNamed = named.Count > 0;
                foreach (Node n in named)
                {
                    if (!_inPath[n.Id]) result.Add(n);
                }
                if (result.Count > 1)
                {
                    // Most likely to verify first, so that same-name decoys do not spend the signature and candidate
                    // budgets before the real issuer: trusted anchors, then subjectKeyIdentifier equal to the child's
                    // authorityKeyIdentifier (one that differs last), then valid at the validation time, then input order.
                    result.Sort((a, b) =>
                    {
                        int c = IsAnchor(b).CompareTo(IsAnchor(a));
                        if (c != 0) return c;
                        c = KeyIdMatch(child, b).CompareTo(KeyIdMatch(child, a));
                        if (c != 0) return c;
                        c = CoversTime(b).CompareTo(CoversTime(a));
                        return c != 0 ? c : a.Id.CompareTo(b.Id);
                    });
                }
                return result;
            }

            private bool CoversTime(Node n) => n.NotBefore <= _at && _at <= n.NotAfter;

            /// <summary>2: AKI equals SKI; 1: one of them is absent; 0: both present and different.</summary>
            private static int KeyIdMatch(Node child, Node issuer)
            {
                byte[]? aki = child.P.AuthorityKeyId;
                byte[]? ski = issuer.P.SubjectKeyId;
                if (aki == null || ski == null) return 1;
                return Arrays.AreEqual(aki, ski) ? 2 : 0;
            }

            /// <summary>
            /// Why a signature could not be checked at all, in words, when that is the reason it failed: an algorithm
            /// (Ed448, an unknown OID) or an issuer key family (X25519, DH, an explicit curve) PkiTools does not verify
            /// with. Null when the signature was checked and is wrong.
            /// </summary>
            private static string? Unverifiable(Node child, Node issuer)
            {
                string oid = child.P.Structure.SignatureAlgorithm.Algorithm.Id;
                bool known = SignatureAlgorithm.FromOid(oid) != null || SignatureAlgorithm.DsaSignatures.ContainsKey(oid);
                if (!known)
                {
                    string name = KeyFamilies.UnusedName(oid) ?? SignatureAlgorithm.NameOf(oid);
                    return $"This certificate is signed with {name}, which PkiTools does not verify, so its signature cannot be checked; it needs a CA that signs with RSA, ECDSA or Ed25519.";
                }
                PublicKeyInfo? key = issuer.P.PublicKey;
                if (key != null && key.KeyType == null && !key.Algorithm.Equals("DSA", StringComparison.Ordinal))
                {
                    return $"The key of '{issuer.Subject}' is {Words.A(key.Algorithm)} key, which PkiTools does not verify signatures with, so this certificate's signature cannot be checked against it.";
                }
                return null;
            }

            /// <summary>Null when the signature budget is exhausted.</summary>
            private bool? Verify(Node child, Node issuer)
            {
                if (_signatures.TryGetValue((child.Id, issuer.Id), out bool known)) return known;
                if (_signatureChecks >= MaxSignatureChecks)
                {
                    _limit = $"{MaxSignatureChecks} signature checks";
                    return null;
                }
                _signatureChecks++;
                // The node's certificate object was parsed from the same DER as issuer.P, so its key is the SPKI's key.
                bool ok = issuer.SpkiDer != null && SignatureCache.IsSignedBy(child.P, issuer.SpkiDer, issuer.Certificate);
                _signatures[(child.Id, issuer.Id)] = ok;
                return ok;
            }

            private void Complete(Terminal terminal)
            {
                Node[] path = _path.ToArray();
                List<ChainProblem> problems = Evaluate(path, terminal, out PolicyOutcome policies, out List<RevocationCheck>? revocation);
                var candidate = new Candidate(path, terminal, problems, policies, revocation);
                _options.Trace?.Invoke(DescribePath(++_tried, path, terminal, candidate.Problems));
                if (candidate.Problems.Count == 0)
                {
                    _valid = candidate;
                    return;
                }
                if (_best == null || candidate.IsBetterThan(_best)) _best = candidate;
                if (++_candidates >= MaxCandidatePaths) _limit = $"{MaxCandidatePaths} candidate paths";
            }

            private List<ChainProblem> Evaluate(Node[] path, Terminal terminal, out PolicyOutcome policies, out List<RevocationCheck>? revocation)
            {
                var problems = new List<ChainProblem>();
                policies = PolicyOutcome.Empty;
                revocation = null;
                int last = path.Length - 1;
                string? purposeOid = _options.Purpose switch
                {
                    CertificatePurpose.ServerAuth => ServerAuthOid,
                    CertificatePurpose.ClientAuth => ClientAuthOid,
                    _ => null,
                };
                int nonSelfIssuedBelow = 0; // non-self-issued intermediates between the leaf and path[i]
                for (int i = 0; i < path.Length; i++)
                {
                    Node n = path[i];
                    bool isEnd = i == last;
                    if (isEnd && terminal == Terminal.BadSignature) break; // a rejected candidate, not part of the chain
                    bool isAnchor = isEnd && terminal == Terminal.Anchor;

                    CheckValidity(n, i, problems);
                    CheckExtensions(n, i, problems);
                    CheckEncodingRules(n, i, isAnchor, problems);
                    if (!_options.AllowWeakSignatures && n.WeakKey is string weakKey)
                    {
                        problems.Add(Problem(ChainProblemCode.WeakKey, i, n,
                            $"The certificate carries {weakKey}, which is too weak to rely on; reissue it with an RSA key of 2048 bits or more, or ECDSA P-256 or better (or allow weak signatures for a legacy device)."));
                    }
                    if (i == 0 && _options.RequiredKeyUsage != X509KeyUsageFlags.None && n.P.KeyUsage is int leafUsage
                        && (leafUsage & (int)_options.RequiredKeyUsage) != (int)_options.RequiredKeyUsage)
                    {
                        problems.Add(Problem(ChainProblemCode.WrongPurpose, i, n,
                            $"The certificate's key usage does not allow {_options.RequiredKeyUsage & ~(X509KeyUsageFlags)leafUsage}, which this use of it requires; use a certificate issued for that purpose."));
                    }
                    if (!isAnchor && !(isEnd && terminal == Terminal.SelfSigned) && !_options.AllowWeakSignatures)
                    {
                        if (SignatureAlgorithm.WeakName(n.P.Structure.SignatureAlgorithm) is string weakName)
                        {
                            problems.Add(Problem(ChainProblemCode.WeakSignatureAlgorithm, i, n,
                                SignatureAlgorithm.DsaSignatures.ContainsKey(n.P.Structure.SignatureAlgorithm.Algorithm.Id)
                                    ? $"The certificate is signed with DSA ({weakName}), which no TLS client accepts any more; reissue it from a CA that signs with RSA, ECDSA or Ed25519 (or allow weak signatures for a legacy device)."
                                    : $"The certificate is signed with {weakName}, which is no longer secure; reissue it with SHA-256 or better (or allow weak signatures for a legacy device)."));
                        }
                    }
                    if (i > 0)
                    {
                        if (!n.P.IsCa)
                        {
                            // A trust anchor without basicConstraints (a v1 root) is accepted, as OpenSSL does.
                            if (!(isAnchor && !n.P.HasBasicConstraints))
                            {
                                problems.Add(Problem(ChainProblemCode.IssuerNotCa, i, n,
                                    $"This certificate issued '{path[i - 1].Subject}' but is not a CA certificate (basicConstraints CA:TRUE is missing); the chain must go through a CA certificate."));
                            }
                        }
                        else if (n.P.KeyUsage != null && !n.P.HasKeyUsage(Org.BouncyCastle.Asn1.X509.KeyUsage.KeyCertSign))
                        {
                            problems.Add(Problem(ChainProblemCode.KeyUsageMissing, i, n,
                                "This CA certificate's key usage lacks keyCertSign, so it may not issue certificates; reissue it with the RootCa or IntermediateCa profile."));
                        }
                        if (n.P.IsCa && n.P.PathLength is int limit && nonSelfIssuedBelow > limit)
                        {
                            problems.Add(Problem(ChainProblemCode.PathLengthExceeded, i, n,
                                $"This CA's pathLenConstraint is {limit} but {nonSelfIssuedBelow} intermediate CA certificate(s) sit below it; shorten the chain or reissue the CA with a larger path length."));
                        }
                        if (!n.P.IsSelfIssued) nonSelfIssuedBelow++;
                    }
                    if (purposeOid != null && n.P.ExtendedKeyUsages is IReadOnlyList<string> ekus
                        && !ekus.Contains(purposeOid) && !ekus.Contains(AnyExtendedKeyUsageOid))
                    {
                        string purpose = _options.Purpose == CertificatePurpose.ServerAuth ? "TLS server authentication" : "TLS client authentication";
                        problems.Add(Problem(ChainProblemCode.WrongPurpose, i, n,
                            $"The certificate's extended key usage ({string.Join(", ", ekus.Select(DescribeEku))}) does not allow {purpose}; use a certificate issued for that purpose."));
                    }
                }

                switch (terminal)
                {
                    case Terminal.BadSignature:
                        problems.Add(Problem(ChainProblemCode.SignatureInvalid, last - 1, path[last - 1],
                            (SignatureAlgorithm.UnsupportedReason(path[last - 1].P.Structure.SignatureAlgorithm) is string unsupported
                                ? $"The signature on this certificate cannot be verified: {unsupported}."
                                : null)
                            ?? Unverifiable(path[last - 1], path[last])
                            ?? $"The signature on this certificate does not verify with the public key of '{path[last].Subject}': it was issued by another CA with the same name, or it is corrupt."));
                        break;
                    case Terminal.SelfSigned:
                        problems.Add(Problem(ChainProblemCode.UntrustedRoot, last, path[last],
                            "The chain ends at this self-signed certificate, which is not a trusted root; add it to the trusted roots if you trust it."));
                        break;
                    case Terminal.NoIssuer:
                        problems.Add(Problem(ChainProblemCode.MissingIssuer, last, path[last],
                            $"The issuer '{path[last].P.Issuer}' of this certificate is neither among the intermediates nor a trusted root; add the missing CA certificate."));
                        break;
                    case Terminal.Loop:
                        problems.Add(Problem(ChainProblemCode.MissingIssuer, last, path[last],
                            $"Every certificate named '{path[last].P.Issuer}' is already in this chain (CAs cross-signing each other in a loop); add the root that ends the loop to the trusted roots."));
                        break;
                    case Terminal.TooDeep:
                        problems.Add(Problem(ChainProblemCode.PathBuildingLimitExceeded, last, path[last],
                            $"No trusted root was reached within {MaxPathLength} certificates; the chain is too long or loops through cross-signed CAs."));
                        break;
                    case Terminal.OverMaxDepth:
                        problems.Add(Problem(ChainProblemCode.PathLengthExceeded, last, path[last],
                            $"No trusted root was reached within {_options.MaxDepth} intermediate CA certificate(s), the maximum depth allowed; trust a CA closer to the certificate or allow a greater depth."));
                        break;
                }

                CheckNameConstraints(path, terminal == Terminal.BadSignature ? last - 1 : last, problems);
                if (terminal == Terminal.Anchor && last > 0)
                {
                    policies = CheckPolicies(path, last, problems);
                }
                if (_checkRevocation)
                {
                    // Each certificate whose issuer is in the chain, down to the leaf alone with EndCertificateOnly; the
                    // certificate at the end (the anchor) only with EntireChain.
                    int end = terminal == Terminal.BadSignature ? last - 1 : last;
                    RevocationFlag flag = _options.EffectiveRevocationFlag;
                    if (flag == RevocationFlag.EndCertificateOnly) end = Math.Min(end, 1);
                    Node? anchor = terminal == Terminal.Anchor ? path[last] : null;
                    revocation = new List<RevocationCheck>(end + 1);
                    for (int i = 0; i < end; i++) revocation.Add(CheckRevocation(path, i, anchor, problems));
                    if (flag == RevocationFlag.EntireChain && (terminal == Terminal.Anchor || terminal == Terminal.SelfSigned))
                    {
                        revocation.Add(CheckAnchorRevocation(path, last, anchor, problems));
                    }
                    if (_options.Trace is Action<string> trace)
                    {
                        foreach (RevocationCheck check in revocation) trace($"Revocation of '{check.Subject}': {check.Message}");
                    }
                }
                CheckNames(path[0], problems);
                if (problems.Count > 1) problems = problems.OrderBy(p => p.Index).ToList();
                return problems;
            }

            /// <summary>RFC 5280 §6.1 policy processing over a path that reached a trust anchor (path[last]), the anchor itself not processed.</summary>
            private PolicyOutcome CheckPolicies(Node[] path, int last, List<ChainProblem> problems)
            {
                var certificates = new (CertificatePolicyExtensions, bool)[last];
                for (int i = 1; i <= last; i++) certificates[i - 1] = (path[last - i].Policies, path[last - i].P.IsSelfIssued);
                PolicyOutcome outcome = PolicyProcessor.Process(certificates, _options.InitialPolicies,
                    _options.RequireExplicitPolicy, _options.InhibitPolicyMapping, _options.InhibitAnyPolicy);
                if (outcome.Failure is var (index, code, message)) problems.Add(Problem(code, index, path[index], message));
                return outcome;
            }

            /// <summary>Each CA's nameConstraints against the names of every certificate below it (self-issued intermediates excepted).</summary>
            private void CheckNameConstraints(Node[] path, int end, List<ChainProblem> problems)
            {
                if (path[0].Constraints(out _) != null && !path[0].P.IsCa)
                {
                    problems.Add(Problem(ChainProblemCode.CertificateInvalid, 0, path[0],
                        "The certificate carries nameConstraints, which only CA certificates may have (RFC 5280 4.2.1.10); have it reissued without them."));
                }
                var reported = new HashSet<int>();
                for (int j = 1; j <= end; j++)
                {
                    NameConstraintChecker? constraints = path[j].Constraints(out bool invalid);
                    if (invalid)
                    {
                        problems.Add(Problem(ChainProblemCode.CertificateInvalid, j, path[j], "The CA certificate's nameConstraints extension is malformed; have it reissued."));
                        continue;
                    }
                    if (constraints == null) continue;
                    for (int i = 0; i < j; i++)
                    {
                        if (i > 0 && path[i].P.IsSelfIssued) continue;
                        if (reported.Contains(i)) continue;
                        NameConstraintChecker.SubjectNames? names = path[i].ConstrainedNames();
                        string? violation = names == null
                            ? "Its names cannot be read"
                            : constraints.Check(names, ref _nameComparisons);
                        if (_nameComparisons > NameConstraintChecker.MaxComparisons)
                        {
                            problems.Add(Problem(ChainProblemCode.PathBuildingLimitExceeded, j, path[j],
                                $"Checking name constraints took more than {NameConstraintChecker.MaxComparisons} comparisons; the CA or certificate carries an abusive number of names."));
                            return;
                        }
                        if (violation != null)
                        {
                            reported.Add(i);
                            problems.Add(Problem(ChainProblemCode.NameConstraintViolation, i, path[i],
                                $"{violation} ('{path[j].Subject}' has nameConstraints); the certificate must be issued by a CA allowed to certify that name."));
                        }
                    }
                }
            }

            private void CheckValidity(Node n, int i, List<ChainProblem> problems)
            {
                if (_at > n.NotAfter)
                {
                    problems.Add(Problem(ChainProblemCode.Expired, i, n,
                        $"The certificate expired on {Format(n.NotAfter)} (validation time {Format(_at)}); renew it."));
                }
                else if (_at < n.NotBefore)
                {
                    problems.Add(Problem(ChainProblemCode.NotYetValid, i, n,
                        $"The certificate is not valid before {Format(n.NotBefore)} (validation time {Format(_at)}); check the clocks of the CA and of this machine."));
                }
            }

            private static void CheckExtensions(Node n, int i, List<ChainProblem> problems)
            {
                if (n.P.HasDuplicateExtensions)
                {
                    problems.Add(Problem(ChainProblemCode.CertificateInvalid, i, n,
                        "The certificate contains the same extension twice, which RFC 5280 forbids; have it reissued."));
                }
                if (n.P.Structure.Signature.PadBits != 0)
                {
                    problems.Add(Problem(ChainProblemCode.CertificateInvalid, i, n,
                        "The certificate's signature is not a whole number of bytes, so no issuer can have made it; the certificate is corrupt or forged."));
                }
                if (n.P.Extensions == null) return;
                foreach (Org.BouncyCastle.Asn1.DerObjectIdentifier oid in n.P.Extensions.GetCriticalExtensionOids())
                {
                    if (!KnownCriticalExtensions.Contains(oid.Id))
                    {
                        problems.Add(Problem(ChainProblemCode.UnknownCriticalExtension, i, n,
                            $"The certificate has a critical extension {oid.Id} that this validator does not process, so it must be rejected; have it reissued without it or with it non-critical."));
                    }
                }
            }

            /// <summary>
            /// RFC 5280 rules that no correct CA breaks and that real TLS clients (pyca/cryptography, rustls/webpki)
            /// enforce: key identifiers are never critical, serials are positive and at most 20 octets, an empty subject
            /// needs a critical subjectAltName, authorityInfoAccess is well formed, and a leaf's basicConstraints and
            /// keyUsage agree. Trust anchors are trusted as given: only the extension rules apply to them.
            /// </summary>
            private static void CheckEncodingRules(Node n, int i, bool isAnchor, List<ChainProblem> problems)
            {
                BcExtensions? extensions = n.P.Extensions;
                if (extensions?.GetExtension(BcExtensions.AuthorityKeyIdentifier) is { IsCritical: true })
                {
                    problems.Add(Problem(ChainProblemCode.CertificateInvalid, i, n,
                        "The certificate marks its authorityKeyIdentifier critical, which RFC 5280 4.2.1.1 forbids; have it reissued."));
                }
                if (extensions?.GetExtension(BcExtensions.SubjectKeyIdentifier) is { IsCritical: true })
                {
                    problems.Add(Problem(ChainProblemCode.CertificateInvalid, i, n,
                        "The certificate marks its subjectKeyIdentifier critical, which RFC 5280 4.2.1.2 forbids; have it reissued."));
                }
                if (n.MalformedAuthorityInfoAccess)
                {
                    problems.Add(Problem(ChainProblemCode.CertificateInvalid, i, n,
                        "The certificate's authorityInformationAccess extension is malformed (it must hold at least one access description); have it reissued."));
                }
                if (isAnchor) return;
                Org.BouncyCastle.Math.BigInteger serial = n.P.Tbs.SerialNumber.Value;
                if (serial.SignValue <= 0 || serial.ToByteArray().Length > 20)
                {
                    problems.Add(Problem(ChainProblemCode.CertificateInvalid, i, n, serial.SignValue <= 0
                        ? "The certificate's serial number is zero or negative, which RFC 5280 4.1.2.2 forbids; have it reissued."
                        : "The certificate's serial number is longer than the 20 octets RFC 5280 4.1.2.2 allows; have it reissued."));
                }
                if (n.P.SubjectDer.Length <= 2 && !(extensions?.GetExtension(BcExtensions.SubjectAlternativeName) is { IsCritical: true }))
                {
                    problems.Add(Problem(ChainProblemCode.CertificateInvalid, i, n,
                        "The certificate has an empty subject, so RFC 5280 4.2.1.6 requires a critical subjectAltName, which it lacks; have it reissued."));
                }
                if (i == 0 && n.P.KeyUsage != null)
                {
                    bool keyCertSign = n.P.HasKeyUsage(Org.BouncyCastle.Asn1.X509.KeyUsage.KeyCertSign);
                    if (keyCertSign && !n.P.IsCa)
                    {
                        problems.Add(Problem(ChainProblemCode.CertificateInvalid, i, n,
                            "The certificate's key usage allows keyCertSign but it is not a CA (basicConstraints CA:TRUE is missing), which RFC 5280 4.2.1.9 forbids; have it reissued."));
                    }
                    else if (!keyCertSign && n.P.IsCa)
                    {
                        problems.Add(Problem(ChainProblemCode.CertificateInvalid, i, n,
                            "The certificate is marked as a CA (basicConstraints CA:TRUE) but its key usage does not allow keyCertSign, so it is neither a usable CA nor a proper end-entity certificate; have it reissued with CA:FALSE."));
                    }
                }
            }

            private void CheckNames(Node leaf, List<ChainProblem> problems)
            {
                if (_options.DnsName != null)
                {
                    string host = _options.DnsName.Trim();
                    bool matched;
                    IPAddress? hostIp = null;
                    if (LooksLikeIp(host) && IPAddress.TryParse(host, out hostIp))
                    {
                        matched = MatchesIp(leaf.P, hostIp);
                    }
                    else
                    {
                        matched = MatchesHostName(leaf.P, host);
                    }
                    if (!matched)
                    {
                        string reissue = hostIp != null ? $"the IP address {hostIp} among its names" : $"the DNS name '{host}' among its names";
                        problems.Add(Problem(ChainProblemCode.NameMismatch, 0, leaf, leaf.P.HasSubjectAltNames
                            ? $"The certificate is not valid for '{host}': its names are {DescribeNames(leaf.P)}; reissue it with {reissue} or connect with one of its names."
                            : $"The certificate has no subjectAltName, so it is valid for no host name (the CN is not consulted); reissue it with {reissue}."));
                    }
                }
                if (_options.IpAddress != null)
                {
                    string text = _options.IpAddress.Trim();
                    if (!IPAddress.TryParse(text, out IPAddress? ip))
                    {
                        problems.Add(Problem(ChainProblemCode.NameMismatch, 0, leaf, $"'{text}' is not an IP address, so no certificate can match it; give an IPv4 or IPv6 address."));
                    }
                    else if (!MatchesIp(leaf.P, ip))
                    {
                        problems.Add(Problem(ChainProblemCode.NameMismatch, 0, leaf, leaf.P.HasSubjectAltNames
                            ? $"The certificate is not valid for the IP address {ip}: its names are {DescribeNames(leaf.P)}; reissue it with the IP address {ip} among its names."
                            : $"The certificate has no subjectAltName, so it is valid for no IP address; reissue it with the IP address {ip} among its names."));
                    }
                }
            }

            private static ChainProblem Problem(ChainProblemCode code, int index, Node n, string message) =>
                new ChainProblem(code, index, n.Subject, message);
        }

        /// <summary>RFC 6125 host name matching against SAN dNSNames only (no CN fallback).</summary>
        internal static bool MatchesHostName(ParsedCertificate certificate, string hostName)
        {
            string? host = NormalizeHost(hostName);
            if (host == null) return false;
            foreach (string pattern in certificate.DnsNames)
            {
                if (MatchesPattern(pattern, host)) return true;
            }
            return false;
        }

        /// <summary>One SAN dNSName against a normalised (lower-case ASCII, no trailing dot) host name.</summary>
        internal static bool MatchesPattern(string pattern, string host)
        {
            string p = pattern.Trim();
            if (p.EndsWith(".", StringComparison.Ordinal)) p = p.Substring(0, p.Length - 1);
            p = p.ToLowerInvariant();
            if (p.Length == 0 || p.IndexOf("..", StringComparison.Ordinal) >= 0) return false;
            if (p.StartsWith("*.", StringComparison.Ordinal))
            {
                string suffix = p.Substring(1); // ".corp.example"
                if (suffix.IndexOf('*') >= 0) return false;
                if (suffix.IndexOf('.', 1) < 0) return false; // "*.com": a wildcard needs at least two labels after it
                int dot = host.IndexOf('.');
                if (dot <= 0) return false;
                return string.Equals(host.Substring(dot), suffix, StringComparison.Ordinal);
            }
            if (p.IndexOf('*') >= 0) return false; // partial wildcards ("w*.corp.example") are not honoured
            return string.Equals(p, host, StringComparison.Ordinal);
        }

        private static string? NormalizeHost(string hostName)
        {
            string h = hostName.Trim();
            if (h.EndsWith(".", StringComparison.Ordinal)) h = h.Substring(0, h.Length - 1);
            if (h.Length == 0 || h.IndexOf('*') >= 0 || h.IndexOf("..", StringComparison.Ordinal) >= 0) return null;
            bool ascii = true;
            foreach (char c in h)
            {
                if (c > 0x7f)
                {
                    ascii = false;
                    break;
                }
            }
            if (!ascii)
            {
                try
                {
                    h = new IdnMapping().GetAscii(h);
                }
                catch (ArgumentException)
                {
                    return null;
                }
            }
            return h.ToLowerInvariant();
        }

        /// <summary>IPAddress.TryParse accepts "1" or "0x1"; only dotted quads and IPv6 literals count as addresses here.</summary>
        private static bool LooksLikeIp(string host)
        {
            if (host.IndexOf(':') >= 0) return true;
            string[] parts = host.Split('.');
            return parts.Length == 4 && parts.All(p => p.Length > 0 && p.Length <= 3 && p.All(ch => ch >= '0' && ch <= '9'));
        }

        internal static bool MatchesIp(ParsedCertificate certificate, IPAddress address)
        {
            byte[] wanted = address.GetAddressBytes();
            foreach (string text in certificate.IpAddresses)
            {
                if (IPAddress.TryParse(text, out IPAddress? ip) && Arrays.AreEqual(ip.GetAddressBytes(), wanted)) return true;
            }
            return false;
        }

        private static string DescribeNames(ParsedCertificate c)
        {
            var all = new List<string>();
            foreach (string d in c.DnsNames) all.Add("DNS:" + d);
            foreach (string ip in c.IpAddresses) all.Add("IP:" + ip);
            return all.Count == 0 ? "none" : string.Join(", ", all);
        }

        private static string DescribeEku(string oid) => oid switch
        {
            ServerAuthOid => "serverAuth",
            ClientAuthOid => "clientAuth",
            "1.3.6.1.5.5.7.3.3" => "codeSigning",
            "1.3.6.1.5.5.7.3.4" => "emailProtection",
            "1.3.6.1.5.5.7.3.8" => "timeStamping",
            "1.3.6.1.5.5.7.3.9" => "OCSPSigning",
            _ => oid,
        };

        private static string Format(DateTime utc) => Words.Date(utc);

        private static string SafeSubject(X509Certificate2 certificate)
        {
            try
            {
                return certificate.Subject ?? string.Empty;
            }
            catch (Exception)
            {
                return "(unreadable certificate)";
            }
        }

        private static IReadOnlyList<Input> LoadSystemRoots()
        {
            var roots = new List<Input>();
            var seen = new HashSet<byte[]>(ByteArrayComparer.Instance);
            void Add(X509Certificate2 c)
            {
                try
                {
                    byte[] der = c.RawData;
                    if (seen.Add(der)) roots.Add(new Input(c, ParsedCertificate.Parse(der)));
                }
                catch (Exception)
                {
                    // An unreadable store entry is skipped: system trust is best effort.
                }
            }
            foreach (StoreLocation location in new[] { StoreLocation.CurrentUser, StoreLocation.LocalMachine })
            {
                try
                {
                    using var store = new X509Store(StoreName.Root, location);
                    store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                    foreach (X509Certificate2 c in store.Certificates) Add(c);
                }
                catch (Exception)
                {
                    // No such store on this platform.
                }
            }
            const string bundle = "/etc/ssl/certs/ca-certificates.crt";
            try
            {
                if (File.Exists(bundle))
                {
                    foreach (PemBlock block in Pem.Decode(File.ReadAllText(bundle)))
                    {
                        if (block.Label == "CERTIFICATE")
                        {
                            try
                            {
                                Add(new X509Certificate2(block.Data));
                            }
                            catch (Exception)
                            {
                            }
                        }
                    }
                }
            }
            catch (Exception)
            {
            }
            return roots;
        }
    }

    internal sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new ByteArrayComparer();

        public bool Equals(byte[]? x, byte[]? y) => Arrays.AreEqual(x, y);

        public int GetHashCode(byte[] obj)
        {
            unchecked
            {
                int h = (int)2166136261;
                int step = obj.Length > 64 ? obj.Length / 32 : 1;
                for (int i = 0; i < obj.Length; i += step) h = (h ^ obj[i]) * 16777619;
                return h ^ obj.Length;
            }
        }
    }
}
