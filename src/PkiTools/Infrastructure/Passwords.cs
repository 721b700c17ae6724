using System;
using System.Runtime.InteropServices;
using System.Security;

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
    }
}
