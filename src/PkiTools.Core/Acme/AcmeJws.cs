using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PkiTools.Core.Internal;
using PkiTools.Core.Keys;

namespace PkiTools.Core.Acme
{
    /// <summary>Base64url without padding (RFC 7515 §2), the encoding of every binary value in ACME.</summary>
    public static class Base64Url
    {
        public static string Encode(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        /// <summary>Decodes base64url, with or without padding; a malformed value is a <see cref="FormatException"/>.</summary>
        public static byte[] Decode(string text)
        {
            string s = text.Trim().TrimEnd('=').Replace('-', '+').Replace('_', '/');
            switch (s.Length % 4)
            {
                case 2: s += "=="; break;
                case 3: s += "="; break;
                case 1: throw new FormatException("not base64url: a length of 4n+1 characters");
            }
            return Convert.FromBase64String(s);
        }
    }

    /// <summary>Typed reads from MiniJson's dictionaries.</summary>
    internal static class AcmeJson
    {
        public static Dictionary<string, object?> Parse(string json)
        {
            if (new MiniJson(json).ParseDocument() is Dictionary<string, object?> map) return map;
            throw new FormatException("not a JSON object");
        }

        public static string? Str(Dictionary<string, object?> map, string key) => map.TryGetValue(key, out object? v) ? v as string : null;

        public static bool Bool(Dictionary<string, object?> map, string key) => map.TryGetValue(key, out object? v) && v is bool b && b;

        public static Dictionary<string, object?>? Obj(Dictionary<string, object?> map, string key) =>
            map.TryGetValue(key, out object? v) ? v as Dictionary<string, object?> : null;

        public static List<object?> List(Dictionary<string, object?> map, string key) =>
            map.TryGetValue(key, out object? v) && v is List<object?> l ? l : new List<object?>();

        public static List<string> Strings(Dictionary<string, object?> map, string key)
        {
            var result = new List<string>();
            foreach (object? item in List(map, key))
            {
                if (item is string s) result.Add(s);
            }
            return result;
        }

        /// <summary>An RFC 3339 time, or null when absent or malformed.</summary>
        public static DateTimeOffset? Time(Dictionary<string, object?> map, string key) =>
            Str(map, key) is string s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset t)
                ? t
                : (DateTimeOffset?)null;
    }

    /// <summary>
    /// Signs ACME requests with an account key (or a certificate key for revocation): flattened JWS JSON (RFC 7515
    /// §7.2.2) with ES256/ES384/ES512 for P-256/P-384/P-521 and RS256 for RSA, signed by the platform's crypto.
    /// </summary>
    internal sealed class AcmeJws
    {
        private readonly PrivateKey _key;

        public AcmeJws(PrivateKey key)
        {
            _key = key;
            if (key.Rsa != null)
            {
                if (key.PssOnly) throw new PkiException(PkiErrorCode.SignatureAlgorithmMismatch, "An RSA-PSS key cannot be an ACME account key: ACME signs with RS256 (PKCS#1 v1.5), which an RSA-PSS key refuses. Use an RSA or ECDSA key.");
                if (key.KeySize < 2048) throw new PkiException(PkiErrorCode.WeakKey, $"An ACME account key must be RSA of at least 2048 bits; this one has {key.KeySize}.");
                RSAParameters p = key.Rsa.ExportParameters(false);
                Algorithm = "RS256";
                // RFC 7638 §3.2: the required members in lexicographic order; the JWK itself is written the same way.
                Jwk = new List<KeyValuePair<string, object?>>
                {
                    new KeyValuePair<string, object?>("e", Base64Url.Encode(TrimZeros(p.Exponent!))),
                    new KeyValuePair<string, object?>("kty", "RSA"),
                    new KeyValuePair<string, object?>("n", Base64Url.Encode(TrimZeros(p.Modulus!))),
                };
            }
            else if (key.Ecdsa != null)
            {
                ECParameters p = key.Ecdsa.ExportParameters(false);
                (string crv, string alg, int size) = key.KeySize switch
                {
                    256 => ("P-256", "ES256", 32),
                    384 => ("P-384", "ES384", 48),
                    521 => ("P-521", "ES512", 66),
                    _ => throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"ACME account keys on {key.Algorithm} are not supported; use EcdsaP256, EcdsaP384 or an RSA key."),
                };
                Algorithm = alg;
                Jwk = new List<KeyValuePair<string, object?>>
                {
                    new KeyValuePair<string, object?>("crv", crv),
                    new KeyValuePair<string, object?>("kty", "EC"),
                    new KeyValuePair<string, object?>("x", Base64Url.Encode(Pad(p.Q.X!, size))),
                    new KeyValuePair<string, object?>("y", Base64Url.Encode(Pad(p.Q.Y!, size))),
                };
            }
            else
            {
                throw new PkiException(PkiErrorCode.UnsupportedAlgorithm, $"ACME servers do not take {key.Algorithm} account keys; use EcdsaP256 (the usual choice) or an RSA key.");
            }
            JwkJson = MiniJsonWriter.Write(Jwk);
            using (SHA256 sha = SHA256.Create())
            {
                Thumbprint = Base64Url.Encode(sha.ComputeHash(Encoding.UTF8.GetBytes(JwkJson)));
            }
        }

