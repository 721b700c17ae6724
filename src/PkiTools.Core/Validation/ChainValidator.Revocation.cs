using System;
using System.Collections.Generic;
using System.Linq;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.Keys;
using PkiTools.Core.Revocation;
using PkiTools.Core.X509;

namespace PkiTools.Core.Validation
{
    /// <summary>
    /// RFC 5280 §6.3 CRL processing over the CRLs given (offline; nothing is fetched). For each distribution point of
    /// the certificate (or, without a cRLDistributionPoints extension, one whose CRL issuer is the certificate's
    /// issuer), complete CRLs in scope are taken newest first until every reason is covered or one lists the
    /// certificate: the CRL issuer must be the certificate's issuer or, for an indirect CRL, the distribution point's
    /// cRLIssuer; the issuingDistributionPoint must cover the distribution point and the kind of certificate; the CRL
    /// must be signed by a key whose certificate has cRLSign (or no keyUsage) and validates to the same trust anchor
    /// (the certificate's own issuer, another key of the same CA after a rollover, or a separate CRL signer); a current
    /// delta CRL of the same scope and key is consulted first. A revocation listed by a correctly signed CRL that is no
    /// longer current still counts (revocation is permanent, a hold excepted).
    /// </summary>
    public static partial class ChainValidator
    {
        /// <summary>Certification paths built for CRL signers other than a certificate of the chain, per validation.</summary>
        internal const int MaxCrlSignerPaths = 20;

        /// <summary>The CRLs of one validation and what was learnt about them, shared with the builders of CRL signers' paths.</summary>
        private sealed class RevocationState
        {
            public RevocationState(IReadOnlyList<CertificateRevocationList>? given)
            {
                Crls = (given ?? Array.Empty<CertificateRevocationList>()).Where(c => c != null).ToArray();
                CertificateRevocationList[] crls = Crls;
                IssuerKeys = crls.Select(c => NameComparison.Key(c.IssuerDer)).ToArray();
                CompleteNewestFirst = Enumerable.Range(0, crls.Length).Where(k => !crls[k].IsDelta)
                    .OrderByDescending(k => crls[k].ThisUpdate).ThenByDescending(k => crls[k].CrlNumberValue ?? -1).ThenBy(k => k).ToArray();
            }

            public CertificateRevocationList[] Crls { get; }

            /// <summary>Complete (not delta) CRL indexes, newest first (thisUpdate, then cRLNumber).</summary>
            public int[] CompleteNewestFirst { get; }

            /// <summary>Each CRL's issuer name as §7.1 compares it.</summary>
            public string[] IssuerKeys { get; }

            public Dictionary<(int Crl, int Issuer), bool> Signatures { get; } = new Dictionary<(int, int), bool>();

            public int SignatureChecks { get; set; }

            /// <summary>Signer paths built: null when the signer's path is valid, else why not.</summary>
            public Dictionary<(int Signer, int Anchor), string?> SignerPaths { get; } = new Dictionary<(int, int), string?>();

            public int SignerPathBuilds { get; set; }
        }

        private sealed partial class Builder
        {
            private RevocationState _revocation = null!;
            /// <summary>0 for the certificate's own validation, 1 for the path of a CRL signer (whose CRLs must then be signed within its chain).</summary>
            private int _depth;
            private CertificateRevocationList[] _crls => _revocation.Crls;

            private void InitRevocation(RevocationState? shared, int depth)
            {
                _revocation = shared ?? new RevocationState(_options.Crls);
                _depth = depth;
            }

            /// <summary>One distribution point as §6.3.3 sees it: its names (null: none), its cRLIssuer directory names (null: the certificate's issuer) and their §7.1 keys, its reasons.</summary>
            private sealed class Point
            {
                public GeneralName[]? Names;
                public List<byte[]>? CrlIssuers;
                public HashSet<string>? CrlIssuerKeys;
                public int Reasons = DistributionPoints.AllReasons;
            }

