using System.IO;

namespace PkiTools.Tests
{
    /// <summary>
    /// A single-file Java HTTPS client (java Client.java URL), as an application with its own truststore would connect:
    /// prints "HTTP 200", or "FAILED ..." (a PKIX error when the server's CA is not trusted) and exits 1.
    /// </summary>
    public static class JavaClient
    {
        /// <summary>Debian's Java system truststore; tests work on a copy, never on this file.</summary>
        public const string SystemCacerts = "/etc/ssl/certs/java/cacerts";

        private const string Source = @"import java.net.URL;
import javax.net.ssl.HttpsURLConnection;

public class Client {
    public static void main(String[] args) {
        try {
            HttpsURLConnection c = (HttpsURLConnection) new URL(args[0]).openConnection();
            c.setConnectTimeout(5000);
            c.setReadTimeout(5000);
            System.out.println(""HTTP "" + c.getResponseCode());
        } catch (Exception e) {
            System.out.println(""FAILED "" + e);
            System.exit(1);
        }
    }
}
";

        /// <summary>Runs the client in <paramref name="folder"/> against <paramref name="url"/> with <paramref name="truststore"/> (password changeit).</summary>
        public static OpenSsl.Result Get(string folder, string truststore, string url)
        {
            string file = Path.Combine(folder, "Client.java");
            if (!File.Exists(file)) File.WriteAllText(file, Source);
            return OpenSsl.RunProgram("java", folder, null, "-XX:TieredStopAtLevel=1", "-Djavax.net.ssl.trustStore=" + truststore,
                "-Djavax.net.ssl.trustStorePassword=changeit", file, url);
        }
    }
}
