using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using PkiTools.Core.Formats;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;
using X509Extension = Org.BouncyCastle.Asn1.X509.X509Extension;

namespace PkiTools.Core.Revocation
{
    /// <summary>
    /// A parsed X.509 CRL (RFC 5280 section 5): who issued it, when, what it revokes. Read with <see cref="Parse"/>
    /// (PEM "X509 CRL" or DER) or made by <see cref="CrlBuilder"/>. The extensions RFC 5280 §6.3 needs are read here
    /// (issuingDistributionPoint, deltaCRLIndicator, the certificateIssuer of indirect CRL entries); the validator
    /// decides what a CRL covers.
    /// </summary>
    public sealed class CertificateRevocationList
    {
        /// <summary>CRL extensions we process (critical or not).</summary>
        private static readonly HashSet<string> KnownCrlExtensions = new HashSet<string>(StringComparer.Ordinal)
        {
            "2.5.29.20", // cRLNumber
            "2.5.29.35", // authorityKeyIdentifier
            "2.5.29.28", // issuingDistributionPoint
            "2.5.29.27", // deltaCRLIndicator
            "2.5.29.46", // freshestCRL (where deltas are published; the validator uses the deltas it is given)
        };

        /// <summary>CRL entry extensions we process (critical or not).</summary>
        private static readonly HashSet<string> KnownEntryExtensions = new HashSet<string>(StringComparer.Ordinal)
        {
            "2.5.29.21", // reasonCode
            "2.5.29.24", // invalidityDate
            "2.5.29.29", // certificateIssuer (indirect CRLs)
        };

        private readonly byte[] _der;
        private readonly int _version;
        private readonly int _tbsStart;
        private readonly int _tbsLength;
        /// <summary>Where each revoked entry (its SEQUENCE tag) starts in <see cref="_der"/>, in CRL order.</summary>
        private readonly int[] _entryOffsets;
        private readonly int _entryCount;
        /// <summary>Entry indexes sorted by serial number then CRL order, built at the first <see cref="Find(byte[])"/>.</summary>
        private int[]? _bySerial;
        private RevokedEntry[]? _entries;
        private string? _pem;

        private static readonly byte[] ReasonCodeOid = { 0x55, 0x1D, 0x15 };
        private static readonly byte[] InvalidityDateOid = { 0x55, 0x1D, 0x18 };
        private static readonly byte[] CertificateIssuerOid = { 0x55, 0x1D, 0x1D };

        /// <summary>Where a certificateIssuer entry extension starts a run of entries of another issuer (indirect CRLs): the
        /// entry index and the directory names it gives; null when no entry has one.</summary>
        private List<(int From, byte[][] Names)>? _certificateIssuers;
        /// <summary>Entries whose serial is negative: listed, never found (no valid certificate has such a serial).</summary>
        private HashSet<int>? _negative;

