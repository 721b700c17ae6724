using System;
using System.Collections.Generic;
using System.Linq;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.X509;

namespace PkiTools.Core.Validation
{
    /// <summary>
    /// A certificate's policy extensions (certificatePolicies, policyMappings, policyConstraints, inhibitAnyPolicy),
    /// read once per certificate. A malformed one is named in <see cref="Malformed"/>; the others are then ignored.
    /// </summary>
    internal sealed class CertificatePolicyExtensions
    {
        public const string AnyPolicy = "2.5.29.32.0";

        private static readonly DerObjectIdentifier PolicyMappingsOid = new DerObjectIdentifier("2.5.29.33");
        private static readonly DerObjectIdentifier PolicyConstraintsOid = new DerObjectIdentifier("2.5.29.36");
        private static readonly DerObjectIdentifier InhibitAnyPolicyOid = new DerObjectIdentifier("2.5.29.54");

        /// <summary>The certificate's policy OIDs, or null without certificatePolicies.</summary>
        public IReadOnlyList<string>? Policies { get; private set; }

        /// <summary>(issuerDomainPolicy, subjectDomainPolicy) pairs, or null without policyMappings.</summary>
        public IReadOnlyList<(string Issuer, string Subject)>? Mappings { get; private set; }

        public int? RequireExplicitPolicy { get; private set; }

        public int? InhibitPolicyMapping { get; private set; }

        public int? InhibitAnyPolicy { get; private set; }

        public bool HasPolicyConstraints { get; private set; }

        /// <summary>Why an extension cannot be used, or null.</summary>
        public string? Malformed { get; private set; }

        /// <summary>True when none of the four extensions is present: the common case, processed without a tree.</summary>
        public bool None => Policies == null && Mappings == null && !HasPolicyConstraints && InhibitAnyPolicy == null && Malformed == null;

        public static CertificatePolicyExtensions Read(ParsedCertificate certificate)
        {
            var read = new CertificatePolicyExtensions();
            X509Extensions? extensions = certificate.Extensions;
            if (extensions == null) return read;
            string current = "certificatePolicies";
            try
            {
                X509Extension? policies = extensions.GetExtension(X509Extensions.CertificatePolicies);
                if (policies != null)
                {
                    var oids = new List<string>();
                    foreach (Asn1Encodable item in Asn1Sequence.GetInstance(Asn1Object.FromByteArray(policies.Value.GetOctets())))
                    {
                        string oid = PolicyInformation.GetInstance(item).PolicyIdentifier.Id;
                        if (oids.Contains(oid)) return Fail(read, "its certificatePolicies extension lists " + oid + " twice");
                        oids.Add(oid);
                    }
                    if (oids.Count == 0) return Fail(read, "its certificatePolicies extension is empty");
                    read.Policies = oids;
                }
                current = "policyMappings";
                X509Extension? mappings = extensions.GetExtension(PolicyMappingsOid);
                if (mappings != null)
                {
                    var pairs = new List<(string, string)>();
                    foreach (Asn1Encodable item in Asn1Sequence.GetInstance(Asn1Object.FromByteArray(mappings.Value.GetOctets())))
                    {
                        var pair = Asn1Sequence.GetInstance(item);
                        if (pair.Count != 2) return Fail(read, "its policyMappings extension is malformed");
                        pairs.Add((DerObjectIdentifier.GetInstance(pair[0]).Id, DerObjectIdentifier.GetInstance(pair[1]).Id));
                    }
                    if (pairs.Count == 0) return Fail(read, "its policyMappings extension is empty");
                    read.Mappings = pairs;
                }
                current = "policyConstraints";
                X509Extension? constraints = extensions.GetExtension(PolicyConstraintsOid);
                if (constraints != null)
                {
                    var sequence = Asn1Sequence.GetInstance(Asn1Object.FromByteArray(constraints.Value.GetOctets()));
                    if (sequence.Count == 0) return Fail(read, "its policyConstraints extension is empty");
                    int lastTag = -1;
                    foreach (Asn1Encodable item in sequence)
                    {
                        var tagged = Asn1TaggedObject.GetInstance(item);
                        if (tagged.TagNo <= lastTag || tagged.TagNo > 1) return Fail(read, "its policyConstraints extension is malformed");
                        lastTag = tagged.TagNo;
                        int? skip = SkipCerts(DerInteger.GetInstance(tagged, false));
                        if (skip == null) return Fail(read, "its policyConstraints extension holds a negative number");
                        if (tagged.TagNo == 0) read.RequireExplicitPolicy = skip;
                        else read.InhibitPolicyMapping = skip;
                    }
                    read.HasPolicyConstraints = true;
                }
                current = "inhibitAnyPolicy";
                X509Extension? inhibit = extensions.GetExtension(InhibitAnyPolicyOid);
                if (inhibit != null)
                {
                    int? skip = SkipCerts(DerInteger.GetInstance(Asn1Object.FromByteArray(inhibit.Value.GetOctets())));
                    if (skip == null) return Fail(read, "its inhibitAnyPolicy extension holds a negative number");
                    read.InhibitAnyPolicy = skip;
                }
            }
            catch (Exception ex) when (ex is ArgumentException || ex is InvalidCastException || ex is System.IO.IOException || ex is InvalidOperationException)
            {
                return Fail(read, $"its {current} extension is malformed");
            }
            return read;
        }

