using System.Management.Automation;
using PkiTools.Core;
using PkiTools.Core.Ca;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>Where a CA's ledger lives (-Ledger, Move-CaLedger -To).</summary>
    public enum CaLedgerType
    {
        /// <summary>index.txt in the CA folder (openssl ca's database).</summary>
        IndexTxt,

        /// <summary>A PostgreSQL database shared by the hosts holding a copy of the CA folder.</summary>
        PostgreSql,
    }

    /// <summary>-Ledger, -LedgerConnection and -LedgerCredential, checked before anything is done.</summary>
    internal static class LedgerArguments
    {
        /// <summary>The connection keywords for a PostgreSQL ledger (checked: no password in them), or null for index.txt.</summary>
        public static string? Connection(CaLedgerType type, string? connection, PSCredential? credential)
        {
            if (type == CaLedgerType.IndexTxt)
            {
                if (connection != null || credential != null)
                {
                    throw new PkiException(PkiErrorCode.InvalidArgument, "-LedgerConnection and -LedgerCredential are for a ledger in PostgreSQL: add -Ledger PostgreSql (or leave them out for index.txt).");
                }
                return null;
            }
            if (connection == null)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "A ledger in PostgreSQL needs -LedgerConnection with the connection keywords ('Host=db.example;Database=pki;Username=pki').", null, null, null, "LedgerConnection");
            }
            CaLedgerLocation.CheckConnection(connection);
            return connection;
        }

        /// <summary>The password of -LedgerCredential (null: PGPASSWORD, PGPASSFILE or ~/.pgpass).</summary>
        public static string? Password(PSCredential? credential)
        {
            if (credential == null || credential.Password == null || credential.Password.Length == 0) return null;
            return credential.GetNetworkCredential().Password;
        }
    }
}