        /// <summary>
        /// Reads the CRL with a DER walk: the revoked list (which may hold 100,000 entries) is checked in place without
        /// allocating per entry (an offset each), and decoded into <see cref="RevokedEntry"/> objects only when
        /// <see cref="Entries"/> is read; <see cref="Find(byte[])"/> binary-searches the entries by serial. The small
        /// parts (algorithm, name, times, CRL extensions) are read by BouncyCastle. Every failure is an exception that
        /// <see cref="ParseDer"/> turns into CrlInvalid.
        /// </summary>
        [System.Runtime.CompilerServices.MethodImpl((System.Runtime.CompilerServices.MethodImplOptions)512)] // AggressiveOptimization: a hot loop, optimised at first call
        private CertificateRevocationList(byte[] der)
        {
            _der = der;
            // CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
            var outer = new Reader(der, 0, der.Length);
            Reader list = outer.Enter(0x30);
            outer.End();
            int tbsStart = list.Position;
            Reader tbs = list.Enter(0x30);
            _tbsStart = tbsStart;
            _tbsLength = list.Position - tbsStart;
            SignatureAlgorithmId = AlgorithmIdentifier.GetInstance(Small(list.Element(0x30)));
            (int sigStart, int sigLength) = list.Element(0x03);
            list.End();
            if (sigLength < 1 || der[sigStart] != 0) throw new ArgumentException("the signature is not a whole number of bytes");
            Signature = Slice(der, sigStart + 1, sigLength - 1);

            int version = 1;
            if (tbs.Peek == 0x02)
            {
                (int vs, int vl) = tbs.Element(0x02);
                if (vl != 1 || der[vs] != 1) throw new ArgumentException("unknown CRL version");
                version = 2;
            }
            var innerAlgorithm = AlgorithmIdentifier.GetInstance(Small(tbs.Element(0x30)));
            if (!SignatureAlgorithmId.Equals(innerAlgorithm))
            {
                throw new ArgumentException("the signature algorithm inside and outside the signed part differ");
            }
            IssuerDer = X509Name.GetInstance(Small(tbs.Element(0x30))).GetDerEncoded();
            Issuer = Names.Describe(IssuerDer);
            ThisUpdate = ReadTime(ref tbs);
            if (tbs.Peek == 0x17 || tbs.Peek == 0x18) NextUpdate = ReadTime(ref tbs);
            SignatureAlgorithm = Keys.SignatureAlgorithm.NameOf(SignatureAlgorithmId.Algorithm.Id);

            _version = version;
            _entryOffsets = Array.Empty<int>();
            if (tbs.Peek == 0x30)
            {
                Reader revoked = tbs.Enter(0x30);
                // A first guess at the count (an entry with a reason code takes about 39 bytes); grown when short.
                _entryOffsets = new int[Math.Max(4, (revoked.Limit - revoked.Position) / 32)];
                while (!revoked.AtEnd)
                {
                    if (_entryCount == _entryOffsets.Length) Array.Resize(ref _entryOffsets, _entryCount * 2);
                    _entryOffsets[_entryCount++] = revoked.Position;
                    Reader entry = revoked.Enter(0x30);
                    ReadEntry(ref entry, _entryCount - 1);
                }
            }
            if (tbs.Peek == 0xA0)
            {
                if (version != 2) throw new ArgumentException("a v1 CRL carries extensions");
                Reader explicitTag = tbs.Enter(0xA0);
                X509Extensions extensions = X509Extensions.GetInstance(Small(explicitTag.Element(0x30)));
                explicitTag.End();
                foreach (DerObjectIdentifier oid in extensions.ExtensionOids)
                {
                    X509Extension ext = extensions.GetExtension(oid);
                    if (ext.IsCritical && !KnownCrlExtensions.Contains(oid.Id)) UnsupportedCriticalExtension ??= oid.Id;
                }
                X509Extension? number = extensions.GetExtension(X509Extensions.CrlNumber);
                if (number != null)
                {
                    CrlNumberCritical = number.IsCritical;
                    Org.BouncyCastle.Math.BigInteger n = DerInteger.GetInstance(number.GetParsedValue()).Value;
                    if (n.SignValue < 0) throw new ArgumentException("the CRL number is negative");
                    CrlNumberValue = System.Numerics.BigInteger.Parse(n.ToString(), CultureInfo.InvariantCulture);
                }
                X509Extension? aki = extensions.GetExtension(X509Extensions.AuthorityKeyIdentifier);
                if (aki != null)
                {
                    byte[]? id = AuthorityKeyIdentifier.GetInstance(aki.GetParsedValue()).KeyIdentifier?.GetOctets();
                    if (id != null) AuthorityKeyId = Hex.Encode(id);
                }
                X509Extension? idp = extensions.GetExtension(X509Extensions.IssuingDistributionPoint);
                if (idp != null)
                {
                    IssuingDistributionPointDer = idp.Value.GetOctets();
                    IssuingDistributionPoint = Org.BouncyCastle.Asn1.X509.IssuingDistributionPoint.GetInstance(idp.GetParsedValue());
                    if (IssuingDistributionPoint.DistributionPoint != null)
                    {
                        IssuingDistributionPointNames = DistributionPoints.NamesOf(IssuingDistributionPoint.DistributionPoint, IssuerDer); // malformed: not a CRL
                    }
                    int scopes = (IssuingDistributionPoint.OnlyContainsUserCerts ? 1 : 0) + (IssuingDistributionPoint.OnlyContainsCACerts ? 1 : 0)
                        + (IssuingDistributionPoint.OnlyContainsAttributeCerts ? 1 : 0);
                    if (scopes > 1) throw new ArgumentException("its issuingDistributionPoint asserts more than one of onlyContainsUserCerts, onlyContainsCACerts and onlyContainsAttributeCerts (RFC 5280 5.2.5)");
                }
                X509Extension? delta = extensions.GetExtension(X509Extensions.DeltaCrlIndicator);
                if (delta != null)
                {
                    Org.BouncyCastle.Math.BigInteger b = DerInteger.GetInstance(delta.GetParsedValue()).Value;
                    if (b.SignValue < 0) throw new ArgumentException("the base CRL number of the delta CRL is negative");
                    BaseCrlNumberValue = System.Numerics.BigInteger.Parse(b.ToString(), CultureInfo.InvariantCulture);
                }
            }
            tbs.End();
        }

