using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using PkiTools.Core;
using PkiTools.Core.Ca;
using PkiTools.Core.Keys;
using PkiTools.Core.Revocation;
using PkiTools.Core.X509;

/// <summary>
/// Workers for the several-hosts proof of issue 17 (PkiTools.PostgreSql.Tests, ProofRunTests): a CA folder whose
/// ledger.json points at PostgreSQL, the password from PGPASSWORD in this process's environment. Every ledger call is
/// retried on LedgerUnavailable (the server stopped and restarted by the test), each retry printed as "RETRY ..."; a
/// line is printed only after the call returned.
/// </summary>
internal static class PgModes
{
    private static int _retries;

    public static bool Handles(string mode) => mode.StartsWith("pg-", StringComparison.Ordinal);

    public static int Run(string[] args)
    {
        switch (args[0])
        {
            case "pg-issue":
                Issue(args[1], int.Parse(args[2]), args[3], args.Length > 4 ? int.Parse(args[4]) : 1);
                break;
            case "pg-revoke":
                RevokeUntil(args[1], args[2]);
                break;
            case "pg-crl":
                PublishUntil(args[1], args[2], args[3]);
                break;
            default:
                throw new ArgumentException("unknown mode " + args[0]);
        }
        Console.WriteLine("RETRIES " + _retries);
        Console.WriteLine("DONE");
        return 0;
    }

