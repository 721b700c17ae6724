using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PkiTools.Core.IO;
using PkiTools.Core.X509;

namespace PkiTools.Core.Ca
{
    /// <summary>
    /// The caller's side of an issuance transaction: where the certificate (and the request's key, and the full chain)
    /// go. <see cref="CaDirectory.Issue(CertificateSigningRequest, CertificateTemplate, char[], IssueOutput)"/> checks
    /// these files before anything is issued and writes them after the ledger line.
    /// </summary>
    public sealed class IssueOutput
    {
        /// <param name="stem">"x" or "x.crt": writes x.crt, x.key (when the request carried its key), x.fullchain.crt.</param>
        /// <param name="force">Replace existing files (never one of a CA's own files).</param>
        /// <param name="keyPassword">Encrypts the key file.</param>
        /// <param name="writeFullChain">Also write x.fullchain.crt (the certificate and the CAs above it, without the root).</param>
        public IssueOutput(string stem, bool force = false, char[]? keyPassword = null, bool writeFullChain = false)
        {
            Stem = Path.GetFullPath(stem);
            Force = force;
            KeyPassword = keyPassword;
            WriteFullChain = writeFullChain;
        }

        public string Stem { get; }

        public bool Force { get; }

        public char[]? KeyPassword { get; }

        public bool WriteFullChain { get; }

        /// <summary>The files written, once written (for the caller's report).</summary>
        public IReadOnlyList<OutputFile> Written { get; internal set; } = Array.Empty<OutputFile>();

        /// <summary>The certificate file and, when wanted, the full-chain file: the names known before signing.</summary>
        public IReadOnlyList<string> KnownTargets
        {
            get
            {
                var targets = new List<string> { OutputPaths.CertificateAndKey(Stem).Certificate };
                if (WriteFullChain) targets.Add(OutputPaths.FullChain(Stem));
                return targets;
            }
        }

        /// <summary>Before issuing: FileExists for an existing file unless forced, and for any of the CA's own files always.</summary>
        /// <param name="ca">The issuing CA, whose own files are never a target.</param>
        /// <param name="claimed">Files earlier requests of the same batch will write: taken, like existing files.</param>
        internal void Check(CaDirectory ca, ISet<string> claimed)
        {
            ca.RefuseOwnFile(OutputPaths.CertificateAndKey(Stem).Key);
            foreach (string file in KnownTargets)
            {
                ca.RefuseOwnFile(file);
                if (!Force && (File.Exists(file) || Directory.Exists(file) || claimed.Contains(file)))
                {
                    throw new PkiException(PkiErrorCode.FileExists, $"The file '{file}' already exists; nothing was issued.", null, file,
                        new PkiHint("Use {0} to replace it.", "Force"));
                }
            }
        }

        /// <summary>The files for <paramref name="issued"/>: certificate, key when known, full chain when wanted and there is one.</summary>
        internal IReadOnlyList<OutputFile> Plan(IssuedCertificate issued)
        {
            var files = new List<OutputFile>(OutputPlan.CertificateAndKey(Stem, issued, includeKey: true, KeyPassword));
            if (WriteFullChain)
            {
                var chain = issued.Chain.Where(c => !CertificateFacts.IsSelfIssued(c)).ToList();
                if (chain.Count > 0)
                {
                    chain.Insert(0, issued.Certificate);
                    files.AddRange(OutputPlan.Single(OutputPaths.FullChain(Stem), Formats.CertificateFiles.WritePem(chain), secret: false));
                }
            }
            return files;
        }

        /// <summary>A failure writing the files after the ledger line: says the certificate was issued and recorded.</summary>
        internal PkiException AfterRecording(CaDirectory ca, PkiException ex, string serial) =>
            new PkiException(ex.Code,
                $"{ex.Reason} The certificate was issued and recorded (serial {serial}): the ledger of '{ca.Folder}' lists it, and its copy is '{ca.CertificatePath(serial)}'.",
                ex, ex.Target, ex.Hint, ex.Input);
    }
}
