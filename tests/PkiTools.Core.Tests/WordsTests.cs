using System;
using Xunit;

namespace PkiTools.Core.Tests
{
    /// <summary>Words: the article by how the next word is spoken, and dates in UTC as yyyy-MM-dd HH:mm:ss UTC.</summary>
    public sealed class WordsTests
    {
        [Theory]
        [InlineData("EcdsaP256", "an EcdsaP256")]
        [InlineData("EcdsaP384", "an EcdsaP384")]
        [InlineData("Ed25519", "an Ed25519")]
        [InlineData("Rsa2048", "an Rsa2048")]
        [InlineData("RSA", "an RSA")]
        [InlineData("Pem", "a Pem")]
        [InlineData("Der", "a Der")]
        [InlineData("Pfx", "a Pfx")]
        [InlineData("P7b", "a P7b")]
        [InlineData("Int32", "an Int32")]
        [InlineData("Hashtable", "a Hashtable")]
        [InlineData("String", "a String")]
        [InlineData("Object[]", "an Object[]")]
        [InlineData("256-bit", "a 256-bit")]
        [InlineData("2048-bit", "a 2048-bit")]
        [InlineData("8-bit", "an 8-bit")]
        [InlineData("11-bit", "an 11-bit")]
        [InlineData("1024-bit", "a 1024-bit")]
        [InlineData("X25519", "an X25519")]
        [InlineData("X448", "an X448")]
        [InlineData("DSA", "a DSA")]
        [InlineData("Diffie-Hellman (DH)", "a Diffie-Hellman (DH)")]
        public void A_or_an_by_sound(string word, string expected) => Assert.Equal(expected, Words.A(word));

        [Fact]
        public void Dates_are_iso_and_utc()
        {
            var utc = new DateTime(2026, 12, 5, 9, 10, 11, DateTimeKind.Utc);
            Assert.Equal("2026-12-05 09:10:11 UTC", Words.Date(utc));
            Assert.Equal("2026-12-05 09:10:11 UTC", Words.Date(utc.ToLocalTime()));
            Assert.Equal("2026-12-05 09:10:11 UTC", Words.Date(new DateTimeOffset(utc).ToOffset(TimeSpan.FromHours(-5))));
            Assert.Equal("none", Words.Date((DateTimeOffset?)null));
        }
    }
}