        /// <summary>The entry whose SEQUENCE starts at <paramref name="offset"/> (already checked by the constructor).</summary>
        private RevokedEntry EntryAt(int offset)
        {
            var at = new Reader(_der, offset, _der.Length);
            Reader entry = at.Enter(0x30);
            return ReadEntry(ref entry, -1)!;
        }

        /// <summary>
        /// Checks entry <paramref name="index"/> as the constructor walks the list (recording a negative serial or a
        /// certificateIssuer; nothing allocated otherwise), or, with index -1, returns an entry already checked as an object.
        /// </summary>
        [System.Runtime.CompilerServices.MethodImpl((System.Runtime.CompilerServices.MethodImplOptions)512)] // AggressiveOptimization: a hot loop, optimised at first call
        private RevokedEntry? ReadEntry(ref Reader entry, int index)
        {
            bool materialize = index < 0;
            int version = _version;
            // SEQUENCE { userCertificate INTEGER, revocationDate Time, crlEntryExtensions Extensions OPTIONAL }
            (int serialStart, int serialLength) = entry.Element(0x02);
            if (serialLength == 0) throw new ArgumentException("a revoked serial number is empty");
            bool negative = (_der[serialStart] & 0x80) != 0;
            if (negative && !materialize) (_negative ??= new HashSet<int>()).Add(index);
            int skip = 0;
            while (skip < serialLength - 1 && _der[serialStart + skip] == 0) skip++;
            DateTimeOffset date = ReadTime(ref entry);
            RevocationReason? reason = null;
            if (!entry.AtEnd)
            {
                if (version != 2) throw new ArgumentException("a v1 CRL carries entry extensions");
                Reader extensions = entry.Enter(0x30);
                if (extensions.AtEnd) throw new ArgumentException("an entry has an empty extension list");
                bool seenReason = false, seenInvalidity = false;
                while (!extensions.AtEnd)
                {
                    // Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
                    Reader ext = extensions.Enter(0x30);
                    (int oidStart, int oidLength) = ext.Element(0x06);
                    bool critical = false;
                    if (ext.Peek == 0x01)
                    {
                        (int bs, int bl) = ext.Element(0x01);
                        if (bl != 1) throw new ArgumentException("a BOOLEAN is not one byte");
                        critical = _der[bs] != 0;
                    }
                    (int valueStart, int valueLength) = ext.Element(0x04);
                    ext.End();
                    if (Same(oidStart, oidLength, ReasonCodeOid))
                    {
                        if (seenReason) throw new ArgumentException("an entry has two reason codes");
                        seenReason = true;
                        // CRLReason ::= ENUMERATED
                        var value = new Reader(_der, valueStart, valueStart + valueLength);
                        (int es, int el) = value.Element(0x0A);
                        value.End();
                        if (el != 1 || !Enum.IsDefined(typeof(RevocationReason), (int)_der[es])) throw new ArgumentException("unknown reason code");
                        reason = (RevocationReason)_der[es];
                    }
                    else if (Same(oidStart, oidLength, InvalidityDateOid))
                    {
                        if (seenInvalidity) throw new ArgumentException("an entry has two invalidity dates");
                        seenInvalidity = true;
                    }
                    else if (Same(oidStart, oidLength, CertificateIssuerOid))
                    {
                        if (!materialize)
                        {
                            // GeneralNames: the directory names are what certificates' issuers are compared with.
                            var names = new List<byte[]>();
                            foreach (GeneralName name in GeneralNames.GetInstance(Asn1Object.FromByteArray(Slice(_der, valueStart, valueLength))).GetNames())
                            {
                                if (name.TagNo == GeneralName.DirectoryName) names.Add(X509Name.GetInstance(name.Name).GetDerEncoded());
                            }
                            (_certificateIssuers ??= new List<(int, byte[][])>()).Add((index, names.ToArray()));
                        }
                    }
                    else if (critical)
                    {
                        UnsupportedCriticalExtension ??= DerObjectIdentifier.GetInstance(Small((oidStart, oidLength))).Id;
                    }
                }
            }
            entry.End();
            if (!materialize) return null;
            if (negative)
            {
                // Shown as a negative number; never matched (not in the serial index).
                byte[] raw = Slice(_der, serialStart, serialLength);
                Array.Reverse(raw);
                byte[] magnitude = System.Numerics.BigInteger.Negate(new System.Numerics.BigInteger(raw)).ToByteArray();
                Array.Reverse(magnitude);
                magnitude = RevokedEntry.Canonical(magnitude);
                return new RevokedEntry(magnitude, "-" + Hex.Encode(magnitude), date, reason);
            }
            byte[] serial = Slice(_der, serialStart + skip, serialLength - skip);
            return new RevokedEntry(serial, Hex.Encode(serial), date, reason);
        }

