namespace Mnemosyne.ServiceDefaults;

/// <summary>How both services connect to Postgres.</summary>
public static class PostgresConnections
{
    /// <summary>
    /// Turns on Npgsql's automatic statement preparation unless the connection string already says otherwise: the few
    /// statements a service runs on every call (token lookup, team lookup, search) are then parsed and planned once
    /// per connection instead of on every call. Set <c>Max Auto Prepare=0</c> to turn it off (e.g. behind a pooler
    /// in transaction mode that does not support prepared statements).
    /// </summary>
    public static string? WithAutoPrepare(string? connectionString) =>
        string.IsNullOrWhiteSpace(connectionString)
        || connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase)
        || connectionString.Contains("AutoPrepare", StringComparison.OrdinalIgnoreCase)
            ? connectionString
            : connectionString.TrimEnd(';') + ";Max Auto Prepare=32";
}