    /// <summary>The call, retried (after 100 ms) for as long as it fails with LedgerUnavailable; a minute at most.</summary>
    private static T Retry<T>(Func<T> call)
    {
        DateTime giveUp = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            try
            {
                return call();
            }
            catch (PkiException ex) when (ex.Code == PkiErrorCode.LedgerUnavailable && DateTime.UtcNow < giveUp)
            {
                Interlocked.Increment(ref _retries);
                Console.WriteLine("RETRY " + ex.Message.Replace('\n', ' '));
                Console.Out.Flush();
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>
    /// pg-issue &lt;ca-dir&gt; &lt;count&gt; &lt;tag&gt; [batch]: issues count certificates, one Issue call each (batch 1) or
    /// IssueBatch of that many; prints "ISSUED &lt;serial&gt;" after the call returned (the CA copy certs/&lt;serial&gt;.pem written
    /// in this host's folder before the ledger row, the row committed before the call returns).
    /// </summary>
    private static void Issue(string dir, int count, string tag, int batch)
    {
        CaDirectory ca = Retry(() => CaDirectory.Open(dir));
        var key = PrivateKey.Generate(KeyAlgorithm.EcdsaP256);
        // For the benchmark (PkiTools.Benchmarks pgledger): PKITOOLS_STRESS_WARMUP certificates first (printed WARM, they
        // pay the JIT), then START, then wait for the file PKITOOLS_STRESS_GO so that all processes begin at once.
        int warm = int.TryParse(Environment.GetEnvironmentVariable("PKITOOLS_STRESS_WARMUP"), out int w) ? w : 0;
        for (int i = 0; i < warm; i += batch)
        {
            var requests = Enumerable.Range(i, Math.Min(batch, warm - i))
                .Select(n => new IssueRequest(CertificateSigningRequest.Create(key, $"CN={tag}-warm-{n}.example", new[] { $"{tag}-warm-{n}.example" }, Array.Empty<string>())))
                .ToList();
            foreach (IssueOutcome outcome in Retry(() => Checked(ca.IssueBatch(requests)))) Console.WriteLine("WARM " + outcome.SerialNumber);
        }
        // The requests are made before START: what follows is the CA's work.
        var all = Enumerable.Range(0, count)
            .Select(n => new IssueRequest(CertificateSigningRequest.Create(key, $"CN={tag}-{n}.example", new[] { $"{tag}-{n}.example" }, Array.Empty<string>())))
            .ToList();
        Console.WriteLine("START");
        Console.Out.Flush();
        string? go = Environment.GetEnvironmentVariable("PKITOOLS_STRESS_GO");
        while (go != null && !File.Exists(go)) Thread.Sleep(5);
        for (int i = 0; i < count; i += batch)
        {
            List<IssueRequest> requests = all.GetRange(i, Math.Min(batch, count - i));
            if (batch == 1)
            {
                IssuedCertificate issued = Retry(() => ca.Issue(requests[0].Csr));
                Console.WriteLine("ISSUED " + issued.Certificate.SerialNumber);
            }
            else
            {
                foreach (IssueOutcome outcome in Retry(() => Checked(ca.IssueBatch(requests))))
                {
                    Console.WriteLine("ISSUED " + outcome.SerialNumber);
                }
            }
            Console.Out.Flush();
        }
    }

    /// <summary>The outcomes; the batch's error when one failed (the batch is one ledger transaction: all failed alike).</summary>
    private static System.Collections.Generic.IReadOnlyList<IssueOutcome> Checked(System.Collections.Generic.IReadOnlyList<IssueOutcome> outcomes)
    {
        foreach (IssueOutcome outcome in outcomes)
        {
            if (outcome.Error != null) throw outcome.Error;
        }
        return outcomes;
    }

    /// <summary>
    /// pg-revoke &lt;ca-dir&gt; &lt;stop-file&gt;: until the stop file exists, revokes up to three Valid certificates at random
    /// (one Revoke call each), printing "REVOKED &lt;serial&gt;" after each call returned. A retry that finds the certificate
    /// already revoked counts it revoked (the first try committed before the connection was lost).
    /// </summary>
    private static void RevokeUntil(string dir, string stopFile)
    {
        CaDirectory ca = Retry(() => CaDirectory.Open(dir));
        var random = new Random();
        Console.WriteLine("START");
        Console.Out.Flush();
        while (!File.Exists(stopFile))
        {
            var valid = Retry(() => ca.Entries(new LedgerQuery { Status = LedgerStatus.Valid })).Select(e => e.SerialNumber).ToList();
            foreach (string serial in valid.OrderBy(_ => random.Next()).Take(3))
            {
                bool retried = false;
                Retry(() =>
                {
                    try
                    {
                        return ca.Revoke(serial, RevocationReason.KeyCompromise);
                    }
                    catch (PkiException ex) when (ex.Code == PkiErrorCode.LedgerUnavailable)
                    {
                        retried = true;
                        throw;
                    }
                    catch (PkiException ex) when (retried && ex.Code == PkiErrorCode.InvalidArgument && ca.Ledger.Find(serial)?.Status == LedgerStatus.Revoked)
                    {
                        return ca.Ledger.Find(serial)!;
                    }
                });
                Console.WriteLine("REVOKED " + serial);
                Console.Out.Flush();
            }
            Thread.Sleep(50);
        }
    }

    /// <summary>
    /// pg-crl &lt;ca-dir-a&gt; &lt;ca-dir-b&gt; &lt;stop-file&gt;: until the stop file exists, publishes a CRL from host A, then host
    /// B, and so on, printing "CRL &lt;A|B&gt; &lt;number&gt; &lt;revoked count&gt;" after each NewCrl returned.
    /// </summary>
    private static void PublishUntil(string dirA, string dirB, string stopFile)
    {
        CaDirectory a = Retry(() => CaDirectory.Open(dirA)), b = Retry(() => CaDirectory.Open(dirB));
        Console.WriteLine("START");
        Console.Out.Flush();
        for (int n = 0; !File.Exists(stopFile); n++)
        {
            (string host, CaDirectory ca) = n % 2 == 0 ? ("A", a) : ("B", b);
            CertificateRevocationList crl = Retry(() => ca.NewCrl());
            Console.WriteLine($"CRL {host} {crl.CrlNumber} {crl.RevokedCount}");
            Console.Out.Flush();
            Thread.Sleep(100);
        }
    }
}
