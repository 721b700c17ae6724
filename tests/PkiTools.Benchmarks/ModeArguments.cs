using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace PkiTools.Benchmarks
{
    /// <summary>What the custom modes share: their `--name value` options and the load average they print with each figure.</summary>
    internal static class ModeArguments
    {
        /// <summary>The integer after <paramref name="name"/> in <paramref name="args"/>, or <paramref name="fallback"/>.</summary>
        public static int Option(string[] args, string name, int fallback)
        {
            int i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
        }

        /// <summary>The 1, 5 and 15 minute load averages ("n/a" where /proc/loadavg is not there): the machine is shared.</summary>
        public static string Load()
        {
            try
            {
                return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return "n/a";
            }
        }
    }
}
