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

    /// <summary>
    /// -LedgerConnection and -LedgerCredential, declared once for New-Ca and Move-CaLedger (shared as dynamic parameters,
    /// as <see cref="LifetimeParameters"/> are), and checked before anything is done.
    /// </summary>
    public sealed class LedgerParameters
    {
        /// <summary>PostgreSQL connection keywords without a password ('Host=db;Database=pki;Username=pki;SSL Mode=Require'), written to ledger.json.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? LedgerConnection { get; set; }

        /// <summary>The database user and password (the user is added to -LedgerConnection when it names none); otherwise PGPASSWORD, PGPASSFILE or ~/.pgpass.</summary>
        [Parameter]
        [Credential]
        public PSCredential? LedgerCredential { get; set; }

        /// <summary>The connection keywords for a PostgreSQL ledger (checked: no password in them), or null for index.txt.</summary>
        internal string? Connection(CaLedgerType type)
        {
            if (type == CaLedgerType.IndexTxt)
            {
                if (LedgerConnection != null || LedgerCredential != null)
                {
                    throw new PkiException(PkiErrorCode.InvalidArgument, "-LedgerConnection and -LedgerCredential are for a ledger in PostgreSQL: add -Ledger PostgreSql (or leave them out for index.txt).");
                }
                return null;
            }
            if (LedgerConnection == null)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, "A ledger in PostgreSQL needs -LedgerConnection with the connection keywords ('Host=db.example;Database=pki;Username=pki').", null, null, null, "LedgerConnection");
            }
            CaLedgerLocation.CheckConnection(LedgerConnection);
            return WithCredentialUser(LedgerConnection);
        }

        /// <summary>
        /// The keywords with the user name of -LedgerCredential added when they name none (a user name is not a secret:
        /// it goes to ledger.json, so every host logs in as that user); InvalidArgument when they name another user.
        /// </summary>
        private string WithCredentialUser(string connection)
        {
            string? user = LedgerCredential?.UserName;
            if (string.IsNullOrEmpty(user)) return connection;
            foreach (var keyword in CaLedgerLocation.Keywords(connection))
            {
                if (keyword.Key != "username" && keyword.Key != "user" && keyword.Key != "userid" && keyword.Key != "uid") continue;
                if (keyword.Value == user) return connection;
                throw new PkiException(PkiErrorCode.InvalidArgument,
                    $"-LedgerCredential is for the user '{user}' but -LedgerConnection names the user '{keyword.Value}': give the same user in both (or leave it out of -LedgerConnection).", null, null, null, "LedgerCredential");
            }
            return connection.TrimEnd().TrimEnd(';') + ";Username=" + user;
        }

        /// <summary>The password of -LedgerCredential (null: PGPASSWORD, PGPASSFILE or ~/.pgpass).</summary>
        internal string? Password()
        {
            if (LedgerCredential == null || LedgerCredential.Password == null || LedgerCredential.Password.Length == 0) return null;
            return LedgerCredential.GetNetworkCredential().Password;
        }
    }
}
