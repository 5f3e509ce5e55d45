using System.Data.Common;

namespace Mnemosyne.ServiceDefaults.Neo4j;

/// <summary>
/// <c>ConnectionStrings__neo4j</c> (CONTRACT §1): <c>Endpoint=http://host:7474;Username=neo4j;Password=…;Database=neo4j</c>.
/// </summary>
public sealed record Neo4jConnection(Uri Endpoint, string Username, string Password, string Database)
{
    public static Neo4jConnection Parse(string connectionString)
    {
        var parts = new DbConnectionStringBuilder { ConnectionString = connectionString };
        string Part(string key) => parts.TryGetValue(key, out var value) && value?.ToString() is { Length: > 0 } text
            ? text
            : throw new InvalidOperationException($"ConnectionStrings:neo4j has no {key} (expected Endpoint=http://host:7474;Username=…;Password=…;Database=…).");

        var endpoint = Part("Endpoint");
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException($"ConnectionStrings:neo4j Endpoint must be an http(s) URL, not '{endpoint}'.");
        }

        return new Neo4jConnection(uri, Part("Username"), Part("Password"),
            parts.TryGetValue("Database", out var database) && database?.ToString() is { Length: > 0 } name ? name : "neo4j");
    }

    /// <summary>Never the password.</summary>
    public override string ToString() => $"{Endpoint} (database {Database}, user {Username})";
}