        /// <summary>The serial number of entry <paramref name="index"/>: its content in the DER, leading zero bytes skipped.</summary>
        private (int Start, int Length) SerialAt(int index)
        {
            var at = new Reader(_der, _entryOffsets[index], _der.Length);
            Reader entry = at.Enter(0x30);
            (int start, int length) = entry.Element(0x02);
            while (length > 1 && _der[start] == 0)
            {
                start++;
                length--;
            }
            return (start, length);
        }

        /// <summary>Orders serial numbers (canonical magnitudes) by length, then bytes.</summary>
        private static int CompareSerials(byte[] a, int aStart, int aLength, byte[] b, int bStart, int bLength)
        {
            if (aLength != bLength) return aLength < bLength ? -1 : 1;
            for (int i = 0; i < aLength; i++)
            {
                int d = a[aStart + i] - b[bStart + i];
                if (d != 0) return d;
            }
            return 0;
        }

        private int[] SerialIndex()
        {
            int[]? index = _bySerial;
            if (index != null) return index;
            var starts = new int[_entryCount];
            var lengths = new int[_entryCount];
            index = new int[_entryCount - (_negative?.Count ?? 0)];
            for (int i = 0, k = 0; i < _entryCount; i++)
            {
                (starts[i], lengths[i]) = SerialAt(i);
                if (_negative == null || !_negative.Contains(i)) index[k++] = i;
            }
            byte[] der = _der;
            Array.Sort(index, (x, y) =>
            {
                int c = CompareSerials(der, starts[x], lengths[x], der, starts[y], lengths[y]);
                return c != 0 ? c : x.CompareTo(y); // the first listed wins, as before
            });
            return _bySerial = index;
        }

        private bool Same(int start, int length, byte[] expected)
        {
            if (length != expected.Length) return false;
            for (int i = 0; i < length; i++)
            {
                if (_der[start + i] != expected[i]) return false;
            }
            return true;
        }

