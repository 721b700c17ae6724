using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Formats;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Core.Ca
{
    /// <summary>
    /// Opening a CA folder: detects its layout (PkiTools, easy-rsa pki, openssl ca demoCA or config file), reads the
    /// certificate, chain and policy, and refuses a folder whose ledger is lost. Reads only: no folder, ledger or lock
    /// file is created.
    /// </summary>
    internal static class CaOpener
    {
        /// <summary>
        /// Opens a CA directory with its collaborators given: the ledger (null: the folder's index.txt), the clock and
        /// the random source of serial numbers (null: the system's). Opening reads and never writes: no folder, ledger
        /// or lock file is created.
        /// </summary>
        public static CaDirectory Open(string path, CaEnvironment? environment)
        {
            string full = System.IO.Path.GetFullPath(path);
            if (File.Exists(full)) return OpenConfig(full, environment);
            if (!File.Exists(System.IO.Path.Combine(full, "index.txt")) && Directory.Exists(System.IO.Path.Combine(full, "demoCA")))
            {
                full = System.IO.Path.Combine(full, "demoCA");
            }
            string F(params string[] parts) => System.IO.Path.Combine(new[] { full }.Concat(parts).ToArray());
            CaLayout layout;
            string certificatePath, keyPath;
            // A CA whose key is elsewhere (an offline root) still opens: listing and revoking need no key; signing
            // then says IssuerKeyMissing.
            CaLedgerLocation? location = environment?.Ledger == null ? CaLedgerLocation.Read(full) : null;
            bool hasLedger = File.Exists(F("index.txt")) || location != null;
            if (File.Exists(F("ca.crt")) && (File.Exists(F("private", "ca.key")) || hasLedger))
            {
                bool ours = File.Exists(F(CaPolicy.FileName)) || Directory.Exists(F("certs"));
                bool easyRsa = Directory.Exists(F("certs_by_serial")) || Directory.Exists(F("issued")) || File.Exists(F("openssl-easyrsa.cnf"));
                layout = easyRsa && !ours ? CaLayout.EasyRsa : CaLayout.PkiTools;
                certificatePath = F("ca.crt");
                keyPath = F("private", "ca.key");
            }
            else if (File.Exists(F("cacert.pem")) && (File.Exists(F("private", "cakey.pem")) || hasLedger))
            {
                layout = CaLayout.OpenSsl;
                certificatePath = F("cacert.pem");
                keyPath = F("private", "cakey.pem");
            }
            else
            {
                throw new PkiException(PkiErrorCode.CaNotFound,
                    $"'{full}' is not a CA directory: expected ca.crt and private/ca.key (PkiTools or an easy-rsa pki) or cacert.pem and private/cakey.pem (openssl ca).", null, full);
            }
            string certificatesFolder = F(layout switch { CaLayout.EasyRsa => "certs_by_serial", CaLayout.OpenSsl => "newcerts", _ => "certs" });
            string crl = layout == CaLayout.PkiTools ? F("crl", "ca.crl") : F("crl.pem");
            if (!hasLedger && environment?.Ledger == null)
            {
                // A ledger that is gone is not an empty one: a CRL from it would un-revoke, issuance would fork it.
                var evidence = IssuanceEvidence(layout, F("serial"), F("crlnumber"), crl, F("index.txt"),
                    layout == CaLayout.EasyRsa ? new[] { certificatesFolder, F("issued") } : new[] { certificatesFolder });
                if (evidence != null) throw MissingLedger(F("index.txt"), full, evidence);
                if (layout != CaLayout.PkiTools)
                {
                    throw new PkiException(PkiErrorCode.CaNotFound, $"'{full}' has no index.txt: initialise it (easyrsa init-pki / touch index.txt) first.", null, full);
                }
            }
            IReadOnlyList<X509Certificate2> certificates = ReadCertificateFile(certificatePath);
            X509Certificate2 certificate = certificates[0];
            IReadOnlyList<X509Certificate2> chain = ReadChain(F("chain.pem"), certificate);
            CaPolicy policy = CaPolicy.Load(F(CaPolicy.FileName));
            // ledger.json: the ledger lives in a database (the provider's assembly loaded now, on first use).
            ICaLedger ledger = environment?.Ledger ?? location?.Open(environment?.LedgerPassword, create: false) ?? new OpenSslIndexLedger(F("index.txt"));
            return new CaDirectory(full, layout, certificate, chain, keyPath, policy, ledger, certificatesFolder, crl, F("crlnumber"), F("serial"),
                layout == CaLayout.PkiTools ? F("openssl.cnf") : null, F(CaPolicy.FileName), environment);
        }

        /// <summary>The issuers above the CA certificate (issuer first) from chain.pem, as data; empty for a root or without chain.pem.</summary>
        private static IReadOnlyList<X509Certificate2> ReadChain(string chainPath, X509Certificate2 certificate)
        {
            if (!File.Exists(chainPath)) return Array.Empty<X509Certificate2>();
            IReadOnlyList<X509Certificate2> bundle = ReadCertificateFile(chainPath);
            var above = new List<X509Certificate2>();
            X509Certificate2 current = certificate;
            var rest = bundle.Where(c => !c.RawData.SequenceEqual(certificate.RawData)).ToList();
            while (!CertificateFacts.IsSelfIssued(current))
            {
                X509Certificate2? issuer = rest.FirstOrDefault(c => c.SubjectName.RawData.SequenceEqual(current.IssuerName.RawData) && !above.Contains(c));
                if (issuer == null) break;
                above.Add(issuer);
                current = issuer;
            }
            return above;
        }

        /// <summary>
        /// What shows that a CA folder has issued (so a missing index.txt is a lost ledger, not a new one): certificate
        /// files, a CRL, a crlnumber past PkiTools' start (New-Ca signs CRL 1 and leaves 02), or the .old files openssl ca
        /// (and easy-rsa through it) leaves when it advances serial, crlnumber or the database. Null when nothing does.
        /// </summary>
        internal static string? IssuanceEvidence(CaLayout layout, string serialPath, string crlNumberPath, string crlPath, string indexPath, IEnumerable<string> certificateFolders)
        {
            foreach (string folder in certificateFolders)
            {
                if (!Directory.Exists(folder)) continue;
                string? file = Directory.EnumerateFiles(folder).FirstOrDefault(f => !AtomicFileWriter.TemporaryName.IsMatch(System.IO.Path.GetFileName(f)));
                if (file != null) return $"it holds issued certificates ('{file}')";
            }
            if (File.Exists(crlPath)) return $"it has published a CRL ('{crlPath}')";
            foreach (string old in new[] { serialPath + ".old", crlNumberPath + ".old", indexPath + ".old" })
            {
                if (File.Exists(old)) return $"openssl ca has advanced its files ('{old}')";
            }
            if (layout == CaLayout.PkiTools && File.Exists(crlNumberPath))
            {
                try
                {
                    if (CrlPublisher.ReadCrlNumber(crlNumberPath) > 1) return $"its CRL number is past the first ('{crlNumberPath}')";
                }
                catch (PkiException)
                {
                    return $"its crlnumber file is there ('{crlNumberPath}')";
                }
            }
            return null;
        }

        private static PkiException MissingLedger(string indexPath, string folder, string evidence) =>
            new PkiException(PkiErrorCode.LedgerCorrupt,
                $"The ledger '{indexPath}' is missing, but the CA in '{folder}' has issued: {evidence}. An empty ledger would un-revoke every revoked certificate in the next CRL, so the CA is not opened. Restore index.txt from a backup (openssl ca refuses here too).",
                null, indexPath);

        /// <summary>An openssl ca set up by its config file: the paths come from the default_ca section.</summary>
        private static CaDirectory OpenConfig(string configPath, CaEnvironment? environment)
        {
            OpenSslCaConfig config = OpenSslCaConfig.Read(configPath);
            string crl = config.Crl ?? System.IO.Path.Combine(config.Directory, "crl.pem");
            string crlNumber = config.CrlNumber ?? System.IO.Path.Combine(config.Directory, "crlnumber");
            if (!File.Exists(config.Database) && environment?.Ledger == null && File.Exists(config.Certificate))
            {
                string? evidence = IssuanceEvidence(CaLayout.OpenSsl, config.Serial ?? System.IO.Path.Combine(config.Directory, "serial"), crlNumber, crl, config.Database, new[] { config.NewCertsDirectory });
                if (evidence != null) throw MissingLedger(config.Database, config.Directory, evidence);
            }
            foreach (string required in new[] { config.Certificate, config.PrivateKey, config.Database })
            {
                if (!File.Exists(required))
                {
                    throw new PkiException(PkiErrorCode.CaNotFound, $"'{configPath}' names '{required}', which does not exist.", null, required);
                }
            }
            X509Certificate2 certificate = ReadCertificateFile(config.Certificate)[0];
            CaPolicy policy = CaPolicy.Load(System.IO.Path.Combine(config.Directory, CaPolicy.FileName));
            return new CaDirectory(config.Directory, CaLayout.OpenSsl, certificate, Array.Empty<X509Certificate2>(), config.PrivateKey, policy,
                environment?.Ledger ?? new OpenSslIndexLedger(config.Database), config.NewCertsDirectory, crl, crlNumber,
                config.Serial ?? System.IO.Path.Combine(config.Directory, "serial"), configPath, System.IO.Path.Combine(config.Directory, CaPolicy.FileName), environment);
        }


        /// <summary>A certificate file of the CA directory (openssl ca's text dump before the PEM block is skipped by the reader).</summary>
        internal static IReadOnlyList<X509Certificate2> ReadCertificateFile(string path) =>
            CertificateReader.ReadCertificates(CertificateReader.ReadFile(path), path);
    }
}