            /// <summary>
            /// The revocation status of path[<paramref name="i"/>]; a Revoked or RevocationUnknown problem when it is not
            /// good. <paramref name="anchor"/>: the trust anchor the path ends at (CRL signers must validate to it), null
            /// when the path reaches none.
            /// </summary>
            private RevocationCheck CheckRevocation(Node[] path, int i, Node? anchor, List<ChainProblem> problems)
            {
                Node n = path[i];
                var notes = new List<string>();
                List<Point> points;
                try
                {
                    points = Points(n);
                }
                catch (Exception)
                {
                    return Unknown(n, i, problems, "its cRLDistributionPoints extension is malformed, so no CRL can be matched to it");
                }
                byte[] serial = n.P.Tbs.SerialNumber.Value.ToByteArrayUnsigned();
                int covered = 0;
                var used = new List<CertificateRevocationList>();
                var stale = new List<CertificateRevocationList>();
                bool named = false;
                foreach (Point point in points)
                {
                    if (covered == DistributionPoints.AllReasons) break;
                    foreach (int k in _revocation.CompleteNewestFirst)
                    {
                        if (covered == DistributionPoints.AllReasons) break;
                        CertificateRevocationList crl = _crls[k];
                        string issuerKey = _revocation.IssuerKeys[k];
                        if (point.CrlIssuerKeys != null ? !point.CrlIssuerKeys.Contains(issuerKey) : !string.Equals(issuerKey, n.P.IssuerKey, StringComparison.Ordinal))
                        {
                            continue;
                        }
                        named = true;
                        string label = Label(crl);
                        if (point.CrlIssuers != null && !crl.IsIndirect)
                        {
                            notes.Add($"{label} comes from the distribution point's CRL issuer but is not marked indirect (issuingDistributionPoint indirectCRL), so it does not list other issuers' certificates");
                            continue;
                        }
                        if (OutOfScope(crl, n, point) is string scope)
                        {
                            notes.Add($"{label} {scope}");
                            continue;
                        }
                        if (crl.UnsupportedCriticalExtension is string oid)
                        {
                            notes.Add($"{label} has a critical extension {oid} that is not supported");
                            continue;
                        }
                        int interim = DistributionPoints.Mask(crl.IssuingDistributionPoint?.OnlySomeReasons) & point.Reasons;
                        if ((interim & ~covered) == 0) continue; // a newer CRL of the same scope already decided
                        Node? signer = Signer(k, path, i, anchor, out string? unsigned);
                        if (signer == null)
                        {
                            notes.Add($"{label} {unsigned}");
                            continue;
                        }
                        if (Staleness(crl) is string old)
                        {
                            notes.Add($"{label} {old}");
                            stale.Add(crl);
                            continue;
                        }
                        CertificateRevocationList? delta = Delta(k, signer, notes);
                        RevokedEntry? entry = delta?.Find(serial, n.P.IssuerDer);
                        CertificateRevocationList source = entry != null ? delta! : crl;
                        entry ??= crl.Find(serial, n.P.IssuerDer);
                        if (entry != null && entry.Reason != RevocationReason.RemoveFromCrl)
                        {
                            var deciding = delta != null && ReferenceEquals(source, delta) ? new[] { crl, delta } : new[] { crl };
                            return Revoked(n, i, problems, entry, deciding, source);
                        }
                        covered |= interim;
                        used.Add(crl);
                        if (delta != null) used.Add(delta);
                    }
                }
                if (covered == DistributionPoints.AllReasons)
                {
                    return new RevocationCheck(i, n.Subject, RevocationStatus.Good, used, null,
                        $"Not revoked: {string.Join(" and ", used.Select(Label))} cover{(used.Count == 1 ? "s" : "")} it and do{(used.Count == 1 ? "es" : "")} not list it.");
                }
                foreach (CertificateRevocationList crl in stale)
                {
                    RevokedEntry? entry = crl.Find(serial, n.P.IssuerDer);
                    // A hold may have been lifted since; a revocation is permanent.
                    if (entry != null && entry.Reason != RevocationReason.CertificateHold && entry.Reason != RevocationReason.RemoveFromCrl)
                    {
                        return Revoked(n, i, problems, entry, new[] { crl }, crl);
                    }
                }
                string why;
                if (!named)
                {
                    string issuers = string.Join(" or ", points.Select(p => p.CrlIssuers == null ? $"'{n.P.Issuer}'" : string.Join(" or ", p.CrlIssuers.Select(d => $"'{Names.Describe(d)}'"))).Distinct());
                    string? delta = Enumerable.Range(0, _crls.Length).Where(k => _crls[k].IsDelta && string.Equals(_revocation.IssuerKeys[k], n.P.IssuerKey, StringComparison.Ordinal))
                        .Select(k => "delta " + Label(_crls[k])).FirstOrDefault();
                    why = delta != null
                        ? $"only {delta} was given, and a delta CRL is never used without the complete CRL it updates"
                        : $"no CRL issued by {issuers} was given";
                }
                else if (covered != 0)
                {
                    why = $"the CRLs used ({string.Join(", ", used.Select(Label))}) cover only the reasons {DistributionPoints.Describe(covered)}, and no usable CRL covers {DistributionPoints.Describe(DistributionPoints.AllReasons & ~covered)}"
                        + (notes.Count > 0 ? "; " + string.Join("; ", notes) : string.Empty);
                }
                else
                {
                    why = notes.Count > 0 ? string.Join("; ", notes) : "no CRL given covers it";
                }
                return Unknown(n, i, problems, why);
            }

