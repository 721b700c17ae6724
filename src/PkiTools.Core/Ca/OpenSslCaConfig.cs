using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace PkiTools.Core.Ca
{
    /// <summary>
    /// The part of an <c>openssl ca</c> config file that locates a CA: the [ca] section's default_ca, and in that
    /// section dir, database, certificate, private_key, new_certs_dir, crl and crlnumber, with $var / ${var} /
    /// ${section::var} / $ENV::NAME expansion as openssl's NCONF does. Relative paths are relative to the working
    /// directory (as for openssl); <c>Get-Ca</c> resolves them against the config file's folder when that is where
    /// they exist.
    /// <para>The writer (<see cref="Write"/>) makes the config New-Ca leaves in a PkiTools CA folder.</para>
    /// </summary>
    public sealed class OpenSslCaConfig
    {
        private readonly Dictionary<string, Dictionary<string, string>> _sections;

        private OpenSslCaConfig(Dictionary<string, Dictionary<string, string>> sections) => _sections = sections;

        public string Directory { get; private set; } = "";

        public string Database { get; private set; } = "";

        public string Certificate { get; private set; } = "";

        public string PrivateKey { get; private set; } = "";

        public string NewCertsDirectory { get; private set; } = "";

        public string? Crl { get; private set; }

        public string? CrlNumber { get; private set; }

        public string? Serial { get; private set; }

        /// <summary>The [ca] section <c>openssl ca -gencrl</c> and <c>openssl ca -revoke</c> need on this directory.</summary>
        internal static string Write(string directory, Keys.KeyAlgorithm algorithm, CaPolicy policy)
        {
            string dir = directory.Replace('\\', '/');
            var escaped = new StringBuilder();
            foreach (char c in dir)
            {
                if (c == '$' || c == '#' || c == '"' || c == '\'' || c == ';') escaped.Append('\\');
                escaped.Append(c);
            }
            string md = algorithm switch
            {
                Keys.KeyAlgorithm.EcdsaP384 => "sha384",
                Keys.KeyAlgorithm.EcdsaP521 => "sha512",
                Keys.KeyAlgorithm.Ed25519 => "default",
                _ => "sha256",
            };
            return "# Written by PkiTools so that `openssl ca -config openssl.cnf -gencrl` and `-revoke` work on this CA directory.\n" +
                   "# Certificates are issued by PkiTools (random serials, policy.json); the serial file is only for openssl.\n" +
                   "[ ca ]\n" +
                   "default_ca = CA_default\n\n" +
                   "[ CA_default ]\n" +
                   "dir              = " + escaped + "\n" +
                   "database         = $dir/index.txt\n" +
                   "new_certs_dir    = $dir/certs\n" +
                   "certificate      = $dir/ca.crt\n" +
                   "private_key      = $dir/private/ca.key\n" +
                   "serial           = $dir/serial\n" +
                   "crlnumber        = $dir/crlnumber\n" +
                   "crl              = $dir/crl/ca.crl\n" +
                   "default_md       = " + md + "\n" +
                   "default_days     = " + Math.Min(365, policy.MaxValidityDays) + "\n" +
                   "default_crl_days = " + policy.DefaultCrlDays + "\n" +
                   "unique_subject   = no\n" +
                   "copy_extensions  = none\n" +
                   "preserve         = no\n" +
                   "policy           = policy_any\n\n" +
                   "[ policy_any ]\n" +
                   "countryName            = optional\n" +
                   "stateOrProvinceName    = optional\n" +
                   "localityName           = optional\n" +
                   "organizationName       = optional\n" +
                   "organizationalUnitName = optional\n" +
                   "commonName             = optional\n" +
                   "emailAddress           = optional\n";
        }

        /// <summary>Reads <paramref name="path"/>; <see cref="PkiErrorCode.CaNotFound"/> when it names no CA.</summary>
        public static OpenSslCaConfig Read(string path)
        {
            string text = System.Text.Encoding.UTF8.GetString(Formats.CertificateReader.ReadFile(path));
            var sections = Parse(text);
            string Need(Dictionary<string, string> section, string name, string sectionName) =>
                section.TryGetValue(name, out string? v) && v.Trim().Length > 0 ? v.Trim()
                    : throw new PkiException(PkiErrorCode.CaNotFound, $"'{path}': the section [{sectionName}] has no '{name}' setting, so it does not describe an openssl ca.", null, path);
            if (!sections.TryGetValue("ca", out var ca))
            {
                throw new PkiException(PkiErrorCode.CaNotFound, $"'{path}' has no [ca] section: it is not an openssl ca config.", null, path);
            }
            string name = Need(ca, "default_ca", "ca");
            if (!sections.TryGetValue(name, out var section))
            {
                throw new PkiException(PkiErrorCode.CaNotFound, $"'{path}': default_ca names the section [{name}], which is missing.", null, path);
            }
            string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
            string Resolve(string p) => System.IO.Path.IsPathRooted(p) ? p
                : File.Exists(System.IO.Path.GetFullPath(p)) || System.IO.Directory.Exists(System.IO.Path.GetFullPath(p)) ? System.IO.Path.GetFullPath(p)
                : System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, p));
            var config = new OpenSslCaConfig(sections)
            {
                Database = Resolve(Need(section, "database", name)),
                Certificate = Resolve(Need(section, "certificate", name)),
                PrivateKey = Resolve(Need(section, "private_key", name)),
                NewCertsDirectory = Resolve(Need(section, "new_certs_dir", name)),
            };
            config.Directory = section.TryGetValue("dir", out string? dir) ? Resolve(dir.Trim()) : System.IO.Path.GetDirectoryName(config.Database)!;
            if (section.TryGetValue("crl", out string? crl) && crl.Trim().Length > 0) config.Crl = Resolve(crl.Trim());
            if (section.TryGetValue("crlnumber", out string? number) && number.Trim().Length > 0) config.CrlNumber = Resolve(number.Trim());
            if (section.TryGetValue("serial", out string? serial) && serial.Trim().Length > 0) config.Serial = Resolve(serial.Trim());
            return config;
        }

        internal static Dictionary<string, Dictionary<string, string>> Parse(string text)
        {
            var sections = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
            var current = new Dictionary<string, string>(StringComparer.Ordinal);
            sections["default"] = current;
            string currentName = "default";
            foreach (string raw in text.Replace("\r\n", "\n").Split('\n'))
            {
                string line = StripComment(raw).Trim();
                if (line.Length == 0) continue;
                if (line[0] == '[')
                {
                    int close = line.IndexOf(']');
                    if (close < 0) continue;
                    currentName = line.Substring(1, close - 1).Trim();
                    if (!sections.TryGetValue(currentName, out current!)) sections[currentName] = current = new Dictionary<string, string>(StringComparer.Ordinal);
                    continue;
                }
                int eq = line.IndexOf('=');
                if (eq <= 0) continue;
                string key = Expand(line.Substring(0, eq).Trim(), null, sections, 0);
                current[key] = Expand(line.Substring(eq + 1).Trim(), current, sections, 0);
            }
            return sections;
        }

        private static string StripComment(string line)
        {
            var b = new StringBuilder();
            for (int i = 0; i < line.Length; i++)
            {
                if (line[i] == '\\' && i + 1 < line.Length)
                {
                    b.Append(line[i]).Append(line[++i]); // kept for Expand: an escaped $ is no variable
                    continue;
                }
                if (line[i] == '#') break;
                b.Append(line[i]);
            }
            return b.ToString();
        }

        /// <summary>Backslash escapes and variables, as NCONF's str_copy does (a null section: escapes only, as for keys).</summary>
        private static string Expand(string value, Dictionary<string, string>? section, Dictionary<string, Dictionary<string, string>> sections, int depth)
        {
            if (depth > 8 || (value.IndexOf('$') < 0 && value.IndexOf('\\') < 0)) return value;
            var b = new StringBuilder();
            for (int i = 0; i < value.Length; i++)
            {
                if (value[i] == '\\' && i + 1 < value.Length)
                {
                    b.Append(value[++i]);
                    continue;
                }
                if (value[i] != '$' || section == null)
                {
                    b.Append(value[i]);
                    continue;
                }
                string name;
                if (i + 1 < value.Length && (value[i + 1] == '{' || value[i + 1] == '('))
                {
                    char close = value[i + 1] == '{' ? '}' : ')';
                    int end = value.IndexOf(close, i + 2);
                    if (end < 0)
                    {
                        b.Append(value[i]);
                        continue;
                    }
                    name = value.Substring(i + 2, end - i - 2);
                    i = end;
                }
                else
                {
                    // A name is letters, digits and '_' ($dir/$name.crt is dir, then name and ".crt"), with one "section::" before it.
                    int start = i + 1, j = Word(value, start);
                    if (j + 1 < value.Length && value[j] == ':' && value[j + 1] == ':') j = Word(value, j + 2);
                    name = value.Substring(start, j - start);
                    i = j - 1;
                }
                b.Append(Lookup(name, section, sections));
            }
            return b.ToString();
        }

        private static int Word(string value, int start)
        {
            int j = start;
            while (j < value.Length && ((value[j] >= 'a' && value[j] <= 'z') || (value[j] >= 'A' && value[j] <= 'Z') || (value[j] >= '0' && value[j] <= '9') || value[j] == '_')) j++;
            return j;
        }

        private static string Lookup(string name, Dictionary<string, string> section, Dictionary<string, Dictionary<string, string>> sections)
        {
            int sep = name.IndexOf("::", StringComparison.Ordinal);
            if (sep > 0)
            {
                string sectionName = name.Substring(0, sep), key = name.Substring(sep + 2);
                if (sectionName == "ENV") return Environment.GetEnvironmentVariable(key) ?? "";
                return sections.TryGetValue(sectionName, out var s) && s.TryGetValue(key, out string? v) ? v : "";
            }
            if (section.TryGetValue(name, out string? value)) return value;
            return sections["default"].TryGetValue(name, out string? d) ? d : "";
        }
    }
}
