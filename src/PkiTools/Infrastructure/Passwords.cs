using System;
using System.Runtime.InteropServices;
using System.Security;
using PkiTools.Core;
using PkiTools.Core.IO;

namespace PkiTools.Commands.Infrastructure
{
    /// <summary>
    /// SecureString to the char[] the core takes, for as short a time as possible: callers clear the array in a finally
    /// block. Passwords never reach verbose output, error text or any property.
    /// </summary>
    internal static class Passwords
    {
        public static char[]? ToChars(SecureString? password)
        {
            if (password == null) return null;
            IntPtr unmanaged = Marshal.SecureStringToGlobalAllocUnicode(password);
            try
            {
                var chars = new char[password.Length];
                Marshal.Copy(unmanaged, chars, 0, chars.Length);
                return chars;
            }
            finally
            {
                Marshal.ZeroFreeGlobalAllocUnicode(unmanaged);
            }
        }

        /// <summary>Runs <paramref name="use"/> with the password's characters and wipes them afterwards.</summary>
        public static T With<T>(SecureString? password, Func<char[]?, T> use)
        {
            char[]? chars = ToChars(password);
            try
            {
                return use(chars);
            }
            finally
            {
                if (chars != null) Array.Clear(chars, 0, chars.Length);
            }
        }
    
        /// <summary>
        /// Runs <paramref name="use"/> with a CA key's password taken from, in this order: the SecureString parameter,
        /// the password file (owner-only, first line), or, when neither is given and the key is encrypted (or a
        /// credential name is given), the systemd credential in $CREDENTIALS_DIRECTORY. The characters are wiped afterwards.
        /// </summary>
        public static T WithCaPassword<T>(SecureString? password, string? passwordFile, string? credentialName, Func<bool> keyIsEncrypted,
            string passwordParameter, string fileParameter, Func<char[]?, T> use)
        {
            if (password != null && passwordFile != null)
            {
                throw new PkiException(PkiErrorCode.InvalidArgument, $"Give the password with {passwordParameter} or {fileParameter}, not both.");
            }
            char[]? chars = null;
            try
            {
                if (password != null) chars = ToChars(password);
                else if (passwordFile != null) chars = PasswordFile.Read(passwordFile);
                else if (credentialName != null || keyIsEncrypted())
                {
                    chars = PasswordFile.ReadCredential(credentialName, Environment.GetEnvironmentVariable(PasswordFile.CredentialsDirectoryVariable));
                }
                return use(chars);
            }
            finally
            {
                if (chars != null) Array.Clear(chars, 0, chars.Length);
            }
        }
    }
}
