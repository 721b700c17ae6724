using System;
using System.Collections.Generic;
using PkiTools.Core;
using PkiTools.Core.Trust;
using Xunit;

namespace PkiTools.Core.Tests.Trust
{
    /// <summary>The real process runner: no shell, nothing can prompt, secrets only in the environment, timeouts enforced.</summary>
    public class ProcessRunnerTests
    {
        private static readonly SystemProcessRunner Runner = SystemProcessRunner.Instance;

        [Fact]
        public void Arguments_reach_the_program_as_given_without_a_shell()
        {
            ProcessResult r = Runner.Run(new ProcessCall("printf", new[] { "%s|", "two words", "$HOME", "a\"quote", "back\\slash", "" }));
            Assert.Equal(0, r.ExitCode);
            Assert.Equal("two words|$HOME|a\"quote|back\\slash||", r.StandardOutput);
        }

        [Fact]
        public void Standard_input_is_closed_so_a_program_that_reads_it_does_not_wait()
        {
            ProcessResult r = Runner.Run(new ProcessCall("cat", Array.Empty<string>(), timeout: TimeSpan.FromSeconds(20)));
            Assert.Equal(0, r.ExitCode);
            Assert.Equal("", r.StandardOutput);
        }

        [Fact]
        public void A_secret_in_the_environment_reaches_the_program_but_never_the_command_line_text()
        {
            var call = new ProcessCall("sh", new[] { "-c", "printf %s \"$PKITOOLS_TEST_SECRET\"" }, new Dictionary<string, string> { ["PKITOOLS_TEST_SECRET"] = "s3cret-value" });
            Assert.Equal("s3cret-value", Runner.Run(call).StandardOutput);
            Assert.DoesNotContain("s3cret-value", call.ToString());
            Assert.Equal("sh -c 'printf %s \"$PKITOOLS_TEST_SECRET\"'", call.ToString());
        }

        [Fact]
        public void A_missing_program_is_StoreUnavailable_and_a_slow_one_is_stopped_with_Timeout()
        {
            Assert.False(Runner.Exists("pkitools-no-such-program"));
            Assert.True(Runner.Exists("sh"));
            var missing = Assert.Throws<PkiException>(() => Runner.Run(new ProcessCall("pkitools-no-such-program", Array.Empty<string>())));
            Assert.Equal(PkiErrorCode.StoreUnavailable, missing.Code);

            var slow = Assert.Throws<PkiException>(() => Runner.Run(new ProcessCall("sleep", new[] { "30" }, timeout: TimeSpan.FromMilliseconds(300))));
            Assert.Equal(PkiErrorCode.Timeout, slow.Code);
            Assert.Contains("sleep 30", slow.Message);
        }

        [Fact]
        public void Exit_code_and_both_streams_are_returned()
        {
            ProcessResult r = Runner.Run(new ProcessCall("sh", new[] { "-c", "echo out; echo err >&2; exit 3" }));
            Assert.Equal(3, r.ExitCode);
            Assert.Equal("out\n", r.StandardOutput);
            Assert.Equal("err\n", r.StandardError);
            Assert.Equal("err", r.FirstErrorLine);
        }

        [Fact]
        public void Standard_input_is_written_then_closed_when_given()
        {
            // crontab - reads the new table from standard input; without one, standard input is closed at once.
            ProcessResult fed = SystemProcessRunner.Instance.Run(new ProcessCall("cat", new string[0], standardInput: "# pkitools-renew:web\n1 2 * * * x\n"));
            Assert.Equal("# pkitools-renew:web\n1 2 * * * x\n", fed.StandardOutput);
            Assert.Equal("", SystemProcessRunner.Instance.Run(new ProcessCall("cat", new string[0])).StandardOutput);
        }
    }
}