        /// <summary>"ES256", "RS256" ...</summary>
        public string Algorithm { get; }

        /// <summary>The public key as a JWK, members in RFC 7638 order.</summary>
        public List<KeyValuePair<string, object?>> Jwk { get; }

        public string JwkJson { get; }

        /// <summary>RFC 7638 JWK thumbprint (SHA-256, base64url).</summary>
        public string Thumbprint { get; }

        /// <summary>
        /// The JWS body for <paramref name="url"/>: <paramref name="payloadJson"/> null is POST-as-GET (empty payload);
        /// <paramref name="kid"/> null puts the JWK in the header (newAccount, revocation by certificate key).
        /// </summary>
        public string Sign(string url, string nonce, string? kid, string? payloadJson)
        {
            var header = new List<KeyValuePair<string, object?>>
            {
                new KeyValuePair<string, object?>("alg", Algorithm),
            };
            if (kid != null) header.Add(new KeyValuePair<string, object?>("kid", kid));
            else header.Add(new KeyValuePair<string, object?>("jwk", Jwk));
            header.Add(new KeyValuePair<string, object?>("nonce", nonce));
            header.Add(new KeyValuePair<string, object?>("url", url));
            string protectedB64 = Base64Url.Encode(Encoding.UTF8.GetBytes(MiniJsonWriter.Write(header)));
            string payloadB64 = payloadJson == null ? "" : Base64Url.Encode(Encoding.UTF8.GetBytes(payloadJson));
            byte[] signature = SignRaw(Encoding.ASCII.GetBytes(protectedB64 + "." + payloadB64));
            return Flattened(protectedB64, payloadB64, Base64Url.Encode(signature));
        }

        /// <summary>RFC 8555 §7.3.4: the account JWK signed with HS256 under the CA's key id and MAC key.</summary>
        public Dictionary<string, object?> ExternalAccountBinding(string keyId, byte[] hmacKey, string newAccountUrl)
        {
            var header = new List<KeyValuePair<string, object?>>
            {
                new KeyValuePair<string, object?>("alg", "HS256"),
                new KeyValuePair<string, object?>("kid", keyId),
                new KeyValuePair<string, object?>("url", newAccountUrl),
            };
            string protectedB64 = Base64Url.Encode(Encoding.UTF8.GetBytes(MiniJsonWriter.Write(header)));
            string payloadB64 = Base64Url.Encode(Encoding.UTF8.GetBytes(JwkJson));
            byte[] mac;
            using (var hmac = new HMACSHA256(hmacKey))
            {
                mac = hmac.ComputeHash(Encoding.ASCII.GetBytes(protectedB64 + "." + payloadB64));
            }
            return new Dictionary<string, object?>
            {
                ["protected"] = protectedB64,
                ["payload"] = payloadB64,
                ["signature"] = Base64Url.Encode(mac),
            };
        }

        private byte[] SignRaw(byte[] data)
        {
            if (_key.Rsa != null) return _key.Rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            HashAlgorithmName hash = Algorithm == "ES256" ? HashAlgorithmName.SHA256 : Algorithm == "ES384" ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA512;
            // .NET's ECDsa.SignData gives IEEE P1363 (r || s, each the field size): exactly JWS's encoding (RFC 7518 §3.4).
            return _key.Ecdsa!.SignData(data, hash);
        }

        private static string Flattened(string protectedB64, string payloadB64, string signatureB64) =>
            MiniJsonWriter.Write(new List<KeyValuePair<string, object?>>
            {
                new KeyValuePair<string, object?>("protected", protectedB64),
                new KeyValuePair<string, object?>("payload", payloadB64),
                new KeyValuePair<string, object?>("signature", signatureB64),
            });

        private static byte[] TrimZeros(byte[] value)
        {
            int i = 0;
            while (i < value.Length - 1 && value[i] == 0) i++;
            if (i == 0) return value;
            var result = new byte[value.Length - i];
            Buffer.BlockCopy(value, i, result, 0, result.Length);
            return result;
        }

        private static byte[] Pad(byte[] value, int size)
        {
            if (value.Length == size) return value;
            byte[] trimmed = TrimZeros(value);
            var result = new byte[size];
            Buffer.BlockCopy(trimmed, 0, result, size - trimmed.Length, trimmed.Length);
            return result;
        }
    }
}
