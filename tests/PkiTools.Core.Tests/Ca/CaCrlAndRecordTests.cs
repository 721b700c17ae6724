using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Ca;
using PkiTools.Core.Formats;
using PkiTools.Core.Revocation;
using PkiTools.Core.X509;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Ca
{
    /// <summary>CaDirectory.NewCrl, CrlDueReason and Records, on a pinned clock.</summary>
    public class CaCrlAndRecordTests
    {
        /// <summary>Whole seconds: CRL and ledger times have no fractions.</summary>
        private static readonly DateTimeOffset T = WholeSeconds(DateTimeOffset.UtcNow);

        private static DateTimeOffset WholeSeconds(DateTimeOffset t) => new DateTimeOffset(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

        private static CaDirectory NewCa(TempDir tmp, char[]? password = null, CaPolicy? policy = null)
        {
            CaDirectory ca = CaDirectory.Create(tmp.File("ca"), "CN=Crl Root, O=Corp", password: password, policy: policy);
            ca.Clock = () => T;
            return ca;
        }

        private static string Text(string path) => File.ReadAllText(path).Trim();

        [Fact]
        public void New_crl_lists_every_revocation_with_its_date_and_reason_and_advances_the_number()
        {
            using var tmp = new TempDir();
            CaDirectory ca = NewCa(tmp);
            var a = ca.Issue(CaDirectoryTests.Csr("a.example"));
            var b = ca.Issue(CaDirectoryTests.Csr("b.example"));
            var c = ca.Issue(CaDirectoryTests.Csr("c.example"));
            var d = ca.Issue(CaDirectoryTests.Csr("d.example"));
            var e = ca.Issue(CaDirectoryTests.Csr("e.example"));
            ca.Revoke(a.Certificate.SerialNumber, RevocationReason.KeyCompromise, T.AddDays(-2));
            ca.Revoke(b.Certificate.SerialNumber, RevocationReason.Unspecified, T.AddDays(-1));
            ca.Revoke(c.Certificate.SerialNumber, RevocationReason.PrivilegeWithdrawn, T.AddHours(-5));
            ca.Revoke(d.Certificate.SerialNumber, RevocationReason.AaCompromise, T.AddHours(-1));

            CertificateRevocationList crl = ca.NewCrl(5);
            Assert.Equal("2", crl.CrlNumber); // Create published number 1
            Assert.Equal("03", Text(Path.Combine(ca.Folder, "crlnumber")));
            Assert.Equal(T, crl.ThisUpdate);
            Assert.Equal(T.AddDays(5), crl.NextUpdate);
            Assert.True(crl.IsSignedBy(ca.Certificate));
            Assert.Equal(ca.Certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifier, crl.AuthorityKeyId);
            Assert.Equal(4, crl.RevokedCount);
            void Listed(IssuedCertificate issued, DateTimeOffset when, RevocationReason? reason)
            {
                RevokedEntry entry = crl.Find(issued.Certificate)!;
                Assert.NotNull(entry);
                Assert.Equal(when, entry.RevocationDate);
                Assert.Equal(reason, entry.Reason);
            }
            Listed(a, T.AddDays(-2), RevocationReason.KeyCompromise);
            Listed(b, T.AddDays(-1), null); // unspecified: no reasonCode extension (RFC 5280 5.3.1)
            Listed(c, T.AddHours(-5), RevocationReason.PrivilegeWithdrawn);
            Listed(d, T.AddHours(-1), RevocationReason.AaCompromise);
            Assert.Null(crl.Find(e.Certificate));

            // PEM at CrlPath, DER beside it, both the same CRL.
            Assert.Equal(Path.Combine(ca.Folder, "crl", "ca.crl"), ca.CrlPath);
            Assert.Equal(crl.Pem, File.ReadAllText(ca.CrlPath));
            Assert.Equal(crl.GetEncoded(), File.ReadAllBytes(Path.Combine(ca.Folder, "crl", "ca.der")));
            Assert.Equal(crl.GetEncoded(), ca.CurrentCrl()!.GetEncoded());
            string text = OpenSsl.Ok("crl", "-in", ca.CrlPath, "-noout", "-text");
            Assert.Contains("Privilege Withdrawn", text);
            Assert.Contains("AA Compromise", text);

            // The next one takes the next number; the default lifetime is the policy's.
            CertificateRevocationList second = ca.NewCrl();
            Assert.Equal("3", second.CrlNumber);
            Assert.Equal(T.AddDays(ca.Policy.DefaultCrlDays), second.NextUpdate);
            Assert.Equal("04", Text(Path.Combine(ca.Folder, "crlnumber")));
        }

        [Fact]
        public void New_crl_publishes_a_copy_and_refuses_bad_arguments_without_taking_a_number()
        {
            using var tmp = new TempDir();
            CaDirectory ca = NewCa(tmp, "pw".ToCharArray());
            Directory.CreateDirectory(tmp.File("www"));
            CertificateRevocationList crl = ca.NewCrl(7, "pw".ToCharArray(), tmp.File("www/corp.crl"));
            Assert.Equal(crl.Pem, File.ReadAllText(tmp.File("www/corp.crl")));
            Assert.Equal(crl.GetEncoded(), File.ReadAllBytes(tmp.File("www/corp.der")));

            var again = CaDirectory.Open(ca.Folder); // no key loaded yet
            string number = Text(Path.Combine(ca.Folder, "crlnumber"));
            byte[] current = File.ReadAllBytes(ca.CrlPath);
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => again.NewCrl(0, "pw".ToCharArray())).Code);
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => again.NewCrl(3651, "pw".ToCharArray())).Code);
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => again.NewCrl(7, "pw".ToCharArray(), tmp.File("www/corp.der"))).Code);
            Assert.Equal(PkiErrorCode.PasswordIncorrect, Assert.Throws<PkiException>(() => again.NewCrl(7, "wrong".ToCharArray())).Code);
            Assert.Equal(PkiErrorCode.PasswordRequired, Assert.Throws<PkiException>(() => again.NewCrl(7)).Code);
            Assert.Equal(number, Text(Path.Combine(ca.Folder, "crlnumber")));
            Assert.Equal(current, File.ReadAllBytes(ca.CrlPath));
        }

        [Theory]
        [InlineData("FF", "255", "0100")]
        [InlineData("0a", "10", "0B")]
        [InlineData("1000", "4096", "1001")]
        [InlineData(null, "1", "02")]
        public void The_crlnumber_file_is_read_and_written_as_openssl_does(string? content, string number, string next)
        {
            using var tmp = new TempDir();
            CaDirectory ca = NewCa(tmp);
            string file = Path.Combine(ca.Folder, "crlnumber");
            if (content == null) File.Delete(file);
            else File.WriteAllText(file, content + "\n");
            Assert.Equal(number, ca.NewCrl().CrlNumber);
            Assert.Equal(next, Text(file));
        }

        [Theory]
        [InlineData("xyz")]
        [InlineData("")]
        [InlineData("-1")]
        public void A_crlnumber_that_is_not_hex_is_LedgerCorrupt(string content)
        {
            using var tmp = new TempDir();
            CaDirectory ca = NewCa(tmp);
            File.WriteAllText(Path.Combine(ca.Folder, "crlnumber"), content);
            byte[] first = File.ReadAllBytes(ca.CrlPath); // Create's CRL
            Assert.Equal(PkiErrorCode.LedgerCorrupt, Assert.Throws<PkiException>(() => ca.NewCrl()).Code);
            Assert.Equal(first, File.ReadAllBytes(ca.CrlPath));
        }

        [Fact]
        public void Crl_due_reason_says_why_and_null_when_current()
        {
            using var tmp = new TempDir();
            CaDirectory ca = NewCa(tmp);
            Assert.Null(ca.CrlDueReason(7)); // Create published the first CRL
            File.Delete(ca.CrlPath);
            Assert.Contains("no CRL yet", ca.CrlDueReason(7));
            ca.NewCrl(30);
            Assert.Null(ca.CrlDueReason(7));
            Assert.Null(ca.CrlDueReason(29));
            Assert.Contains("within 30 days", ca.CrlDueReason(30));
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => ca.CrlDueReason(-1)).Code);

            // Time passes.
            ca.Clock = () => T.AddDays(25);
            Assert.Contains("within 7 days", ca.CrlDueReason(7));
            Assert.Null(ca.CrlDueReason(4));
            ca.Clock = () => T.AddDays(31);
            Assert.Contains("expired", ca.CrlDueReason(0));
            ca.Clock = () => T;

            // A revocation the CRL lacks.
            var issued = ca.Issue(CaDirectoryTests.Csr("r.example"));
            Assert.Null(ca.CrlDueReason(7)); // issuing alone changes nothing
            ca.Revoke(issued.Certificate.SerialNumber, RevocationReason.Superseded);
            Assert.Contains("1 revocation(s)", ca.CrlDueReason(7));
            ca.NewCrl(30);
            Assert.Null(ca.CrlDueReason(7));

            // A damaged file, or a CRL of another CA in its place.
            File.WriteAllText(ca.CrlPath, "not a crl");
            Assert.Contains("unreadable", ca.CrlDueReason(7));
            using var other = new TempDir();
            CaDirectory stranger = CaDirectory.Create(other.File("ca"), "CN=Crl Root, O=Corp");
            stranger.NewCrl();
            File.Copy(stranger.CrlPath, ca.CrlPath, overwrite: true);
            Assert.Contains("not signed by this CA", ca.CrlDueReason(7));
        }

        [Fact]
        public void Records_read_the_ledger_and_the_certificate_files_lazily()
        {
            using var tmp = new TempDir();
            CaDirectory ca = NewCa(tmp);
            var issued = ca.Issue(CaDirectoryTests.Csr("web.example", new[] { "web.example", "www.example" }, new[] { "10.0.0.1" }), new CertificateTemplate { ValidDays = 100 });
            var gone = ca.Issue(CaDirectoryTests.Csr("gone.example"), new CertificateTemplate { ValidDays = 200 });
            ca.Revoke(issued.Certificate.SerialNumber, RevocationReason.AaCompromise, T.AddMinutes(-3));

            IssuedCertificateRecord r = ca.Records(new LedgerQuery { SerialNumber = issued.Certificate.SerialNumber.ToLowerInvariant() }).Single();
            Assert.Equal(issued.Certificate.SerialNumber, r.SerialNumber);
            Assert.Equal("CN=web.example", r.Subject);
            Assert.Equal(new[] { "DNS:web.example", "DNS:www.example", "IP:10.0.0.1" }, r.SubjectAltNames.OrderBy(s => s).ToArray());
            Assert.Equal(issued.Certificate.NotBefore, r.NotBefore);
            Assert.Equal(issued.Certificate.NotAfter, r.NotAfter);
            Assert.Equal(LedgerStatus.Revoked, r.Status);
            Assert.Equal(T.AddMinutes(-3).LocalDateTime, r.RevokedAt);
            Assert.Equal(RevocationReason.AaCompromise, r.RevocationReason); // from index.txt.reasons
            Assert.Equal(Path.Combine(ca.Folder, "certs", r.SerialNumber + ".pem"), r.FilePath);
            Assert.Equal(ca.Folder, r.CaPath);
            Assert.Equal(issued.Certificate.RawData, r.Certificate!.RawData);
            Assert.StartsWith(r.SerialNumber + " Revoked ", r.ToString());

            // The certificate file is read on first use: a record listed before the file went still lists the ledger.
            IssuedCertificateRecord lazy = ca.Records(new LedgerQuery { Status = LedgerStatus.Valid }).Single();
            File.Delete(lazy.FilePath);
            Assert.Null(lazy.Certificate);
            Assert.Equal("/CN=gone.example", lazy.Subject);
            Assert.Empty(lazy.SubjectAltNames);
            Assert.Null(lazy.NotBefore);
            Assert.Equal(gone.Certificate.NotAfter, lazy.NotAfter);
            Assert.Null(lazy.RevokedAt);
            Assert.Null(lazy.RevocationReason);
            // An unreadable file is the same as a missing one.
            File.WriteAllText(lazy.FilePath, "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");
            Assert.Null(ca.Records(new LedgerQuery { Status = LedgerStatus.Valid }).Single().Certificate);

            // The status follows the clock: past its notAfter a valid certificate is Expired.
            ca.Clock = () => T.AddDays(201);
            Assert.Equal(LedgerStatus.Expired, ca.Records().Single(x => x.SerialNumber == gone.Certificate.SerialNumber).Status);
            Assert.Equal(LedgerStatus.Revoked, ca.Records().Single(x => x.SerialNumber == issued.Certificate.SerialNumber).Status);
            Assert.Equal(1, ca.ExpiredCount);
            Assert.Equal(0, ca.ValidCount);
            Assert.Equal(1, ca.RevokedCount);
            Assert.Equal(2, ca.IssuedCount);
            Assert.Equal(new[] { gone.Certificate.SerialNumber }, ca.Records(new LedgerQuery { Status = LedgerStatus.Expired }).Select(x => x.SerialNumber));
            // ExpiringWithinDays counts valid ones only.
            ca.Clock = () => T.AddDays(150);
            Assert.Equal(new[] { gone.Certificate.SerialNumber }, ca.Records(new LedgerQuery { ExpiringWithinDays = 60 }).Select(x => x.SerialNumber));
            Assert.Empty(ca.Records(new LedgerQuery { ExpiringWithinDays = 40 }));
        }

        [Fact]
        public void Remove_from_crl_releases_a_hold_and_nothing_else()
        {
            using var tmp = new TempDir();
            CaDirectory ca = NewCa(tmp);
            var issued = ca.Issue(CaDirectoryTests.Csr("hold.example"));
            byte[] before = File.ReadAllBytes(Path.Combine(ca.Folder, "index.txt"));
            var ex = Assert.Throws<PkiException>(() => ca.Revoke(issued.Certificate, RevocationReason.RemoveFromCrl));
            Assert.Equal(PkiErrorCode.InvalidArgument, ex.Code);
            Assert.Equal(before, File.ReadAllBytes(Path.Combine(ca.Folder, "index.txt")));
            // A hold is a revocation (openssl writes certificateHold) and can be listed.
            ca.Revoke(issued.Certificate, RevocationReason.CertificateHold);
            Assert.Equal(RevocationReason.CertificateHold, ca.NewCrl().Find(issued.Certificate)!.Reason);
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => ca.Revoke(issued.Certificate, RevocationReason.CertificateHold)).Code);

            // Released: the line is V again (as openssl writes it) and the next CRL no longer lists it.
            LedgerEntry released = ca.Revoke(issued.Certificate, RevocationReason.RemoveFromCrl);
            Assert.Equal(LedgerStatus.Valid, released.Status);
            Assert.Null(released.RevokedAt);
            Assert.StartsWith("V\t", File.ReadAllLines(Path.Combine(ca.Folder, "index.txt"))[0]);
            Assert.Null(ca.NewCrl().Find(issued.Certificate));

            // Held again, then revoked for good: final, and RemoveFromCrl no longer applies.
            ca.Revoke(issued.Certificate, RevocationReason.CertificateHold);
            Assert.Equal(RevocationReason.KeyCompromise, ca.Revoke(issued.Certificate, RevocationReason.KeyCompromise).Reason);
            Assert.Equal(RevocationReason.KeyCompromise, ca.NewCrl().Find(issued.Certificate)!.Reason);
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => ca.Revoke(issued.Certificate, RevocationReason.RemoveFromCrl)).Code);
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => ca.Revoke(issued.Certificate, RevocationReason.Superseded)).Code);
        }
    }
}
