using System;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Revocation;
using PkiTools.Core.Tests.Validation;
using PkiTools.Core.Validation;
using Xunit;

namespace PkiTools.Core.Tests.Revocation
{
    /// <summary>ChainValidator's offline revocation rules that openssl cannot express the same way.</summary>
    public sealed class RevocationCheckingTests
    {
        private static readonly CrlTestPki Pki = new CrlTestPki();

        private static ChainValidationResult Validate(X509Certificate2 leaf, RevocationMode? mode, params CertificateRevocationList[] crls) =>
            ChainValidator.Validate(leaf, new ChainValidationOptions
            {
                TrustedRoots = new[] { Pki.Root },
                Intermediates = new[] { Pki.Intermediate },
                At = ValidationPki.At,
                Crls = crls,
                RevocationMode = mode,
            });

        private static CertificateRevocationList RootCrl => CrlTestPki.Crl(Pki.Root, Array.Empty<X509Certificate2>());

        [Fact]
        public void Mode_defaults_to_offline_only_when_crls_are_given()
        {
            Assert.Equal(RevocationMode.NoCheck, new ChainValidationOptions().EffectiveRevocationMode);
            Assert.Equal(RevocationMode.Offline, new ChainValidationOptions { Crls = new[] { RootCrl } }.EffectiveRevocationMode);
            Assert.True(Validate(Pki.RevokedLeaf, null).IsValid);
            CertificateRevocationList crl = CrlTestPki.Crl(Pki.Intermediate, new[] { Pki.RevokedLeaf });
            Assert.True(Validate(Pki.RevokedLeaf, RevocationMode.NoCheck, crl, RootCrl).IsValid);
            Assert.Equal(ChainProblemCode.Revoked, Assert.Single(Validate(Pki.RevokedLeaf, null, crl, RootCrl).Problems).Code);
        }

        [Fact]
        public void Offline_without_crls_is_unknown_for_every_certificate_below_the_anchor()
        {
            ChainValidationResult r = Validate(Pki.GoodLeaf, RevocationMode.Offline);
            Assert.Equal(new[] { (ChainProblemCode.RevocationUnknown, 0), (ChainProblemCode.RevocationUnknown, 1) }, r.Problems.Select(p => (p.Code, p.Index)).ToArray());
            Assert.Contains("no CRL issued by", r.Problems[0].Message);
        }

        [Fact]
        public void The_newest_usable_crl_decides_and_a_stale_one_still_proves_revocation()
        {
            CertificateRevocationList old = CrlTestPki.Crl(Pki.Intermediate, Array.Empty<X509Certificate2>(), fromDays: -3, toDays: 7, number: 1);
            CertificateRevocationList current = CrlTestPki.Crl(Pki.Intermediate, new[] { Pki.RevokedLeaf }, fromDays: -1, toDays: 7, number: 2);
            Assert.Equal(ChainProblemCode.Revoked, Assert.Single(Validate(Pki.RevokedLeaf, null, old, current, RootCrl).Problems).Code);
            Assert.Equal(ChainProblemCode.Revoked, Assert.Single(Validate(Pki.RevokedLeaf, null, current, old, RootCrl).Problems).Code);

            CertificateRevocationList expired = CrlTestPki.Crl(Pki.Intermediate, new[] { Pki.RevokedLeaf }, fromDays: -10, toDays: -1);
            ChainProblem p = Assert.Single(Validate(Pki.RevokedLeaf, null, expired, RootCrl).Problems);
            Assert.Equal(ChainProblemCode.Revoked, p.Code);
            p = Assert.Single(Validate(Pki.GoodLeaf, null, expired, RootCrl).Problems);
            Assert.Equal(ChainProblemCode.RevocationUnknown, p.Code);
            Assert.Contains("expired", p.Message);
        }

