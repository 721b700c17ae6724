using System;
using System.Linq;
using PkiTools.Core.Ca;
using PkiTools.Core.Revocation;
using PkiTools.Core.Keys;
using PkiTools.Core.X509;

// Usage: PkiTools.CaStress issue <ca-dir> <count> <tag>
//        PkiTools.CaStress revoke <ca-dir>
//        PkiTools.CaStress issue-batch <ca-dir> <count> <tag> <batch>   (CaDirectory.IssueBatch)
//        PkiTools.CaStress revoke-batch <ca-dir> <batch>                (CaDirectory.RevokeBatch)
// Prints "ISSUED <serial>" / "REVOKED <serial>" after each operation returned (so a test knows what was handed out).
//        PkiTools.CaStress pg-issue|pg-revoke|pg-crl ...                (a CA whose ledger is in PostgreSQL: PgModes.cs)
string mode = args[0];
if (PgModes.Handles(mode)) return PgModes.Run(args);
if (mode == "create")
{
    // Usage: PkiTools.CaStress create <ca-dir>: New-Ca, one issuance, a revocation and a CRL (run under a umask by a test).
    var created = CaDirectory.Create(args[1], "CN=Umask Root");
    var leafKey = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
    IssuedCertificate leaf = created.Issue(CertificateSigningRequest.Create(leafKey, "CN=umask.example", new[] { "umask.example" }, Array.Empty<string>()));
    created.Revoke(leaf.Certificate.SerialNumber, RevocationReason.Superseded);
    created.NewCrl();
    Console.WriteLine("DONE");
    return 0;
}
if (mode == "renew")
{
    // Usage: PkiTools.CaStress renew <ca-dir> <folder> <rounds>: renews every x.crt in the folder, forced, round after
    // round (a test kills it at a random moment and checks that every set is whole).
    var renewer = new PkiTools.Core.Renewal.CertificateRenewer(new[] { CaDirectory.Open(args[1]) },
        new PkiTools.Core.Renewal.RenewalOptions { Force = true, KeepBackups = 1 });
    Console.WriteLine("START");
    Console.Out.Flush();
    for (int round = 0; round < int.Parse(args[3]); round++)
    {
        foreach (string file in System.IO.Directory.GetFiles(args[2], "*.crt").Where(f => !f.EndsWith(".fullchain.crt")).OrderBy(f => f))
        {
            var result = renewer.Renew(file);
            Console.WriteLine("RENEWED " + result.Action + " " + file);
            Console.Out.Flush();
        }
    }
    Console.WriteLine("DONE");
    return 0;
}
var ca = CaDirectory.Open(args[1]);
Console.Out.Flush();
if (mode == "issue")
{
    int count = int.Parse(args[2]);
    string tag = args[3];
    var key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
    for (int i = 0; i < count; i++)
    {
        string name = $"{tag}-{i}.example";
        var csr = CertificateSigningRequest.Create(key, "CN=" + name, new[] { name }, Array.Empty<string>());
        IssuedCertificate issued = ca.Issue(csr);
        Console.WriteLine("ISSUED " + issued.Certificate.SerialNumber);
        Console.Out.Flush();
    }
}
else if (mode == "issue-batch")
{
    int count = int.Parse(args[2]);
    string tag = args[3];
    int size = int.Parse(args[4]);
    var key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
    for (int i = 0; i < count; i += size)
    {
        var requests = Enumerable.Range(i, Math.Min(size, count - i))
            .Select(n => new IssueRequest(CertificateSigningRequest.Create(key, $"CN={tag}-{n}.example", new[] { $"{tag}-{n}.example" }, Array.Empty<string>())))
            .ToList();
        foreach (IssueOutcome outcome in ca.IssueBatch(requests))
        {
            if (outcome.Error != null) throw outcome.Error;
            Console.WriteLine("ISSUED " + outcome.SerialNumber);
        }
        Console.Out.Flush();
    }
}
else if (mode == "revoke-batch")
{
    int size = int.Parse(args[2]);
    var valid = ca.Entries(new LedgerQuery { Status = LedgerStatus.Valid }).Select(e => e.SerialNumber).ToList();
    for (int i = 0; i < valid.Count; i += size)
    {
        foreach (LedgerOutcome outcome in ca.RevokeBatch(valid.Skip(i).Take(size).ToList(), RevocationReason.Superseded))
        {
            if (outcome.Error != null) throw outcome.Error;
            Console.WriteLine("REVOKED " + outcome.Entry!.SerialNumber);
        }
        Console.Out.Flush();
    }
}
else if (mode == "revoke")
{
    foreach (LedgerEntry e in ca.Entries(new LedgerQuery { Status = LedgerStatus.Valid }).ToList())
    {
        ca.Revoke(e.SerialNumber, RevocationReason.Superseded);
        Console.WriteLine("REVOKED " + e.SerialNumber);
        Console.Out.Flush();
    }
}
Console.WriteLine("DONE");
return 0;
