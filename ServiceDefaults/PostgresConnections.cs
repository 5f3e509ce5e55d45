using System.Data.Common;

namespace Mnemosyne.ServiceDefaults;

/// <summary>How both services connect to Postgres.</summary>
public static class PostgresConnections
{
    /// <summary>
    /// Adds this product's two Npgsql settings to a connection string unless it already sets them:
    /// <list type="bullet">
    /// <item><c>Max Auto Prepare=32</c>: the few statements a service runs on every call (token lookup, team lookup,
    /// search) are parsed and planned once per connection instead of on every call. Set <c>Max Auto Prepare=0</c> to
    /// turn it off (e.g. behind a pooler in transaction mode that does not support prepared statements).</item>
    /// <item><c>Keepalive=2</c>: an idle pooled connection is pinged every 2 s, so one that a Postgres restart broke
    /// leaves the pool within 2 s instead of failing the first call that takes it, however much later that is. Npgsql
    /// does not check a connection when it hands it out, and the caches (decisions, resolutions, team and workspace
    /// scope) leave some connections idle for tens of seconds: without this, the fault harness saw team and OAuth misses
    /// answered 503 seven seconds after Postgres was back.</item>
    /// </list>
    /// </summary>
    public static string? WithDefaults(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return connectionString;
        }

        var keys = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(key => key.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant()).ToHashSet();
        var result = connectionString.TrimEnd(';');
        if (!keys.Contains("maxautoprepare"))
        {
            result += ";Max Auto Prepare=32";
        }

        if (!keys.Contains("keepalive"))
        {
            result += ";Keepalive=2";
        }

        return result;
    }
}
