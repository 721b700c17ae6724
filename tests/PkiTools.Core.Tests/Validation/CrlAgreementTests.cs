using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Pkix;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Utilities.Collections;
using Org.BouncyCastle.X509;
using PkiTools.Core.Formats;
using PkiTools.Core.Revocation;
using PkiTools.Core.Validation;
using PkiTools.Tests;
using Xunit;
using Xunit.Abstractions;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>
    /// RFC 5280 §6.3 CRL processing, differential: small PKIs (root, CA, leaf, and where a scenario needs them a second CA
    /// key, a separate CRL signer or an indirect CRL issuer) and their CRLs are generated at test time with BouncyCastle,
    /// and the leaf's revocation status is asked of PkiTools' ChainValidator, of BouncyCastle's PkixCertPathValidator
    /// (revocation and deltas on) and of `openssl verify -crl_check -extended_crl -use_deltas`. Where the two oracles
    /// agree, PkiTools must give the same answer; where they disagree, the answer is pinned below with the RFC 5280
    /// sentence that decides it.
    /// </summary>
    public class CrlAgreementTests
    {
        public enum Status
        {
            Good,
            Revoked,
            Unknown,
        }

        private const string Dp1 = "http://crl.corp.example/ca.crl";
        private const string Dp2 = "http://crl.corp.example/ca-2.crl";
        private const string DeltaDp = "http://crl.corp.example/ca-delta.crl";
        private const string IndirectDp = "http://crl.corp.example/indirect.crl";
        private static readonly SecureRandom Random = new SecureRandom();
        private static readonly int FirstPartition = ReasonFlags.KeyCompromise | ReasonFlags.CACompromise;
        private static readonly int OtherReasons = ReasonFlags.AffiliationChanged | ReasonFlags.Superseded | ReasonFlags.CessationOfOperation
            | ReasonFlags.CertificateHold | ReasonFlags.PrivilegeWithdrawn | ReasonFlags.AACompromise;

        private readonly ITestOutputHelper _output;

        public CrlAgreementTests(ITestOutputHelper output) => _output = output;

        /// <summary>
        /// One scenario's certificates and CRLs: a root, the CA "CN=CRL Agreement CA" (key <see cref="CaKey"/>) it issues,
        /// a leaf, and whatever else the scenario adds. The root's own (empty) CRL for the CA is always there, for
        /// BouncyCastle, which checks every certificate below the anchor.
        /// </summary>
        private sealed class World
        {
            public readonly AsymmetricCipherKeyPair RootKey = RawCertificates.NewKey();
            public readonly AsymmetricCipherKeyPair CaKey = RawCertificates.NewKey();
            public readonly X509Name RootName = RawCertificates.Name("CN=CRL Agreement Root");
            public readonly X509Name CaName = RawCertificates.Name("CN=CRL Agreement CA");
            public readonly X509Certificate2 Root;
            public readonly X509Certificate2 Ca;
            /// <summary>Certificates besides the root: the CA first, then signers, other CA keys...</summary>
            public readonly List<X509Certificate2> Others = new List<X509Certificate2>();
            public readonly List<byte[]> Crls = new List<byte[]>();
            /// <summary>Trust anchors besides <see cref="Root"/>.</summary>
            public readonly List<X509Certificate2> OtherRoots = new List<X509Certificate2>();
            public X509Certificate2 Leaf = null!;
            /// <summary>The leaf's issuer certificate, for BouncyCastle's path (leaf, issuer).</summary>
            public X509Certificate2 LeafIssuer = null!;

            public World()
            {
                Root = Issue(RootName, RootKey.Public, RootName, RootKey, RawCertificates.CaWithKeyCertSign);
                Ca = Issue(CaName, CaKey.Public, RootName, RootKey, RawCertificates.CaWithKeyCertSign);
                Others.Add(Ca);
                Crls.Add(Crl(RootName, RootKey, 1));
            }

            public BigInteger LeafSerial => new X509CertificateParser().ReadCertificate(Leaf.RawData).SerialNumber;

            /// <summary>Issues the leaf (an end entity) with <paramref name="issuerKey"/> under the CA's name.</summary>
            public void IssueLeaf(AsymmetricCipherKeyPair issuerKey, X509Certificate2 issuerCertificate, Action<X509V3CertificateGenerator>? extensions = null)
            {
                Leaf = Issue(RawCertificates.Name("CN=crl.corp.example"), RawCertificates.NewKey().Public, CaName, issuerKey, g =>
                {
                    RawCertificates.ServerLeaf(g);
                    extensions?.Invoke(g);
                });
                LeafIssuer = issuerCertificate;
            }

            public void IssueLeaf(Action<X509V3CertificateGenerator>? extensions = null) => IssueLeaf(CaKey, Ca, extensions);
        }

        private static byte[] KeyId(AsymmetricKeyParameter publicKey) =>
            DigestUtilities.CalculateDigest("SHA-1", SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey).PublicKey.GetBytes());

        /// <summary>A certificate with subjectKeyIdentifier and authorityKeyIdentifier, valid from 30 days before to 300 days after At unless told.</summary>
        private static X509Certificate2 Issue(X509Name subject, AsymmetricKeyParameter subjectKey, X509Name issuer, AsymmetricCipherKeyPair issuerKey,
            Action<X509V3CertificateGenerator>? extensions, double from = -30, double to = 300) =>
            RawCertificates.Build(subject, subjectKey, issuer, issuerKey.Private, g =>
            {
                g.AddExtension(X509Extensions.SubjectKeyIdentifier, false, new SubjectKeyIdentifier(KeyId(subjectKey)));
                g.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(KeyId(issuerKey.Public)));
                extensions?.Invoke(g);
            }, from: from, to: to);

        /// <summary>
        /// A CRL from <paramref name="issuer"/> signed with <paramref name="key"/>: cRLNumber <paramref name="number"/>,
        /// authorityKeyIdentifier of the key, thisUpdate a day before At, nextUpdate a week after unless told.
        /// </summary>
        private static byte[] Crl(X509Name issuer, AsymmetricCipherKeyPair key, long number, Action<X509V2CrlGenerator>? build = null, double thisUpdate = -1, double nextUpdate = 7)
        {
            var g = new X509V2CrlGenerator();
            g.SetIssuerDN(issuer);
            g.SetThisUpdate(ValidationPki.Days(thisUpdate).UtcDateTime);
            g.SetNextUpdate(ValidationPki.Days(nextUpdate).UtcDateTime);
            g.AddExtension(X509Extensions.CrlNumber, false, new CrlNumber(BigInteger.ValueOf(number)));
            g.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, new AuthorityKeyIdentifier(KeyId(key.Public)));
            build?.Invoke(g);
            return g.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", key.Private, Random)).GetEncoded();
        }

        private static DateTime Revoked => ValidationPki.Days(-10).UtcDateTime;

        private static DistributionPointName Uri(string uri) =>
            new DistributionPointName(new GeneralNames(new GeneralName(GeneralName.UniformResourceIdentifier, uri)));

        private static Action<X509V3CertificateGenerator> Cdp(params DistributionPoint[] points) =>
            g => g.AddExtension(X509Extensions.CrlDistributionPoints, false, new CrlDistPoint(points));

        private static void Idp(X509V2CrlGenerator g, DistributionPointName? dp = null, bool onlyUser = false, bool onlyCa = false, int? reasons = null, bool indirect = false, bool onlyAttribute = false) =>
            g.AddExtension(X509Extensions.IssuingDistributionPoint, true,
                new IssuingDistributionPoint(dp, onlyUser, onlyCa, reasons is int r ? new ReasonFlags(r) : null, indirect, onlyAttribute));

        private static void Entry(X509V2CrlGenerator g, BigInteger serial, int? reason = null, X509Name? certificateIssuer = null, bool criticalIssuer = true)
        {
            var extensions = new X509ExtensionsGenerator();
            if (reason is int r) extensions.AddExtension(X509Extensions.ReasonCode, false, new CrlReason(r));
            if (certificateIssuer != null) extensions.AddExtension(X509Extensions.CertificateIssuer, criticalIssuer, new GeneralNames(new GeneralName(certificateIssuer)));
            if (extensions.IsEmpty) g.AddCrlEntry(serial, Revoked, 0);
            else g.AddCrlEntry(serial, Revoked, extensions.Generate());
        }

        private sealed class Scenario
        {
            public Scenario(string name, Status intended, Func<World> build)
            {
                Name = name;
                Intended = intended;
                Build = build;
            }

            public string Name { get; }

            /// <summary>What the scenario was designed to be, by RFC 5280.</summary>
            public Status Intended { get; }

            public Func<World> Build { get; }
        }

        // ---- the scenarios ----

        private static World Plain(Action<World, X509V2CrlGenerator>? entries, double thisUpdate = -1, double nextUpdate = 7, bool withCrl = true)
        {
            var w = new World();
            w.IssueLeaf();
            if (withCrl) w.Crls.Add(Crl(w.CaName, w.CaKey, 5, g => entries?.Invoke(w, g), thisUpdate, nextUpdate));
            return w;
        }

        /// <summary>Two CA certificates with the CA's name, both issued by the root: the old key and the new one.</summary>
        private static World Rollover(bool leafByNewKey, bool crlByNewKey, bool listed)
        {
            var w = new World();
            AsymmetricCipherKeyPair newKey = RawCertificates.NewKey();
            X509Certificate2 newCa = Issue(w.CaName, newKey.Public, w.RootName, w.RootKey, RawCertificates.CaWithKeyCertSign, from: -5);
            w.Others.Add(newCa);
            if (leafByNewKey) w.IssueLeaf(newKey, newCa);
            else w.IssueLeaf();
            w.Crls.Add(Crl(w.CaName, crlByNewKey ? newKey : w.CaKey, 7, g =>
            {
                if (listed) Entry(g, w.LeafSerial, CrlReason.Superseded);
            }));
            return w;
        }

        /// <summary>
        /// The new key is certified only by the old one (a self-issued NewWithOld certificate); the leaf is issued by the
        /// old key and the CRL signed by the new key, whose path is root, old CA, NewWithOld.
        /// </summary>
        private static World RolloverNewWithOld(bool listed)
        {
            var w = new World();
            AsymmetricCipherKeyPair newKey = RawCertificates.NewKey();
            w.Others.Add(Issue(w.CaName, newKey.Public, w.CaName, w.CaKey, RawCertificates.CaWithKeyCertSign, from: -5));
            w.IssueLeaf();
            w.Crls.Add(Crl(w.CaName, newKey, 7, g =>
            {
                if (listed) Entry(g, w.LeafSerial, CrlReason.KeyCompromise);
            }));
            return w;
        }

        /// <summary>A certificate with the CA's name and another key, issued by the root, signs the CA's CRL (§6.3.3 (f)).</summary>
        private static World SeparateSigner(bool listed, int keyUsage = KeyUsage.CrlSign, double signerTo = 300, bool underOtherRoot = false, bool signerRevoked = false)
        {
            var w = new World();
            AsymmetricCipherKeyPair signerKey = RawCertificates.NewKey();
            X509Name signerIssuer = w.RootName;
            AsymmetricCipherKeyPair signerIssuerKey = w.RootKey;
            if (underOtherRoot)
            {
                signerIssuer = RawCertificates.Name("CN=CRL Agreement Other Root");
                signerIssuerKey = RawCertificates.NewKey();
                w.OtherRoots.Add(Issue(signerIssuer, signerIssuerKey.Public, signerIssuer, signerIssuerKey, RawCertificates.CaWithKeyCertSign));
            }
            X509Certificate2 signer = Issue(w.CaName, signerKey.Public, signerIssuer, signerIssuerKey,
                g => g.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(keyUsage)), from: -60, to: signerTo);
            w.Others.Add(signer);
            if (signerRevoked)
            {
                BigInteger signerSerial = new X509CertificateParser().ReadCertificate(signer.RawData).SerialNumber;
                w.Crls[0] = Crl(w.RootName, w.RootKey, 2, g => Entry(g, signerSerial, CrlReason.KeyCompromise));
            }
            w.IssueLeaf();
            w.Crls.Add(Crl(w.CaName, signerKey, 3, g =>
            {
                if (listed) Entry(g, w.LeafSerial, CrlReason.KeyCompromise);
            }));
            return w;
        }

        private static World WithIdp(Action<X509V3CertificateGenerator>? leafExtensions, Action<X509V2CrlGenerator>? idp, bool listed = true)
        {
            var w = new World();
            w.IssueLeaf(leafExtensions);
            w.Crls.Add(Crl(w.CaName, w.CaKey, 4, g =>
            {
                idp?.Invoke(g);
                if (listed) Entry(g, w.LeafSerial, CrlReason.KeyCompromise);
            }));
            return w;
        }

        /// <summary>
        /// The CA partitions its CRLs by reason: one for keyCompromise and cACompromise, one for the other reasons.
        /// <paramref name="twoPoints"/>: the leaf names two distribution points (each with its reasons) and each CRL
        /// one of them; otherwise the leaf names one distribution point and both CRLs name it.
        /// </summary>
        private static World Partitioned(bool twoPoints, bool first, bool rest, int? listedInFirstWith = null, int extra = 0)
        {
            var w = new World();
            w.IssueLeaf(twoPoints
                ? Cdp(new DistributionPoint(Uri(Dp1), new ReasonFlags(FirstPartition), null), new DistributionPoint(Uri(Dp2), new ReasonFlags(OtherReasons), null))
                : Cdp(new DistributionPoint(Uri(Dp1), null, null)));
            if (first)
            {
                w.Crls.Add(Crl(w.CaName, w.CaKey, 20, g =>
                {
                    Idp(g, Uri(Dp1), reasons: FirstPartition);
                    if (listedInFirstWith is int reason) Entry(g, w.LeafSerial, reason);
                }));
            }
            if (rest)
            {
                w.Crls.Add(Crl(w.CaName, w.CaKey, 21, g =>
                {
                    Idp(g, Uri(twoPoints ? Dp2 : Dp1), reasons: OtherReasons | extra);
                    Entry(g, w.LeafSerial.Add(BigInteger.ValueOf(777)), CrlReason.Superseded);
                }));
            }
            return w;
        }

        /// <summary>
        /// The leaf's distribution point names "CN=Indirect CRL Issuer" as cRLIssuer; that authority (certified by the
        /// root, cRLSign) publishes an indirect CRL whose entries carry certificateIssuer.
        /// </summary>
        private static World Indirect(Action<World, X509V2CrlGenerator> entries, bool indirectFlag = true)
        {
            var w = new World();
            AsymmetricCipherKeyPair indirectKey = RawCertificates.NewKey();
            X509Name indirectName = RawCertificates.Name("CN=Indirect CRL Issuer");
            w.Others.Add(Issue(indirectName, indirectKey.Public, w.RootName, w.RootKey,
                g => g.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.CrlSign | KeyUsage.DigitalSignature))));
            w.IssueLeaf(Cdp(new DistributionPoint(Uri(IndirectDp), null, new GeneralNames(new GeneralName(indirectName)))));
            w.Crls.Add(Crl(indirectName, indirectKey, 30, g =>
            {
                Idp(g, Uri(IndirectDp), indirect: indirectFlag);
                entries(w, g);
            }));
            return w;
        }

        private static readonly X509Name OtherCa = RawCertificates.Name("CN=Some Other CA");

        /// <summary>A complete CRL (number 10, with freshestCRL) and, if <paramref name="deltaBase"/> is set, a delta on it (number 11).</summary>
        private static World Delta(bool complete, long? deltaBase, int? completeReason, int? deltaReason)
        {
            var w = new World();
            w.IssueLeaf();
            if (complete)
            {
                w.Crls.Add(Crl(w.CaName, w.CaKey, 10, g =>
                {
                    g.AddExtension(X509Extensions.FreshestCrl, false, new CrlDistPoint(new[] { new DistributionPoint(Uri(DeltaDp), null, null) }));
                    if (completeReason is int r) Entry(g, w.LeafSerial, r);
                }, thisUpdate: -3));
            }
            if (deltaBase is long b)
            {
                w.Crls.Add(Crl(w.CaName, w.CaKey, 11, g =>
                {
                    g.AddExtension(X509Extensions.DeltaCrlIndicator, true, DerInteger.ValueOf(b));
                    if (deltaReason is int r) Entry(g, w.LeafSerial, r);
                }, thisUpdate: -1));
            }
            return w;
        }

        private static IEnumerable<Scenario> Scenarios()
        {
            // 1. the issuer's own plain CRL
            yield return new Scenario("1a plain, listed", Status.Revoked, () => Plain((w, g) => Entry(g, w.LeafSerial, CrlReason.KeyCompromise)));
            yield return new Scenario("1b plain, another serial listed", Status.Good, () => Plain((w, g) => Entry(g, w.LeafSerial.Add(BigInteger.ValueOf(1_000_000)), CrlReason.KeyCompromise)));
            yield return new Scenario("1c no CRL from the CA", Status.Unknown, () => Plain(null, withCrl: false));
            yield return new Scenario("1d plain, past its nextUpdate, not listed", Status.Unknown, () => Plain(null, thisUpdate: -20, nextUpdate: -2));
            yield return new Scenario("1e CRL signed by an unrelated key, listed", Status.Unknown, () =>
            {
                var w = new World();
                w.IssueLeaf();
                AsymmetricCipherKeyPair stranger = RawCertificates.NewKey();
                byte[] crl = Crl(w.CaName, stranger, 5, g => Entry(g, w.LeafSerial, CrlReason.KeyCompromise));
                w.Crls.Add(crl);
                return w;
            });
            yield return new Scenario("1f plain, thisUpdate after the validation time, not listed", Status.Unknown, () => Plain(null, thisUpdate: 1, nextUpdate: 8));
            yield return new Scenario("1g plain, listed as certificateHold", Status.Revoked, () => Plain((w, g) => Entry(g, w.LeafSerial, CrlReason.CertificateHold)));

            // 2. key rollover
            yield return new Scenario("2a rollover, leaf by new key, CRL by old key, listed", Status.Revoked, () => Rollover(leafByNewKey: true, crlByNewKey: false, listed: true));
            yield return new Scenario("2b rollover, leaf by new key, CRL by old key, not listed", Status.Good, () => Rollover(leafByNewKey: true, crlByNewKey: false, listed: false));
            yield return new Scenario("2c rollover, leaf by old key, CRL by new key, listed", Status.Revoked, () => Rollover(leafByNewKey: false, crlByNewKey: true, listed: true));
            yield return new Scenario("2d rollover, leaf by old key, CRL by new key, not listed", Status.Good, () => Rollover(leafByNewKey: false, crlByNewKey: true, listed: false));
            yield return new Scenario("2e NewWithOld, leaf by old key, CRL by new key, listed", Status.Revoked, () => RolloverNewWithOld(listed: true));
            yield return new Scenario("2f NewWithOld, leaf by old key, CRL by new key, not listed", Status.Good, () => RolloverNewWithOld(listed: false));

            // 3. a separate CRL signer with the CA's name
            yield return new Scenario("3a separate signer, listed", Status.Revoked, () => SeparateSigner(listed: true));
            yield return new Scenario("3b separate signer, not listed", Status.Good, () => SeparateSigner(listed: false));
            yield return new Scenario("3c separate signer without cRLSign, listed", Status.Unknown, () => SeparateSigner(listed: true, keyUsage: KeyUsage.DigitalSignature));
            yield return new Scenario("3d separate signer expired, listed", Status.Unknown, () => SeparateSigner(listed: true, signerTo: -1));
            yield return new Scenario("3e separate signer under another trusted root, listed", Status.Unknown, () => SeparateSigner(listed: true, underOtherRoot: true));
            yield return new Scenario("3f separate signer revoked by the root, listed", Status.Unknown, () => SeparateSigner(listed: true, signerRevoked: true));

            // 4. issuingDistributionPoint
            yield return new Scenario("4a IDP onlyContainsUserCerts, leaf listed", Status.Revoked, () => WithIdp(null, g => Idp(g, onlyUser: true)));
            yield return new Scenario("4b IDP onlyContainsCACerts, leaf listed", Status.Unknown, () => WithIdp(null, g => Idp(g, onlyCa: true)));
            yield return new Scenario("4c IDP fullName = leaf's CDP URI, listed", Status.Revoked, () => WithIdp(Cdp(new DistributionPoint(Uri(Dp1), null, null)), g => Idp(g, Uri(Dp1))));
            yield return new Scenario("4d IDP fullName != leaf's CDP URI, listed", Status.Unknown, () => WithIdp(Cdp(new DistributionPoint(Uri(Dp1), null, null)), g => Idp(g, Uri(Dp2))));
            yield return new Scenario("4e leaf has a CDP, CRL has no IDP, listed", Status.Revoked, () => WithIdp(Cdp(new DistributionPoint(Uri(Dp1), null, null)), null));
            yield return new Scenario("4f leaf has no CDP, IDP names a distribution point, listed", Status.Unknown, () => WithIdp(null, g => Idp(g, Uri(Dp1))));
            yield return new Scenario("4g IDP onlyContainsAttributeCerts, leaf listed", Status.Unknown, () => WithIdp(null, g => Idp(g, onlyAttribute: true)));

            // 5. reason partitions (onlySomeReasons)
            yield return new Scenario("5a one DP, both partitions, not listed", Status.Good, () => Partitioned(twoPoints: false, first: true, rest: true));
            yield return new Scenario("5b one DP, only keyCompromise+cACompromise partition, not listed", Status.Unknown, () => Partitioned(twoPoints: false, first: true, rest: false));
            yield return new Scenario("5c one DP, both partitions, listed keyCompromise in the first", Status.Revoked, () => Partitioned(twoPoints: false, first: true, rest: true, listedInFirstWith: CrlReason.KeyCompromise));
            yield return new Scenario("5d one DP, only the first partition, listed keyCompromise there", Status.Revoked, () => Partitioned(twoPoints: false, first: true, rest: false, listedInFirstWith: CrlReason.KeyCompromise));
            yield return new Scenario("5e two DPs with reasons, both partitions, not listed", Status.Good, () => Partitioned(twoPoints: true, first: true, rest: true));
            yield return new Scenario("5f two DPs with reasons, only the other-reasons partition, not listed", Status.Unknown, () => Partitioned(twoPoints: true, first: false, rest: true));

            // The same as 5a with the unused (0) bit also asserted in the second partition: both oracles say Good, which
            // shows BouncyCastle's Unknown in 5a and 5e comes from counting unused among all-reasons.
            yield return new Scenario("5g one DP, both partitions, the second also asserting the unused bit, not listed", Status.Good, () => Partitioned(twoPoints: false, first: true, rest: true, extra: ReasonFlags.Unused));
            // 6. indirect CRLs
            yield return new Scenario("6a indirect, entry certificateIssuer = CA", Status.Revoked, () => Indirect((w, g) => Entry(g, w.LeafSerial, CrlReason.KeyCompromise, w.CaName)));
            yield return new Scenario("6b indirect, same serial under another certificateIssuer", Status.Good, () => Indirect((w, g) => Entry(g, w.LeafSerial, CrlReason.KeyCompromise, OtherCa)));
            yield return new Scenario("6c indirect, leaf serial inherits another CA from the entry before", Status.Good, () => Indirect((w, g) =>
            {
                Entry(g, w.LeafSerial.Add(BigInteger.ValueOf(5)), CrlReason.KeyCompromise, OtherCa);
                Entry(g, w.LeafSerial, CrlReason.KeyCompromise);
            }));
            yield return new Scenario("6d indirect, leaf serial inherits the CA from the entry before", Status.Revoked, () => Indirect((w, g) =>
            {
                Entry(g, w.LeafSerial.Add(BigInteger.ValueOf(5)), CrlReason.KeyCompromise, w.CaName);
                Entry(g, w.LeafSerial, CrlReason.KeyCompromise);
            }));
            yield return new Scenario("6e cRLIssuer's CRL without indirectCRL, leaf serial listed", Status.Unknown, () => Indirect((w, g) => Entry(g, w.LeafSerial, CrlReason.KeyCompromise), indirectFlag: false));

            // §5.3.3 says issuers MUST mark certificateIssuer critical; as a relying party the entry is attributed all the same
            // (and this shows that BouncyCastle's miss in 6a is the criticality alone).
            yield return new Scenario("6f indirect, entry certificateIssuer = CA but not critical", Status.Revoked, () => Indirect((w, g) => Entry(g, w.LeafSerial, CrlReason.KeyCompromise, w.CaName, criticalIssuer: false)));
            // 7. delta CRLs
            yield return new Scenario("7a complete without leaf + delta listing it", Status.Revoked, () => Delta(complete: true, deltaBase: 10, completeReason: null, deltaReason: CrlReason.KeyCompromise));
            yield return new Scenario("7b complete certificateHold + delta removeFromCRL", Status.Good, () => Delta(complete: true, deltaBase: 10, completeReason: CrlReason.CertificateHold, deltaReason: CrlReason.RemoveFromCrl));
            yield return new Scenario("7c delta listing the leaf, no complete CRL", Status.Unknown, () => Delta(complete: false, deltaBase: 10, completeReason: null, deltaReason: CrlReason.KeyCompromise));
            yield return new Scenario("7d delta on a newer base (12) than the complete (10) lists the leaf", Status.Good, () => Delta(complete: true, deltaBase: 12, completeReason: null, deltaReason: CrlReason.KeyCompromise));

            // 8. a negative serial in the revoked list
            yield return new Scenario("8a negative serial listed, leaf not", Status.Good, () =>
            {
                World w = Plain((world, g) =>
                {
                    Entry(g, BigInteger.ValueOf(-5), CrlReason.Superseded);
                    Entry(g, world.LeafSerial.Add(BigInteger.ValueOf(3)), CrlReason.Superseded);
                });
                // The generator writes the INTEGER as given (02 01 FB): make sure the CRL really holds a negative serial.
                if (!new X509CrlParser().ReadCrl(w.Crls[1]).GetRevokedCertificates().Any(e => e.SerialNumber.SignValue < 0))
                    throw new InvalidOperationException("the CRL of 8a holds no negative serial");
                return w;
            });
        }

        /// <summary>
        /// Where BouncyCastle and openssl disagree, what PkiTools must answer, each with the RFC 5280 sentence that decides.
        /// </summary>
        private static readonly Dictionary<string, Status> Pinned = new Dictionary<string, Status>
        {
            // BouncyCastle uses the CRL although it was issued after the validation time; openssl reports "CRL is not yet
            // valid". RFC 5280 has no sentence made for this case; the nearest is §5.1.2.4, "This field indicates the
            // issue date of this CRL": at the validation time this CRL had not been issued, so it says nothing about that
            // time, and PkiTools already refuses such CRLs ("is not valid before").
            ["1f plain, thisUpdate after the validation time, not listed"] = Status.Unknown,

            // openssl prints "[CRL path] error 26 ... unsuitable certificate purpose" and then uses the CRL anyway (the
            // `openssl verify` callback goes on after that error); BouncyCastle refuses the signer. §6.3.3 (f): "If a key
            // usage extension is present in the CRL issuer's certificate, verify that the cRLSign bit is set."
            ["3c separate signer without cRLSign, listed"] = Status.Unknown,

            // openssl prints "[CRL path] error 10 ... certificate has expired" and then uses the CRL anyway (its verify
            // callback continues after an expired certificate); BouncyCastle refuses the signer. §6.3.3 (f): "Obtain and
            // validate the certification path for the issuer of the complete CRL", and §6.1.3 (a)(2): "The certificate
            // validity period includes the current time."
            ["3d separate signer expired, listed"] = Status.Unknown,

            // openssl does not check revocation on a CRL issuer's path at all (check_revocation returns at once for a CRL
            // path), so it uses a CRL signed by a revoked signer; BouncyCastle refuses it. §6.3.3 (f): "Obtain and validate
            // the certification path for the issuer of the complete CRL", and §6.1.3 (a)(3): "At the current time, the
            // certificate is not revoked."
            ["3f separate signer revoked by the root, listed"] = Status.Unknown,

            // BouncyCastle counts the unused (0) bit among all-reasons, so two CRLs covering every real reason never reach
            // it (5g, with the unused bit asserted too, is Good for both). §6.3.2 (a): "The legal members of the set are
            // the possible substantive revocation reason values minus unspecified: keyCompromise, cACompromise,
            // affiliationChanged, superseded, cessationOfOperation, certificateHold, privilegeWithdrawn, and aACompromise.
            // The special value all-reasons is used to denote the set of all legal members."
            ["5a one DP, both partitions, not listed"] = Status.Good,
            ["5e two DPs with reasons, both partitions, not listed"] = Status.Good,

            // BouncyCastle treats the critical certificateIssuer entry extension as an unsupported critical extension and
            // drops the CRL (6d, the same entry inheriting its issuer, and 6f, with the extension non-critical, are Revoked
            // for both). §5.3.3: "CRL issuers MUST mark this extension as critical since an implementation that ignored
            // this extension could not correctly attribute CRL entries to certificates."
            ["6a indirect, entry certificateIssuer = CA"] = Status.Revoked,
        };

        // ---- the three validators ----

        private static string PkiTools(World w, out string why)
        {
            why = "";
            var crls = new List<CertificateRevocationList>();
            foreach (byte[] der in w.Crls)
            {
                try
                {
                    crls.Add(CertificateRevocationList.Parse(der));
                }
                catch (Exception ex)
                {
                    why = ex.GetType().Name + ": " + ex.Message;
                    return "ParseThrows";
                }
            }
            ChainValidationResult result = ChainValidator.Validate(w.Leaf, new ChainValidationOptions
            {
                TrustedRoots = new[] { w.Root }.Concat(w.OtherRoots).ToList(),
                Intermediates = w.Others,
                Crls = crls,
                At = ValidationPki.At,
                RevocationMode = RevocationMode.Offline,
                RevocationFlag = RevocationFlag.EndCertificateOnly,
            });
            why = string.Join("; ", result.Problems.Select(p => p.Code + "@" + p.Index + ": " + p.Message));
            string status = result.Problems.Any(p => p.Code == ChainProblemCode.Revoked && p.Index == 0) ? nameof(Status.Revoked)
                : result.Problems.Any(p => p.Code == ChainProblemCode.RevocationUnknown && p.Index == 0) ? nameof(Status.Unknown)
                : result.IsValid ? nameof(Status.Good)
                : "Other:" + string.Join(",", result.Problems.Select(p => p.Code + "@" + p.Index));
            // The result names what decided: the leaf's check agrees with its problems, a Revoked one names a CRL given
            // that lists the entry, a Good one the CRLs that cover it (none listing it), an Unknown one none.
            RevocationCheck check = result.Revocation.Single(c => c.Index == 0);
            byte[] serial = global::PkiTools.Core.Tests.Revocation.CrlTestPki.Serial(w.Leaf);
            bool consistent = status switch
            {
                nameof(Status.Revoked) => check.Status == RevocationStatus.Revoked && check.Entry != null && check.Crls.Count > 0
                    && check.Crls.All(c => crls.Contains(c)) && check.Crls.Any(c => c.Entries.Contains(check.Entry) || c.Find(serial) != null),
                nameof(Status.Good) => check.Status == RevocationStatus.Good && check.Entry == null && check.Crls.Count > 0 && check.Crls.All(c => crls.Contains(c)),
                nameof(Status.Unknown) => check.Status == RevocationStatus.Unknown && check.Crls.Count == 0,
                _ => true,
            };
            return consistent ? status : $"Inconsistent:{status}/{check}";
        }

        private sealed class Oracle
        {
            public Oracle(Status status, bool definite, string text)
            {
                Status = status;
                Definite = definite;
                Text = text;
            }

            public Status Status { get; }

            /// <summary>The answer is about revocation (not a path the oracle could not build, a file it could not read...).</summary>
            public bool Definite { get; }

            public string Text { get; }
        }

        private static Oracle BouncyCastle(World w)
        {
            var parser = new X509CertificateParser();
            var crlParser = new X509CrlParser();
            Org.BouncyCastle.X509.X509Certificate Bc(X509Certificate2 x) => parser.ReadCertificate(x.RawData);
            var anchors = new HashSet<TrustAnchor>(new[] { w.Root }.Concat(w.OtherRoots).Select(r => new TrustAnchor(Bc(r), null)));
            var parameters = new PkixParameters(anchors)
            {
                IsRevocationEnabled = true,
                IsUseDeltasEnabled = true,
                Date = ValidationPki.At.UtcDateTime,
            };
            try
            {
                parameters.AddStoreCrl(CollectionUtilities.CreateStore(w.Crls.Select(c => crlParser.ReadCrl(c)).ToList()));
                parameters.AddStoreCert(CollectionUtilities.CreateStore(w.Others.Select(Bc).ToList()));
                new PkixCertPathValidator().Validate(new PkixCertPath(new[] { Bc(w.Leaf), Bc(w.LeafIssuer) }), parameters);
                return new Oracle(Status.Good, true, "valid");
            }
            catch (Exception ex)
            {
                string text = ex.GetType().Name + ": " + ex.Message;
                for (Exception? inner = ex.InnerException; inner != null; inner = inner.InnerException) text += " <- " + inner.Message;
                int index = ex is PkixCertPathValidatorException pe ? pe.Index : -1;
                text += $" (index {index})";
                if (ex.Message.Contains("revocation after", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("revoked", StringComparison.OrdinalIgnoreCase))
                    return new Oracle(Status.Revoked, index <= 0, text);
                return new Oracle(Status.Unknown, text.Contains("crl", StringComparison.OrdinalIgnoreCase) || text.Contains("status could not be determined", StringComparison.Ordinal), text);
            }
        }

        private static Oracle OpenSsl(TempDir dir, World w)
        {
            File.WriteAllText(dir.File("root.pem"), string.Concat(new[] { w.Root }.Concat(w.OtherRoots).Select(c => Pem.Encode("CERTIFICATE", c.RawData))));
            File.WriteAllText(dir.File("others.pem"), string.Concat(w.Others.Select(c => Pem.Encode("CERTIFICATE", c.RawData))));
            File.WriteAllText(dir.File("crls.pem"), string.Concat(w.Crls.Select(c => Pem.Encode("X509 CRL", c))));
            File.WriteAllText(dir.File("leaf.pem"), Pem.Encode("CERTIFICATE", w.Leaf.RawData));
            var r = global::PkiTools.Tests.OpenSsl.RunIn(dir.Path, null, "verify", "-crl_check", "-extended_crl", "-use_deltas",
                "-attime", ValidationPki.At.ToUnixTimeSeconds().ToString(), "-CAfile", dir.File("root.pem"), "-untrusted", dir.File("others.pem"),
                "-CRLfile", dir.File("crls.pem"), dir.File("leaf.pem"));
            string[] lines = r.All.Replace(dir.Path + "/", "").Split('\n');
            string text = string.Join(" ", lines).Trim();
            if (r.ExitCode == 0) return new Oracle(Status.Good, true, text);
            // "[CRL path]" lines are about the CRL issuer's own path (a revoked CRL signer), not the leaf.
            if (lines.Any(l => l.Contains("certificate revoked") && !l.Contains("[CRL path]") && l.Contains("at 0 depth"))) return new Oracle(Status.Revoked, true, text);
            return new Oracle(Status.Unknown, text.Contains("CRL", StringComparison.Ordinal), text);
        }

        private static string Cut(string text) => text.Length <= 220 ? text : text.Substring(0, 220) + "...";

        [Fact]
        public void The_leafs_revocation_status_agrees_with_BouncyCastle_and_openssl_wherever_they_agree_with_each_other()
        {
            using var dir = new TempDir();
            var mismatches = new List<string>();
            var problems = new List<string>();
            List<string> names = Scenarios().Select(s => s.Name).ToList();
            problems.AddRange(names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => "two scenarios named " + g.Key));
            problems.AddRange(Pinned.Keys.Except(names).Select(n => "a pin for no scenario: " + n));
            var table = new List<string>();
            foreach (Scenario s in Scenarios())
            {
                World w = s.Build();
                string ours = PkiTools(w, out string oursWhy);
                Oracle bc = BouncyCastle(w);
                Oracle openssl = OpenSsl(dir, w);
                table.Add($"{s.Name}: BC {bc.Status}, openssl {openssl.Status}, PkiTools {ours} (intended {s.Intended})"
                    + (bc.Status == Status.Good && openssl.Status == Status.Good ? "" : $"\n      BC: {Cut(bc.Text)}\n      openssl: {Cut(openssl.Text)}"));
                string details = $"{s.Name}: intended {s.Intended}; PkiTools {ours} [{Cut(oursWhy)}]; BouncyCastle {bc.Status} [{bc.Text}]; openssl {openssl.Status} [{openssl.Text}]";
                if (!bc.Definite && !openssl.Definite) problems.Add("neither oracle gave an answer about revocation: " + details);
                if (bc.Status == openssl.Status)
                {
                    if (bc.Status != s.Intended) problems.Add("both oracles differ from the scenario's design (is it built wrong?): " + details);
                    if (Pinned.TryGetValue(s.Name, out Status pin) && pin != bc.Status) problems.Add($"pinned {pin} but the oracles now agree on {bc.Status}: " + details);
                    if (ours != bc.Status.ToString()) mismatches.Add(details);
                    continue;
                }
                _output.WriteLine("DISAGREEMENT " + details);
                if (!Pinned.TryGetValue(s.Name, out Status pinned))
                {
                    problems.Add("unpinned disagreement: " + details);
                    continue;
                }
                if (pinned != s.Intended) problems.Add($"pinned {pinned} but designed as {s.Intended}: " + details);
                if (ours != pinned.ToString()) mismatches.Add($"(pinned {pinned}) " + details);
            }
            _output.WriteLine("");
            foreach (string line in table) _output.WriteLine(line);
            _output.WriteLine("");
            foreach (string m in mismatches) _output.WriteLine("MISMATCH " + m);
            Assert.True(problems.Count == 0, $"{problems.Count} harness problems:\n" + string.Join("\n", problems));
            Assert.True(mismatches.Count == 0, $"{mismatches.Count} scenarios where PkiTools differs:\n" + string.Join("\n", mismatches));
        }
    }
}