        [Fact]
        public void Crls_of_another_key_are_skipped_by_their_aki_and_signature_checks_are_bounded()
        {
            X509Certificate2 impostor = ValidationPki.SelfSignedRoot(Pki.Intermediate.Subject).Certificate;
            CertificateRevocationList other = CrlTestPki.Crl(impostor, Array.Empty<X509Certificate2>());
            CertificateRevocationList good = CrlTestPki.Crl(Pki.Intermediate, Array.Empty<X509Certificate2>());
            ChainProblem p = Assert.Single(Validate(Pki.GoodLeaf, null, other, RootCrl).Problems);
            Assert.Contains("authorityKeyIdentifier", p.Message);
            Assert.True(Validate(Pki.GoodLeaf, null, other, good, RootCrl).IsValid);

            // 150 tampered CRLs with the right name and AKI: at most 100 signature checks, then the rest are not checked.
            var crls = new System.Collections.Generic.List<CertificateRevocationList>();
            for (int i = 0; i < 150; i++)
            {
                byte[] der = CrlTestPki.Crl(Pki.Intermediate, Array.Empty<X509Certificate2>(), number: 100 + i).GetEncoded();
                der[der.Length - 5] ^= 0x01;
                crls.Add(CertificateRevocationList.Parse(der));
            }
            crls.Add(good);
            crls.Add(RootCrl);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            ChainValidationResult r = Validate(Pki.GoodLeaf, null, crls.ToArray());
            sw.Stop();
            // The budget is per validation: the leaf's 150 candidates exhaust it, so the root's CRL goes unchecked too.
            Assert.All(r.Problems, q => Assert.Equal(ChainProblemCode.RevocationUnknown, q.Code));
            Assert.Contains("was not checked", r.Problems[0].Message);
            Assert.Equal(0, r.Problems[0].Index);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), sw.Elapsed.ToString());
        }

        [Fact]
        public void Remove_from_crl_entries_do_not_revoke()
        {
            CertificateRevocationList crl = CrlTestPki.Crl(Pki.Intermediate, new[] { Pki.RevokedLeaf }, RevocationReason.RemoveFromCrl);
            Assert.True(Validate(Pki.RevokedLeaf, null, crl, RootCrl).IsValid);
        }

        [Fact]
        public void A_crl_with_an_unknown_critical_extension_is_unusable()
        {
            CertificateRevocationList crl = CrlTestPki.Crl(Pki.Intermediate, Array.Empty<X509Certificate2>());
            byte[] der = CrlWithExtension(crl, new Org.BouncyCastle.Asn1.DerObjectIdentifier("1.3.6.1.4.1.55555.9"), Org.BouncyCastle.Asn1.DerNull.Instance);
            CertificateRevocationList parsed = CertificateRevocationList.Parse(der);
            ChainValidationResult r = Validate(Pki.GoodLeaf, null, parsed, RootCrl);
            ChainProblem p = Assert.Single(r.Problems);
            Assert.Equal(ChainProblemCode.RevocationUnknown, p.Code);
            Assert.Contains("1.3.6.1.4.1.55555.9", p.Message);
            Assert.Equal(RevocationStatus.Unknown, r.Revocation[0].Status);
            Assert.Empty(r.Revocation[0].Crls);
        }

        [Fact]
        public void A_delta_crl_alone_decides_nothing()
        {
            // A correctly signed delta CRL (critical deltaCRLIndicator) without the complete CRL it updates.
            CertificateRevocationList crl = CrlTestPki.Crl(Pki.Intermediate, Array.Empty<X509Certificate2>());
            CertificateRevocationList parsed = CertificateRevocationList.Parse(CrlWithExtension(crl, Org.BouncyCastle.Asn1.X509.X509Extensions.DeltaCrlIndicator, Org.BouncyCastle.Asn1.DerInteger.One));
            Assert.True(parsed.IsDelta);
            ChainProblem p = Assert.Single(Validate(Pki.GoodLeaf, null, parsed, RootCrl).Problems);
            Assert.Equal(ChainProblemCode.RevocationUnknown, p.Code);
            Assert.Contains("delta", p.Message);
        }

        [Fact]
        public void The_result_names_the_crl_that_decided()
        {
            CertificateRevocationList crl = CrlTestPki.Crl(Pki.Intermediate, new[] { Pki.RevokedLeaf });
            CertificateRevocationList rootCrl = RootCrl;
            ChainValidationResult good = Validate(Pki.GoodLeaf, null, crl, rootCrl);
            Assert.True(good.IsValid);
            Assert.Equal(new[] { RevocationStatus.Good, RevocationStatus.Good }, good.Revocation.Select(c => c.Status));
            Assert.Same(crl, Assert.Single(good.Revocation[0].Crls));
            Assert.Same(rootCrl, Assert.Single(good.Revocation[1].Crls));
            ChainValidationResult revoked = Validate(Pki.RevokedLeaf, null, crl, rootCrl);
            Assert.Equal(RevocationStatus.Revoked, revoked.Revocation[0].Status);
            Assert.Same(crl, Assert.Single(revoked.Revocation[0].Crls));
            Assert.Equal(RevocationReason.KeyCompromise, revoked.Revocation[0].Entry!.Reason);
            Assert.Contains("CRL number", revoked.Problems[0].Message);
        }

        [Fact]
        public void A_negative_serial_in_a_crl_is_listed_never_matched_and_not_an_exception()
        {
            // Serial -GoodLeaf: the same magnitude with the sign bit, which a lookup by magnitude alone would match.
            var serial = new Org.BouncyCastle.Math.BigInteger(1, CrlTestPki.Serial(Pki.GoodLeaf)).Negate();
            CertificateRevocationList crl = CrlTestPki.Crl(Pki.Intermediate, Array.Empty<X509Certificate2>());
            CertificateRevocationList parsed = CertificateRevocationList.Parse(CrlWithExtension(crl, null, null,
                g => g.AddCrlEntry(new Org.BouncyCastle.Asn1.DerInteger(serial), new Org.BouncyCastle.Asn1.X509.Time(DateTime.UtcNow), 1)));
            RevokedEntry entry = Assert.Single(parsed.Entries);
            Assert.StartsWith("-", entry.SerialNumberHex);
            Assert.Null(parsed.Find(CrlTestPki.Serial(Pki.GoodLeaf)));
            Assert.True(Validate(Pki.GoodLeaf, null, parsed, RootCrl).IsValid);
        }

        /// <summary>The CRL's TBSCertList plus one more extension (critical) and <paramref name="edit"/>, re-signed with the intermediate's key.</summary>
        private static byte[] CrlWithExtension(CertificateRevocationList crl, Org.BouncyCastle.Asn1.DerObjectIdentifier? added, Org.BouncyCastle.Asn1.Asn1Encodable? value,
            Action<Org.BouncyCastle.Asn1.X509.V2TbsCertListGenerator>? edit = null)
        {
            var list = Org.BouncyCastle.Asn1.X509.CertificateList.GetInstance(Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(crl.GetEncoded()));
            var tbs = list.TbsCertList;
            var gen = new Org.BouncyCastle.Asn1.X509.V2TbsCertListGenerator();
            gen.SetSignature(tbs.Signature);
            gen.SetIssuer(tbs.Issuer);
            gen.SetThisUpdate(tbs.ThisUpdate);
            gen.SetNextUpdate(tbs.NextUpdate);
            var ext = new Org.BouncyCastle.Asn1.X509.X509ExtensionsGenerator();
            foreach (Org.BouncyCastle.Asn1.DerObjectIdentifier oid in tbs.Extensions.ExtensionOids)
            {
                var e = tbs.Extensions.GetExtension(oid);
                ext.AddExtension(oid, e.IsCritical, e.Value.GetOctets());
            }
            if (added != null) ext.AddExtension(added, true, value);
            edit?.Invoke(gen);
            gen.SetExtensions(ext.Generate());
            byte[] tbsDer = gen.GenerateTbsCertList().GetDerEncoded();
            Core.Keys.PrivateKey key = Core.X509.PlatformKeys.Find(Pki.Intermediate)!;
            byte[] signature = key.Sign(tbsDer, key.DefaultSignatureAlgorithm(null));
            return new Org.BouncyCastle.Asn1.DerSequence(Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(tbsDer), list.SignatureAlgorithm,
                new Org.BouncyCastle.Asn1.DerBitString(signature)).GetDerEncoded();
        }
    }
}
