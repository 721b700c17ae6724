using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace PkiTools.Core.Internal
{
    /// <summary>
    /// Just enough JSON for policy.json, renewal state and ACME: objects, arrays, strings, numbers, true/false/null.
    /// Objects become <see cref="Dictionary{TKey, TValue}"/> of string to object?, arrays <see cref="List{T}"/> of
    /// object?, numbers double. Nesting is bounded (<see cref="MaxDepth"/>): a '[' 30,000 deep would otherwise overflow
    /// the stack and end the whole process. A key given twice in one object is refused: the later one would silently
    /// win, and a typo must not loosen policy.
    /// </summary>
    internal sealed class MiniJson
    {
        /// <summary>How deeply arrays and objects may nest (policy.json needs 2, ACME 3); deeper is refused, not recursed into.</summary>
        internal const int MaxDepth = 64;

        private readonly string _s;
        private int _i;
        private int _depth;

        public MiniJson(string s) => _s = s;

        public object? ParseDocument()
        {
            object? v = Value();
            Skip();
            if (_i != _s.Length) throw new FormatException($"unexpected text at offset {_i}");
            return v;
        }

        private void Skip()
        {
            while (_i < _s.Length && char.IsWhiteSpace(_s[_i])) _i++;
        }

        private object? Value()
        {
            Skip();
            if (_i >= _s.Length) throw new FormatException("unexpected end");
            char c = _s[_i];
            if ((c == '{' || c == '[') && _depth >= MaxDepth)
            {
                throw new FormatException($"arrays and objects nest more than {MaxDepth} deep at offset {_i}");
            }
            if (c == '{')
            {
                _i++;
                _depth++;
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                Skip();
                if (Peek('}'))
                {
                    _depth--;
                    return map;
                }
                while (true)
                {
                    Skip();
                    int keyAt = _i;
                    string key = String();
                    if (map.ContainsKey(key)) throw new FormatException($"the key '{key}' appears twice (again at offset {keyAt}); give each setting once");
                    Skip();
                    Expect(':');
                    map[key] = Value();
                    Skip();
                    if (Peek('}'))
                    {
                        _depth--;
                        return map;
                    }
                    Expect(',');
                }
            }
            if (c == '[')
            {
                _i++;
                _depth++;
                var list = new List<object?>();
                Skip();
                if (Peek(']'))
                {
                    _depth--;
                    return list;
                }
                while (true)
                {
                    list.Add(Value());
                    Skip();
                    if (Peek(']'))
                    {
                        _depth--;
                        return list;
                    }
                    Expect(',');
                }
            }
            if (c == '"') return String();
            if (Word("true")) return true;
            if (Word("false")) return false;
            if (Word("null")) return null;
            int start = _i;
            while (_i < _s.Length && "+-0123456789.eE".IndexOf(_s[_i]) >= 0) _i++;
            if (start == _i) throw new FormatException($"unexpected '{c}' at offset {start}");
            return double.Parse(_s.Substring(start, _i - start), NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        private bool Word(string w)
        {
            if (string.CompareOrdinal(_s, _i, w, 0, w.Length) != 0) return false;
            _i += w.Length;
            return true;
        }

        private bool Peek(char c)
        {
            if (_i < _s.Length && _s[_i] == c)
            {
                _i++;
                return true;
            }
            return false;
        }

        private void Expect(char c)
        {
            if (!Peek(c)) throw new FormatException($"expected '{c}' at offset {_i}");
        }

        private string String()
        {
            Expect('"');
            var b = new StringBuilder();
            while (true)
            {
                if (_i >= _s.Length) throw new FormatException("unterminated string");
                char c = _s[_i++];
                if (c == '"') return b.ToString();
                if (c != '\\')
                {
                    b.Append(c);
                    continue;
                }
                if (_i >= _s.Length) throw new FormatException("unterminated string");
                char e = _s[_i++];
                switch (e)
                {
                    case 'n': b.Append('\n'); break;
                    case 't': b.Append('\t'); break;
                    case 'r': b.Append('\r'); break;
                    case 'b': b.Append('\b'); break;
                    case 'f': b.Append('\f'); break;
                    case 'u':
                        if (_i + 4 > _s.Length) throw new FormatException("bad \\u escape");
                        b.Append((char)int.Parse(_s.Substring(_i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        _i += 4;
                        break;
                    default: b.Append(e); break;
                }
            }
        }
    }

    /// <summary>
    /// Compact JSON text from the shapes <see cref="MiniJson"/> reads: dictionaries (written in their enumeration
    /// order), lists, strings, booleans, null, and integral or floating numbers.
    /// </summary>
    internal static class MiniJsonWriter
    {
        public static string Write(object? value)
        {
            var b = new StringBuilder();
            Append(b, value, 0);
            return b.ToString();
        }

        private static void Append(StringBuilder b, object? value, int depth)
        {
            if (depth > MiniJson.MaxDepth) throw new FormatException($"arrays and objects nest more than {MiniJson.MaxDepth} deep");
            switch (value)
            {
                case null: b.Append("null"); break;
                case string s: AppendString(b, s); break;
                case bool flag: b.Append(flag ? "true" : "false"); break;
                case int n: b.Append(n.ToString(CultureInfo.InvariantCulture)); break;
                case long n: b.Append(n.ToString(CultureInfo.InvariantCulture)); break;
                case double d: b.Append(d.ToString("R", CultureInfo.InvariantCulture)); break;
                case IEnumerable<KeyValuePair<string, object?>> map:
                    b.Append('{');
                    bool first = true;
                    foreach (KeyValuePair<string, object?> kv in map)
                    {
                        if (!first) b.Append(',');
                        first = false;
                        AppendString(b, kv.Key);
                        b.Append(':');
                        Append(b, kv.Value, depth + 1);
                    }
                    b.Append('}');
                    break;
                case IEnumerable list:
                    b.Append('[');
                    bool firstItem = true;
                    foreach (object? item in list)
                    {
                        if (!firstItem) b.Append(',');
                        firstItem = false;
                        Append(b, item, depth + 1);
                    }
                    b.Append(']');
                    break;
                default: throw new ArgumentException($"cannot write a {value.GetType().Name} as JSON");
            }
        }

        private static void AppendString(StringBuilder b, string s)
        {
            b.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': b.Append("\\\""); break;
                    case '\\': b.Append("\\\\"); break;
                    case '\n': b.Append("\\n"); break;
                    case '\r': b.Append("\\r"); break;
                    case '\t': b.Append("\\t"); break;
                    default:
                        if (c < 0x20) b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else b.Append(c);
                        break;
                }
            }
            b.Append('"');
        }
    }
}
