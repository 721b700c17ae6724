using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using PkiTools.Core;
using PkiTools.Core.Formats;
using PkiTools.Core.IO;
using PkiTools.Core.Keys;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>What every PkiTools cmdlet shares: provider-aware paths, ShouldProcess-guarded writes, error records.</summary>
    public abstract partial class PkiCmdlet : PSCmdlet
    {
        /// <summary>An output path through the provider, so ~, relative paths and PSDrives work.</summary>
        protected string ResolveOutputPath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

        /// <summary>Input files: wildcards expanded for -Path, taken as written for -LiteralPath.</summary>
        protected IReadOnlyList<string> ResolveInputPaths(string path, bool literal)
        {
            try
            {
                if (literal)
                {
                    return new[] { SessionState.Path.GetUnresolvedProviderPathFromPSPath(path) };
                }
                return SessionState.Path.GetResolvedProviderPathFromPSPath(path, out _).ToArray();
            }
            catch (ItemNotFoundException ex)
            {
                throw new PkiException(PkiErrorCode.FileNotFound, $"The file '{path}' does not exist.", ex, path);
            }
        }

        /// <summary>
        /// Reads every file the patterns name (wildcards for -Path, as written for -LiteralPath), each capped in size, and
        /// hands its path and bytes to <paramref name="process"/>. A bad pattern or file is one error naming the file,
        /// and the rest go on.
        /// </summary>
        protected void ForEachInputFile(IEnumerable<string> patterns, bool literal, Action<string, byte[]> process)
        {
            foreach (string pattern in patterns)
            {
                Guard(() =>
                {
                    foreach (string file in ResolveInputPaths(pattern, literal))
                    {
                        Guard(() => WithSource(file, () =>
                        {
                            process(file, CertificateReader.ReadFile(file));
                            return true;
                        }));
                    }
                });
            }
        }

        /// <summary>Writes the planned files after ShouldProcess; false when -WhatIf or the user declined.</summary>
        protected bool WriteFiles(IReadOnlyList<OutputFile> files, bool force, string action)
        {
            if (files.Count == 0) return true;
            string target = string.Join(", ", files.Select(f => f.FilePath));
            if (!ShouldProcess(target, action)) return false;
            return WriteFilesConfirmed(files, force);
        }

        /// <summary>Writes the planned files when ShouldProcess was already asked for the whole operation.</summary>
        protected bool WriteFilesConfirmed(IReadOnlyList<OutputFile> files, bool force)
        {
            AtomicFileWriter.WriteAll(files, force);
            foreach (OutputFile file in files)
            {
                WriteVerbose(file.Secret ? $"Wrote {file.FilePath} (owner-only)." : $"Wrote {file.FilePath}.");
            }
            return true;
        }

        /// <summary>
        /// Runs <paramref name="use"/> for every named store, each with its own options (NSS database folders, a Java
        /// keystore and its password); a store that cannot be reached here is one error and the others go on. The
        /// keystore password lives only for the call.
        /// </summary>
        protected void ForEachStore(IEnumerable<string> names, string[]? nssDatabases, string? javaKeystore, System.Security.SecureString? keystorePassword, Action<Core.Trust.ITrustStore> use)
        {
            Core.Trust.TrustEnvironment environment = Core.Trust.TrustEnvironment.Current;
            char[]? password = Passwords.ToChars(keystorePassword);
            try
            {
                var options = new Core.Trust.TrustStoreOptions
                {
                    NssDatabases = (nssDatabases ?? Array.Empty<string>()).Select(ResolveOutputPath).ToList(),
                    JavaKeystore = javaKeystore == null ? null : ResolveOutputPath(javaKeystore),
                    KeystorePassword = password,
                };
                foreach (string name in names.Distinct(StringComparer.OrdinalIgnoreCase))
                {
                    Guard(() => use(Core.Trust.TrustStores.Create(name, options, environment)));
                }
            }
            finally
            {
                if (password != null) Array.Clear(password, 0, password.Length);
            }
        }

        /// <summary>Runs one unit of work; a PkiException becomes a non-terminating error with its stable id.</summary>
        protected void Guard(Action work)
        {
            try
            {
                work();
            }
            catch (PkiException ex)
            {
                BeforeError();
                WriteError(ErrorFactory.Create(ex, this));
            }
        }

        /// <summary>Runs before <see cref="Guard"/> writes an input's error (a cmdlet that batches its work issues what it holds first, to keep the order).</summary>
        protected virtual void BeforeError()
        {
        }

        /// <summary>Whether verbose lines would be shown (-Verbose, or $VerbosePreference): costly verbose text is built only then.</summary>
        protected bool VerboseShown()
        {
            if (MyInvocation.BoundParameters.TryGetValue("Verbose", out object? flag)) return flag is SwitchParameter s ? s.IsPresent : LanguagePrimitives.IsTrue(flag);
            object? preference = GetVariableValue("VerbosePreference");
            return preference != null && LanguagePrimitives.TryConvertTo(preference, out ActionPreference value) && value != ActionPreference.SilentlyContinue && value != ActionPreference.Ignore;
        }

        /// <summary>Runs work on <paramref name="file"/> (a read, or building what will be written there), naming the file in any error it raises.</summary>
        protected static T WithSource<T>(string file, Func<T> read)
        {
            try
            {
                return read();
            }
            catch (PkiException ex) when (ex.Reason.IndexOf(file, StringComparison.Ordinal) < 0)
            {
                // The reason is prefixed; the hint and the input at fault stay structured (ErrorFactory renders them).
                throw new PkiException(ex.Code, $"'{file}': {ex.Reason}", ex, ex.Target ?? file, ex.Hint, ex.Input);
            }
        }

        /// <summary>Generates a key and says so on the verbose stream (its id only, never its material).</summary>
        protected PrivateKey GenerateKey(KeyAlgorithm algorithm)
        {
            PrivateKey key = PrivateKey.Generate(algorithm);
            WriteVerbose($"Generated {Words.A(key.Algorithm.ToString())} key, key id {key.KeyId}.");
            return key;
        }

        /// <summary>Says so when -Password was given but no key file is written with it.</summary>
        protected void WarnPasswordUnused(System.Security.SecureString? password, bool keyFileWritten, string why)
        {
            if (password != null && !keyFileWritten) WriteWarning($"-Password has no effect: {why}");
        }

        protected void WriteWarnings(IEnumerable<string> warnings)
        {
            foreach (string warning in warnings)
            {
                WriteWarning(warning);
            }
        }
    }
}
