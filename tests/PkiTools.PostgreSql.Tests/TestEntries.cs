using System;
using PkiTools.Core.Ca;

namespace PkiTools.PostgreSql.Tests
{
    /// <summary>The ledger rows the PostgreSQL ledger tests append: Valid, one fixed notAfter, subject /CN=&lt;serial&gt;.</summary>
    internal static class TestEntries
    {
        public static readonly DateTimeOffset NotAfter = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

        public static LedgerEntry Entry(string serial) => new LedgerEntry(LedgerStatus.Valid, NotAfter, null, null, serial, "unknown", "/CN=" + serial);
    }
}
