using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;

namespace PkiTools.Benchmarks
{
    /// <summary>
    /// `-- cabulk [--count 1000] [--ledger 100000] [--revoke 10000] [--runs 3] [--skip-issue] [--skip-revoke] [--path-only]`: bulk work
    /// on a CA folder through the real cmdlets, in-process (the module imported into a runspace as in
    /// ModuleImportBenchmarks), each run in a fresh CA folder:
    /// (a) EC P-256 leaves from a CA folder in one pipeline, certificates per second:
    ///     `1..N | % { New-Csr -DnsName hN.example } | Invoke-CaSign -Ca $ca` (the CA copies and the ledger), the same
    ///     with `-Path $folder` (also each certificate and key into a folder), and, for comparison, one Invoke-CaSign per
    ///     request with its own `-Path` stem (what a loop that cannot batch pays);
    /// (b) revocations in a large ledger: index.txt is filled with --ledger synthetic lines of which --revoke are valid
    ///     (the others expired long ago), then `Get-IssuedCert -Ca $ca -Status Valid | Revoke-Cert -Ca $ca -Confirm:$false`,
    ///     timed whole (and the producer alone, for comparison).
    /// Prints each run's wall-clock time and the load average (the machine is shared).
    /// </summary>
    public static class CaBulkMode
    {
        public static int Run(string[] args)
        {
            int count = ModeArguments.Option(args, "--count", 1000);
            int ledger = ModeArguments.Option(args, "--ledger", 100_000);
            int revoke = ModeArguments.Option(args, "--revoke", 10_000);
            int runs = ModeArguments.Option(args, "--runs", 3);
            string root = Path.Combine(Path.GetTempPath(), "pkitools-cabulk-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(root);
            try
            {
                using Runspace runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
                runspace.Open();
                // System.Management.Automation alone has no Set-Location, New-Item or Select-Object: absolute paths and .NET calls.
                Invoke(runspace, $"Import-Module '{Fixtures.ModuleManifest}' -ErrorAction Stop; $root = '{root}'");
                // Warm-up: the first certificates pay the JIT.
                Invoke(runspace, "$w = New-Ca -Path $root/warm -Subject 'CN=Warm CA'; 1..50 | % { New-Csr -DnsName \"w$_.example\" } | Invoke-CaSign -Ca $w | Out-Null");
                for (int run = 1; run <= runs && !args.Contains("--skip-issue"); run++)
                {
                    if (!args.Contains("--path-only")) Issue(runspace, run, count, "pipeline, CA folder only", "1..$n | % { New-Csr -DnsName \"h$_.example\" } | Invoke-CaSign -Ca $ca | Out-Null");
                    Issue(runspace, run, count, "pipeline, -Path <folder>", "1..$n | % { New-Csr -DnsName \"h$_.example\" } | Invoke-CaSign -Ca $ca -Path $out | Out-Null");
                    if (args.Contains("--path-only")) continue;
                    Issue(runspace, run, count, "one Invoke-CaSign per request, -Path stem", "1..$n | % { New-Csr -DnsName \"h$_.example\" | Invoke-CaSign -Ca $ca -Path \"$out/h$_\" } | Out-Null");
                    Breakdown(runspace, run, count);
                }
                for (int run = 1; run <= runs && !args.Contains("--skip-revoke"); run++)
                {
                    RevokeRun(runspace, run, ledger, revoke);
                }
            }
            finally
            {
                Directory.Delete(root, true);
            }
            return 0;
        }

        private static void Issue(Runspace runspace, int run, int count, string what, string pipeline)
        {
            string folder = "ca" + Guid.NewGuid().ToString("N").Substring(0, 6);
            Invoke(runspace, $"$n = {count}; $ca = New-Ca -Path $root/{folder} -Subject 'CN=Bench CA {folder}'; $out = [IO.Directory]::CreateDirectory(\"$root/{folder}-out\").FullName");
            var process = Process.GetCurrentProcess();
            TimeSpan cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            string error = Invoke(runspace, pipeline, allowErrors: true);
            clock.Stop();
            process.Refresh();
            cpu = process.TotalProcessorTime - cpu;
            string root = Invoke(runspace, "$root").Trim();
            int lines = File.ReadAllLines(Path.Combine(root, folder, "index.txt")).Length;
            Console.WriteLine($"issue run {run}: {what}: {count:N0} certificates in {clock.Elapsed.TotalSeconds:F2} s = {count / clock.Elapsed.TotalSeconds:N0}/s, CPU {cpu.TotalSeconds:F2} s " +
                $"(ledger lines {lines:N0}), load {ModeArguments.Load()}{(error.Length > 0 ? "; errors: " + error : "")}");
            Directory.Delete(Path.Combine(root, folder), true);
            Directory.Delete(Path.Combine(root, folder + "-out"), true);
        }

        /// <summary>Where the time of the pipeline goes: the producer alone, and the core batch (sign, CA copies, ledger) without the cmdlets.</summary>
        private static void Breakdown(Runspace runspace, int run, int count)
        {
            var clock = Stopwatch.StartNew();
            Invoke(runspace, $"1..{count} | % {{ New-Csr -DnsName \"h$_.example\" }} | Out-Null");
            double producer = clock.Elapsed.TotalMilliseconds / count;
            string root = Invoke(runspace, "$root").Trim();
            string folder = Path.Combine(root, "core" + Guid.NewGuid().ToString("N").Substring(0, 6));
            var ca = PkiTools.Core.Ca.CaDirectory.Create(folder, "CN=Core Bench CA");
            ca.IssueBatch(new[] { new PkiTools.Core.Ca.IssueRequest(PkiTools.Core.X509.CertificateSigningRequest.Create(
                PkiTools.Core.Keys.PrivateKey.Generate(PkiTools.Core.Keys.KeyAlgorithm.EcdsaP256), null, new[] { "warm.example" }, Array.Empty<string>())) }); // JIT: this copy of the core is not the module's
            var csrs = Enumerable.Range(0, count).Select(i => PkiTools.Core.X509.CertificateSigningRequest.Create(
                PkiTools.Core.Keys.PrivateKey.Generate(PkiTools.Core.Keys.KeyAlgorithm.EcdsaP256), null, new[] { $"c{i}.example" }, Array.Empty<string>())).ToList();
            clock.Restart();
            for (int i = 0; i < count; i += 128)
            {
                var outcomes = ca.IssueBatch(csrs.Skip(i).Take(128).Select(c => new PkiTools.Core.Ca.IssueRequest(c)).ToList());
                if (outcomes.Any(o => o.Error != null)) throw new InvalidOperationException(outcomes.First(o => o.Error != null).Error!.Message);
            }
            double core = clock.Elapsed.TotalMilliseconds / count;
            string outFolder = Directory.CreateDirectory(folder + "-out").FullName;
            var csrs2 = Enumerable.Range(0, count).Select(i => PkiTools.Core.X509.CertificateSigningRequest.Create(
                PkiTools.Core.Keys.PrivateKey.Generate(PkiTools.Core.Keys.KeyAlgorithm.EcdsaP256), null, new[] { $"d{i}.example" }, Array.Empty<string>())).ToList();
            clock.Restart();
            for (int i = 0; i < count; i += 128)
            {
                var outcomes = ca.IssueBatch(csrs2.Skip(i).Take(128).Select((c, j) => new PkiTools.Core.Ca.IssueRequest(c, null, new PkiTools.Core.Ca.IssueOutput(Path.Combine(outFolder, "d" + (i + j))))).ToList());
                if (outcomes.Any(o => o.Error != null)) throw new InvalidOperationException(outcomes.First(o => o.Error != null).Error!.Message);
            }
            double coreFiles = clock.Elapsed.TotalMilliseconds / count;
            Directory.Delete(outFolder, true);
            var issuer = new PkiTools.Core.X509.CertificateIssuer(Fixtures.Root(PkiTools.Core.Keys.KeyAlgorithm.EcdsaP256).Certificate);
            var template = new PkiTools.Core.X509.CertificateTemplate();
            var issued = new List<PkiTools.Core.X509.IssuedCertificate>(count);
            clock.Restart();
            foreach (var csr in csrs) issued.Add(issuer.Sign(csr, template));
            double sign = clock.Elapsed.TotalMilliseconds / count;
            clock.Restart();
            foreach (var one in issued) PkiTools.Core.X509.PlatformKeys.Attach(new System.Security.Cryptography.X509Certificates.X509Certificate2(one.Der), one.Key!);
            double attach = clock.Elapsed.TotalMilliseconds / count;
            Directory.Delete(folder, true);
            Console.WriteLine($"breakdown run {run}: per certificate: `% {{ New-Csr }}` alone {producer:F3} ms; core IssueBatch of 128 (sign, self-check, CA copies, ledger) {core:F3} ms, with each certificate and key written to a folder {coreFiles:F3} ms, " +
                $"of which CertificateIssuer.Sign alone {sign:F3} ms; X509Certificate2 + key attached {attach:F3} ms; load {ModeArguments.Load()}");
        }

        private static void RevokeRun(Runspace runspace, int run, int ledger, int revoke)
        {
            string folder = "rv" + Guid.NewGuid().ToString("N").Substring(0, 6);
            string cwd = Invoke(runspace, "$root").Trim();
            Invoke(runspace, $"$ca = New-Ca -Path $root/{folder} -Subject 'CN=Revoke Bench CA'");
            // The ledger as openssl ca would hold it after `ledger` issuances (no certificate files: Revoke-Cert needs none).
            var text = new StringBuilder();
            var random = new Random(run);
            var serial = new byte[16];
            for (int i = 0; i < ledger; i++)
            {
                random.NextBytes(serial);
                serial[0] = (byte)(serial[0] & 0x7F | 0x01);
                // Every (ledger/revoke)-th line is valid, the others expired long ago: -Status Valid picks the ones to revoke.
                text.Append(i % (ledger / revoke) == 0 ? "V\t351231000000Z\t\t" : "V\t011231000000Z\t\t").Append(Convert.ToHexString(serial)).Append("\tunknown\t/CN=h").Append(i.ToString(CultureInfo.InvariantCulture)).Append(".example\n");
            }
            File.AppendAllText(Path.Combine(cwd, folder, "index.txt"), text.ToString(), Encoding.ASCII);
            var producer = Stopwatch.StartNew();
            Invoke(runspace, $"Get-IssuedCert -Ca $root/{folder} -Status Valid | Out-Null");
            producer.Stop();
            var process = Process.GetCurrentProcess();
            TimeSpan cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            string error = Invoke(runspace, $"Get-IssuedCert -Ca $root/{folder} -Status Valid | Revoke-Cert -Ca $root/{folder} -Confirm:$false", allowErrors: true);
            clock.Stop();
            process.Refresh();
            cpu = process.TotalProcessorTime - cpu;
            int revoked = File.ReadLines(Path.Combine(cwd, folder, "index.txt")).Count(l => l.StartsWith("R\t", StringComparison.Ordinal));
            Console.WriteLine($"revoke run {run}: {revoked:N0} of {revoke:N0} revocations in a {ledger:N0}-line ledger in {clock.Elapsed.TotalSeconds:F2} s " +
                $"({revoke / clock.Elapsed.TotalSeconds:N0}/s, CPU {cpu.TotalSeconds:F2} s; the producer alone, without Revoke-Cert: {producer.Elapsed.TotalSeconds:F2} s), load {ModeArguments.Load()}{(error.Length > 0 ? "; errors: " + error : "")}");
            Directory.Delete(Path.Combine(cwd, folder), true);
        }

        private static string Invoke(Runspace runspace, string script, bool allowErrors = false)
        {
            using PowerShell ps = PowerShell.Create();
            ps.Runspace = runspace;
            ps.AddScript(script);
            var output = ps.Invoke();
            string errors = string.Join("; ", ps.Streams.Error.Take(3).Select(e => e.FullyQualifiedErrorId + ": " + e));
            if (ps.HadErrors && !allowErrors) throw new InvalidOperationException(script + ": " + errors);
            return allowErrors ? errors : string.Join("\n", output.Select(o => o?.ToString()));
        }
    }
}
