using System.Net;

namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// The rules DNS-rebinding protection decides by: which <c>Host</c> names are loopback or configured, whether
/// the server listens on loopback only, and whether an <c>Origin</c> is the request's own.
/// </summary>
public static class HostNames
{
    /// <summary>
    /// <c>localhost</c>, any <c>*.localhost</c> name (browsers resolve those to loopback themselves, so no outside
    /// page can own one), and loopback IP literals (<c>127.0.0.0/8</c>, <c>[::1]</c>).
    /// </summary>
    public static bool IsLoopback(string host)
    {
        var name = host.TrimEnd('.');
        if (name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var literal = name.StartsWith('[') && name.EndsWith(']') ? name[1..^1] : name;
        return IPAddress.TryParse(literal, out var address) && IPAddress.IsLoopback(address);
    }

    /// <summary>Whether <paramref name="host"/> is one of <paramref name="allowed"/>: exact names or <c>*.suffix</c>.</summary>
    public static bool IsListed(string host, IEnumerable<string> allowed)
    {
        var name = host.TrimEnd('.');
        foreach (var entry in allowed)
        {
            var pattern = new HostString(entry.Trim()).Host.TrimEnd('.');
            if (pattern.StartsWith("*.", StringComparison.Ordinal)
                ? name.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase) && name.Length > pattern.Length - 1
                : name.Equals(pattern, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when every address the server listens on is a loopback one (<c>http://localhost:5190</c>,
    /// <c>http://127.0.0.1:0</c>); false for wildcard or other addresses (<c>http://+:8080</c>, <c>0.0.0.0</c>) or none known.
    /// </summary>
    public static bool AreAllLoopback(IEnumerable<string> listenAddresses)
    {
        var any = false;
        foreach (var address in listenAddresses)
        {
            any = true;
            string host;
            try
            {
                host = BindingAddress.Parse(address).Host;
            }
            catch (FormatException)
            {
                return false;
            }

            if (!IsLoopback(host))
            {
                return false;
            }
        }

        return any;
    }

    /// <summary>
    /// Whether <paramref name="origin"/> (<c>http(s)://host[:port]</c>) names the same host and port as the request's
    /// <c>Host</c> header. A port left out means the default of the origin's scheme on both sides, since TLS may end
    /// at a proxy in front of the server.
    /// </summary>
    public static bool IsSameAuthority(string origin, HostString host)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.UserInfo.Length > 0 || !host.HasValue)
        {
            return false;
        }

        return string.Equals(uri.Host.Trim('[', ']'), host.Host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase)
            && uri.Port == (host.Port ?? (uri.Scheme == Uri.UriSchemeHttps ? 443 : 80));
    }
}
