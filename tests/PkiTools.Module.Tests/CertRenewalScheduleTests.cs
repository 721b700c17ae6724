using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text.Json;
using Xunit;

namespace PkiTools.Module.Tests
{
    /// <summary>
    /// Register-, Unregister- and Get-CertRenewal in the engine, and the renewal script they write: it parses, its odd
    /// paths round-trip, and run with a stand-in Invoke-CertRenewal it logs, summarises, records its state and sets its
    /// exit code. PKITOOLS_SCHEDULE_ROOT keeps every file under a temporary folder (only these tests set it, and the
    /// tests of one class run one at a time).
    /// </summary>
    public class CertRenewalScheduleTests : ModuleTestBase, IDisposable
    {
        private const string OddName = "it's a ‘pki’ $HOME";

        private readonly string _root;

        public CertRenewalScheduleTests()
        {
            _root = S.File("machine");
            Directory.CreateDirectory(_root);
            Environment.SetEnvironmentVariable("PKITOOLS_SCHEDULE_ROOT", _root);
        }

        void IDisposable.Dispose()
        {
            Environment.SetEnvironmentVariable("PKITOOLS_SCHEDULE_ROOT", null);
            base.Dispose();
        }

        /// <summary>A CA and a certificate folder whose paths hold spaces and quotes, as $ca and $tls.</summary>
        private void MakeCa()
        {
            S.Run("$ca = New-Ca -Path (Join-Path $PWD $name) -Subject 'CN=Schedule Test CA'; $tls = New-Item -ItemType Directory (Join-Path $PWD \"$name tls\")",
                Vars("name", OddName)).ThrowOnError();
        }

        /// <summary>The script Register-CertRenewal would write for this job (the core's generator, over the test root).</summary>
        private string Script(string extra = "")
        {
            return (string)S.Run(@"
                $envir = [PkiTools.Core.Trust.TrustEnvironment]::new([PkiTools.Core.Trust.SystemProcessRunner]::Instance, 'Linux', (Join-Path $root 'home'), [Func[string,string]]{ param($n) $null }, $true, $root)
                $job = [PkiTools.Core.Renewal.Schedule.RenewalJob]::new('web', [string[]]@($tls.FullName), $ca.Folder, $manifest, [PkiTools.Core.Renewal.Schedule.PowerShellCommand]::new('/usr/bin/pwsh', [string[]]@()))
                " + extra + @"
                [PkiTools.Core.Renewal.Schedule.RenewalScript]::Generate($job, [PkiTools.Core.Renewal.Schedule.RenewalLocations]::new($envir))",
                new Dictionary<string, object?> { ["root"] = _root, ["manifest"] = PwshSession.ManifestPath }).ThrowOnError().Single();
        }

        [Fact]
        public void Script_parses_and_its_odd_paths_round_trip()
        {
            MakeCa();
            string text = Script("$job.DeployHook = \"echo 'deployed' ‘x’\"; $job.CaPasswordFile = Join-Path $PWD \"$name.pw\"".Replace("$name", OddName.Replace("$", "`$")));
            ScriptBlockAst ast = Parser.ParseInput(text, out Token[] _, out ParseError[] errors);
            Assert.Empty(errors);
            // Every literal is single-quoted: nothing in a path is expanded or run.
            Assert.DoesNotContain(ast.FindAll(a => a is ExpandableStringExpressionAst e && e.Value.Contains("‘pki’"), true), _ => true);
            var literals = ast.FindAll(a => a is StringConstantExpressionAst, true).Cast<StringConstantExpressionAst>().Select(s => s.Value).ToList();
            Assert.Contains(Path.Combine(S.Directory, OddName), literals);
            Assert.Contains(Path.Combine(S.Directory, OddName + " tls"), literals);
            Assert.Contains(Path.Combine(S.Directory, OddName + ".pw"), literals);
            Assert.Contains("echo 'deployed' ‘x’", literals);
            Assert.Contains(ast.FindAll(a => a is VariableExpressionAst v && v.VariablePath.UserPath == "ModuleManifest", true), _ => true);
        }

