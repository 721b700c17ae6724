using System;
using System.IO;
using System.Linq;
using PkiTools.Core.IO;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests
{
    /// <summary>PasswordFile and FilePermissions: the first line, owner-only or refused, systemd credentials.</summary>
    public class PasswordFileTests
    {
        /// <summary>A permissions check that answers what it is told, so the reading logic is tested on every platform.</summary>
        private sealed class FakePermissions : IFilePermissions
        {
            private readonly string? _why;

            public FakePermissions(string? why) => _why = why;

            public int Calls { get; private set; }

            public string? WhyNotOwnerOnly(string path)
            {
                Calls++;
                return _why;
            }
        }

        private static string Write(TempDir tmp, string name, byte[] content, bool ownerOnly = true)
        {
            string path = tmp.File(name);
            File.WriteAllBytes(path, content);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, ownerOnly ? UnixFileMode.UserRead | UnixFileMode.UserWrite : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            return path;
        }

        [Theory]
        [InlineData("s3cret\n", "s3cret")]
        [InlineData("s3cret", "s3cret")]
        [InlineData("s3cret\r\n", "s3cret")]
        [InlineData("s3cret\nsecond line\n", "s3cret")]
        [InlineData(" spaced pass \n", " spaced pass ")] // only the line break is trimmed
        [InlineData("\uFEFFpässwörd\n", "pässwörd")] // Notepad's BOM; UTF-8
        public void The_first_line_without_its_line_break_is_the_password(string content, string expected)
        {
            using var tmp = new TempDir();
            string path = Write(tmp, "pw", System.Text.Encoding.UTF8.GetBytes(content));
            char[] password = PasswordFile.Read(path, new FakePermissions(null));
            Assert.Equal(expected, new string(password));
        }

        [Theory]
        [InlineData("\n")]
        [InlineData("")]
        [InlineData("\r\nsecret")]
        public void An_empty_first_line_is_InvalidArgument(string content)
        {
            using var tmp = new TempDir();
            string path = Write(tmp, "pw", System.Text.Encoding.UTF8.GetBytes(content));
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => PasswordFile.Read(path, new FakePermissions(null))).Code);
        }

        [Fact]
        public void A_missing_file_is_FileNotFound_and_a_loose_one_PasswordFileInsecure_without_being_read()
        {
            using var tmp = new TempDir();
            var missing = Assert.Throws<PkiException>(() => PasswordFile.Read(tmp.File("nope"), new FakePermissions(null)));
            Assert.Equal(PkiErrorCode.FileNotFound, missing.Code);
            string path = Write(tmp, "pw", System.Text.Encoding.UTF8.GetBytes("TopSecret-42\n"));
            var check = new FakePermissions("its group can read it");
            var loose = Assert.Throws<PkiException>(() => PasswordFile.Read(path, check));
            Assert.Equal(PkiErrorCode.PasswordFileInsecure, loose.Code);
            Assert.Equal(1, check.Calls);
            Assert.Contains("its group can read it", loose.Message);
            Assert.DoesNotContain("TopSecret", loose.ToString());
            Assert.Equal(Path.GetFullPath(path), loose.Target);
        }

        [Theory]
        [InlineData(0x180, true)]  // 0600
        [InlineData(0x100, true)]  // 0400
        [InlineData(0x1C0, true)]  // 0700
        [InlineData(0x1A0, false)] // 0640
        [InlineData(0x184, false)] // 0604
        [InlineData(0x1B6, false)] // 0666
        [InlineData(0x188, false)] // 0610 (group execute is still group access)
        public void Unix_modes_with_any_group_or_other_bit_are_refused(int mode, bool ownerOnly)
        {
            string? why = FilePermissions.UnixWhyNotOwnerOnly(mode);
            Assert.Equal(ownerOnly, why == null);
            if (!ownerOnly) Assert.Contains(Convert.ToString(mode, 8), why);
        }

        [Fact]
        public void The_platform_check_reads_real_unix_modes()
        {
            if (OperatingSystem.IsWindows()) return;
            using var tmp = new TempDir();
            string tight = Write(tmp, "tight", new byte[] { (byte)'x' }, ownerOnly: true);
            string loose = Write(tmp, "loose", new byte[] { (byte)'x' }, ownerOnly: false);
            Assert.Null(FilePermissions.Default.WhyNotOwnerOnly(tight));
            Assert.Contains("0640", FilePermissions.Default.WhyNotOwnerOnly(loose));
            Assert.Equal("x", new string(PasswordFile.Read(tight)));
            Assert.Equal(PkiErrorCode.PasswordFileInsecure, Assert.Throws<PkiException>(() => PasswordFile.Read(loose)).Code);
        }

        private const string Owner = "S-1-5-21-1004336348-1177238915-682003330-1001";

        public static TheoryData<string, AccessRuleInfo[], bool> WindowsAcls => new TheoryData<string, AccessRuleInfo[], bool>
        {
            { "owner only", new[] { new AccessRuleInfo(Owner, true, true) }, true },
            { "owner, SYSTEM, Administrators", new[] { new AccessRuleInfo(Owner, true, true), new AccessRuleInfo("S-1-5-18", true, true), new AccessRuleInfo("S-1-5-32-544", true, true) }, true },
            { "Users may read", new[] { new AccessRuleInfo(Owner, true, true), new AccessRuleInfo("S-1-5-32-545", true, true) }, false },
            { "Everyone may read", new[] { new AccessRuleInfo("S-1-1-0", true, true) }, false },
            { "Authenticated Users", new[] { new AccessRuleInfo(Owner, true, true), new AccessRuleInfo("S-1-5-11", true, true) }, false },
            { "a deny rule for Everyone does not widen", new[] { new AccessRuleInfo(Owner, true, true), new AccessRuleInfo("S-1-1-0", false, true) }, true },
            { "a rule that grants nothing", new[] { new AccessRuleInfo(Owner, true, true), new AccessRuleInfo("S-1-5-32-545", true, false) }, true },
            { "another user", new[] { new AccessRuleInfo(Owner, true, true), new AccessRuleInfo("S-1-5-21-1004336348-1177238915-682003330-1002", true, true) }, false },
        };

        [Theory]
        [MemberData(nameof(WindowsAcls))]
        public void Windows_acls_granting_anyone_but_owner_system_and_administrators_are_refused(string why, AccessRuleInfo[] rules, bool ownerOnly)
        {
            string? reason = FilePermissions.WindowsWhyNotOwnerOnly(Owner, rules);
            Assert.True(ownerOnly == (reason == null), why + ": " + reason);
            if (!ownerOnly) Assert.Contains(rules.First(r => r.Allow && r.GrantsAccess && r.Sid != Owner && r.Sid != "S-1-5-18" && r.Sid != "S-1-5-32-544").Sid, reason);
        }

        [Fact]
        public void Systemd_credentials_come_from_the_credentials_directory()
        {
            using var tmp = new TempDir();
            Directory.CreateDirectory(tmp.File("creds"));
            string dir = tmp.File("creds");
            // No $CREDENTIALS_DIRECTORY or no such credential: nothing, unless a name was asked for.
            Assert.Null(PasswordFile.ReadCredential(null, null));
            Assert.Null(PasswordFile.ReadCredential(null, dir));
            Assert.Equal(PkiErrorCode.FileNotFound, Assert.Throws<PkiException>(() => PasswordFile.ReadCredential("root-ca", dir)).Code);
            Assert.Equal(PkiErrorCode.FileNotFound, Assert.Throws<PkiException>(() => PasswordFile.ReadCredential("root-ca", null)).Code);
            Assert.Equal(PkiErrorCode.InvalidArgument, Assert.Throws<PkiException>(() => PasswordFile.ReadCredential("../pw", dir)).Code);
            // systemd's copy (its mode bits may show an ACL mask): the default name, or another one.
            File.WriteAllText(Path.Combine(dir, PasswordFile.DefaultCredentialName), "from-systemd\n");
            File.WriteAllText(Path.Combine(dir, "root-ca"), "root-pw");
            Assert.Equal("from-systemd", new string(PasswordFile.ReadCredential(null, dir)));
            Assert.Equal("root-pw", new string(PasswordFile.ReadCredential("root-ca", dir)));
        }
    }
}