        private static int? SkipCerts(DerInteger value)
        {
            if (value.Value.SignValue < 0) return null;
            return value.Value.BitLength > 30 ? int.MaxValue : value.Value.IntValue;
        }

        private static CertificatePolicyExtensions Fail(CertificatePolicyExtensions read, string why)
        {
            read.Malformed = why;
            read.Policies = null;
            read.Mappings = null;
            return read;
        }
    }

    /// <summary>The outcome of RFC 5280 §6.1 policy processing over one path.</summary>
    internal sealed class PolicyOutcome
    {
        public static readonly PolicyOutcome Empty = new PolicyOutcome(Array.Empty<string>(), Array.Empty<string>(), null);

        public PolicyOutcome(IReadOnlyList<string> authorityConstrained, IReadOnlyList<string> userConstrained, (int Index, ChainProblemCode Code, string Message)? failure)
        {
            AuthorityConstrained = authorityConstrained;
            UserConstrained = userConstrained;
            Failure = failure;
        }

        /// <summary>The policies the CAs allow for this path, in the trust anchor's domain ("2.5.29.32.0" for any).</summary>
        public IReadOnlyList<string> AuthorityConstrained { get; }

        /// <summary>Those of them in the caller's initial policy set.</summary>
        public IReadOnlyList<string> UserConstrained { get; }

        /// <summary>Why the path fails policy processing (index in the path, leaf = 0), or null.</summary>
        public (int Index, ChainProblemCode Code, string Message)? Failure { get; }
    }

    /// <summary>
    /// RFC 5280 §6.1.2–6.1.5, the certificate-policy part: the valid_policy_tree with explicit_policy, policy_mapping
    /// and inhibit_anyPolicy, and the intersection with the user-initial-policy-set at the end. The tree is bounded
    /// (<see cref="MaxNodes"/>) so that mapping bombs cannot make it exponential.
    /// </summary>
    internal static class PolicyProcessor
    {
        public const int MaxNodes = 10_000;
        private const string Any = CertificatePolicyExtensions.AnyPolicy;

        private sealed class Node
        {
            public Node(string validPolicy, IEnumerable<string> expected, Node? parent)
            {
                ValidPolicy = validPolicy;
                Expected = new HashSet<string>(expected, StringComparer.Ordinal);
                Parent = parent;
                parent?.Children.Add(this);
            }

            public string ValidPolicy { get; }

            public HashSet<string> Expected { get; set; }

            public Node? Parent { get; }

            public List<Node> Children { get; } = new List<Node>();

            public bool Removed { get; set; }
        }

