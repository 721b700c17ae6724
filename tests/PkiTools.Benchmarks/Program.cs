using System;
using System.Linq;
using BenchmarkDotNet.Running;

namespace PkiTools.Benchmarks
{
    public static class Program
    {
        public static int Main(string[] args)
        {
            string mode = args.Length > 0 ? args[0] : string.Empty;
            switch (mode)
            {
                case "throughput":
                    return ThroughputMode.Run(args.Skip(1).ToArray());
                case "compare":
                    return CompareMode.Run(args.Skip(1).ToArray());
                case "chains":
                    return ChainsMode.Run(args.Skip(1).ToArray());
                case "limbo":
                    return LimboMode.Run(args.Skip(1).ToArray());
                case "inventory":
                    return InventoryBenchmarks.RunMode(args.Skip(1).ToArray());
                case "cabulk":
                    return CaBulkMode.Run(args.Skip(1).ToArray());
                case "pgledger":
                    return PgLedgerMode.Run(args.Skip(1).ToArray());
                default:
                    // Each benchmark class carries its own short job (see the attributes), so the suite stays short on 2 cores.
                    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
                    return 0;
            }
        }
    }
}
