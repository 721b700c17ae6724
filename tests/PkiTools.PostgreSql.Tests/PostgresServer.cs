using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using Npgsql;

namespace PkiTools.PostgreSql.Tests
{
    /// <summary>
    /// A PostgreSQL 15 server of Debian's package (/usr/lib/postgresql/15/bin), started for one test class: its own data
    /// folder in a temp dir, listening on 127.0.0.1 only at a free port, its unix socket in the temp dir, password
    /// (SCRAM) authentication over TCP for the superuser "postgres" with a random password. initdb refuses root, so
    /// under root the data folder belongs to the "postgres" system user and initdb/pg_ctl run through
    /// <c>runuser -u postgres</c>; under another user they run as that user. Stopped (and the folder removed) in Dispose.
    /// </summary>
    public sealed class PostgresServer : IDisposable
    {
        public const string BinDir = "/usr/lib/postgresql/15/bin";
        private const string RunAs = "postgres";
        private readonly bool _asRoot;
        private int _databases;

        public PostgresServer()
        {
            if (!File.Exists(Path.Combine(BinDir, "initdb")))
            {
                throw new InvalidOperationException($"PostgreSQL 15 is not installed ({BinDir}/initdb missing): apt-get install -y postgresql-15");
            }
            _asRoot = Environment.UserName == "root";
            Folder = Path.Combine(Path.GetTempPath(), "pkitools-pg-" + Guid.NewGuid().ToString("N").Substring(0, 12));
            Directory.CreateDirectory(Folder);
            Password = "pw-" + Guid.NewGuid().ToString("N");
            try
            {
                string pwFile = Path.Combine(Folder, "pw");
                File.WriteAllText(pwFile, Password + "\n");
                if (_asRoot) Run("chown", "-R", RunAs + ":", Folder);
                Pg("initdb", "-D", DataDir, "-U", "postgres", "--pwfile=" + pwFile, "--auth-local=trust", "--auth-host=scram-sha-256",
                    "-E", "UTF8", "--locale=C", "--no-sync");
                File.Delete(pwFile);
                Port = PkiTools.Tests.FreePorts.Tcp();
                Start();
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public string Folder { get; }

        public string DataDir => Path.Combine(Folder, "data");

        public int Port { get; }

        public string Password { get; }

        public bool Running { get; private set; }

        /// <summary>A connection string for <paramref name="database"/>, with or without the password.</summary>
        public string ConnectionString(string database = "postgres", bool withPassword = true) =>
            $"Host=127.0.0.1;Port={Port};Database={database};Username=postgres" + (withPassword ? $";Password={Password}" : "") + ";Timeout=5;Pooling=true";

        /// <summary>A fresh, empty database; its connection string.</summary>
        public string NewDatabase()
        {
            string name = "t" + Interlocked.Increment(ref _databases) + "_" + Guid.NewGuid().ToString("N").Substring(0, 6);
            Sql("postgres", $"CREATE DATABASE {name}");
            return ConnectionString(name);
        }

        public void Sql(string database, string sql)
        {
            using var connection = new NpgsqlConnection(ConnectionString(database) + ";Pooling=false");
            connection.Open();
            using var command = new NpgsqlCommand(sql, connection);
            command.ExecuteNonQuery();
        }

        public object? Scalar(string connectionString, string sql)
        {
            using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
            connection.Open();
            using var command = new NpgsqlCommand(sql, connection);
            return command.ExecuteScalar();
        }

        public void Start()
        {
            Pg("pg_ctl", "-D", DataDir, "-l", Path.Combine(Folder, "server.log"), "-w", "-t", "60",
                "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -c unix_socket_directories={Folder} -c fsync=off -c max_connections=60", "start");
            Running = true;
        }

        /// <summary>
        /// Serves TLS with <paramref name="certificatePem"/> and <paramref name="keyPem"/> (files in the data folder, the key
        /// owner-only as PostgreSQL demands) and, when <paramref name="requireTls"/>, accepts TCP logins over TLS only
        /// (pg_hba.conf hostssl); restarts the server.
        /// </summary>
        public void EnableTls(string certificatePem, string keyPem, bool requireTls)
        {
            string cert = Path.Combine(DataDir, "server.crt"), key = Path.Combine(DataDir, "server.key");
            File.WriteAllText(cert, certificatePem);
            File.WriteAllText(key, keyPem);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.AppendAllText(Path.Combine(DataDir, "postgresql.conf"), "\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
            if (requireTls)
            {
                string hba = Path.Combine(DataDir, "pg_hba.conf");
                File.WriteAllLines(hba, File.ReadAllLines(hba).Select(l => l.StartsWith("host ", StringComparison.Ordinal) ? "hostssl" + l.Substring(4) : l));
            }
            if (_asRoot) Run("chown", RunAs + ":", cert, key, Path.Combine(DataDir, "pg_hba.conf"), Path.Combine(DataDir, "postgresql.conf"));
            Stop();
            Start();
        }

        /// <summary>Stops the server: "fast" (clean) or "immediate" (a crash: no checkpoint, recovery at the next start).</summary>
        public void Stop(string mode = "fast")
        {
            Pg("pg_ctl", "-D", DataDir, "-m", mode, "-w", "-t", "60", "stop");
            Running = false;
        }

        public void Dispose()
        {
            try
            {
                if (File.Exists(Path.Combine(DataDir, "postmaster.pid")))
                {
                    try
                    {
                        Stop("fast");
                    }
                    catch
                    {
                        Stop("immediate");
                    }
                }
            }
            finally
            {
                NpgsqlConnection.ClearAllPools();
                try
                {
                    Directory.Delete(Folder, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }

        private void Pg(string tool, params string[] args)
        {
            var all = new List<string>();
            string file = Path.Combine(BinDir, tool);
            if (_asRoot)
            {
                all.AddRange(new[] { "-u", RunAs, "--", file });
                file = "runuser";
            }
            all.AddRange(args);
            Run(file, all.ToArray());
        }

        private static void Run(string file, params string[] args)
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = "/" };
            foreach (string a in args) info.ArgumentList.Add(a);
            using Process process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{file} {string.Join(" ", args)} exited with {process.ExitCode}: {stderr}{stdout.Result}");
            }
        }
    }
}
