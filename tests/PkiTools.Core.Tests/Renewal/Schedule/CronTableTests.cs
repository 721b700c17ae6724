using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PkiTools.Core.Renewal.Schedule;
using Xunit;

namespace PkiTools.Core.Tests.Renewal.Schedule
{
    public class CronTableTests
    {
        /// <summary>
        /// A small parser for one crontab entry (minute hour day-of-month month day-of-week command), as cron reads it:
        /// each field '*', a number in range, a list, a range or a step; then the command, where an unescaped '%' would
        /// end the command. Returns null for a comment or a blank line.
        /// </summary>
        private static (int[] Minutes, int[] Hours, string Dom, string Month, string Dow, string Command)? ParseCronLine(string line)
        {
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith("#", StringComparison.Ordinal)) return null;
            if (System.Text.RegularExpressions.Regex.IsMatch(line, @"^\s*[A-Za-z_][A-Za-z0-9_]*\s*=")) return null; // MAILTO=, PATH=
            string[] parts = line.Split(new[] { ' ', '\t' }, 6, StringSplitOptions.RemoveEmptyEntries);
            Assert.True(parts.Length == 6, "a cron entry has five time fields and a command: " + line);
            int[] Field(string text, int min, int max)
            {
                var values = new List<int>();
                foreach (string item in text.Split(','))
                {
                    string[] step = item.Split('/');
                    Assert.True(step.Length <= 2, "bad step in " + text);
                    int by = step.Length == 2 ? int.Parse(step[1], CultureInfo.InvariantCulture) : 1;
                    int lo = min, hi = max;
                    if (step[0] != "*")
                    {
                        string[] range = step[0].Split('-');
                        lo = int.Parse(range[0], NumberStyles.None, CultureInfo.InvariantCulture);
                        hi = range.Length == 2 ? int.Parse(range[1], NumberStyles.None, CultureInfo.InvariantCulture) : lo;
                    }
                    Assert.InRange(lo, min, max);
                    Assert.InRange(hi, lo, max);
                    for (int v = lo; v <= hi; v += by) values.Add(v);
                }
                return values.ToArray();
            }
            Field(parts[2], 1, 31);
            Field(parts[3], 1, 12);
            Field(parts[4], 0, 7);
            string command = parts[5];
            for (int i = 0; i < command.Length; i++)
            {
                if (command[i] == '%') Assert.True(i > 0 && command[i - 1] == '\\', "an unescaped % ends a cron command: " + command);
            }
            return (Field(parts[0], 0, 59), Field(parts[1], 0, 23), parts[2], parts[3], parts[4], command);
        }

        /// <summary>What /bin/sh makes of a command line's words after cron turned "\%" back into "%": POSIX single quotes only (enough for what we write).</summary>
        private static List<string> ShellWords(string command)
        {
            command = command.Replace("\\%", "%");
            var words = new List<string>();
            var current = new System.Text.StringBuilder();
            bool inWord = false;
            for (int i = 0; i < command.Length; i++)
            {
                char c = command[i];
                if (c == '\'')
                {
                    int end = command.IndexOf('\'', i + 1);
                    Assert.True(end > i, "unterminated quote in " + command);
                    current.Append(command, i + 1, end - i - 1);
                    i = end;
                    inWord = true;
                }
                else if (c == '\\' && i + 1 < command.Length) { current.Append(command[++i]); inWord = true; }
                else if (c == ' ') { if (inWord) words.Add(current.ToString()); current.Clear(); inWord = false; }
                else { current.Append(c); inWord = true; }
            }
            if (inWord) words.Add(current.ToString());
            return words;
        }

        [Fact]
        public void Entry_runs_the_script_daily_at_the_time_after_a_random_delay()
        {
            RenewalJob job = ScheduleFixture.Job(pwsh: "/opt/power shell/pwsh");
            string script = ScheduleFixture.OddFolder + "/web.ps1";
            var entry = ParseCronLine(CronTable.Entry(job, script))!.Value;

            Assert.Equal(new[] { 30 }, entry.Minutes);
            Assert.Equal(new[] { 3 }, entry.Hours);
            Assert.Equal(("*", "*", "*"), (entry.Dom, entry.Month, entry.Dow));
            const string delay = "sleep $(awk 'BEGIN { srand(); print int(rand() * 3600) }'); ";
            Assert.StartsWith(delay, entry.Command);
            string[] commands = { delay, entry.Command.Substring(delay.Length) };
            Assert.Equal(new[] { "/opt/power shell/pwsh", "-noprofile", "-noninteractive", "-file", script }, ShellWords(commands[1]));
        }

        [Fact]
        public void Midnight_is_the_default()
        {
            RenewalJob job = ScheduleFixture.Job();
            job.At = null;
            var entry = ParseCronLine(CronTable.Entry(job, "/x.ps1"))!.Value;
            Assert.Equal(new[] { 0 }, entry.Minutes);
            Assert.Equal(new[] { 0 }, entry.Hours);
        }

        [Fact]
        public void Replacing_keeps_other_lines_and_never_duplicates()
        {
            string mine = "# m h dom mon dow command\nMAILTO=ops@corp.example\n5 4 * * * /usr/local/bin/backup\n";
            string once = CronTable.Replace(mine, "web", "30 3 * * * first");
            string twice = CronTable.Replace(once, "web", "45 2 * * * second");
            string other = CronTable.Replace(twice, "vpn", "0 1 * * * third");

            Assert.Equal(mine + "# pkitools-renew:web\n45 2 * * * second\n", twice);
            Assert.Equal(new[] { "web", "vpn" }, CronTable.Jobs(other).Keys.ToArray());
            Assert.Equal("45 2 * * * second", CronTable.Jobs(other)["web"]);
            Assert.Single(other.Split('\n'), l => l.EndsWith("second", StringComparison.Ordinal));
            foreach (string line in other.Split('\n')) ParseCronLine(line);

            string removed = CronTable.Remove(other, "web", out bool found);
            Assert.True(found);
            Assert.Equal(mine + "# pkitools-renew:vpn\n0 1 * * * third\n", removed);
            Assert.Equal(removed, CronTable.Remove(removed, "web", out bool again));
            Assert.False(again);
            Assert.Equal("", CronTable.Remove(CronTable.Replace("", "a", "1 1 * * * x"), "a", out _));
        }

        [Fact]
        public void A_job_named_like_the_prefix_of_another_is_not_taken_for_it()
        {
            string table = CronTable.Replace(CronTable.Replace("", "web", "1 1 * * * a"), "web2", "2 2 * * * b");
            string removed = CronTable.Remove(table, "web", out _);
            Assert.Equal("# pkitools-renew:web2\n2 2 * * * b\n", removed);
        }
    }
}