            /// <summary>The distribution points of §6.3.3: the certificate's, or one for its issuer when it names none.</summary>
            private static List<Point> Points(Node n)
            {
                var points = new List<Point>();
                foreach (DistributionPoint dp in DistributionPoints.Of(n.P))
                {
                    List<byte[]>? crlIssuers = dp.CrlIssuer != null ? DistributionPoints.DirectoryNames(dp.CrlIssuer) : null;
                    byte[] relativeTo = crlIssuers != null && crlIssuers.Count > 0 ? crlIssuers[0] : n.P.IssuerDer;
                    points.Add(new Point
                    {
                        Names = dp.DistributionPointName != null ? DistributionPoints.NamesOf(dp.DistributionPointName, relativeTo) : null,
                        CrlIssuers = crlIssuers,
                        CrlIssuerKeys = crlIssuers != null ? new HashSet<string>(crlIssuers.Select(NameComparison.Key), StringComparer.Ordinal) : null,
                        Reasons = DistributionPoints.Mask(dp.Reasons),
                    });
                }
                if (points.Count == 0) points.Add(new Point());
                return points;
            }

            /// <summary>§6.3.3(b)(2): why the CRL's issuingDistributionPoint does not cover the certificate, or null when it does.</summary>
            private static string? OutOfScope(CertificateRevocationList crl, Node n, Point point)
            {
                IssuingDistributionPoint? idp = crl.IssuingDistributionPoint;
                if (idp == null) return null;
                if (crl.IssuingDistributionPointNames is GeneralName[] covers)
                {
                    IReadOnlyList<GeneralName> names = point.Names
                        ?? (IReadOnlyList<GeneralName>?)point.CrlIssuers?.Select(DistributionPoints.Directory).ToList()
                        ?? new[] { DistributionPoints.Directory(n.P.IssuerDer) };
                    if (!DistributionPoints.AnyMatch(covers, names))
                    {
                        return $"covers the distribution point {DistributionPoints.Describe(covers)}, not the certificate's ({DistributionPoints.Describe(names)})";
                    }
                }
                if (idp.OnlyContainsUserCerts && n.P.IsCa) return "covers only end-entity certificates (onlyContainsUserCerts), and this is a CA certificate";
                if (idp.OnlyContainsCACerts && !n.P.IsCa) return "covers only CA certificates (onlyContainsCACerts), and this is not one";
                if (idp.OnlyContainsAttributeCerts) return "covers only attribute certificates (onlyContainsAttributeCerts)";
                return null;
            }

            /// <summary>Why the CRL cannot establish a status at the validation time (its revocations still count), or null when it is current.</summary>
            private string? Staleness(CertificateRevocationList crl)
            {
                // RFC 5280 5.2.3: every CRL carries a non-critical cRLNumber.
                if (crl.CrlNumberValue == null) return "has no cRLNumber extension, which RFC 5280 5.2.3 requires of every CRL";
                if (crl.CrlNumberCritical) return "marks its cRLNumber extension critical, which RFC 5280 5.2.3 forbids";
                if (crl.ThisUpdate.UtcDateTime > _at) return $"is not valid before {Format(crl.ThisUpdate.UtcDateTime)}";
                if (crl.NextUpdate is DateTimeOffset next && next.UtcDateTime < _at) return $"expired on {Format(next.UtcDateTime)} (its nextUpdate)";
                return null;
            }