        /// <summary>
        /// Processes <paramref name="certificates"/>, ordered from the one the trust anchor issued down to the leaf
        /// (RFC 5280's 1..n). A failure names its certificate by its index in the path from the leaf (leaf = 0: n - i).
        /// </summary>
        public static PolicyOutcome Process(IReadOnlyList<(CertificatePolicyExtensions Policy, bool SelfIssued)> certificates,
            IReadOnlyList<string>? initialPolicies, bool requireExplicitPolicy, bool inhibitPolicyMapping, bool inhibitAnyPolicy)
        {
            int n = certificates.Count;
            bool userAny = initialPolicies == null || initialPolicies.Count == 0 || initialPolicies.Contains(Any);
            bool defaults = userAny && !requireExplicitPolicy && !inhibitPolicyMapping && !inhibitAnyPolicy;
            if (defaults && certificates.All(c => c.Policy.None)) return PolicyOutcome.Empty; // no tree survives the first certificate; nothing can fail

            var levels = new List<List<Node>> { new List<Node> { new Node(Any, new[] { Any }, null) } };
            bool treeNull = false;
            int nodes = 1;
            int explicitPolicy = requireExplicitPolicy ? 0 : n + 1;
            int policyMapping = inhibitPolicyMapping ? 0 : n + 1;
            int inhibitAny = inhibitAnyPolicy ? 0 : n + 1;

            for (int i = 1; i <= n; i++)
            {
                var (policy, selfIssued) = certificates[i - 1];
                int index = n - i;
                if (policy.Malformed != null)
                {
                    return Fail(index, ChainProblemCode.CertificateInvalid, $"The certificate cannot be checked for policies: {policy.Malformed}; have it reissued.");
                }
                var level = new List<Node>();
                levels.Add(level);
                // (d) certificatePolicies present and a tree to grow.
                if (policy.Policies != null && !treeNull)
                {
                    List<Node> parents = levels[i - 1];
                    foreach (string p in policy.Policies.Where(p => p != Any))
                    {
                        bool matched = false;
                        foreach (Node parent in parents)
                        {
                            if (!parent.Expected.Contains(p)) continue;
                            level.Add(new Node(p, new[] { p }, parent));
                            matched = true;
                            if (++nodes > MaxNodes) return TooLarge(index);
                        }
                        if (!matched)
                        {
                            Node? anyParent = parents.FirstOrDefault(x => x.ValidPolicy == Any);
                            if (anyParent != null)
                            {
                                level.Add(new Node(p, new[] { p }, anyParent));
                                if (++nodes > MaxNodes) return TooLarge(index);
                            }
                        }
                    }
                    if (policy.Policies.Contains(Any) && (inhibitAny > 0 || (i < n && selfIssued)))
                    {
                        foreach (Node parent in parents)
                        {
                            var present = new HashSet<string>(parent.Children.Select(c => c.ValidPolicy), StringComparer.Ordinal);
                            foreach (string expected in parent.Expected.Where(e => !present.Contains(e)).ToList())
                            {
                                level.Add(new Node(expected, new[] { expected }, parent));
                                if (++nodes > MaxNodes) return TooLarge(index);
                            }
                        }
                    }
                    treeNull = Prune(levels, i);
                }
                // (e) no certificatePolicies: the tree is gone.
                if (policy.Policies == null) treeNull = true;
                if (treeNull) level.Clear();
                // (f)
                if (explicitPolicy <= 0 && treeNull)
                {
                    return Fail(index, ChainProblemCode.NoExplicitPolicy,
                        "An explicit certificate policy is required here, but no policy is valid for the chain down to this certificate; the CAs' certificatePolicies do not line up (or a required policy is missing).");
                }
                if (i == n) break;

                // §6.1.4: preparing for certificate i+1.
                if (policy.Mappings != null)
                {
                    if (policy.Mappings.Any(m => m.Issuer == Any || m.Subject == Any))
                    {
                        return Fail(index, ChainProblemCode.CertificateInvalid, "The certificate's policyMappings maps to or from anyPolicy, which RFC 5280 forbids; have it reissued.");
                    }
                    if (!treeNull)
                    {
                        foreach (var group in policy.Mappings.GroupBy(m => m.Issuer, StringComparer.Ordinal))
                        {
                            string idp = group.Key;
                            var subjects = group.Select(m => m.Subject).Distinct(StringComparer.Ordinal).ToList();
                            if (policyMapping > 0)
                            {
                                bool found = false;
                                foreach (Node node in level.Where(x => x.ValidPolicy == idp))
                                {
                                    node.Expected = new HashSet<string>(subjects, StringComparer.Ordinal);
                                    found = true;
                                }
                                if (!found)
                                {
                                    Node? anyNode = level.FirstOrDefault(x => x.ValidPolicy == Any);
                                    if (anyNode != null)
                                    {
                                        level.Add(new Node(idp, subjects, anyNode.Parent));
                                        if (++nodes > MaxNodes) return TooLarge(index);
                                    }
                                }
                            }
                            else
                            {
                                foreach (Node node in level.Where(x => x.ValidPolicy == idp).ToList()) Remove(levels, i, node);
                                treeNull = Prune(levels, i);
                                if (treeNull) break;
                            }
                        }
                    }
                }
                if (!selfIssued)
                {
                    if (explicitPolicy > 0) explicitPolicy--;
                    if (policyMapping > 0) policyMapping--;
                    if (inhibitAny > 0) inhibitAny--;
                }
                if (policy.RequireExplicitPolicy is int rep && rep < explicitPolicy) explicitPolicy = rep;
                if (policy.InhibitPolicyMapping is int ipm && ipm < policyMapping) policyMapping = ipm;
                if (policy.InhibitAnyPolicy is int iap && iap < inhibitAny) inhibitAny = iap;
            }

            // §6.1.5 wrap-up.
            CertificatePolicyExtensions leaf = certificates[n - 1].Policy;
            if (explicitPolicy > 0) explicitPolicy--;
            if (leaf.RequireExplicitPolicy == 0) explicitPolicy = 0;

            IReadOnlyList<string> authority = treeNull ? Array.Empty<string>() : ValidPolicies(levels, n);
            if (!treeNull && !userAny) treeNull = Intersect(levels, n, new HashSet<string>(initialPolicies!, StringComparer.Ordinal));
            IReadOnlyList<string> user = treeNull ? Array.Empty<string>() : ValidPolicies(levels, n);
            if (explicitPolicy <= 0 && treeNull)
            {
                string wanted = userAny ? "" : $" among the acceptable ones ({string.Join(", ", initialPolicies!)})";
                return new PolicyOutcome(authority, user, (0, ChainProblemCode.NoExplicitPolicy,
                    $"An explicit certificate policy is required, but no policy{wanted} is valid for the whole chain (valid: {(authority.Count == 0 ? "none" : string.Join(", ", authority))})."));
            }
            return new PolicyOutcome(authority, user, null);
        }

