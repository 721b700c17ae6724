using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using PkiTools.Core.Formats;
using PkiTools.Core.Validation;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Validation
{
    /// <summary>RFC 5280 §7.1: names that differ only in letter case, white space or string type match, as openssl agrees.</summary>
    public class NameComparisonTests
    {
        private static readonly DerObjectIdentifier Cn = X509Name.CN, O = X509Name.O;

        private static X509Name Name(params (DerObjectIdentifier Type, Asn1Encodable Value)[][] rdns) =>
            X509Name.GetInstance(new DerSequence(rdns.Select(rdn => (Asn1Encodable)new DerSet(rdn.Select(a => (Asn1Encodable)new DerSequence(a.Type, a.Value)).ToArray())).ToArray()));

        [Theory]
        [InlineData("Name Variant CA", "name variant ca", false)]
        [InlineData("Name Variant CA", "  NAME   Variant\tCA ", false)]
        [InlineData("Name Variant CA", "Name Variant CA", true)]
        [InlineData("Straße CA", "STRASSE CA", true)]
        public void An_issuer_written_differently_still_names_its_CA(string caName, string issuerName, bool utf8Issuer)
        {
            AsymmetricCipherKeyPair rootKey = RawCertificates.NewKey(), caKey = RawCertificates.NewKey();
            X509Name rootName = RawCertificates.Name("CN=Variant Root");
            X509Certificate2 root = RawCertificates.Build(rootName, rootKey.Public, rootName, rootKey.Private, RawCertificates.CaWithKeyCertSign);
            // The CA's subject as a PrintableString where it can be, the leaf's issuer field as written (UTF8String when asked).
            Asn1Encodable subjectValue = caName.All(c => c < 128) ? new DerPrintableString(caName) : new DerUtf8String(caName);
            Asn1Encodable issuerValue = utf8Issuer ? new DerUtf8String(issuerName) : (Asn1Encodable)new DerPrintableString(issuerName.Replace("\t", " "));
            X509Certificate2 ca = RawCertificates.Build(Name(new[] { (O, (Asn1Encodable)new DerPrintableString("Corp")) }, new[] { (Cn, subjectValue) }), caKey.Public, rootName, rootKey.Private, RawCertificates.CaWithKeyCertSign);
            X509Certificate2 leaf = RawCertificates.Build(RawCertificates.Name("CN=variant.corp.example"), RawCertificates.NewKey().Public,
                Name(new[] { (O, (Asn1Encodable)new DerUtf8String("CORP")) }, new[] { (Cn, issuerValue) }), caKey.Private, RawCertificates.ServerLeaf);

            ChainValidationResult result = ChainValidator.Validate(leaf, new ChainValidationOptions { TrustedRoots = new[] { root }, Intermediates = new[] { ca }, At = ValidationPki.At });

            Assert.True(result.IsValid, string.Join("; ", result.Problems.Select(p => p.Code + ": " + p.Message)));
            Assert.Equal(ca.Thumbprint, result.Chain[1].Thumbprint);
            // openssl folds the case of ASCII letters only, so it does not match "Straße" with "STRASSE"; RFC 4518 §2.3
            // case-folds with RFC 3454 table B.2, which maps U+00DF to "ss": PkiTools follows the RFC there.
            if (!caName.All(c => c < 128)) return;
            using var dir = new TempDir();
            File.WriteAllText(dir.File("root.pem"), Pem.Encode("CERTIFICATE", root.RawData));
            File.WriteAllText(dir.File("ca.pem"), Pem.Encode("CERTIFICATE", ca.RawData));
            File.WriteAllText(dir.File("leaf.pem"), Pem.Encode("CERTIFICATE", leaf.RawData));
            Assert.Contains("OK", OpenSsl.Ok("verify", "-attime", ValidationPki.At.ToUnixTimeSeconds().ToString(), "-CAfile", dir.File("root.pem"), "-untrusted", dir.File("ca.pem"), dir.File("leaf.pem")));
        }

        [Fact]
        public void Different_names_stay_different_and_unparsable_names_match_only_themselves()
        {
            byte[] a = Name(new[] { (Cn, (Asn1Encodable)new DerPrintableString("Alpha CA")) }).GetEncoded();
            byte[] b = Name(new[] { (Cn, (Asn1Encodable)new DerPrintableString("Alpha  CA2")) }).GetEncoded();
            byte[] twoAvas = Name(new[] { (Cn, (Asn1Encodable)new DerPrintableString("X")), (O, new DerPrintableString("Y")) }).GetEncoded();
            byte[] swapped = Name(new[] { (O, (Asn1Encodable)new DerUtf8String("y")), (Cn, new DerUtf8String("x")) }).GetEncoded();
            byte[] twoRdns = Name(new[] { (Cn, (Asn1Encodable)new DerPrintableString("X")) }, new[] { (O, (Asn1Encodable)new DerPrintableString("Y")) }).GetEncoded();
            Assert.False(NameComparison.Equal(a, b));
            Assert.True(NameComparison.Equal(twoAvas, swapped)); // a multi-valued RDN is a set
            Assert.False(NameComparison.Equal(twoAvas, twoRdns));
            byte[] junk = { 0x30, 0x03, 0x01, 0x02, 0x03 };
            Assert.True(NameComparison.Equal(junk, (byte[])junk.Clone()));
            Assert.False(NameComparison.Equal(junk, a));
        }

        [Fact]
        public void The_fast_ASCII_reading_gives_the_same_key_as_the_full_preparation()
        {
            var random = new System.Random(4518);
            var types = new[] { Cn, O, X509Name.OU, X509Name.C, X509Name.DC, X509Name.EmailAddress, new DerObjectIdentifier("1.3.6.1.4.1.311.60.2.1.3"), new DerObjectIdentifier("2.999.1234567890123") };
            const string alphabet = "aZ 0.-'()+,/:=?xY  Q";
            int fast = 0;
            for (int k = 0; k < 500; k++)
            {
                var rdns = Enumerable.Range(0, random.Next(0, 5)).Select(_ =>
                {
                    DerObjectIdentifier type = types[random.Next(types.Length)];
                    string text = new string(Enumerable.Range(0, random.Next(0, 12)).Select(__ => alphabet[random.Next(alphabet.Length)]).ToArray());
                    Asn1Encodable value = random.Next(3) switch { 0 => new DerPrintableString(text), 1 => new DerUtf8String(text), _ => new DerIA5String(text) };
                    return new[] { (type, value) };
                }).ToArray();
                byte[] der = Name(rdns).GetEncoded();
                string? ascii = NameComparison.ComputeAscii(der);
                if (ascii == null) continue;
                fast++;
                Assert.Equal(NameComparison.ComputeParsed(der), ascii);
            }
            Assert.True(fast > 400, $"only {fast} names took the fast reading");
            // Outside it (non-ASCII, a multi-valued RDN, a BMPString): no fast key.
            Assert.Null(NameComparison.ComputeAscii(Name(new[] { (Cn, (Asn1Encodable)new DerUtf8String("Straße")) }).GetEncoded()));
            Assert.Null(NameComparison.ComputeAscii(Name(new[] { (Cn, (Asn1Encodable)new DerPrintableString("X")), (O, new DerPrintableString("Y")) }).GetEncoded()));
            Assert.Null(NameComparison.ComputeAscii(Name(new[] { (Cn, (Asn1Encodable)new DerBmpString("X")) }).GetEncoded()));
        }
    }
}