            /// <summary>
            /// §6.3.3(c) and (h): the newest current delta CRL that updates complete CRL <paramref name="complete"/>: same
            /// issuer, same issuingDistributionPoint, same authorityKeyIdentifier, a BaseCRLNumber at most the complete
            /// CRL's number and a number above it, signed by the same key.
            /// </summary>
            private CertificateRevocationList? Delta(int complete, Node signer, List<string> notes)
            {
                CertificateRevocationList crl = _crls[complete];
                CertificateRevocationList? best = null;
                for (int d = 0; d < _crls.Length; d++)
                {
                    CertificateRevocationList delta = _crls[d];
                    if (!delta.IsDelta || !string.Equals(_revocation.IssuerKeys[d], _revocation.IssuerKeys[complete], StringComparison.Ordinal)) continue;
                    if (!Arrays.AreEqual(delta.IssuingDistributionPointDer, crl.IssuingDistributionPointDer)) continue;
                    if (!string.Equals(delta.AuthorityKeyId, crl.AuthorityKeyId, StringComparison.Ordinal)) continue;
                    if (delta.BaseCrlNumberValue > crl.CrlNumberValue || !(delta.CrlNumberValue > crl.CrlNumberValue)) continue;
                    if (best != null && delta.CrlNumberValue <= best.CrlNumberValue) continue;
                    string label = "delta " + Label(delta);
                    if (delta.UnsupportedCriticalExtension is string oid)
                    {
                        notes.Add($"{label} has a critical extension {oid} that is not supported");
                        continue;
                    }
                    if (Staleness(delta) is string old)
                    {
                        notes.Add($"{label} {old}");
                        continue;
                    }
                    if (!CrlSignedBy(d, signer, out bool exhausted))
                    {
                        notes.Add(exhausted ? $"{label} was not checked: more than {MaxCrlSignatureChecks} CRL signature checks were needed"
                            : $"{label} is not signed by the key that signed its complete CRL");
                        continue;
                    }
                    best = delta;
                }
                return best;
            }

            /// <summary>
            /// §6.3.3(f) and (g): a certificate whose key verifies CRL <paramref name="k"/>, whose keyUsage (if any) has
            /// cRLSign and whose path validates to the same trust anchor: a certificate of the chain above path[i] (its
            /// path is the chain's), or another (a CA's other key after a rollover, a separate CRL signer) with a path of
            /// its own. Null, with the reason, when none.
            /// </summary>
            private Node? Signer(int k, Node[] path, int i, Node? anchor, out string? why)
            {
                CertificateRevocationList crl = _crls[k];
                why = null;
                if (!_pool.BySubject.TryGetValue(_revocation.IssuerKeys[k], out List<Node>? named))
                {
                    why = $"is signed by '{crl.Issuer}', whose certificate was not given (add it to the intermediates)";
                    return null;
                }
                byte[]? aki = crl.AuthorityKeyId != null ? Hex.Decode(crl.AuthorityKeyId) : null;
                int Rank(Node c) => InChainAbove(path, i, c) ? 0 : aki != null && c.P.SubjectKeyId != null && Arrays.AreEqual(aki, c.P.SubjectKeyId) ? 1 : 2;
                foreach (Node c in named.OrderBy(Rank).ThenBy(c => c.Id))
                {
                    if (aki != null && c.P.SubjectKeyId != null && !Arrays.AreEqual(aki, c.P.SubjectKeyId))
                    {
                        why ??= "names another key in its authorityKeyIdentifier (it comes from another CA with the same name, or a re-keyed one)";
                        continue;
                    }
                    if (!CrlSignedBy(k, c, out bool exhausted))
                    {
                        if (exhausted)
                        {
                            why = $"was not checked: more than {MaxCrlSignatureChecks} CRL signature checks were needed (too many CRLs with this issuer name)";
                            return null;
                        }
                        why ??= "is not signed by the issuer's key (wrongly signed, altered, or from another CA with the same name)";
                        continue;
                    }
                    if (c.P.KeyUsage != null && !c.P.HasKeyUsage(Org.BouncyCastle.Asn1.X509.KeyUsage.CrlSign))
                    {
                        why = $"is signed by a key whose certificate ('{c.Subject}') lacks the cRLSign key usage";
                        continue;
                    }
                    if (InChainAbove(path, i, c)) return c;
                    if (SignerPathValid(c, anchor, out string? pathWhy)) return c;
                    why = $"is signed by '{c.Subject}' (serial {c.Certificate.SerialNumber}), {pathWhy}";
                }
                why ??= "is not signed by any certificate given with its issuer's name";
                return null;
            }

            /// <summary>True when <paramref name="c"/> is in the chain above path[i], or is the trust anchor the chain ends at.</summary>
            private bool InChainAbove(Node[] path, int i, Node c)
            {
                for (int j = i + 1; j < path.Length; j++)
                {
                    if (ReferenceEquals(path[j], c)) return true;
                }
                return ReferenceEquals(path[path.Length - 1], c) && IsAnchor(c);
            }