        private (int ExitCode, string[] Output, JsonElement[] Log, JsonElement State) RunScript(string stub, string extra = "")
        {
            string script = Path.Combine(S.Directory, "web.ps1");
            File.WriteAllText(script, Script(extra));
            var r = S.Run("function global:Invoke-CertRenewal {\n" + stub + "\n}\n$global:LASTEXITCODE = 99; & $script 2>$null; \"exit=$LASTEXITCODE\"", Vars("script", script));
            string[] output = r.Output.Select(o => o.ToString()).ToArray();
            int code = int.Parse(output.Last().Substring("exit=".Length));
            string log = Path.Combine(_root, "var/log/pkitools/web.jsonl");
            string state = Path.Combine(_root, "var/lib/pkitools/renewal/web.state.json");
            return (code, output, File.ReadAllLines(log).Select(l => JsonDocument.Parse(l).RootElement).ToArray(), JsonDocument.Parse(File.ReadAllText(state)).RootElement);
        }

        private const string Results = @"
            param($Path, $Ca, $RenewBeforeDays, $DeployHook, $PostHook, $CaPasswordFile, $CaPasswordCredential)
            $global:Bound = $PSBoundParameters
            [pscustomobject]@{ Path = Join-Path $Path[0] 'a.crt'; Action = 'Renewed'; OldNotAfter = [datetime]'2026-12-10'; NewNotAfter = [datetime]'2027-12-10'; Message = $null }
            [pscustomobject]@{ Path = Join-Path $Path[0] 'b.crt'; Action = 'NotDue'; OldNotAfter = [datetime]'2027-06-01'; NewNotAfter = $null; Message = $null }";

        [Fact]
        public void A_good_run_logs_each_certificate_summarises_records_success_and_exits_0()
        {
            MakeCa();
            var run = RunScript(Results, "$job.RenewBeforeDays = 21; $job.PostHook = 'true'");
            Assert.Equal(0, run.ExitCode);
            Assert.Contains("  Renewed " + Path.Combine(S.Directory, OddName + " tls", "a.crt"), run.Output);
            Assert.Contains("pkitools renewal 'web': 1 renewed, 1 not due, 0 failed, 0 skipped; CRL current; Succeeded", run.Output);
            Assert.Equal(new[] { "Certificate", "Certificate", "Run" }, run.Log.Select(l => l.GetProperty("Kind").GetString()).ToArray());
            Assert.Equal("Renewed", run.Log[0].GetProperty("Action").GetString());
            Assert.Equal("2027-12-10", run.Log[0].GetProperty("NewNotAfter").GetString()!.Substring(0, 10));
            Assert.All(run.Log, l => Assert.True(DateTime.TryParse(l.GetProperty("Time").GetString(), out _)));
            Assert.Equal("Succeeded", run.State.GetProperty("LastOutcome").GetString());
            Assert.Equal(1, run.State.GetProperty("Renewed").GetInt32());
            var bound = (System.Collections.IDictionary)S.Run("$global:Bound").Single();
            Assert.Equal(21, bound["RenewBeforeDays"]);
            Assert.Equal("true", bound["PostHook"]);
            Assert.False(bound.Contains("CaPasswordFile"));

            // Get-CertRenewal reads the state the script wrote (the job needs its record: write it as Register does).
            var job = S.Run("Get-CertRenewal").ThrowOnError();
            Assert.Empty(job.Output); // nothing registered: the script alone is not a job
        }

        [Fact]
        public void A_failed_certificate_or_a_throwing_renewal_is_exit_1_and_logged()
        {
            MakeCa();
            var failed = RunScript(Results + "\n[pscustomobject]@{ Path = '/x/c.crt'; Action = 'Failed'; Message = 'HookFailed: reload failed' }");
            Assert.Equal(1, failed.ExitCode);
            Assert.Equal("Failed", failed.State.GetProperty("LastOutcome").GetString());
            Assert.Contains(failed.Output, l => l == "  Failed /x/c.crt: HookFailed: reload failed");

            var thrown = RunScript("throw 'the CA is gone'");
            Assert.Equal(1, thrown.ExitCode);
            JsonElement error = thrown.Log.Single(l => l.GetProperty("Kind").GetString() == "Error");
            Assert.Equal("Invoke-CertRenewal", error.GetProperty("Step").GetString());
            Assert.Contains("the CA is gone", error.GetProperty("Message").GetString());
            Assert.Equal("Failed", thrown.Log.Last().GetProperty("Outcome").GetString());
        }

