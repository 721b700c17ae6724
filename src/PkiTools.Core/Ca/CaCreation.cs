using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Formats;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Core.Ca
{
    /// <summary>Making a new CA folder (New-Ca): the key, the certificate (self-signed or from a parent CA), the control files and the first CRL.</summary>
    internal static class CaCreation
    {
        /// <summary>
        /// Makes a new CA directory at <paramref name="path"/> (missing or empty). Without <paramref name="parent"/> a
        /// self-signed root; with one, an intermediate signed by the parent and recorded in the parent's ledger (the
        /// parent's name policy does not apply to its own sub-CAs). The key is created owner-only, encrypted with
        /// <paramref name="password"/> when given.
        /// </summary>
        public static CaDirectory Create(string path, string subject, Keys.KeyAlgorithm keyAlgorithm = Keys.KeyAlgorithm.EcdsaP256, int validYears = 10,
            char[]? password = null, CaPolicy? policy = null, CaDirectory? parent = null, char[]? parentPassword = null, int? pathLength = null,
            DateTimeOffset? now = null, string? ledgerConnection = null, string? ledgerPassword = null)
        {
            if (ledgerConnection != null)
            {
                // Before anything is made: a password in the keywords would be written to ledger.json; an older runtime cannot load the client.
                CaLedgerLocation.CheckConnection(ledgerConnection);
                CaLedgerProviders.PostgreSqlProvider();
            }
            if (validYears < 1 || validYears > 100) throw new PkiException(PkiErrorCode.InvalidArgument, "The CA lifetime in years must be between 1 and 100.", null, validYears, new PkiHint("Give {0} from 1 to 100.", "ValidYears"), "ValidYears");
            policy ??= new CaPolicy();
            policy.Validate();
            string full = System.IO.Path.GetFullPath(path);
            if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            {
                throw new PkiException(PkiErrorCode.FileExists, $"The folder '{full}' is not empty: a new CA needs a new or empty folder.", null, full);
            }
            if (parent != null)
            {
                // The parent's permitted names: its policy.json's, else (an adopted CA) its certificate's name constraints.
                bool policyNames = parent.Policy.PermittedDnsSuffixes.Count + parent.Policy.PermittedIpRanges.Count > 0;
                CaPolicy? parentNames = policyNames ? parent.Policy : CaPolicy.PermittedNamesOf(parent.Certificate);
                if (parentNames != null) policy.NarrowNamesTo(parentNames, parent.Subject);
            }
            DateTimeOffset when = now ?? parent?.Clock() ?? DateTimeOffset.UtcNow;
            PrivateKey key = PrivateKey.Generate(keyAlgorithm);
            if (policy.SignatureAlgorithm != null) key.DefaultSignatureAlgorithm(null, policy.SignatureAlgorithm); // an RSA scheme for an RSA key, before anything is made
            IssuedCertificate caCertificate;
            var chain = new List<X509Certificate2>();
            if (parent == null)
            {
                caCertificate = CertificateIssuer.SelfSign(key, new CertificateTemplate
                {
                    Subject = subject, Profile = CertificateProfile.RootCa, PathLength = pathLength, NotAfter = when.AddYears(validYears),
                    SignatureScheme = policy.SignatureAlgorithm,
                    PermittedDnsDomains = policy.PermittedDnsSuffixes, PermittedIpRanges = policy.PermittedIpRanges,
                }, when);
            }
            else
            {
                var template = new CertificateTemplate
                {
                    Subject = subject, Profile = CertificateProfile.IntermediateCa, PathLength = pathLength, NotAfter = when.AddYears(validYears),
                    PermittedDnsDomains = policy.PermittedDnsSuffixes, PermittedIpRanges = policy.PermittedIpRanges,
                };
                caCertificate = parent.Issuance.IssueChecked(template, parentPassword, checkPolicy: false, sign: t => parent.SigningKey.Issuer(parentPassword).Issue(key, t));
                chain.Add(parent.Certificate);
                chain.AddRange(parent.Chain);
            }

            // A ledger in a database: created (schema migrated) before any file is written, so an unreachable server leaves no half-made CA.
            CaLedgerLocation? location = null;
            if (ledgerConnection != null)
            {
                location = new CaLedgerLocation(CaLedgerLocation.PostgreSql, ledgerConnection, CaLedgerLocation.CaIdOf(caCertificate.Certificate.RawData));
                ICaLedger made = location.Open(ledgerPassword, create: true);
                (made as IDisposable)?.Dispose();
            }

            // Modes set explicitly whatever the umask: folders 0755, private/ 0700, files 0644 (the key 0600).
            bool existed = Directory.Exists(full);
            CaFiles.CreateFolder(full);
            if (!existed) CaFiles.SetMode(full, 0x1ED);
            CaFiles.CreateFolder(System.IO.Path.Combine(full, "private"), ownerOnly: true);
            foreach (string folder in new[] { "certs", "crl" }) CaFiles.CreateFolder(System.IO.Path.Combine(full, folder));
            var serial = new byte[16];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(serial);
            serial[0] &= 0x7F;
            serial[0] |= 0x10;
            var files = new List<OutputFile>
            {
                new OutputFile(System.IO.Path.Combine(full, "private", "ca.key"), CaFiles.Ascii(key.ExportPem(PrivateKeyFormat.Pkcs8, password)), secret: true),
                new OutputFile(System.IO.Path.Combine(full, "ca.crt"), CaFiles.Ascii(caCertificate.Pem), secret: false),
                new OutputFile(System.IO.Path.Combine(full, "index.txt"), Array.Empty<byte>(), secret: false),
                new OutputFile(System.IO.Path.Combine(full, "index.txt.attr"), CaFiles.Ascii("unique_subject = no\n"), secret: false),
                new OutputFile(System.IO.Path.Combine(full, "serial"), CaFiles.Ascii(Hex.Encode(serial) + "\n"), secret: false),
                new OutputFile(System.IO.Path.Combine(full, "crlnumber"), CaFiles.Ascii("01\n"), secret: false),
                new OutputFile(System.IO.Path.Combine(full, "openssl.cnf"), CaFiles.Ascii(OpenSslCaConfig.Write(full, keyAlgorithm, policy)), secret: false),
                new OutputFile(System.IO.Path.Combine(full, CaPolicy.FileName), CaFiles.Ascii(policy.ToJson()), secret: false),
            };
            if (location != null)
            {
                // No index.txt (nor crlnumber: the database numbers the CRLs): ledger.json says where the ledger is.
                files.RemoveAll(f => f.FilePath.EndsWith("index.txt", StringComparison.Ordinal) || f.FilePath.EndsWith("index.txt.attr", StringComparison.Ordinal) || f.FilePath.EndsWith("crlnumber", StringComparison.Ordinal));
                files.Add(new OutputFile(System.IO.Path.Combine(full, CaLedgerLocation.FileName), System.Text.Encoding.UTF8.GetBytes(location.ToJson()), secret: false));
            }
            if (parent != null)
            {
                chain.Insert(0, caCertificate.Certificate);
                files.Add(new OutputFile(System.IO.Path.Combine(full, "chain.pem"), CertificateFiles.WritePem(chain), secret: false));
            }
            AtomicFileWriter.WriteAll(files, overwrite: false, caOwned: true);
            // The first CRL (number 1, empty) from the key still in memory: relying parties that check revocation find a
            // current CRL from the first certificate on, and the key is not decrypted a second time. That instance is
            // dropped: the CA returned is opened afresh, without its key, like any other (-CaPassword still applies).
            var environment = ledgerPassword == null ? null : new CaEnvironment { LedgerPassword = ledgerPassword };
            CaDirectory signer = CaOpener.Open(full, environment);
            signer.SigningKey.UseKey(key);
            signer.Clock = () => when;
            signer.NewCrl();
            CaDirectory created = CaOpener.Open(full, environment);
            created.AddNotes(caCertificate.Warnings); // e.g. the lifetime clipped to the parent's
            return created;
        }
    }
}