            /// <summary>
            /// Whether a CRL signer outside the chain has a valid path of its own to <paramref name="anchor"/> (any trust
            /// anchor when null). The signer's own revocation is checked against the CRLs given, by CRLs signed within its
            /// path; not for a self-issued signer (a key-rollover link, which only the CA's own CRLs, signed by that very
            /// key, could cover).
            /// </summary>
            private bool SignerPathValid(Node signer, Node? anchor, out string? why)
            {
                why = null;
                var key = (signer.Id, anchor?.Id ?? -1);
                if (_revocation.SignerPaths.TryGetValue(key, out string? known))
                {
                    why = known;
                    return known == null;
                }
                if (_depth > 0)
                {
                    why = "a CRL signer whose own CRL is signed by yet another CRL signer (one such step is followed)";
                    return false;
                }
                if (_revocation.SignerPathBuilds >= MaxCrlSignerPaths)
                {
                    why = $"whose own path was not built: more than {MaxCrlSignerPaths} CRL signer paths were needed";
                    return false;
                }
                _revocation.SignerPathBuilds++;
                var options = new ChainValidationOptions
                {
                    At = _options.At,
                    AllowWeakSignatures = _options.AllowWeakSignatures,
                    Crls = _options.Crls,
                    RevocationMode = signer.P.IsSelfIssued ? RevocationMode.NoCheck : RevocationMode.Offline,
                    RevocationFlag = Validation.RevocationFlag.EndCertificateOnly,
                };
                var nested = new Builder(_pool, options, _at, anchor, _revocation, _depth + 1);
                nested.Run(signer);
                if (!nested.Found)
                {
                    ChainProblem? first = nested.Problems().FirstOrDefault();
                    why = first == null ? "whose own certificate does not validate to the same trust anchor"
                        : $"whose own certificate does not validate to the same trust anchor ({first.Code}: {first.Message.TrimEnd('.')})";
                }
                _revocation.SignerPaths[key] = why;
                return why == null;
            }

            private bool CrlSignedBy(int crl, Node issuer, out bool budgetExhausted)
            {
                budgetExhausted = false;
                if (_revocation.Signatures.TryGetValue((crl, issuer.Id), out bool known)) return known;
                if (_revocation.SignatureChecks >= MaxCrlSignatureChecks)
                {
                    budgetExhausted = true;
                    return false;
                }
                _revocation.SignatureChecks++;
                bool ok = issuer.SpkiDer is byte[] spki && issuer.P.PublicKey is PublicKeyInfo key && _crls[crl].IsSignedBy(spki, key);
                _revocation.Signatures[(crl, issuer.Id)] = ok;
                return ok;
            }

            private static string Label(CertificateRevocationList crl) =>
                crl.CrlNumber != null ? $"CRL number {crl.CrlNumber} of '{crl.Issuer}'" : $"the CRL of {Format(crl.ThisUpdate.UtcDateTime)} from '{crl.Issuer}'";

            private static RevocationCheck Revoked(Node n, int i, List<ChainProblem> problems, RevokedEntry entry, CertificateRevocationList[] deciding, CertificateRevocationList source)
            {
                string reason = entry.Reason is RevocationReason r ? r.ToString() : "no reason given";
                string by = (source.IsDelta ? "delta " : string.Empty) + Label(source);
                problems.Add(Problem(ChainProblemCode.Revoked, i, n,
                    $"The certificate (serial {entry.SerialNumberHex}) was revoked on {Format(entry.RevocationDate.UtcDateTime)} (reason: {reason}; listed in {by}); replace it."));
                return new RevocationCheck(i, n.Subject, RevocationStatus.Revoked, deciding, entry, $"Revoked on {Format(entry.RevocationDate.UtcDateTime)} (reason: {reason}), listed in {by}.");
            }

            private static RevocationCheck Unknown(Node n, int i, List<ChainProblem> problems, string why)
            {
                problems.Add(Problem(ChainProblemCode.RevocationUnknown, i, n,
                    $"The revocation status of this certificate is unknown: {why}. Pass a current CRL from '{n.P.Issuer}', or turn revocation checking off."));
                return new RevocationCheck(i, n.Subject, RevocationStatus.Unknown, Array.Empty<CertificateRevocationList>(), null, $"Unknown: {why}.");
            }
        }
    }
}
