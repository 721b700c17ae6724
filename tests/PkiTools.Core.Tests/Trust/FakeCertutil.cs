using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PkiTools.Core.Formats;
using PkiTools.Core.Trust;

namespace PkiTools.Core.Tests.Trust
{
    /// <summary>
    /// An in-memory NSS database answering certutil -L, -L -n -a, -A and -D the way the real one does (checked against
    /// certutil 3.87): a nickname lookup returns every certificate with that nickname's subject, and -A of a certificate
    /// already there changes its trust and keeps its nickname.
    /// </summary>
    internal sealed class FakeCertutil
    {
        public List<(string Nickname, string Trust, byte[] Der)> Entries { get; } = new List<(string, string, byte[])>();

        /// <summary>Whether -A changes anything (false: a certutil that says it worked and did nothing).</summary>
        public bool AddWorks { get; set; } = true;

        public void Attach(RecordingProcessRunner runner) => runner.On(c => c.Program.EndsWith("certutil", StringComparison.Ordinal), Answer);

        public ProcessResult Answer(ProcessCall call)
        {
            IReadOnlyList<string> a = call.Arguments;
            string? After(string flag)
            {
                int i = a.ToList().IndexOf(flag);
                return i >= 0 && i + 1 < a.Count ? a[i + 1] : null;
            }
            string? nickname = After("-n");
            switch (a[0])
            {
                case "-L" when nickname == null:
                    var sb = new StringBuilder("\nCertificate Nickname                                         Trust Attributes\n                                                             SSL,S/MIME,JAR/XPI\n\n");
                    foreach (var e in Entries) sb.Append(e.Nickname.PadRight(60)).Append(' ').Append(e.Trust.PadRight(5)).Append('\n');
                    return new ProcessResult(0, sb.ToString(), "");
                case "-L" when a.Contains("-a"):
                    var named = Entries.Where(e => e.Nickname == nickname).ToList();
                    if (named.Count == 0) return new ProcessResult(255, "", $"certutil: Could not find cert: {nickname}\n: PR_FILE_NOT_FOUND_ERROR: File not found\n");
                    byte[] subject = new X509Certificate2(named[0].Der).SubjectName.RawData;
                    return new ProcessResult(0, string.Concat(Entries.Where(e => new X509Certificate2(e.Der).SubjectName.RawData.SequenceEqual(subject)).Select(e => Pem.Encode("CERTIFICATE", e.Der))), "");
                case "-A":
                    if (!AddWorks) return new ProcessResult(0, "", "");
                    byte[] der = Pem.Decode(File.ReadAllText(After("-i")!))[0].Data;
                    int at = Entries.FindIndex(e => e.Der.SequenceEqual(der));
                    if (at >= 0) Entries[at] = (Entries[at].Nickname, After("-t")!, der);
                    else Entries.Add((nickname!, After("-t")!, der));
                    return new ProcessResult(0, "", "");
                case "-D":
                    int index = Entries.FindIndex(e => e.Nickname == nickname);
                    if (index < 0) return new ProcessResult(255, "", $"certutil: could not find certificate named \"{nickname}\": SEC_ERROR_INVALID_ARGS: security library: invalid arguments.\n");
                    Entries.RemoveAt(index);
                    return new ProcessResult(0, "", "");
                default:
                    throw new InvalidOperationException("FakeCertutil does not know: " + call);
            }
        }
    }
}
