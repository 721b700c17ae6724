using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.Revocation;
using PkiTools.Core.Tests.Validation;
using PkiTools.Core.X509;

namespace PkiTools.Core.Tests.Revocation
{
    /// <summary>A root, an intermediate and leaves for CRL tests, generated at test time with the fixed validation clock.</summary>
    public sealed class CrlTestPki
    {
        public CrlTestPki()
        {
            Root = ValidationPki.SelfSignedRoot("CN=CRL Test Root, O=PkiTools Tests").Certificate;
            Intermediate = ValidationPki.Ca(Root, "CN=CRL Test Intermediate, O=PkiTools Tests").Certificate;
            GoodLeaf = ValidationPki.Server(Intermediate, "good.crl.example").Certificate;
            RevokedLeaf = ValidationPki.Server(Intermediate, "revoked.crl.example").Certificate;
        }

        public static DateTimeOffset At => ValidationPki.At;

        public X509Certificate2 Root { get; }
        public X509Certificate2 Intermediate { get; }
        public X509Certificate2 GoodLeaf { get; }
        public X509Certificate2 RevokedLeaf { get; }

        public static byte[] Serial(X509Certificate2 c)
        {
            byte[] s = c.GetSerialNumber();
            Array.Reverse(s);
            return s;
        }

        public static CertificateRevocationList Crl(X509Certificate2 issuer, IEnumerable<X509Certificate2> revoked, RevocationReason? reason = RevocationReason.KeyCompromise,
            double fromDays = -1, double toDays = 7, long number = 1)
        {
            var entries = new List<RevokedEntry>();
            foreach (X509Certificate2 c in revoked) entries.Add(new RevokedEntry(Serial(c), ValidationPki.Days(-2), reason));
            return CrlBuilder.Build(issuer, entries, number, ValidationPki.Days(fromDays), ValidationPki.Days(toDays));
        }

        public static string WritePem(string path, params X509Certificate2[] certificates)
        {
            using var w = new StreamWriter(path);
            foreach (X509Certificate2 c in certificates) w.Write(Pem.Encode("CERTIFICATE", c.RawData));
            return path;
        }

        public static string WriteCrls(string path, params CertificateRevocationList[] crls)
        {
            using var w = new StreamWriter(path);
            foreach (CertificateRevocationList c in crls) w.Write(c.Pem);
            return path;
        }

        /// <summary>openssl -attime takes seconds since the epoch.</summary>
        public static string Epoch(DateTimeOffset t) => t.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
