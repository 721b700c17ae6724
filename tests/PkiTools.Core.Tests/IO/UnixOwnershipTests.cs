using System;
using System.IO;
using PkiTools.Core.IO;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests.IO
{
    /// <summary>statx(2) read by offset, checked against the stat program on the same files.</summary>
    public class UnixOwnershipTests
    {
        [Fact]
        public void Statx_and_the_stat_program_agree_on_mode_owner_and_group_and_both_follow_links()
        {
            if (!OperatingSystem.IsLinux()) return;
            using var dir = new TempDir();
            string file = dir.File("service.key"), link = dir.File("link.key");
            File.WriteAllText(file, "x");
            OpenSsl.RunProgram("chmod", null, null, "2640", file);
            if (Environment.UserName == "root") OpenSsl.RunProgram("chown", null, null, "1234:4321", file);
            File.CreateSymbolicLink(link, file);
            string expected = OpenSsl.RunProgram("stat", null, null, "-c", "%u:%g %a", file).Stdout.Trim();

            Assert.Equal(expected, UnixOwnership.ReadStatx(file)!.ToString());
            Assert.Equal(expected, UnixOwnership.ReadWithStatProgram(file)!.ToString());
            Assert.Equal(expected, UnixOwnership.ReadStatx(link)!.ToString());
            Assert.Equal(expected, UnixOwnership.Read(link)!.ToString());
            if (Environment.UserName == "root") Assert.StartsWith("1234:4321 ", expected);
        }

        [Fact]
        public void A_missing_file_has_no_ownership()
        {
            if (OperatingSystem.IsWindows()) return;
            using var dir = new TempDir();
            Assert.Null(UnixOwnership.Read(dir.File("missing")));
            if (OperatingSystem.IsLinux()) Assert.Null(UnixOwnership.ReadWithStatProgram(dir.File("missing")));
        }
    }
}
