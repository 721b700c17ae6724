using System;
using System.Globalization;

namespace PkiTools.Core.Revocation
{
    /// <summary>
    /// Why a certificate was revoked. The names are part of the cmdlet contract (-Reason); the values are the RFC 5280
    /// CRLReason codes (7 is unused by the RFC).
    /// </summary>
    public enum RevocationReason
    {
        Unspecified = 0,
        KeyCompromise = 1,
        CaCompromise = 2,
        AffiliationChanged = 3,
        Superseded = 4,
        CessationOfOperation = 5,
        CertificateHold = 6,
        RemoveFromCrl = 8,
        PrivilegeWithdrawn = 9,
        AaCompromise = 10,
    }

    /// <summary>One revoked certificate: its serial number, when it was revoked and, optionally, why. Immutable.</summary>
    public sealed class RevokedEntry
    {
        private readonly byte[] _serial;

        /// <summary>
        /// <paramref name="serialNumber"/> is the positive serial, big-endian (leading zero bytes are ignored).
        /// <paramref name="reason"/> null: no reasonCode extension is written.
        /// </summary>
        public RevokedEntry(byte[] serialNumber, DateTimeOffset revocationDate, RevocationReason? reason = null)
        {
            if (serialNumber == null) throw new ArgumentNullException(nameof(serialNumber));
            _serial = Canonical(serialNumber);
            if (_serial.Length == 1 && _serial[0] == 0)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "A revoked serial number must be positive (it is zero).");
            }
            if (_serial.Length > 20 || (_serial.Length == 20 && _serial[0] >= 0x80))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "A revoked serial number must be at most 20 octets (RFC 5280 4.1.2.2).");
            }
            if (reason is RevocationReason r && !Enum.IsDefined(typeof(RevocationReason), r))
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"{(int)r} is not a CRL reason code.");
            }
            SerialNumberHex = Hex.Encode(_serial);
            RevocationDate = revocationDate;
            Reason = reason;
        }

        /// <summary>Read from a CRL: no range checks beyond what parsing did.</summary>
        internal RevokedEntry(byte[] canonicalSerial, string hex, DateTimeOffset revocationDate, RevocationReason? reason)
        {
            _serial = canonicalSerial;
            SerialNumberHex = hex;
            RevocationDate = revocationDate;
            Reason = reason;
        }

        /// <summary>The serial number, big-endian without leading zero bytes (a copy).</summary>
        public byte[] SerialNumber => (byte[])_serial.Clone();

        /// <summary>The serial number in upper-case hex, as X509Certificate2.SerialNumber shows it (without a sign byte).</summary>
        public string SerialNumberHex { get; }

        public DateTimeOffset RevocationDate { get; }

        /// <summary>The reasonCode extension, or null when the entry has none.</summary>
        public RevocationReason? Reason { get; }

        internal byte[] Magnitude => _serial;

        public override string ToString() =>
            $"{SerialNumberHex} revoked {RevocationDate.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)}" + (Reason is RevocationReason r ? $" ({r})" : string.Empty);

        /// <summary>Big-endian magnitude without leading zeros; zero is one 0x00 byte.</summary>
        internal static byte[] Canonical(byte[] serial)
        {
            int start = 0;
            while (start < serial.Length - 1 && serial[start] == 0) start++;
            if (serial.Length == 0) return new byte[] { 0 };
            var result = new byte[serial.Length - start];
            Buffer.BlockCopy(serial, start, result, 0, result.Length);
            return result;
        }
    }
}
