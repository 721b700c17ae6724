using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using Xunit.Abstractions;

namespace PkiTools.Core.Tests.Fuzzing
{
    /// <summary>
    /// A deterministic mutation engine: every input comes from one fixed-seed <see cref="Random"/>, so a failure found
    /// once is found again with the same PKITOOLS_FUZZ_SEED and PKITOOLS_FUZZ_ITERATIONS.
    /// Binary mutations: bit flips, byte overwrites, truncation, insertion/deletion of runs, chunk duplication, tag
    /// swaps and DER length tampering (every length field of the structure is found and set to zero, off-by-one,
    /// indefinite, huge or non-minimal values). PEM mutations: base64 body corruption (characters, and DER mutations
    /// re-encoded), label swaps, missing BEGIN/END lines, CRLF and white-space noise, headers, BOMs and duplicated blocks.
    /// </summary>
    public sealed class MutationFuzzer
    {
        public const int DefaultIterations = 20_000;
        public const int DefaultSeed = 20_261_123;

        private static readonly string[] Labels =
        {
            "CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CERTIFICATE", "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST",
            "PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "PUBLIC KEY", "X509 CRL", "PKCS7", "",
            "certificate", "CERTIFICATE ", "CERTIFICATE-", "PRIVATE KEY-----\n-----BEGIN PRIVATE KEY",
        };

        private static readonly byte[][] HugeLengths =
        {
            new byte[] { 0x84, 0xFF, 0xFF, 0xFF, 0xFF },
            new byte[] { 0x84, 0x7F, 0xFF, 0xFF, 0xFF },
            new byte[] { 0x84, 0x80, 0x00, 0x00, 0x00 },
            new byte[] { 0x88, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF },
            new byte[] { 0x85, 0x01, 0x00, 0x00, 0x00, 0x00 },
            new byte[] { 0x83, 0xFF, 0xFF, 0xFF },
            new byte[] { 0xFF },
            new byte[] { 0x80 },
            new byte[] { 0x00 },
        };

        private readonly Random _rng;

        public MutationFuzzer(int stream)
        {
            // One stream per test, derived from the seed without string hashing (randomised per process in .NET).
            _rng = new Random(unchecked(Seed * 31 + stream));
        }

        /// <summary>PKITOOLS_FUZZ_ITERATIONS, default 20,000.</summary>
        public static int Iterations => ReadEnv("PKITOOLS_FUZZ_ITERATIONS", DefaultIterations);

        /// <summary>PKITOOLS_FUZZ_SEED, default 20261123.</summary>
        public static int Seed => ReadEnv("PKITOOLS_FUZZ_SEED", DefaultSeed);

        /// <summary>A share of <see cref="Iterations"/> (at least 1), for splitting a run over seeds.</summary>
        public static int Share(double fraction) => Math.Max(1, (int)Math.Round(Iterations * fraction));

        private static int ReadEnv(string name, int fallback)
        {
            string? text = Environment.GetEnvironmentVariable(name);
            return int.TryParse(text, out int value) && value > 0 ? value : fallback;
        }

        public int Next(int max) => _rng.Next(max);

        public T Pick<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];

        // ---------------------------------------------------------------- binary

        /// <summary>One to three stacked binary mutations of <paramref name="seed"/> (never the seed itself unchanged on purpose).</summary>
        public byte[] MutateBinary(byte[] seed)
        {
            byte[] data = seed;
            int rounds = _rng.Next(10) < 7 ? 1 : 2 + _rng.Next(2);
            for (int r = 0; r < rounds; r++) data = MutateOnce(data);
            return data;
        }

        private byte[] MutateOnce(byte[] data)
        {
            if (data.Length == 0) return RandomBytes(1 + _rng.Next(16));
            switch (_rng.Next(12))
            {
                case 0: return FlipBits(data, 1);
                case 1: return FlipBits(data, 2 + _rng.Next(15));
                case 2: return Overwrite(data);
                case 3: return Truncate(data);
                case 4: return InsertRun(data);
                case 5: return DeleteRun(data);
                case 6: return DuplicateChunk(data);
                case 7:
                case 8:
                case 9: return TamperLength(data);
                case 10: return SwapTag(data);
                default: return InterestingByte(data);
            }
        }

        public byte[] FlipBits(byte[] data, int count)
        {
            byte[] m = (byte[])data.Clone();
            for (int i = 0; i < count; i++) m[_rng.Next(m.Length)] ^= (byte)(1 << _rng.Next(8));
            return m;
        }

