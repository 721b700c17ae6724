using System;
using System.IO;
using PkiTools.Core.Ca;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.Ca
{
    /// <summary>
    /// OpenSslCaConfig reads the [ca] part of an openssl config as NCONF does: variables ($var, ${var}, $(var),
    /// ${section::var}, $ENV::NAME), the default section, comments, backslash escapes, relative paths. Where it matters,
    /// <c>openssl ca -gencrl</c> on the same file proves that openssl reads it the same way.
    /// </summary>
    public class OpenSslCaConfigTests
    {
        private static string Value(string text, string section, string key) => OpenSslCaConfig.Parse(text)[section][key];

        [Theory]
        [InlineData("dir = /pki\nx = $dir/index.txt", "/pki/index.txt")]
        [InlineData("dir = /pki\nx = ${dir}/index.txt", "/pki/index.txt")]
        [InlineData("dir = /pki\nx = $(dir)/index.txt", "/pki/index.txt")]
        [InlineData("dir = /pki\nx = ${dir}index.txt", "/pkiindex.txt")]
        [InlineData("dir = /pki\nname = ca\nx = $dir/$name.crt", "/pki/ca.crt")] // a name ends at '.'
        [InlineData("dir = /pki\nx = $dir-old", "/pki-old")]
        [InlineData("dir_2 = /pki\nx = $dir_2/a", "/pki/a")]
        [InlineData("dir = /pki\nx = \\$dir/a", "$dir/a")] // an escaped $ is no variable
        [InlineData("x = /a\\#b # comment", "/a#b")]
        [InlineData("x = /a/b    # comment with $dir", "/a/b")]
        [InlineData("x = a\\\\b", "a\\b")]
        [InlineData("x = \\ lead", " lead")]
        public void Values_expand_as_openssl_does(string body, string expected)
        {
            Assert.Equal(expected, Value("[ s ]\n" + body + "\n", "s", "x"));
        }

        [Fact]
        public void Variables_come_from_the_section_then_the_default_section_or_name_their_section()
        {
            string text = "HOME = /home/pki\nbase = /global\n# a comment line\n[ other ]\nroot = /elsewhere\n[ s ]\nbase = /local\n" +
                          "a = $base/x\nb = $HOME/y\nc = ${other::root}/z\nd = $other::root/w\ne = $(other::root)\nf = $default::base\n";
            var sections = OpenSslCaConfig.Parse(text);
            Assert.Equal("/local/x", sections["s"]["a"]); // the section's own value first
            Assert.Equal("/home/pki/y", sections["s"]["b"]); // then the default section
            Assert.Equal("/elsewhere/z", sections["s"]["c"]);
            Assert.Equal("/elsewhere/w", sections["s"]["d"]);
            Assert.Equal("/elsewhere", sections["s"]["e"]);
            Assert.Equal("/global", sections["s"]["f"]);
            Assert.Equal("/global", sections["default"]["base"]);
        }

        [Fact]
        public void Environment_variables_expand()
        {
            Environment.SetEnvironmentVariable("PKITOOLS_CONFIG_TEST", "/from/env");
            try
            {
                var sections = OpenSslCaConfig.Parse("[ s ]\na = $ENV::PKITOOLS_CONFIG_TEST/ca\nb = ${ENV::PKITOOLS_CONFIG_TEST}\nc = $ENV::PKITOOLS_NOT_SET_ANYWHERE\n");
                Assert.Equal("/from/env/ca", sections["s"]["a"]);
                Assert.Equal("/from/env", sections["s"]["b"]);
                Assert.Equal("", sections["s"]["c"]);
            }
            finally
            {
                Environment.SetEnvironmentVariable("PKITOOLS_CONFIG_TEST", null);
            }
        }

        [Fact]
        public void Sections_comments_and_line_endings()
        {
            var sections = OpenSslCaConfig.Parse("# header\r\n[ca]\r\ndefault_ca=mine # trailing\r\n\r\n[  mine  ]\r\n  dir   =   /x  \r\n[ mine ]\r\nmore = 1\r\nnot a setting\r\n");
            Assert.Equal("mine", sections["ca"]["default_ca"]);
            Assert.Equal("/x", sections["mine"]["dir"]);
            Assert.Equal("1", sections["mine"]["more"]); // a section given twice continues
        }

        /// <summary>A CA in <paramref name="folder"/> (which may hold a '$'): key, certificate, empty ledger, crlnumber.</summary>
        private static void MakeCa(string folder, string certificateName = "ca.crt")
        {
            Directory.CreateDirectory(Path.Combine(folder, "private"));
            Directory.CreateDirectory(Path.Combine(folder, "newcerts"));
            File.WriteAllText(Path.Combine(folder, "index.txt"), "");
            File.WriteAllText(Path.Combine(folder, "crlnumber"), "01\n");
            OpenSsl.Ok("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=Config CA", "-days", "3",
                "-keyout", Path.Combine(folder, "private", "key.pem"), "-out", Path.Combine(folder, certificateName));
        }

        [Fact]
        public void A_config_with_every_form_locates_the_files_openssl_ca_uses()
        {
            using var tmp = new TempDir();
            string folder = tmp.File("my$ca #1");
            MakeCa(folder);
            string cnf = tmp.File("t.cnf");
            File.WriteAllText(cnf, "# every form at once\nname = ca\n[ ca ]\ndefault_ca = CA_default   # the section\n[ CA_default ]\n" +
                                   "dir = " + tmp.Path + "/my\\$ca \\#1   # escaped $ and #\n" +
                                   "database = $dir/index.txt\ncertificate = $dir/$name.crt\nprivate_key = $(dir)/private/key.pem\n" +
                                   "crlnumber = ${CA_default::dir}/crlnumber\nnew_certs_dir = ${dir}/newcerts\ncrl = $dir/crl.pem\n" +
                                   "default_md = sha256\ndefault_crl_days = 1\n");
            OpenSsl.Ok("ca", "-config", cnf, "-gencrl", "-out", tmp.File("proof.crl")); // openssl finds everything

            OpenSslCaConfig config = OpenSslCaConfig.Read(cnf);
            Assert.Equal(folder, config.Directory);
            Assert.Equal(Path.Combine(folder, "index.txt"), config.Database);
            Assert.Equal(Path.Combine(folder, "ca.crt"), config.Certificate);
            Assert.Equal(Path.Combine(folder, "private", "key.pem"), config.PrivateKey);
            Assert.Equal(Path.Combine(folder, "crlnumber"), config.CrlNumber);
            Assert.Equal(Path.Combine(folder, "newcerts"), config.NewCertsDirectory);
            Assert.Equal(Path.Combine(folder, "crl.pem"), config.Crl);

            // The CA behind it opens, and its CRLs continue openssl's numbering.
            CaDirectory ca = CaDirectory.Open(cnf);
            Assert.Equal(CaLayout.OpenSsl, ca.Layout);
            Assert.Equal(folder, ca.Folder);
            Assert.Equal("CN=Config CA", ca.Subject);
            Assert.Equal("2", ca.NewCrl().CrlNumber);
            Assert.True(File.Exists(Path.Combine(folder, "crl.pem")));
        }

        [Fact]
        public void Our_own_openssl_cnf_round_trips_a_folder_with_special_characters()
        {
            using var tmp = new TempDir();
            string dir = tmp.File("ca $HOME #1 'q' \"d\";x");
            var created = CaDirectory.Create(dir, "CN=Odd Folder");
            OpenSslCaConfig config = OpenSslCaConfig.Read(Path.Combine(dir, "openssl.cnf"));
            Assert.Equal(dir, config.Directory);
            Assert.Equal(Path.Combine(dir, "index.txt"), config.Database);
            Assert.Equal(Path.Combine(dir, "private", "ca.key"), config.PrivateKey);
            Assert.Equal(Path.Combine(dir, "crl", "ca.crl"), config.Crl);
            Assert.Empty(created.Warnings); // the dir line names this folder
            OpenSsl.Ok("ca", "-config", Path.Combine(dir, "openssl.cnf"), "-gencrl", "-out", tmp.File("proof.crl"));
            Assert.Equal(dir, CaDirectory.Open(Path.Combine(dir, "openssl.cnf")).Folder);
        }

        [Fact]
        public void Relative_paths_resolve_against_the_config_folder_when_they_are_not_in_the_working_directory()
        {
            using var tmp = new TempDir();
            MakeCa(Path.Combine(tmp.Path, "demoCA"), "cacert.pem");
            string cnf = tmp.File("openssl.cnf");
            File.WriteAllText(cnf, "[ ca ]\ndefault_ca = CA_default\n[ CA_default ]\ndir = ./demoCA\ndatabase = $dir/index.txt\nnew_certs_dir = $dir/newcerts\n" +
                                   "certificate = $dir/cacert.pem\nprivate_key = $dir/private/key.pem\ncrlnumber = demoCA/crlnumber\ndefault_md = sha256\ndefault_crl_days = 1\n");
            Assert.False(Directory.Exists(Path.GetFullPath("demoCA"))); // not in the process's working directory
            OpenSslCaConfig config = OpenSslCaConfig.Read(cnf);
            string demo = Path.Combine(tmp.Path, "demoCA");
            Assert.Equal(demo, config.Directory);
            Assert.Equal(Path.Combine(demo, "index.txt"), config.Database);
            Assert.Equal(Path.Combine(demo, "cacert.pem"), config.Certificate);
            Assert.Equal(Path.Combine(demo, "crlnumber"), config.CrlNumber);
            Assert.Null(config.Crl);
            // Without crl the CA keeps its CRL as crl.pem in its folder.
            Assert.Equal(Path.Combine(demo, "crl.pem"), CaDirectory.Open(cnf).CrlPath);
            // openssl itself resolves them against the working directory: run there, it agrees.
            OpenSsl.Result r = OpenSsl.RunIn(tmp.Path, null, "ca", "-config", "openssl.cnf", "-gencrl", "-out", "proof.crl");
            Assert.True(r.ExitCode == 0, r.ToString());
        }

        [Fact]
        public void A_config_that_locates_no_ca_is_CaNotFound()
        {
            using var tmp = new TempDir();
            void Fails(string text, string says)
            {
                File.WriteAllText(tmp.File("x.cnf"), text);
                var ex = Assert.Throws<PkiException>(() => OpenSslCaConfig.Read(tmp.File("x.cnf")));
                Assert.Equal(PkiErrorCode.CaNotFound, ex.Code);
                Assert.Contains(says, ex.Message);
            }
            Fails("[ req ]\nprompt = no\n", "no [ca] section");
            Fails("[ ca ]\n", "'default_ca'");
            Fails("[ ca ]\ndefault_ca = missing\n", "[missing], which is missing");
            Fails("[ ca ]\ndefault_ca = s\n[ s ]\ndatabase = /x\ncertificate = /y\nprivate_key = /z\n", "'new_certs_dir'");
            Fails("[ ca ]\ndefault_ca = s\n[ s ]\ndatabase = \ncertificate = /y\nprivate_key = /z\nnew_certs_dir = /w\n", "'database'");
            // The files it names must exist for the CA to open.
            File.WriteAllText(tmp.File("y.cnf"), "[ ca ]\ndefault_ca = s\n[ s ]\ndatabase = /nonexistent/index.txt\ncertificate = /y\nprivate_key = /z\nnew_certs_dir = /w\n");
            Assert.Equal(PkiErrorCode.CaNotFound, Assert.Throws<PkiException>(() => CaDirectory.Open(tmp.File("y.cnf"))).Code);
        }
    }
}