        [Fact]
        public void The_password_file_is_passed_to_both_commands_never_its_content()
        {
            MakeCa();
            string pw = Path.Combine(S.Directory, "ca.pw");
            File.WriteAllText(pw, "s3cret-Never-Logged");
            var run = RunScript(Results, "$job.CaPasswordFile = '" + pw + "'");
            Assert.Equal(0, run.ExitCode);
            var bound = (System.Collections.IDictionary)S.Run("$global:Bound").Single();
            Assert.Equal(pw, bound["CaPasswordFile"]);
            Assert.DoesNotContain("s3cret", File.ReadAllText(Path.Combine(_root, "var/log/pkitools/web.jsonl")));
            Assert.DoesNotContain("s3cret", Script("$job.CaPasswordFile = '" + pw + "'"));
        }

        [Fact]
        public void WhatIf_lists_files_and_commands_and_changes_nothing()
        {
            MakeCa();
            Directory.CreateDirectory(Path.Combine(_root, "run/systemd/system"));
            var r = S.Run("Register-CertRenewal -Name web -Path $tls -Ca $ca -At 03:30 -WhatIf").ThrowOnError();
            Assert.Empty(r.Output);
            Assert.Contains("Register the renewal job 'web' with Systemd (daily 03:30, random delay up to 1h)", S.HostText);
            Assert.Contains("write " + Path.Combine(_root, "etc/systemd/system/pkitools-renew-web.timer"), S.HostText);
            Assert.Contains("run systemctl enable --now pkitools-renew-web.timer", S.HostText);
            Assert.False(Directory.Exists(Path.Combine(_root, "etc")));
        }

        [Theory]
        [InlineData("-Name web -Scheduler TaskScheduler", "SchedulerUnavailable")]
        [InlineData("-Name web -Scheduler Systemd", "SchedulerUnavailable")]
        [InlineData("-Name 'a b' -Scheduler Systemd", "InvalidArgument")]
        [InlineData("-Name web -At 25:00 -Scheduler Systemd", "InvalidArgument")]
        public void Bad_invocations_have_stable_error_ids(string arguments, string id)
        {
            MakeCa();
            var r = S.Run($"Register-CertRenewal {arguments} -Path $tls -Ca $ca");
            Assert.Equal(id, r.ErrorIds.Single());
            Assert.False(Directory.Exists(Path.Combine(_root, "etc")));
        }

        [Fact]
        public void A_missing_CA_or_path_is_refused_before_anything_is_written()
        {
            MakeCa();
            Assert.Equal("CaNotFound", S.Run("Register-CertRenewal -Name web -Path $tls -Ca ./nope -Scheduler Systemd").ErrorIds.Single());
            Assert.Equal("FileNotFound", S.Run("Register-CertRenewal -Name web -Path ./nope -Ca $ca -Scheduler Systemd").ErrorIds.Single());
            Assert.Equal("FileNotFound", S.Run("Register-CertRenewal -Name web -Path $tls -Ca $ca -CaPasswordFile ./nope.pw -Scheduler Systemd").ErrorIds.Single());
        }

        [Fact]
        public void Unregistering_an_unknown_job_warns_and_Get_finds_nothing()
        {
            var r = S.Run("Unregister-CertRenewal -Name ghost -Confirm:$false").ThrowOnError();
            Assert.Contains("No renewal job named 'ghost' is registered", r.Warnings.Single());
            Assert.Empty(S.Run("Get-CertRenewal; Get-CertRenewal ghost*").ThrowOnError().Output);
        }
    }
}