        private byte[] Overwrite(byte[] data)
        {
            byte[] m = (byte[])data.Clone();
            int n = 1 + _rng.Next(8);
            for (int i = 0; i < n; i++) m[_rng.Next(m.Length)] = (byte)_rng.Next(256);
            return m;
        }

        private byte[] InterestingByte(byte[] data)
        {
            byte[] interesting = { 0x00, 0x01, 0x7F, 0x80, 0x81, 0xFF, 0x30, 0xA0, 0x05, 0x1F };
            byte[] m = (byte[])data.Clone();
            m[_rng.Next(m.Length)] = interesting[_rng.Next(interesting.Length)];
            return m;
        }

        public byte[] Truncate(byte[] data) => Slice(data, 0, _rng.Next(data.Length));

        private byte[] InsertRun(byte[] data)
        {
            int at = _rng.Next(data.Length + 1);
            int n = 1 + _rng.Next(_rng.Next(4) == 0 ? 256 : 16);
            byte[] run = _rng.Next(2) == 0 ? RandomBytes(n) : Enumerable.Repeat((byte)_rng.Next(256), n).ToArray();
            return Splice(data, at, 0, run);
        }

        private byte[] DeleteRun(byte[] data)
        {
            int at = _rng.Next(data.Length);
            int n = 1 + _rng.Next(Math.Min(data.Length - at, _rng.Next(4) == 0 ? 256 : 16));
            return Splice(data, at, n, Array.Empty<byte>());
        }

        private byte[] DuplicateChunk(byte[] data)
        {
            int from = _rng.Next(data.Length);
            int n = 1 + _rng.Next(Math.Min(data.Length - from, 512));
            int at = _rng.Next(2) == 0 ? from + n : _rng.Next(data.Length + 1);
            return Splice(data, at, 0, Slice(data, from, n));
        }

        /// <summary>Sets one DER length field to zero, off-by-one, indefinite, huge or a non-minimal encoding.</summary>
        public byte[] TamperLength(byte[] data)
        {
            List<Tlv> fields = FindTlvs(data);
            if (fields.Count == 0) return FlipBits(data, 1);
            Tlv f = fields[_rng.Next(fields.Count)];
            byte[] replacement;
            switch (_rng.Next(6))
            {
                case 0: replacement = HugeLengths[_rng.Next(HugeLengths.Length)]; break;
                case 1: replacement = EncodeLength(f.Length + 1); break;
                case 2: replacement = EncodeLength(Math.Max(0, f.Length - 1)); break;
                case 3: replacement = EncodeLength(0); break;
                case 4: replacement = new byte[] { 0x84, (byte)(f.Length >> 24), (byte)(f.Length >> 16), (byte)(f.Length >> 8), (byte)f.Length }; break;
                default: replacement = EncodeLength(f.Length + _rng.Next(2 * f.Length + 2) - f.Length); break;
            }
            return Splice(data, f.LengthOffset, f.LengthBytes, replacement);
        }

        private byte[] SwapTag(byte[] data)
        {
            List<Tlv> fields = FindTlvs(data);
            if (fields.Count == 0) return InterestingByte(data);
            byte[] tags = { 0x30, 0x31, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0C, 0x13, 0x16, 0x17, 0x18, 0xA0, 0xA3, 0x80, 0x81, 0x82, 0x87, 0x1F, 0x00, 0x24 };
            byte[] m = (byte[])data.Clone();
            m[fields[_rng.Next(fields.Count)].TagOffset] = tags[_rng.Next(tags.Length)];
            return m;
        }

        private struct Tlv
        {
            public int TagOffset;
            public int LengthOffset;
            public int LengthBytes;
            public int Length;
        }

        /// <summary>
        /// Every well-formed TLV in the data, walking constructed values and the contents of OCTET and BIT STRINGs that
        /// hold DER (extension values, keys), iteratively and with a cap so hostile seeds cannot make it costly.
        /// </summary>
        private static List<Tlv> FindTlvs(byte[] data)
        {
            var result = new List<Tlv>();
            var work = new Stack<(int Start, int End)>();
            work.Push((0, data.Length));
            while (work.Count > 0 && result.Count < 4096)
            {
                (int pos, int end) = work.Pop();
                while (pos + 2 <= end && result.Count < 4096)
                {
                    int tag = data[pos];
                    if ((tag & 0x1F) == 0x1F) break;
                    int lo = pos + 1;
                    int first = data[lo];
                    int len, lb;
                    if (first < 0x80)
                    {
                        len = first;
                        lb = 1;
                    }
                    else
                    {
                        int n = first & 0x7F;
                        if (n == 0 || n > 3 || lo + 1 + n > end) break;
                        len = 0;
                        for (int k = 0; k < n; k++) len = (len << 8) | data[lo + 1 + k];
                        lb = 1 + n;
                    }
                    int contents = lo + lb;
                    if (len > end - contents) break;
                    result.Add(new Tlv { TagOffset = pos, LengthOffset = lo, LengthBytes = lb, Length = len });
                    if ((tag & 0x20) != 0) work.Push((contents, contents + len));
                    else if (tag == 0x04 && len >= 2) work.Push((contents, contents + len));
                    else if (tag == 0x03 && len >= 3) work.Push((contents + 1, contents + len));
                    pos = contents + len;
                }
            }
            return result;
        }

