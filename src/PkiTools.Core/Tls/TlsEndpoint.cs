using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PkiTools.Core.Tls
{
    /// <summary>
    /// A TLS endpoint: a host (DNS name or IP address) and a TCP port, parsed from what a person types: "web01.corp",
    /// "web01.corp:8443", "10.0.0.5:443", "::1", "[::1]:8443" or "https://web01.corp:8443/path".
    /// </summary>
    public sealed class TlsEndpoint
    {
        private TlsEndpoint(string input, string host, int port, IPAddress? address)
        {
            Input = input;
            Host = host;
            Port = port;
            Address = address;
        }

        /// <summary>The text the endpoint was parsed from.</summary>
        public string Input { get; }

        /// <summary>The DNS name (lower case, IDNA-encoded, no trailing dot) or the IP address, without brackets or port.</summary>
        public string Host { get; }

        public int Port { get; }

        /// <summary>The IP address when <see cref="Host"/> is one, else null.</summary>
        public IPAddress? Address { get; }

        public bool IsIpAddress => Address != null;

        /// <summary>"web01.corp:8443", "[::1]:8443": the form used in messages and as an error's target.</summary>
        public string Display => (Address != null && Address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + Host + "]" : Host)
            + ":" + Port.ToString(CultureInfo.InvariantCulture);

        public override string ToString() => Display;

        /// <summary>
        /// Parses <paramref name="text"/>; a port written in it wins over <paramref name="defaultPort"/>. Throws
        /// InvalidArgument for an empty or malformed host or port.
        /// </summary>
        public static TlsEndpoint Parse(string text, int defaultPort)
        {
            if (defaultPort < 1 || defaultPort > 65535) throw Invalid(text, $"the port {defaultPort} is not between 1 and 65535.");
            string input = text ?? string.Empty;
            string s = input.Trim();
            if (s.Length == 0) throw Invalid(input, "a host name is empty.");

            int scheme = s.IndexOf("://", StringComparison.Ordinal);
            if (scheme > 0)
            {
                // A URL pasted from a browser: only its authority counts (userinfo is refused rather than guessed at).
                s = s.Substring(scheme + 3);
                int end = s.IndexOfAny(new[] { '/', '?', '#' });
                if (end >= 0) s = s.Substring(0, end);
                if (s.IndexOf('@') >= 0) throw Invalid(input, "a URL with a user name or password is not a host name.");
            }

            string host;
            string? port = null;
            if (s.StartsWith("[", StringComparison.Ordinal))
            {
                int close = s.IndexOf(']');
                if (close < 0) throw Invalid(input, "the '[' of an IPv6 address is not closed.");
                host = s.Substring(1, close - 1);
                string rest = s.Substring(close + 1);
                if (rest.Length > 0)
                {
                    if (rest[0] != ':') throw Invalid(input, $"'{rest}' after the IPv6 address is not ':port'.");
                    port = rest.Substring(1);
                }
                if (!IPAddress.TryParse(host, out IPAddress? v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
                {
                    throw Invalid(input, $"'{host}' in brackets is not an IPv6 address.");
                }
            }
            else
            {
                int colon = s.IndexOf(':');
                if (colon >= 0 && colon == s.LastIndexOf(':'))
                {
                    host = s.Substring(0, colon);
                    port = s.Substring(colon + 1);
                }
                else
                {
                    host = s; // no colon, or several: a bare IPv6 address (checked below)
                }
            }

            int portNumber = defaultPort;
            if (port != null)
            {
                if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out portNumber) || portNumber < 1 || portNumber > 65535)
                {
                    throw Invalid(input, $"the port '{port}' is not a number between 1 and 65535.");
                }
            }

            if (IPAddress.TryParse(host, out IPAddress? address) && LooksLikeAddress(host))
            {
                // Canonical text (no zone surprises: a scope id stays, as the address needs it to connect).
                return new TlsEndpoint(input, address.ToString(), portNumber, address);
            }
            if (host.IndexOf(':') >= 0) throw Invalid(input, $"'{host}' is neither a host name nor an IP address (an IPv6 address with a port is written [address]:port).");
            return new TlsEndpoint(input, DnsName(input, host), portNumber, null);
        }

        /// <summary>IPAddress.TryParse also accepts "1" or "10.1" (as 0.0.0.1, 10.0.0.1); only dotted quads and IPv6 count here.</summary>
        private static bool LooksLikeAddress(string host) =>
            host.IndexOf(':') >= 0 || (host.Split('.').Length == 4 && host.Trim('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '.').Length == 0);

        private static string DnsName(string input, string host)
        {
            string name = host.EndsWith(".", StringComparison.Ordinal) ? host.Substring(0, host.Length - 1) : host;
            if (name.Length == 0) throw Invalid(input, "a host name is empty.");
            try
            {
                name = new IdnMapping().GetAscii(name).ToLowerInvariant();
            }
            catch (ArgumentException)
            {
                throw Invalid(input, $"'{host}' is not a valid host name.");
            }
            if (name.Length > 253) throw Invalid(input, "the host name is longer than 253 characters.");
            foreach (string label in name.Split('.'))
            {
                if (label.Length == 0 || label.Length > 63) throw Invalid(input, $"'{host}' is not a valid host name (an empty or over-long label).");
                foreach (char c in label)
                {
                    // Underscores appear in real internal names (and SRV-style labels); everything else is LDH.
                    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
                    {
                        throw Invalid(input, $"'{host}' is not a valid host name (the character '{c}').");
                    }
                }
            }
            return name;
        }

        private static PkiException Invalid(string? input, string why) =>
            new PkiException(PkiErrorCode.InvalidArgument, $"'{input}' is not a TLS endpoint: {why}", null, input, null, "HostName");
    }
}
