using Npgsql;
using PkiTools.Core;
using PkiTools.Core.Ca;

namespace PkiTools.PostgreSql
{
    /// <summary>
    /// What the core finds by reflection (<see cref="CaLedgerProviders"/>) to open a CA folder's PostgreSQL ledger
    /// (ledger.json): the connection keywords from the folder, the password given here or from Npgsql's own lookup
    /// (PGPASSWORD, PGPASSFILE, ~/.pgpass).
    /// </summary>
    public sealed class PostgreSqlLedgerProvider : ICaLedgerProvider
    {
        public ICaLedger Open(string connection, string caId, string? password, bool create)
        {
            CaLedgerLocation.CheckConnection(connection);
            string full = connection;
            if (!string.IsNullOrEmpty(password))
            {
                NpgsqlConnectionStringBuilder builder = PostgreSqlLedger.Parse(connection);
                builder.Password = password;
                full = builder.ConnectionString;
            }
            var ledger = new PostgreSqlLedger(full, caId);
            if (create)
            {
                ledger.Migrate();
                ledger.Create();
            }
            return ledger;
        }
    }
}