        /// <summary>
        /// The policies of the tree, in the anchor's domain: each node whose parent is anyPolicy (the tree's
        /// valid_policy_node_set), or anyPolicy itself when a branch of anyPolicy nodes reaches depth n.
        /// </summary>
        private static IReadOnlyList<string> ValidPolicies(List<List<Node>> levels, int n)
        {
            var result = new List<string>();
            for (int depth = 1; depth <= n; depth++)
            {
                foreach (Node node in levels[depth])
                {
                    if (node.Parent!.ValidPolicy != Any) continue;
                    if (node.ValidPolicy == Any && depth < n) continue;
                    if (!result.Contains(node.ValidPolicy)) result.Add(node.ValidPolicy);
                }
            }
            return result;
        }

        /// <summary>§6.1.5 (g)(iii): the tree cut down to the user's policies; true when nothing is left.</summary>
        private static bool Intersect(List<List<Node>> levels, int n, HashSet<string> user)
        {
            var nodeSet = new List<Node>();
            for (int depth = 1; depth <= n; depth++) nodeSet.AddRange(levels[depth].Where(x => x.Parent!.ValidPolicy == Any));
            foreach (Node node in nodeSet.Where(x => x.ValidPolicy != Any && !user.Contains(x.ValidPolicy)).ToList()) RemoveSubtree(levels, node);
            Node? anyLeaf = levels[n].FirstOrDefault(x => x.ValidPolicy == Any);
            if (anyLeaf != null)
            {
                var present = new HashSet<string>(nodeSet.Where(x => !x.Removed).Select(x => x.ValidPolicy), StringComparer.Ordinal);
                foreach (string p in user.Where(p => !present.Contains(p)))
                {
                    levels[n].Add(new Node(p, new[] { p }, anyLeaf.Parent));
                }
                Remove(levels, n, anyLeaf);
            }
            return Prune(levels, n);
        }

        private static void RemoveSubtree(List<List<Node>> levels, Node node)
        {
            foreach (Node child in node.Children.ToList()) RemoveSubtree(levels, child);
            node.Parent?.Children.Remove(node);
            node.Removed = true;
            foreach (List<Node> level in levels) level.Remove(node);
        }

        private static void Remove(List<List<Node>> levels, int depth, Node node)
        {
            foreach (Node child in node.Children.ToList()) RemoveSubtree(levels, child);
            node.Parent?.Children.Remove(node);
            node.Removed = true;
            levels[depth].Remove(node);
        }

        /// <summary>Deletes nodes above <paramref name="depth"/> that have no children, bottom up; true when the root went too.</summary>
        private static bool Prune(List<List<Node>> levels, int depth)
        {
            for (int d = Math.Min(depth, levels.Count) - 1; d >= 0; d--)
            {
                foreach (Node node in levels[d].Where(x => x.Children.Count == 0).ToList())
                {
                    node.Parent?.Children.Remove(node);
                    node.Removed = true;
                    levels[d].Remove(node);
                }
            }
            if (levels[0].Count > 0) return false;
            foreach (List<Node> level in levels) level.Clear();
            return true;
        }

        private static PolicyOutcome Fail(int index, ChainProblemCode code, string message) =>
            new PolicyOutcome(Array.Empty<string>(), Array.Empty<string>(), (index, code, message));

        private static PolicyOutcome TooLarge(int index) => Fail(index, ChainProblemCode.PathBuildingLimitExceeded,
            $"The chain's certificate policies and policy mappings make more than {MaxNodes} policy combinations; such a chain is built to exhaust validators and is refused.");
    }
}