        /// <summary>UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ, the only forms RFC 5280 allows in CRLs.</summary>
        [System.Runtime.CompilerServices.MethodImpl((System.Runtime.CompilerServices.MethodImplOptions)512)] // AggressiveOptimization
        private DateTimeOffset ReadTime(ref Reader r)
        {
            byte tag = r.Peek;
            if (tag != 0x17 && tag != 0x18) throw new ArgumentException("a time is neither UTCTime nor GeneralizedTime");
            (int start, int length) = r.Element(tag);
            int p = start;
            int year;
            if (tag == 0x17)
            {
                if (length != 13) throw new ArgumentException("a UTCTime is not of the form YYMMDDHHMMSSZ");
                year = Digits(ref p, 2);
                year += year >= 50 ? 1900 : 2000;
            }
            else
            {
                if (length != 15) throw new ArgumentException("a GeneralizedTime is not of the form YYYYMMDDHHMMSSZ");
                year = Digits(ref p, 4);
            }
            int month = Digits(ref p, 2), day = Digits(ref p, 2), hour = Digits(ref p, 2), minute = Digits(ref p, 2), second = Digits(ref p, 2);
            if (_der[p] != (byte)'Z') throw new ArgumentException("a time is not in UTC (Z)");
            if (year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
            {
                throw new ArgumentException("a time is out of range");
            }
            return new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        }

        private int Digits(ref int p, int count)
        {
            int value = 0;
            for (int i = 0; i < count; i++)
            {
                int d = _der[p++] - '0';
                if (d < 0 || d > 9) throw new ArgumentException("a time has a non-digit");
                value = value * 10 + d;
            }
            return value;
        }

        /// <summary>A small element (its content at <paramref name="element"/>) re-read with its header, for BouncyCastle.</summary>
        private Asn1Object Small((int Start, int Length) element)
        {
            // Find the header start: walk back over the length octets to the tag.
            int headerLength = element.Length < 0x80 ? 2 : element.Length < 0x100 ? 3 : element.Length < 0x10000 ? 4 : element.Length < 0x1000000 ? 5 : 6;
            int start = element.Start - headerLength;
            if (start < 0) throw new ArgumentException("bad element");
            byte[] tlv = Slice(_der, start, element.Start + element.Length - start);
            return Asn1Object.FromByteArray(tlv);
        }

        private static byte[] Slice(byte[] data, int start, int length)
        {
            var result = new byte[length];
            Buffer.BlockCopy(data, start, result, 0, length);
            return result;
        }

        /// <summary>A strict DER cursor over the content of one constructed element (a struct: pass it by ref).</summary>
        private struct Reader
        {
            private readonly byte[] _data;
            private readonly int _limit;

            public Reader(byte[] data, int start, int limit)
            {
                _data = data;
                Position = start;
                _limit = limit;
            }

            public int Position { get; private set; }

            public int Limit => _limit;

            public bool AtEnd => Position >= _limit;

            /// <summary>The next tag, or 0 at the end.</summary>
            public byte Peek => Position < _limit ? _data[Position] : (byte)0;

            /// <summary>Reads the next element, which must have <paramref name="tag"/>; returns its content.</summary>
            [System.Runtime.CompilerServices.MethodImpl((System.Runtime.CompilerServices.MethodImplOptions)512)] // AggressiveOptimization
            public (int Start, int Length) Element(byte tag)
            {
                if (Position >= _limit) throw new ArgumentException($"an element (tag 0x{tag:X2}) is missing");
                if (_data[Position] != tag) throw new ArgumentException($"expected tag 0x{tag:X2}, found 0x{_data[Position]:X2}");
                int i = Position + 1;
                if (i >= _limit) throw new ArgumentException("it ends inside a length");
                int first = _data[i++];
                int length;
                if (first < 0x80)
                {
                    length = first;
                }
                else
                {
                    int n = first & 0x7F;
                    if (n == 0 || n > 4 || i + n > _limit) throw new ArgumentException("a length is indefinite, too long or truncated");
                    if (_data[i] == 0) throw new ArgumentException("a length is not minimal");
                    long l = 0;
                    for (int k = 0; k < n; k++) l = (l << 8) | _data[i++];
                    if (l < 0x80 || l > int.MaxValue) throw new ArgumentException("a length is not minimal or too large");
                    length = (int)l;
                }
                if (length > _limit - i) throw new ArgumentException("an element is longer than the data holding it");
                Position = i + length;
                return (i, length);
            }

            public Reader Enter(byte tag)
            {
                (int start, int length) = Element(tag);
                return new Reader(_data, start, start + length);
            }

            public void End()
            {
                if (Position != _limit) throw new ArgumentException("unexpected data after the last element");
            }
        }

        /// <summary>The issuer's distinguished name.</summary>
        public string Issuer { get; }

        public DateTimeOffset ThisUpdate { get; }

        /// <summary>When the next CRL is due; null when the CRL does not say (RFC 5280 requires it, old CAs omit it).</summary>
        public DateTimeOffset? NextUpdate { get; }

        /// <summary>The cRLNumber in decimal (as openssl crl -text prints it), or null when the CRL has none.</summary>
        public string? CrlNumber => CrlNumberValue?.ToString(CultureInfo.InvariantCulture);

        /// <summary>The cRLNumber, or null when the CRL has none.</summary>
        public System.Numerics.BigInteger? CrlNumberValue { get; }

        /// <summary>A delta CRL's BaseCRLNumber (deltaCRLIndicator, RFC 5280 5.2.4): the complete CRL it updates; null for a complete CRL.</summary>
        public System.Numerics.BigInteger? BaseCrlNumberValue { get; }

        /// <summary>True for a delta CRL (it lists only what changed since a complete CRL and is never used alone).</summary>
        public bool IsDelta => BaseCrlNumberValue != null;

        /// <summary>True for an indirect CRL (issuingDistributionPoint indirectCRL): it may list certificates of other issuers.</summary>
        public bool IsIndirect => IssuingDistributionPoint?.IsIndirectCrl == true;

        /// <summary>The issuingDistributionPoint extension (what the CRL covers), or null.</summary>
        internal IssuingDistributionPoint? IssuingDistributionPoint { get; }

        /// <summary>The names of the distribution point the issuingDistributionPoint covers (relative names resolved against the issuer), or null when it names none.</summary>
        internal GeneralName[]? IssuingDistributionPointNames { get; }

        /// <summary>The issuingDistributionPoint extension's value, to compare a delta's scope with its complete CRL's.</summary>
        internal byte[]? IssuingDistributionPointDer { get; }

        /// <summary>The authorityKeyIdentifier's key identifier in upper-case hex, or null.</summary>
        public string? AuthorityKeyId { get; }

        /// <summary>Sha256WithRsa, EcdsaSha256, Ed25519, ... or the OID of an algorithm we do not know.</summary>
        public string SignatureAlgorithm { get; }

        public int RevokedCount => _entryCount;

        /// <summary>The revoked certificates, in CRL order (decoded at the first read; a lookup needs only <see cref="Find(byte[])"/>).</summary>
        public IReadOnlyList<RevokedEntry> Entries
        {
            get
            {
                RevokedEntry[]? entries = _entries;
                if (entries != null) return entries;
                entries = new RevokedEntry[_entryCount];
                for (int i = 0; i < entries.Length; i++) entries[i] = EntryAt(_entryOffsets[i]);
                return _entries = entries;
            }
        }

        /// <summary>The CRL in PEM ("X509 CRL").</summary>
        public string Pem => _pem ??= Formats.Pem.Encode("X509 CRL", _der);

        internal byte[] IssuerDer { get; }

        /// <summary>The signed part, copied out when a signature is checked (not kept: it is most of a large CRL).</summary>
        internal byte[] TbsDer => Slice(_der, _tbsStart, _tbsLength);

        internal AlgorithmIdentifier SignatureAlgorithmId { get; }

        internal byte[] Signature { get; }

        /// <summary>The OID of the first critical extension (of the CRL or an entry) we do not process, or null.</summary>
        internal string? UnsupportedCriticalExtension { get; private set; }

        /// <summary>The DER encoding itself, not a copy: for writing it out within the library.</summary>
        internal byte[] Der => _der;

        /// <summary>The DER encoding (a copy).</summary>
        public byte[] GetEncoded() => (byte[])_der.Clone();

        /// <summary>The entry for a serial number (big-endian; leading zero bytes ignored), or null when it is not listed.</summary>
        public RevokedEntry? Find(byte[] serialNumber)
        {
            if (serialNumber == null) throw new ArgumentNullException(nameof(serialNumber));
            byte[] wanted = RevokedEntry.Canonical(serialNumber);
            int[] index = SerialIndex();
            int first = FirstWithSerial(index, wanted);
            if (first < 0) return null;
            return EntryOf(index[first]);
        }

        /// <summary>Entry <paramref name="i"/> (CRL order): the decoded list when it was read, else decoded from the DER.</summary>
        private RevokedEntry EntryOf(int i) => _entries != null ? _entries[i] : EntryAt(_entryOffsets[i]);

        /// <summary>The position in <paramref name="index"/> of the first entry listing <paramref name="wanted"/>, or -1.</summary>
        private int FirstWithSerial(int[] index, byte[] wanted)
        {
            int lo = 0, hi = index.Length - 1, found = -1;
            while (lo <= hi)
            {
                int mid = lo + ((hi - lo) >> 1);
                (int start, int length) = SerialAt(index[mid]);
                int c = CompareSerials(_der, start, length, wanted, 0, wanted.Length);
                if (c < 0)
                {
                    lo = mid + 1;
                }
                else
                {
                    if (c == 0) found = mid; // keep going left: the first listed
                    hi = mid - 1;
                }
            }
            return found;
        }

        /// <summary>
        /// The entry for a certificate of the issuer <paramref name="certificateIssuerDer"/> (names compared as RFC 5280
        /// §7.1 asks): in an indirect CRL an entry belongs to the issuer its certificateIssuer extension names (RFC 5280
        /// 5.3.3; the CRL's issuer until the first one), in any other CRL every entry belongs to the CRL's issuer.
        /// </summary>
        internal RevokedEntry? Find(byte[] serialNumber, byte[] certificateIssuerDer)
        {
            if (!IsIndirect || _certificateIssuers == null)
            {
                return NameComparison.Equal(certificateIssuerDer, IssuerDer) ? Find(serialNumber) : null;
            }
            byte[] wanted = RevokedEntry.Canonical(serialNumber);
            int[] index = SerialIndex();
            int first = FirstWithSerial(index, wanted);
            for (int k = first; k >= 0 && k < index.Length; k++)
            {
                (int start, int length) = SerialAt(index[k]);
                if (CompareSerials(_der, start, length, wanted, 0, wanted.Length) != 0) break;
                if (EntryIssuerIs(index[k], certificateIssuerDer)) return EntryOf(index[k]);
            }
            return null;
        }

        /// <summary>Whether entry <paramref name="entry"/> of an indirect CRL belongs to <paramref name="issuerDer"/>.</summary>
        private bool EntryIssuerIs(int entry, byte[] issuerDer)
        {
            byte[][]? names = null;
            foreach ((int from, byte[][] given) in _certificateIssuers!)
            {
                if (from > entry) break;
                names = given;
            }
            if (names == null) return NameComparison.Equal(issuerDer, IssuerDer);
            foreach (byte[] name in names)
            {
                if (NameComparison.Equal(issuerDer, name)) return true;
            }
            return false;
        }

        /// <summary>The entry for the certificate's serial number, or null when it is not listed.</summary>
        public RevokedEntry? Find(X509Certificate2 certificate)
        {
            if (certificate == null) throw new ArgumentNullException(nameof(certificate));
            byte[] littleEndian = certificate.GetSerialNumber();
            Array.Reverse(littleEndian);
            return Find(littleEndian);
        }

        /// <summary>True when the CRL's signature verifies with <paramref name="issuer"/>'s public key and names it as issuer (names compared as RFC 5280 §7.1 asks).</summary>
        public bool IsSignedBy(X509Certificate2 issuer)
        {
            if (issuer == null) throw new ArgumentNullException(nameof(issuer));
            try
            {
                ParsedCertificate parsed = ParsedCertificate.Parse(issuer.RawData);
                return NameComparison.Equal(parsed.SubjectDer, IssuerDer) && parsed.PublicKey is PublicKeyInfo key && IsSignedBy(key);
            }
            catch (PkiException)
            {
                return false;
            }
        }

        /// <summary>True when the cRLNumber extension is marked critical, which RFC 5280 5.2.3 forbids.</summary>
        internal bool CrlNumberCritical { get; }

        internal bool IsSignedBy(PublicKeyInfo key) => key.Verify(SignatureAlgorithmId, TbsDer, Signature);

        /// <summary>Verdicts of <see cref="IsSignedBy(byte[], PublicKeyInfo)"/> by the key's SubjectPublicKeyInfo DER (few keys per CRL).</summary>
        private readonly Dictionary<byte[], bool> _verdicts = new Dictionary<byte[], bool>(Validation.ByteArrayComparer.Instance);

        /// <summary>
        /// <see cref="IsSignedBy(PublicKeyInfo)"/> remembered per key (<paramref name="spkiDer"/>, its SubjectPublicKeyInfo):
        /// a CRL given for many validations (Test-CertChain over 1,000 files, a 100,000-entry CRL whose signed part is
        /// megabytes) is hashed and verified once per key, not once per certificate. Thread-safe.
        /// </summary>
        internal bool IsSignedBy(byte[] spkiDer, PublicKeyInfo key)
        {
            lock (_verdicts)
            {
                if (_verdicts.TryGetValue(spkiDer, out bool known)) return known;
            }
            bool ok = IsSignedBy(key);
            lock (_verdicts)
            {
                _verdicts[spkiDer] = ok;
            }
            return ok;
        }

        public override string ToString() => $"CRL {Issuer} #{CrlNumber ?? "-"} ({RevokedCount} revoked, next update {NextUpdate?.UtcDateTime.ToString("u", CultureInfo.InvariantCulture) ?? "none"})";

        /// <summary>Reads a CRL from PEM ("X509 CRL") or DER. Anything malformed is a PkiException with code CrlInvalid.</summary>
        public static CertificateRevocationList Parse(byte[] data)
        {
            if (data == null) throw new ArgumentNullException(nameof(data));
            byte[] der = data;
            if (Formats.Pem.LooksLikePem(data))
            {
                IReadOnlyList<PemBlock> blocks;
                try
                {
                    blocks = Formats.Pem.Decode(System.Text.Encoding.UTF8.GetString(data));
                }
                catch (PkiException ex)
                {
                    throw new PkiException(PkiErrorCode.CrlInvalid, "The CRL file is not valid PEM: " + ex.Message, ex);
                }
                PemBlock? block = null;
                foreach (PemBlock b in blocks)
                {
                    if (b.Label == "X509 CRL")
                    {
                        block = b;
                        break;
                    }
                }
                der = block?.Data ?? throw new PkiException(PkiErrorCode.CrlInvalid,
                    "The PEM text holds no 'X509 CRL' block" + (blocks.Count > 0 ? $" (it holds '{blocks[0].Label}')" : string.Empty) + ".");
            }
            return ParseDer(der);
        }

        internal static CertificateRevocationList ParseDer(byte[] der)
        {
            try
            {
                Asn1Guard.CheckOne(der, 0, der.Length, PkiErrorCode.CrlInvalid, "The CRL");
                return new CertificateRevocationList(der);
            }
            catch (PkiException ex) when (ex.Code == PkiErrorCode.CrlInvalid)
            {
                throw;
            }
            catch (Exception ex)
            {
                throw new PkiException(PkiErrorCode.CrlInvalid, "The CRL is malformed: " + PlainReason.Of(ex) + ".", ex);
            }
        }

    }
}
