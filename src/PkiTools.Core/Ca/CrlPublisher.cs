using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PkiTools.Core.Formats;
using PkiTools.Core.IO;
using PkiTools.Core.Revocation;
using PkiTools.Core.X509;

namespace PkiTools.Core.Ca
{
    /// <summary>
    /// The CA's CRL publishing, and nothing else: the current CRL, whether it is due, and a new one signed from every
    /// revocation in the ledger under the CA lock (crlnumber advanced first, as openssl ca -gencrl does), written to
    /// the CA's CRL path and optionally to a publication path. Never from a ledger that does not exist.
    /// </summary>
    internal sealed class CrlPublisher
    {
        private readonly CaDirectory _ca;

        public CrlPublisher(CaDirectory ca) => _ca = ca;

        /// <summary>The DER copy written beside a PEM CRL: the same name with the extension .der.</summary>
        public static string DerPathFor(string pemPath)
        {
            if (string.Equals(System.IO.Path.GetExtension(pemPath), ".der", StringComparison.OrdinalIgnoreCase))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"'{pemPath}' names the PEM file of the CRL; its DER copy gets the extension .der beside it. Give a name such as ca.crl.", null, pemPath);
            }
            return System.IO.Path.ChangeExtension(pemPath, ".der");
        }

        /// <summary>The CRL at <see cref="CaDirectory.CrlPath"/>, or null when none was made yet.</summary>
        public CertificateRevocationList? Current()
        {
            if (!File.Exists(_ca.CrlPath)) return null;
            return CertificateRevocationList.Parse(CertificateReader.ReadFile(_ca.CrlPath));
        }

        /// <summary>
        /// Why the CRL must be re-issued, or null when it is still good: none yet, unreadable, not signed by this CA,
        /// its nextUpdate within <paramref name="renewBeforeDays"/> days, or a revocation in the ledger it lacks.
        /// </summary>
        public string? DueReason(int renewBeforeDays)
        {
            if (renewBeforeDays < 0) throw new PkiException(PkiErrorCode.InvalidArgument, "The renewal margin in days must be 0 or more.", null, renewBeforeDays, new PkiHint("Give {0} of 0 or more.", "RenewBeforeDays"), "RenewBeforeDays");
            CertificateRevocationList? current;
            try
            {
                current = Current();
            }
            catch (PkiException ex)
            {
                return $"the current CRL '{_ca.CrlPath}' is unreadable ({ex.Message})";
            }
            if (current == null) return $"there is no CRL yet at '{_ca.CrlPath}'";
            if (!current.IsSignedBy(_ca.Certificate)) return $"the CRL at '{_ca.CrlPath}' is not signed by this CA's key";
            DateTimeOffset now = _ca.Clock();
            if (current.NextUpdate is not DateTimeOffset next) return "the current CRL has no nextUpdate";
            if (next <= now.AddDays(renewBeforeDays))
            {
                return next <= now ? $"the current CRL expired on {PkiTools.Core.Words.Date(next)}" : $"the current CRL's nextUpdate ({PkiTools.Core.Words.Date(next)}) is within {renewBeforeDays} days";
            }
            int missing = _ca.Ledger.Entries().Count(e => e.Status == LedgerStatus.Revoked && current.Find(Hex.Decode(e.SerialNumber)) == null);
            return missing > 0 ? $"{missing} revocation(s) in the ledger are not in the current CRL" : null;
        }

        /// <summary>
        /// Makes a CRL of every revocation in the ledger, signed with the CA key, numbered from the <c>crlnumber</c>
        /// file (which is advanced first, as <c>openssl ca -gencrl</c> does, so a crash skips a number rather than
        /// reusing one), and writes it as PEM to <see cref="CaDirectory.CrlPath"/> with a DER copy beside it, plus the same pair at
        /// <paramref name="publishPath"/> when given. The ledger is locked throughout: no revocation slips in between.
        /// A file at the publication path (PEM or its .der copy) that is not a CRL signed by this CA is not replaced
        /// without <paramref name="force"/> (<see cref="PkiErrorCode.FileExists"/>, nothing written); this CA's previous
        /// CRL there is replaced, as scheduled publication needs.
        /// </summary>
        public CertificateRevocationList Publish(int? nextUpdateDays, char[]? password, string? publishPath, bool force, Keys.SignatureScheme? scheme = null)
        {
            int days = nextUpdateDays ?? _ca.Policy.DefaultCrlDays;
            if (days < 1 || days > 3650) throw new PkiException(PkiErrorCode.InvalidArgument, "The CRL lifetime in days must be between 1 and 3650.", null, days, new PkiHint("Give {0} from 1 to 3650.", "NextUpdateDays"), "NextUpdateDays");
            string? publishDer = publishPath == null ? null : DerPathFor(System.IO.Path.GetFullPath(publishPath));
            if (publishPath != null)
            {
                _ca.RefuseOwnFile(publishPath);
                _ca.RefuseOwnFile(publishDer!);
            }
            if (!_ca.Ledger.Exists)
            {
                throw new PkiException(PkiErrorCode.LedgerCorrupt,
                    $"The CA in '{_ca.Folder}' has no ledger (index.txt) yet, so no CRL is signed: one made from a ledger created now could leave out revocations. If this CA never issued, create an empty index.txt (as openssl ca needs too).",
                    null, _ca.Folder);
            }
            if (publishPath != null && !force)
            {
                RefuseForeignFile(System.IO.Path.GetFullPath(publishPath));
                RefuseForeignFile(publishDer!);
            }
            ICertificateSigner signer = _ca.Signer(password, scheme); // the key first: a wrong password must not cost a CRL number
            string numberPath = _ca.CrlNumberPath;
            return _ca.Ledger.WithLock(entries =>
            {
                _ca.SweepStaleTemporaryFiles();
                // A ledger shared by several hosts numbers the CRLs itself (committed before the CRL is signed: skipped, never reused).
                var numberSource = _ca.Ledger as ICrlNumberSource;
                System.Numerics.BigInteger number = numberSource != null ? new System.Numerics.BigInteger(numberSource.NextCrlNumber()) : ReadCrlNumber(numberPath);
                // Straight from the ledger into the encoder: no object per revoked entry (100,000 of them are usual).
                int count = 0;
                for (int i = 0; i < entries.Count; i++)
                {
                    if (entries[i].Status == LedgerStatus.Revoked) count++;
                }
                var revoked = new CrlBuilder.RevokedSerial[count];
                DateTimeOffset? now = null;
                count = 0;
                for (int i = 0; i < entries.Count; i++)
                {
                    LedgerEntry e = entries[i];
                    if (e.Status != LedgerStatus.Revoked) continue;
                    RevocationReason? reason = e.Reason == RevocationReason.Unspecified ? null : e.Reason;
                    revoked[count++] = new CrlBuilder.RevokedSerial(OpenSslIndexLedger.NormalizeSerial(e.SerialNumber), e.RevokedAt ?? (now ??= _ca.Clock()), reason);
                }
                DateTimeOffset thisUpdate = _ca.Clock();
                CertificateRevocationList crl = CrlBuilder.Build(_ca.Certificate, signer, revoked, number, thisUpdate, thisUpdate.AddDays(days));
                string next = OpenSslIndexLedger.NormalizeSerial((number + 1).ToString("X", System.Globalization.CultureInfo.InvariantCulture));
                if (numberSource == null) AtomicFileWriter.Write(numberPath, CaFiles.Ascii(next + "\n"), secret: false, overwrite: true, caOwned: true);
                byte[] der = crl.Der, pem = Formats.Pem.EncodeBytes("X509 CRL", der);
                var files = new List<OutputFile>
                {
                    new OutputFile(_ca.CrlPath, pem, secret: false),
                    new OutputFile(DerPathFor(_ca.CrlPath), der, secret: false),
                };
                if (publishPath != null)
                {
                    files.Add(new OutputFile(System.IO.Path.GetFullPath(publishPath), pem, secret: false));
                    files.Add(new OutputFile(publishDer!, der, secret: false));
                }
                CaFiles.CreateFolder(System.IO.Path.GetDirectoryName(_ca.CrlPath)!);
                AtomicFileWriter.WriteAll(files, overwrite: true, caOwned: true);
                return crl;
            });
        }

        /// <summary>FileExists unless <paramref name="path"/> is missing or holds a CRL signed by this CA.</summary>
        private void RefuseForeignFile(string path)
        {
            if (!File.Exists(path) && !Directory.Exists(path)) return;
            string why;
            try
            {
                CertificateRevocationList existing = CertificateRevocationList.Parse(CertificateReader.ReadFile(path));
                if (existing.IsSignedBy(_ca.Certificate)) return;
                why = $"it holds a CRL of '{existing.Issuer}' that this CA did not sign";
            }
            catch (PkiException ex)
            {
                why = ex.Code == PkiErrorCode.FileTooLarge ? "it is too large to be a CRL" : "it is not a CRL";
            }
            throw new PkiException(PkiErrorCode.FileExists,
                $"The file '{path}' already exists and {why}; nothing was written.", null, path, new PkiHint("Use {0} to replace it, or publish to another path.", "Force"));
        }

        internal static System.Numerics.BigInteger ReadCrlNumber(string path)
        {
            if (!File.Exists(path)) return System.Numerics.BigInteger.One;
            string text = System.Text.Encoding.ASCII.GetString(CertificateReader.ReadFile(path)).Trim();
            if (text.Length == 0 || text.Length > 40 || !text.All(Uri.IsHexDigit))
            {
                throw new PkiException(PkiErrorCode.LedgerCorrupt, $"'{path}' must hold the next CRL number in hex (such as 01), as openssl ca writes it; it holds '{(text.Length > 40 ? text.Substring(0, 40) + "..." : text)}'.", null, path);
            }
            return System.Numerics.BigInteger.Parse("0" + text, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        }

    }
}
