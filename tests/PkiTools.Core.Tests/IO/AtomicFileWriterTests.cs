using System;
using System.IO;
using PkiTools.Core.IO;
using PkiTools.Tests;
using Xunit;

namespace PkiTools.Core.Tests
{
    public class AtomicFileWriterTests
    {
        [Fact]
        public void Secret_files_are_owner_only_and_others_world_readable()
        {
            using var dir = new TempDir();
            AtomicFileWriter.WriteAll(new[] { new OutputFile(dir.File("a.key"), new byte[] { 1, 2, 3 }, true), new OutputFile(dir.File("a.crt"), new byte[] { 4 }, false) }, false);
            Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(dir.File("a.key")));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.File("a.key")));
                Assert.True(File.GetUnixFileMode(dir.File("a.crt")).HasFlag(UnixFileMode.OtherRead));
            }
            Assert.Equal(2, Directory.GetFiles(dir.Path).Length); // no temporary files left behind
        }

        [Fact]
        public void Sets_are_all_or_nothing()
        {
            using var dir = new TempDir();
            File.WriteAllText(dir.File("b.crt"), "old");
            var ex = Assert.Throws<PkiException>(() => AtomicFileWriter.WriteAll(new[] { new OutputFile(dir.File("b.key"), new byte[] { 1 }, true), new OutputFile(dir.File("b.crt"), new byte[] { 2 }, false) }, false));
            Assert.Equal(PkiErrorCode.FileExists, ex.Code);
            Assert.False(File.Exists(dir.File("b.key")));
            Assert.Equal("old", File.ReadAllText(dir.File("b.crt")));
        }

        [Fact]
        public void A_failure_midway_removes_what_was_placed()
        {
            using var dir = new TempDir();
            // The second target's folder does not exist: refused up front, nothing written.
            var ex = Assert.Throws<PkiException>(() => AtomicFileWriter.WriteAll(new[] { new OutputFile(dir.File("c.key"), new byte[] { 1 }, true), new OutputFile(Path.Combine(dir.Path, "missing", "c.crt"), new byte[] { 2 }, false) }, false));
            Assert.Equal(PkiErrorCode.FileWriteFailed, ex.Code);
            Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
        }

        [Fact]
        public void Overwrite_replaces_atomically_and_keeps_owner_only()
        {
            using var dir = new TempDir();
            File.WriteAllText(dir.File("d.key"), "old");
            AtomicFileWriter.WriteAll(new[] { new OutputFile(dir.File("d.key"), new byte[] { 9 }, true) }, true);
            Assert.Equal(new byte[] { 9 }, File.ReadAllBytes(dir.File("d.key")));
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.File("d.key")));
            Assert.Single(Directory.GetFiles(dir.Path));
        }
    }
}
