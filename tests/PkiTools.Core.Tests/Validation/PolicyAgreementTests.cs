using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Pkix;
using Org.BouncyCastle.X509;
using PkiTools.Core.Formats;
using PkiTools.Core.Validation;
using PkiTools.Tests;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>
    /// RFC 5280 §6.1 certificate-policy processing, differential: chains generated at test time (root, two
    /// intermediates, leaf) with random certificatePolicies, policyMappings, policyConstraints and inhibitAnyPolicy, and
    /// random caller settings, validated by PkiTools, by BouncyCastle's PkixCertPathValidator and by `openssl verify
    /// -policy_check`. Where the two agree, PkiTools must agree with them.
    /// </summary>
    public class PolicyAgreementTests
    {
        private const string P1 = "1.3.6.1.4.1.55555.1.1", P2 = "1.3.6.1.4.1.55555.1.2", P3 = "1.3.6.1.4.1.55555.1.3";
        private const string Any = "2.5.29.32.0";
        private readonly ITestOutputHelper _output;

        public PolicyAgreementTests(ITestOutputHelper output) => _output = output;

        /// <summary>One certificate's policy extensions; null members are absent.</summary>
        public sealed class Spec
        {
            public string[]? Policies;
            public (string, string)[]? Mappings;
            public int? RequireExplicit, InhibitMapping, InhibitAny;
            public bool CriticalMappings = true;

            public override string ToString() =>
                $"[pol {(Policies == null ? "-" : string.Join(",", Policies.Select(Short)))}; map {(Mappings == null ? "-" : string.Join(",", Mappings.Select(m => Short(m.Item1) + ">" + Short(m.Item2))))}; req {RequireExplicit?.ToString() ?? "-"}; inhMap {InhibitMapping?.ToString() ?? "-"}; inhAny {InhibitAny?.ToString() ?? "-"}]";

            public void Apply(X509V3CertificateGenerator g)
            {
                if (Policies != null) g.AddExtension(X509Extensions.CertificatePolicies, false, new DerSequence(Policies.Select(p => (Asn1Encodable)new PolicyInformation(new DerObjectIdentifier(p))).ToArray()));
                if (Mappings != null) g.AddExtension(X509Extensions.PolicyMappings, CriticalMappings, new DerSequence(Mappings.Select(m => (Asn1Encodable)new DerSequence(new DerObjectIdentifier(m.Item1), new DerObjectIdentifier(m.Item2))).ToArray()));
                if (RequireExplicit != null || InhibitMapping != null)
                {
                    var items = new List<Asn1Encodable>();
                    if (RequireExplicit is int r) items.Add(new DerTaggedObject(false, 0, DerInteger.ValueOf(r)));
                    if (InhibitMapping is int m) items.Add(new DerTaggedObject(false, 1, DerInteger.ValueOf(m)));
                    g.AddExtension(X509Extensions.PolicyConstraints, true, new DerSequence(items.ToArray()));
                }
                if (InhibitAny is int a) g.AddExtension(X509Extensions.InhibitAnyPolicy, true, DerInteger.ValueOf(a));
            }
        }

        /// <summary>The caller's settings.</summary>
        public sealed class Settings
        {
            public string[]? Initial;
            public bool Explicit, InhibitMapping, InhibitAny;

            public override string ToString() =>
                $"initial {(Initial == null ? "any" : string.Join(",", Initial.Select(Short)))}{(Explicit ? " explicit" : "")}{(InhibitMapping ? " inhibit-map" : "")}{(InhibitAny ? " inhibit-any" : "")}";
        }

        private static string Short(string oid) => oid == Any ? "any" : "P" + oid.Substring(oid.LastIndexOf('.') + 1);

        private sealed class Chain
        {
            public X509Certificate2 Root = null!, Int1 = null!, Int2 = null!, Leaf = null!;
        }

        private static Chain Build(Spec int1, Spec int2, Spec leaf)
        {
            var rootKey = RawCertificates.NewKey();
            var key1 = RawCertificates.NewKey();
            var key2 = RawCertificates.NewKey();
            var leafKey = RawCertificates.NewKey();
            X509Name rootName = RawCertificates.Name("CN=Policy Root"), name1 = RawCertificates.Name("CN=Policy CA 1"), name2 = RawCertificates.Name("CN=Policy CA 2");
            return new Chain
            {
                Root = RawCertificates.Build(rootName, rootKey.Public, rootName, rootKey.Private, RawCertificates.CaWithKeyCertSign),
                Int1 = RawCertificates.Build(name1, key1.Public, rootName, rootKey.Private, g => { RawCertificates.CaWithKeyCertSign(g); int1.Apply(g); }),
                Int2 = RawCertificates.Build(name2, key2.Public, name1, key1.Private, g => { RawCertificates.CaWithKeyCertSign(g); int2.Apply(g); }),
                Leaf = RawCertificates.Build(RawCertificates.Name("CN=policy.corp.example"), leafKey.Public, name2, key2.Private, g => { RawCertificates.ServerLeaf(g); leaf.Apply(g); }),
            };
        }

        private static ChainValidationResult PkiTools(Chain c, Settings s) => ChainValidator.Validate(c.Leaf, new ChainValidationOptions
        {
            TrustedRoots = new[] { c.Root },
            Intermediates = new[] { c.Int1, c.Int2 },
            At = ValidationPki.At,
            InitialPolicies = s.Initial,
            RequireExplicitPolicy = s.Explicit,
            InhibitPolicyMapping = s.InhibitMapping,
            InhibitAnyPolicy = s.InhibitAny,
        });

        private static bool BouncyCastle(Chain c, Settings s, out string why)
        {
            var parser = new X509CertificateParser();
            Org.BouncyCastle.X509.X509Certificate Bc(X509Certificate2 x) => parser.ReadCertificate(x.RawData);
            var parameters = new PkixParameters(new HashSet<TrustAnchor> { new TrustAnchor(Bc(c.Root), null) })
            {
                IsRevocationEnabled = false,
                Date = ValidationPki.At.UtcDateTime,
                IsExplicitPolicyRequired = s.Explicit,
                IsPolicyMappingInhibited = s.InhibitMapping,
                IsAnyPolicyInhibited = s.InhibitAny,
            };
            if (s.Initial != null) parameters.SetInitialPolicies(new HashSet<string>(s.Initial));
            try
            {
                new PkixCertPathValidator().Validate(new PkixCertPath(new[] { Bc(c.Leaf), Bc(c.Int2), Bc(c.Int1) }), parameters);
                why = "";
                return true;
            }
            catch (Exception ex) when (ex is PkixCertPathValidatorException || ex is InvalidOperationException)
            {
                why = ex.Message;
                return false;
            }
        }

        private static bool OpenSsl(TempDir dir, Chain c, Settings s, out string why)
        {
            File.WriteAllText(dir.File("root.pem"), Pem.Encode("CERTIFICATE", c.Root.RawData));
            File.WriteAllText(dir.File("untrusted.pem"), Pem.Encode("CERTIFICATE", c.Int2.RawData) + Pem.Encode("CERTIFICATE", c.Int1.RawData));
            File.WriteAllText(dir.File("leaf.pem"), Pem.Encode("CERTIFICATE", c.Leaf.RawData));
            var args = new List<string> { "verify", "-policy_check", "-attime", ValidationPki.At.ToUnixTimeSeconds().ToString(), "-CAfile", dir.File("root.pem"), "-untrusted", dir.File("untrusted.pem") };
            // Without -policy, openssl's user-initial-policy-set is empty rather than anyPolicy (so -explicit_policy alone
            // fails every chain whose policies are mapped): RFC 5280's default is anyPolicy, so it is given.
            foreach (string p in s.Initial ?? new[] { Any }) args.AddRange(new[] { "-policy", p });
            if (s.Explicit) args.Add("-explicit_policy");
            if (s.InhibitMapping) args.Add("-inhibit_map");
            if (s.InhibitAny) args.Add("-inhibit_any");
            args.Add(dir.File("leaf.pem"));
            var r = global::PkiTools.Tests.OpenSsl.RunIn(dir.Path, null, args.ToArray());
            why = r.All.Trim();
            return r.ExitCode == 0;
        }

        private static Spec RandomCa(Random random)
        {
            var policies = new[] { null, new[] { P1 }, new[] { P2 }, new[] { Any }, new[] { P1, P2 }, new[] { P1, Any }, new[] { P3 } };
            var mappings = new[] { null, null, new[] { (P1, P2) }, new[] { (P2, P3) }, new[] { (P1, P3) }, new[] { (P1, P2), (P1, P3) }, new[] { (P3, P1) } };
            var spec = new Spec { Policies = policies[random.Next(policies.Length)], Mappings = mappings[random.Next(mappings.Length)] };
            switch (random.Next(6))
            {
                case 1: spec.RequireExplicit = 0; break;
                case 2: spec.RequireExplicit = 1; break;
                case 3: spec.InhibitMapping = 0; break;
                case 4: spec.InhibitMapping = 1; break;
                case 5: spec.RequireExplicit = 0; spec.InhibitMapping = 0; break;
            }
            int inhibit = random.Next(4);
            if (inhibit < 2) spec.InhibitAny = inhibit;
            return spec;
        }

        private static Spec RandomLeaf(Random random)
        {
            var policies = new[] { null, new[] { P1 }, new[] { P2 }, new[] { P3 }, new[] { Any }, new[] { P1, P2 } };
            return new Spec { Policies = policies[random.Next(policies.Length)] };
        }

        private static Settings RandomSettings(Random random)
        {
            var initial = new[] { null, null, new[] { P1 }, new[] { P2 }, new[] { P3 }, new[] { P1, P3 } };
            return new Settings { Initial = initial[random.Next(initial.Length)], Explicit = random.Next(2) == 0, InhibitMapping = random.Next(4) == 0, InhibitAny = random.Next(4) == 0 };
        }

        [Fact]
        public void Random_policy_chains_agree_with_BouncyCastle_and_openssl_wherever_they_agree_with_each_other()
        {
            var random = new Random(5280);
            using var dir = new TempDir();
            int agreed = 0, valid = 0;
            var disagreements = new List<string>();
            var wrong = new List<string>();
            for (int k = 0; k < 250; k++)
            {
                Spec int1 = RandomCa(random), int2 = RandomCa(random), leaf = RandomLeaf(random);
                Settings settings = RandomSettings(random);
                Chain chain = Build(int1, int2, leaf);
                ChainValidationResult ours = PkiTools(chain, settings);
                bool bc = BouncyCastle(chain, settings, out string bcWhy);
                bool openssl = OpenSsl(dir, chain, settings, out string osslWhy);
                string describe = $"#{k} int1 {int1} int2 {int2} leaf {leaf}; {settings}: PkiTools {ours.IsValid} ({string.Join("; ", ours.Problems.Select(p => p.Code + "@" + p.Index))}; policies {string.Join(",", ours.ValidPolicies.Select(Short))}), BouncyCastle {bc} ({bcWhy}), openssl {openssl} ({osslWhy.Replace('\n', ' ')})";
                if (bc != openssl)
                {
                    // Each one seen is pinned below with the RFC 5280 sentence that decides it.
                    disagreements.Add(describe);
                    continue;
                }
                agreed++;
                if (bc) valid++;
                if (ours.IsValid != bc) wrong.Add(describe);
            }
            _output.WriteLine($"{agreed} cases where BouncyCastle and openssl agree ({valid} valid), {disagreements.Count} where they disagree:");
            foreach (string d in disagreements) _output.WriteLine(d);
            Assert.True(wrong.Count == 0, $"{wrong.Count} of {agreed} disagree:\n" + string.Join("\n", wrong.Take(8)));
            Assert.True(agreed >= 200 && valid >= 40 && agreed - valid >= 40, $"a weak sample: {agreed} agreed, {valid} valid");
        }

        private static (bool Ours, bool Bc, bool OpenSsl, ChainValidationResult Result) All(Spec int1, Spec int2, Spec leaf, Settings settings)
        {
            using var dir = new TempDir();
            Chain chain = Build(int1, int2, leaf);
            ChainValidationResult ours = PkiTools(chain, settings);
            return (ours.IsValid, BouncyCastle(chain, settings, out _), OpenSsl(dir, chain, settings, out _), ours);
        }

        [Fact]
        public void A_mapped_policy_satisfies_an_explicit_policy_requirement_as_RFC_5280_says_where_BouncyCastle_refuses()
        {
            // int2 maps P1 to P3 and the leaf asserts P3: §6.1.4 (b)(1) "set expected_policy_set to the set of
            // subjectDomainPolicy values", so the leaf's P3 grows the tree under P1 (§6.1.3 (d)(1)(i)), and §6.1.5 ends
            // "If either ... or (2) the valid_policy_tree is not NULL, then path processing has succeeded."
            // BouncyCastle checks its own acceptable-policies set, which ignores mappings; openssl agrees with the RFC.
            var r = All(new Spec { Policies = new[] { P1 } }, new Spec { Policies = new[] { P1 }, Mappings = new[] { (P1, P3) } }, new Spec { Policies = new[] { P3 } },
                new Settings { Explicit = true });
            Assert.True(r.Ours, string.Join("; ", r.Result.Problems.Select(p => p.Message)));
            Assert.True(r.OpenSsl);
            Assert.Equal(new[] { P1 }, r.Result.ValidPolicies);
            _output.WriteLine($"BouncyCastle: {r.Bc} (false while it ignores mappings here)");
        }

        [Fact]
        public void An_inhibited_anyPolicy_with_mappings_ends_the_tree_at_once_as_RFC_5280_says_where_openssl_goes_on()
        {
            // int1 asserts only anyPolicy, which the caller inhibits: §6.1.3 (d)(2) adds no node ("if ... inhibit_anyPolicy
            // is greater than 0 or ..."), (d)(3) prunes the root, and (f) "verify that either explicit_policy is greater
            // than 0 or the valid_policy_tree is not equal to NULL" fails at int1, before its policyMappings (§6.1.4)
            // are looked at. openssl makes a node from the mapping's issuerDomainPolicy first; BouncyCastle follows the RFC.
            var r = All(new Spec { Policies = new[] { Any }, Mappings = new[] { (P1, P2) } }, new Spec { Policies = new[] { P2 } }, new Spec { Policies = new[] { P2 } },
                new Settings { Explicit = true, InhibitAny = true });
            Assert.False(r.Ours);
            Assert.False(r.Bc);
            Assert.Equal((ChainProblemCode.NoExplicitPolicy, 2), (r.Result.Problems.Single().Code, r.Result.Problems.Single().Index));
            _output.WriteLine($"openssl: {r.OpenSsl}");
        }

        [Fact]
        public void The_valid_policies_are_reported_in_the_anchors_domain_and_cut_to_the_callers_set()
        {
            var spec = new Spec { Policies = new[] { P1, P2 } };
            var r = All(spec, spec, new Spec { Policies = new[] { P1, P2 } }, new Settings());
            Assert.True(r.Ours);
            Assert.Equal(new[] { P1, P2 }, r.Result.AuthorityConstrainedPolicies);
            Assert.Equal(new[] { P1, P2 }, r.Result.ValidPolicies);
            var only = All(spec, spec, new Spec { Policies = new[] { P1, P2 } }, new Settings { Initial = new[] { P2, P3 } });
            Assert.Equal(new[] { P2 }, only.Result.ValidPolicies);
            var none = All(spec, spec, new Spec { Policies = new[] { P1, P2 } }, new Settings { Initial = new[] { P3 }, Explicit = true });
            Assert.Equal((false, false, false), (none.Ours, none.Bc, none.OpenSsl));
            Assert.Equal(ChainProblemCode.NoExplicitPolicy, none.Result.Problems.Single().Code);
            // Without policies anywhere, nothing is reported and nothing can fail (the common case).
            var plain = All(new Spec(), new Spec(), new Spec(), new Settings());
            Assert.True(plain.Ours);
            Assert.Empty(plain.Result.ValidPolicies);
        }

        [Fact]
        public void A_critical_policyMappings_is_processed_and_a_mapping_to_anyPolicy_is_refused_without_throwing()
        {
            var mapped = All(new Spec { Policies = new[] { P1 }, Mappings = new[] { (P1, P2) } }, new Spec { Policies = new[] { P2 } }, new Spec { Policies = new[] { P2 } }, new Settings());
            Assert.True(mapped.Ours, string.Join("; ", mapped.Result.Problems.Select(p => p.Code + ": " + p.Message)));
            var toAny = All(new Spec { Policies = new[] { P1 }, Mappings = new[] { (P1, Any) } }, new Spec { Policies = new[] { P1 } }, new Spec { Policies = new[] { P1 } }, new Settings());
            Assert.Equal((false, false, false), (toAny.Ours, toAny.Bc, toAny.OpenSsl));
            Assert.Equal((ChainProblemCode.CertificateInvalid, 2), (toAny.Result.Problems.Single().Code, toAny.Result.Problems.Single().Index));
        }

        [Fact]
        public void Malformed_policy_extensions_are_problems_on_the_result()
        {
            var rootKey = RawCertificates.NewKey();
            var caKey = RawCertificates.NewKey();
            X509Name rootName = RawCertificates.Name("CN=Malformed Root"), caName = RawCertificates.Name("CN=Malformed CA");
            X509Certificate2 root = RawCertificates.Build(rootName, rootKey.Public, rootName, rootKey.Private, RawCertificates.CaWithKeyCertSign);
            foreach (var (oid, value) in new[] { ("2.5.29.36", (Asn1Encodable)new DerSequence()), ("2.5.29.54", DerInteger.ValueOf(-1)), ("2.5.29.32", new DerSequence()), ("2.5.29.33", new DerSequence(new DerSequence(new DerObjectIdentifier(P1)))) })
            {
                X509Certificate2 ca = RawCertificates.Build(caName, caKey.Public, rootName, rootKey.Private, g => { RawCertificates.CaWithKeyCertSign(g); g.AddExtension(new DerObjectIdentifier(oid), true, value); });
                X509Certificate2 leaf = RawCertificates.Build(RawCertificates.Name("CN=leaf"), RawCertificates.NewKey().Public, caName, caKey.Private, RawCertificates.ServerLeaf);
                var result = ChainValidator.Validate(leaf, new ChainValidationOptions { TrustedRoots = new[] { root }, Intermediates = new[] { ca }, At = ValidationPki.At });
                Assert.Contains(result.Problems, p => p.Code == ChainProblemCode.CertificateInvalid && p.Index == 1);
            }
        }

        [Fact]
        public void A_policy_mapping_bomb_stops_at_the_node_budget()
        {
            // 100 policies each mapped to all 100 again: every level multiplies the tree by 100.
            string[] many = Enumerable.Range(1, 100).Select(i => "1.3.6.1.4.1.55555.9." + i).ToArray();
            (string, string)[] all = many.SelectMany(a => many.Select(b => (a, b))).ToArray();
            var bomb = new Spec { Policies = many, Mappings = all };
            var r = All(bomb, bomb, new Spec { Policies = many }, new Settings());
            Assert.Contains(r.Result.Problems, p => p.Code == ChainProblemCode.PathBuildingLimitExceeded);
        }
    }
}
