using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>What the CA cmdlet tests share: directory snapshots, openssl CRL text, easy-rsa, secure strings in scripts.</summary>
    public abstract class CaTestBase : ModuleTestBase
    {
        /// <summary>Where Debian's easy-rsa package puts the script (.ci/run installs it).</summary>
        protected const string EasyRsa = "/usr/share/easy-rsa/easyrsa";

        /// <summary>The password the password-file tests write.</summary>
        protected const string Secret = "Corp-Root-Pa55";

        /// <summary>Writes a password file in the session folder with the given Unix mode (default 0600).</summary>
        protected string PasswordFile(string name, string content = Secret + "\n", UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
        {
            string path = S.File(name);
            File.WriteAllText(path, content);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
            return path;
        }

        /// <summary>A SecureString in a script without ConvertTo-SecureString (not in the bare engine): <c>$(Pw 'secret')</c>.</summary>
        protected static string Pw(string text) => $"([System.Net.NetworkCredential]::new('', '{text}').SecurePassword)";

        /// <summary>Every file under <paramref name="dir"/> (relative path → SHA-256) and every folder, to prove a failed command changed nothing.</summary>
        protected static SortedDictionary<string, string> Snapshot(string dir)
        {
            var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (string d in Directory.GetDirectories(dir, "*", SearchOption.AllDirectories))
            {
                map[Path.GetRelativePath(dir, d) + "/"] = "dir";
            }
            foreach (string f in Directory.GetFiles(dir, "*", SearchOption.AllDirectories))
            {
                map[Path.GetRelativePath(dir, f)] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)));
            }
            return map;
        }

        protected static void AssertUnchanged(SortedDictionary<string, string> before, string dir)
        {
            SortedDictionary<string, string> after = Snapshot(dir);
            Assert.Equal(before.Keys.ToArray(), after.Keys.ToArray());
            foreach (string key in before.Keys) Assert.True(before[key] == after[key], $"{key} changed");
        }

        /// <summary>The serial numbers of a CRL as <c>openssl crl -text</c> prints them, each with its reason ("" when the entry has none).</summary>
        protected static Dictionary<string, string> OpenSslCrlReasons(string crlFile, string inform = "PEM")
        {
            string text = OpenSsl.Ok("crl", "-inform", inform, "-in", crlFile, "-noout", "-text");
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            string[] parts = text.Split("Serial Number: ");
            foreach (string part in parts.Skip(1))
            {
                string serial = part.Split('\n')[0].Trim();
                Match reason = Regex.Match(part, @"CRL Reason Code:\s*\n\s*([^\n]+)");
                result[serial] = reason.Success ? reason.Groups[1].Value.Trim() : "";
            }
            return result;
        }

        /// <summary>The problem codes of the Test-CertChain result a script returns (empty when the chain is valid).</summary>
        protected string[] ProblemCodes(string script) =>
            S.Run($"({script}).Problems | ForEach-Object {{ [string]$_.Code }}").ThrowOnError().Output.Select(o => o.ToString()).ToArray();

        /// <summary>Host output without the ANSI colours the formatter adds.</summary>
        protected static string Plain(string rendered) => Regex.Replace(rendered, "\x1b\\[[0-9;]*m", "");

        /// <summary>Writes the PEM of a certificate held in a script variable.</summary>
        protected void SavePem(string variable, string file) =>
            File.WriteAllText(S.File(file), S.Run($"[PkiTools.Core.Formats.Pem]::Encode('CERTIFICATE', ${variable}.RawData)").ThrowOnError().Single<string>());

        protected static bool HasEasyRsa => File.Exists(EasyRsa);

        /// <summary>Runs easy-rsa on the pki at <paramref name="pki"/> in batch mode (the CA named 'Easy CA').</summary>
        protected static string RunEasyRsa(string pki, params string[] args)
        {
            var psi = new ProcessStartInfo(EasyRsa)
            {
                WorkingDirectory = Path.GetDirectoryName(pki)!,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string a in args) psi.ArgumentList.Add(a);
            psi.Environment["EASYRSA_BATCH"] = "1";
            if (args[0] == "build-ca") psi.Environment["EASYRSA_REQ_CN"] = "Easy CA"; // build-*-full refuse an external CN
            psi.Environment["EASYRSA_PKI"] = pki;
            using var p = Process.Start(psi)!;
            Task<string> so = p.StandardOutput.ReadToEndAsync();
            Task<string> se = p.StandardError.ReadToEndAsync();
            Assert.True(p.WaitForExit(120_000), "easyrsa timed out");
            Assert.True(p.ExitCode == 0, $"easyrsa {string.Join(" ", args)} failed: {so.Result}\n{se.Result}");
            return so.Result + se.Result;
        }
    }
}
