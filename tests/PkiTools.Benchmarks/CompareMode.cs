using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using PkiTools.Core.Formats;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

namespace PkiTools.Benchmarks
{
    /// <summary>
    /// `compare --dir D [--ec N] [--rsa N] [--csr N --ca-cert F --ca-key F --csr-file F]`: the PkiTools side of
    /// compare-cli.sh. Does the same work as the openssl loops, in one process, writing the same files through
    /// OutputPlan + AtomicFileWriter (what the cmdlets do with -Path ... -Force), and prints one line per task:
    ///   RESULT task count seconds
    /// Each task runs one untimed operation first (JIT); process start-up is not in these figures.
    /// </summary>
    internal static class CompareMode
    {
        public static int Run(string[] args)
        {
            var options = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i + 1 < args.Length; i += 2) options[args[i]] = args[i + 1];
            string dir = options.TryGetValue("--dir", out string? d) ? d : throw new ArgumentException("--dir is required");
            int Count(string name) => options.TryGetValue(name, out string? v) ? int.Parse(v, CultureInfo.InvariantCulture) : 0;

            var selfSigned = new CertificateTemplate { Subject = "CN=x", ValidDays = 365, Profile = CertificateProfile.RootCa };
            int ec = Count("--ec");
            if (ec > 0)
            {
                string path = Path.Combine(dir, "pkitools-ec");
                Report("ec-selfsign", ec, Timed(ec, () => Write(path, CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), selfSigned), includeKey: true)));
                Report("ec-selfsign-memory", ec, Timed(ec, () => Pem(CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.EcdsaP256), selfSigned), includeKey: true)));
            }
            int rsa = Count("--rsa");
            if (rsa > 0)
            {
                string path = Path.Combine(dir, "pkitools-rsa");
                Report("rsa-selfsign", rsa, Timed(rsa, () => Write(path, CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.Rsa2048), selfSigned), includeKey: true)));
                Report("rsa-selfsign-memory", rsa, Timed(rsa, () => Pem(CertificateIssuer.SelfSign(PrivateKey.Generate(KeyAlgorithm.Rsa2048), selfSigned), includeKey: true)));
            }
            int csrCount = Count("--csr");
            if (csrCount > 0)
            {
                // The CA made by openssl: certificate and PKCS#8 key read the way Invoke-CaSign -CaCertificate/-CaKey would.
                X509Certificate2 caCert = CertificateReader.ReadCertificates(CertificateReader.ReadFile(options["--ca-cert"]), options["--ca-cert"])[0];
                PrivateKey caKey = PrivateKey.Import(File.ReadAllBytes(options["--ca-key"]));
                var issuer = new CertificateIssuer(caCert, caKey);
                string csrFile = options["--csr-file"];
                string path = Path.Combine(dir, "pkitools-leaf.crt");
                var leaf = new CertificateTemplate { ValidDays = 365 };
                Report("csr-sign", csrCount, Timed(csrCount, () =>
                {
                    var csr = CertificateSigningRequest.Parse(File.ReadAllBytes(csrFile));
                    Write(path, issuer.Sign(csr, leaf), includeKey: false);
                }));
            }
            return 0;
        }

        private static void Write(string path, IssuedCertificate issued, bool includeKey) =>
            AtomicFileWriter.WriteAll(OutputPlan.CertificateAndKey(path, issued, includeKey), overwrite: true);

        private static int Pem(IssuedCertificate issued, bool includeKey) =>
            issued.Pem.Length + (includeKey ? issued.Key!.ExportPem().Length : 0);

        private static double Timed(int count, Action action)
        {
            action(); // untimed: JIT and first-use initialisation
            var stopwatch = Stopwatch.StartNew();
            for (int i = 0; i < count; i++) action();
            return stopwatch.Elapsed.TotalSeconds;
        }

        private static void Report(string task, int count, double seconds) =>
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {task} {count} {seconds:0.0000}"));
    }
}