        private static byte[] EncodeLength(int length)
        {
            if (length < 0x80) return new[] { (byte)length };
            if (length < 0x100) return new byte[] { 0x81, (byte)length };
            if (length < 0x10000) return new byte[] { 0x82, (byte)(length >> 8), (byte)length };
            return new byte[] { 0x83, (byte)(length >> 16), (byte)(length >> 8), (byte)length };
        }

        // ---------------------------------------------------------------- PEM

        /// <summary>One or two PEM-level mutations of <paramref name="pem"/>, returned as UTF-8 bytes (sometimes mangled below the text level).</summary>
        public byte[] MutatePem(string pem)
        {
            string text = pem;
            int rounds = _rng.Next(10) < 7 ? 1 : 2;
            for (int r = 0; r < rounds; r++) text = MutatePemOnce(text);
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text);
            if (_rng.Next(10) == 0) bytes = MutateBinary(bytes);
            return bytes;
        }

        private string MutatePemOnce(string text)
        {
            List<(int Begin, int BodyStart, int BodyEnd, int End)> blocks = FindBlocks(text);
            if (blocks.Count == 0) return text + "\n-----BEGIN CERTIFICATE-----\n";
            var b = blocks[_rng.Next(blocks.Count)];
            switch (_rng.Next(14))
            {
                case 0:
                case 1:
                case 2:
                case 3:
                {
                    // The most productive one: a binary mutation of the DER inside, re-encoded as valid base64.
                    byte[] der;
                    try
                    {
                        der = Convert.FromBase64String(text.Substring(b.BodyStart, b.BodyEnd - b.BodyStart));
                    }
                    catch (FormatException)
                    {
                        return CorruptBase64(text, b.BodyStart, b.BodyEnd);
                    }
                    return text.Substring(0, b.BodyStart) + Wrap(Convert.ToBase64String(MutateBinary(der))) + text.Substring(b.BodyEnd);
                }
                case 4:
                case 5:
                    return CorruptBase64(text, b.BodyStart, b.BodyEnd);
                case 6:
                {
                    // Label swap: BEGIN, END or both.
                    string label = Labels[_rng.Next(Labels.Length)];
                    string head = text.Substring(b.Begin, b.BodyStart - b.Begin);
                    string tail = text.Substring(b.BodyEnd, b.End - b.BodyEnd);
                    int which = _rng.Next(3);
                    string newHead = which != 1 ? "-----BEGIN " + label + "-----\n" : head;
                    string newTail = which != 0 ? "-----END " + label + "-----" : tail;
                    return text.Substring(0, b.Begin) + newHead + text.Substring(b.BodyStart, b.BodyEnd - b.BodyStart) + newTail + text.Substring(b.End);
                }
                case 7:
                    // No END line (or no BEGIN line).
                    return _rng.Next(3) != 0
                        ? text.Substring(0, b.BodyEnd) + text.Substring(b.End)
                        : text.Substring(0, b.Begin) + text.Substring(b.BodyStart);
                case 8:
                    return Noise(text);
                case 9:
                    return text.Substring(0, b.BodyStart) + Pick(new[] { "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\n", "Comment: x\n", ":\n", "a:b\n" }) + text.Substring(b.BodyStart);
                case 10:
                    return Pick(new[] { "\uFEFF", "   \r\n", "Bag Attributes\n    localKeyID: 01 \n", "\0", "garbage" }) + text;
                case 11:
                    // Duplicate a block, or drop one.
                    return _rng.Next(2) == 0
                        ? text.Substring(0, b.End) + "\n" + text.Substring(b.Begin, b.End - b.Begin) + text.Substring(b.End)
                        : text.Substring(0, b.Begin) + text.Substring(b.End);
                case 12:
                    return text.Substring(0, _rng.Next(text.Length));
                default:
                {
                    // Tamper with the dashes and keywords of the encapsulation boundaries.
                    string[] from = { "-----BEGIN ", "-----END ", "-----\n" };
                    string[] to = { "----BEGIN ", "-----BEGIN  ", "-----begin ", "----END ", "-----END", "----\n", "------\n", "-----\r\r\n", "-----" };
                    string f = Pick(from);
                    int at = text.IndexOf(f, b.Begin, StringComparison.Ordinal);
                    if (at < 0) return text;
                    return text.Substring(0, at) + Pick(to) + text.Substring(at + f.Length);
                }
            }
        }

        private string CorruptBase64(string text, int start, int end)
        {
            const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            var sb = new StringBuilder(text);
            int n = 1 + _rng.Next(4);
            for (int i = 0; i < n && end > start; i++)
            {
                int at = start + _rng.Next(end - start);
                switch (_rng.Next(5))
                {
                    case 0: sb[at] = alphabet[_rng.Next(alphabet.Length)]; break; // still base64: different DER
                    case 1: sb[at] = Pick(new[] { '!', '*', '=', '-', '.', '\u00E9', '\u2028', '\0' }); break;
                    case 2: sb.Insert(at, Pick(new[] { "=", "==", "A", "AB", "ABC", " ", "\t", "\r" })); break;
                    case 3: sb.Remove(at, 1); break;
                    default: sb.Insert(at, "===="); break;
                }
            }
            return sb.ToString();
        }

        private string Noise(string text)
        {
            switch (_rng.Next(5))
            {
                case 0: return text.Replace("\n", "\r\n");
                case 1: return text.Replace("\n", _rng.Next(2) == 0 ? "\r" : "\n\n \t\n");
                case 2: return text.Replace("\n", "  \t\n ");
                case 3: return text.TrimEnd('\n');
                default:
                {
                    var sb = new StringBuilder(text);
                    int n = 1 + _rng.Next(8);
                    for (int i = 0; i < n; i++) sb.Insert(_rng.Next(sb.Length + 1), Pick(new[] { " ", "\t", "\r", "\n", "\r\n", "\v", "\f" }));
                    return sb.ToString();
                }
            }
        }

        private T Pick<T>(T[] items) => items[_rng.Next(items.Length)];

        private static List<(int Begin, int BodyStart, int BodyEnd, int End)> FindBlocks(string text)
        {
            var blocks = new List<(int, int, int, int)>();
            int pos = 0;
            while (true)
            {
                int begin = text.IndexOf("-----BEGIN ", pos, StringComparison.Ordinal);
                if (begin < 0) break;
                int bodyStart = text.IndexOf('\n', begin);
                if (bodyStart < 0) break;
                bodyStart++;
                int bodyEnd = text.IndexOf("-----END ", bodyStart, StringComparison.Ordinal);
                if (bodyEnd < 0) break;
                int end = text.IndexOf("-----", bodyEnd + 9, StringComparison.Ordinal);
                if (end < 0) break;
                end += 5;
                blocks.Add((begin, bodyStart, bodyEnd, end));
                pos = end;
            }
            return blocks;
        }

        private static string Wrap(string b64)
        {
            var sb = new StringBuilder(b64.Length + b64.Length / 64 + 2);
            for (int i = 0; i < b64.Length; i += 64) sb.Append(b64, i, Math.Min(64, b64.Length - i)).Append('\n');
            return sb.ToString();
        }

        // ---------------------------------------------------------------- helpers

        public byte[] RandomBytes(int n)
        {
            var b = new byte[n];
            _rng.NextBytes(b);
            return b;
        }

        private static byte[] Slice(byte[] data, int start, int length)
        {
            var s = new byte[length];
            Buffer.BlockCopy(data, start, s, 0, length);
            return s;
        }

        private static byte[] Splice(byte[] data, int at, int remove, byte[] insert)
        {
            var m = new byte[data.Length - remove + insert.Length];
            Buffer.BlockCopy(data, 0, m, 0, at);
            Buffer.BlockCopy(insert, 0, m, at, insert.Length);
            Buffer.BlockCopy(data, at + remove, m, at + insert.Length, data.Length - at - remove);
            return m;
        }

        public static string HexPreview(byte[] data, int max = 96)
        {
            string hex = BitConverter.ToString(data, 0, Math.Min(max, data.Length)).Replace("-", "");
            return data.Length > max ? $"{hex}... ({data.Length} bytes)" : $"{hex} ({data.Length} bytes)";
        }
    }

    /// <summary>Runs a parser over generated inputs; only <see cref="PkiException"/> may come out, and nothing may be slow.</summary>
    /// <summary>
    /// Text no error message may carry (issue 18): BouncyCastle's or .NET's own words, parameter-validation suffixes and
    /// exception type names tell a sysadmin nothing. Every fuzz and hostile-file test checks each message it provokes.
    /// </summary>
    public static class LibraryText
    {
        private static readonly System.Text.RegularExpressions.Regex Pattern = new System.Text.RegularExpressions.Regex(
            @"Org\.BouncyCastle|\(Parameter '|\b\w+Exception\b|\bSystem\.[A-Z]|Interop\+|\bAsn1[A-Z]\w*|\b(Der|DL|Ber)[A-Z][a-z]\w*|GetInstance",
            System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        /// <summary>The first piece of library text in <paramref name="message"/>, or null when it is plain.</summary>
        public static string? In(string message)
        {
            var m = Pattern.Match(message);
            return m.Success ? m.Value : null;
        }
    }

    public static class FuzzRunner
    {
        /// <summary>Generous: an input that takes this long is a bug (an algorithmic blow-up), not a slow machine.</summary>
        public static readonly TimeSpan PerInputBound = TimeSpan.FromSeconds(2);

        public sealed class Report
        {
            public int Inputs;
            public int Parsed;
            public readonly Dictionary<PkiErrorCode, int> Codes = new Dictionary<PkiErrorCode, int>();
            public readonly List<string> Failures = new List<string>();
            public int FailureCount;
            public double SlowestMs;
            public TimeSpan Elapsed;

            public override string ToString() =>
                $"{Inputs:N0} inputs in {Elapsed.TotalSeconds:F1} s (slowest {SlowestMs:F1} ms): {Parsed:N0} parsed, " +
                string.Join(", ", Codes.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value:N0}"));
        }

        /// <summary>
        /// Feeds <paramref name="count"/> inputs from <paramref name="next"/> to <paramref name="parse"/> and fails listing the
        /// first inputs that raised anything but PkiException or exceeded <see cref="PerInputBound"/>.
        /// </summary>
        public static Report Run(string name, int count, Func<int, byte[]> next, Action<byte[]> parse, ITestOutputHelper? output = null)
        {
            var report = new Report();
            var total = Stopwatch.StartNew();
            var one = new Stopwatch();
            for (int i = 0; i < count; i++)
            {
                byte[] input = next(i);
                report.Inputs++;
                string? problem = null;
                one.Restart();
                try
                {
                    parse(input);
                    report.Parsed++;
                }
                catch (PkiException ex)
                {
                    report.Codes.TryGetValue(ex.Code, out int c);
                    report.Codes[ex.Code] = c + 1;
                    if (ex.Message.Contains("   at ", StringComparison.Ordinal)) problem = $"PkiException {ex.Code} with a stack trace in its message: {ex.Message}";
                    else if (LibraryText.In(ex.Message) is string leak) problem = $"PkiException {ex.Code} with library text ('{leak}') in its message: {ex.Message}";
                }
                catch (Exception ex)
                {
                    problem = $"{ex.GetType().FullName}: {ex.Message}\n      {FirstFrames(ex)}";
                }
                one.Stop();
                double ms = one.Elapsed.TotalMilliseconds;
                if (ms > report.SlowestMs) report.SlowestMs = ms;
                if (problem == null && one.Elapsed > PerInputBound) problem = $"took {ms:F0} ms (bound {PerInputBound.TotalMilliseconds:F0} ms)";
                if (problem != null)
                {
                    report.FailureCount++;
                    if (report.Failures.Count < 5) report.Failures.Add($"  #{i}: {problem}\n      input {MutationFuzzer.HexPreview(input)}");
                }
            }
            report.Elapsed = total.Elapsed;
            output?.WriteLine($"{name} (seed {MutationFuzzer.Seed}): {report}");
            if (report.FailureCount > 0)
            {
                throw new Xunit.Sdk.XunitException(
                    $"{name}: {report.FailureCount} of {report.Inputs} inputs escaped as something other than PkiException or were too slow " +
                    $"(seed {MutationFuzzer.Seed}, iterations {MutationFuzzer.Iterations}). First ones:\n" + string.Join("\n", report.Failures));
            }
            return report;
        }

        private static string FirstFrames(Exception ex)
        {
            string[] lines = (ex.StackTrace ?? "").Split('\n');
            return string.Join("\n      ", lines.Take(6).Select(l => l.Trim()));
        }
    }
}
