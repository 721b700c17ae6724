using System;
using System.IO;
using PkiTools.Core;
using PkiTools.Core.Ca;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;
using Xunit;
using static PkiTools.PostgreSql.Tests.TestEntries;

namespace PkiTools.PostgreSql.Tests
{
    /// <summary>
    /// TLS to the ledger's server, spelt as libpq spells it (sslmode, sslrootcert): a server whose certificate a PkiTools
    /// CA issued and that accepts TCP logins over TLS only (hostssl). Its own server.
    /// </summary>
    public sealed class PostgreSqlTlsTests : IClassFixture<PostgreSqlTlsTests.TlsServer>
    {
        private readonly TlsServer _tls;

        public PostgreSqlTlsTests(TlsServer tls) => _tls = tls;

        /// <summary>The server with TLS required, its certificate (localhost, 127.0.0.1) from a throw-away PkiTools CA.</summary>
        public sealed class TlsServer : IDisposable
        {
            public TlsServer()
            {
                Folder = Path.Combine(Path.GetTempPath(), "pkitools-pgtls-" + Guid.NewGuid().ToString("N").Substring(0, 8));
                CaDirectory ca = CaDirectory.Create(Path.Combine(Folder, "ca"), "CN=Database TLS Root");
                var key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
                IssuedCertificate server = ca.Issue(CertificateSigningRequest.Create(key, "CN=localhost", new[] { "localhost" }, new[] { "127.0.0.1" }));
                RootFile = Path.Combine(Folder, "root.crt");
                File.WriteAllText(RootFile, PkiTools.Core.Formats.Pem.Encode("CERTIFICATE", ca.Certificate.RawData));
                OtherRootFile = Path.Combine(Folder, "other-root.crt");
                File.WriteAllText(OtherRootFile, PkiTools.Core.Formats.Pem.Encode("CERTIFICATE", CaDirectory.Create(Path.Combine(Folder, "other"), "CN=Some Other Root").Certificate.RawData));
                Server = new PostgresServer();
                Server.EnableTls(server.Pem, key.ExportPem(), requireTls: true);
            }

            public PostgresServer Server { get; }

            public string Folder { get; }

            public string RootFile { get; }

            public string OtherRootFile { get; }

            public void Dispose()
            {
                Server.Dispose();
                Directory.Delete(Folder, recursive: true);
            }
        }

        private string Connection(string database, string tls) =>
            $"host=localhost;port={_tls.Server.Port};dbname={database};user=postgres;Password={_tls.Server.Password};connect_timeout=5;{tls}";

        [Fact]
        public void Verify_full_with_the_CA_as_sslrootcert_connects_over_TLS()
        {
            string db = NewDatabase();
            var ledger = new PostgreSqlLedger(Connection(db, $"sslmode=verify-full;sslrootcert={_tls.RootFile}"), "ca");
            ledger.Append(Entry("01"));
            Assert.Equal(new[] { "01" }, System.Linq.Enumerable.Select(ledger.Entries(), e => e.SerialNumber));
        }

        [Fact]
        public void A_server_certificate_from_another_CA_is_LedgerUnavailable_naming_sslrootcert()
        {
            string db = NewDatabase();
            var ledger = new PostgreSqlLedger(Connection(db, $"sslmode=verify-full;sslrootcert={_tls.OtherRootFile}"), "ca");
            var ex = Assert.Throws<PkiException>(() => ledger.Append(Entry("01")));
            Assert.Equal(PkiErrorCode.LedgerUnavailable, ex.Code);
            Assert.Contains("TLS certificate of the PostgreSQL server", ex.Message);
            Assert.Contains("sslrootcert", ex.Message);
            Assert.DoesNotContain(_tls.Server.Password, ex.Message);
        }

        [Fact]
        public void Without_TLS_a_hostssl_only_server_is_LedgerUnavailable_asking_for_sslmode()
        {
            string db = NewDatabase();
            var ledger = new PostgreSqlLedger(Connection(db, "sslmode=disable"), "ca");
            var ex = Assert.Throws<PkiException>(() => ledger.Append(Entry("01")));
            Assert.Equal(PkiErrorCode.LedgerUnavailable, ex.Code);
            Assert.Contains("accepts only TLS connections", ex.Message);
        }

        [Fact]
        public void An_sslmode_libpq_does_not_know_is_InvalidArgument_listing_the_modes()
        {
            var ex = Assert.Throws<PkiException>(() => new PostgreSqlLedger("host=localhost;sslmode=verify-everything", "ca"));
            Assert.Equal(PkiErrorCode.InvalidArgument, ex.Code);
            Assert.Contains("disable, allow, prefer, require, verify-ca, verify-full", ex.Message);
        }

        private string NewDatabase()
        {
            string name = "tls_" + Guid.NewGuid().ToString("N").Substring(0, 8);
            _tls.Server.Scalar(_tls.Server.ConnectionString(), $"CREATE DATABASE {name}"); // sslmode prefer: TLS, unverified
            return name;
        }
    }
}
