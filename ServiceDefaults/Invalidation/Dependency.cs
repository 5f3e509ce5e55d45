namespace Mnemosyne.ServiceDefaults.Invalidation;

/// <summary>
/// The names shared by what a cached decision depends on and what a revoking change reaches (CONTRACT §9): a decision
/// lists the things it was resolved from (its token, its user, its signing key, its team, the groups and workspaces
/// that gave it its libraries), a change lists the things it altered, and a replica drops exactly the decisions whose
/// lists meet the change's (<see cref="InvalidationReach"/>). Each name is a kind and a value, <c>kind:value</c>.
/// </summary>
public static class Dependency
{
    /// <summary>An opaque token, by the lower-case hex SHA-256 of its plaintext (what authdb stores).</summary>
    public static string Token(string sha256Hex) => "token:" + sha256Hex;

    /// <summary>A user: its opaque tokens, its sign-ins at the authorization server, and (the service user) every JWT.</summary>
    public static string User(string username) => "user:" + username;

    /// <summary>A signing key, by kid: the turn and team JWTs it signed.</summary>
    public static string SigningKey(string kid) => "kid:" + kid;

    /// <summary>A team: its token, its rate limit, its workspaces.</summary>
    public static string Team(Guid id) => "team:" + id.ToString("D");

    /// <summary>An identity-provider group: the OAuth tokens that carry it see the teams mapped to it.</summary>
    public static string Group(string group) => "group:" + group;

    /// <summary>A workspace: which libraries it holds.</summary>
    public static string Workspace(string workspaceId) => "workspace:" + workspaceId;

    /// <summary>A client of Mnemosyne's authorization server (blocked, or not).</summary>
    public static string Client(string clientId) => "client:" + clientId;

    /// <summary>A user's grant to a client at Mnemosyne's authorization server (revoked, or not).</summary>
    public static string Grant(string clientId, string username) => "grant:" + clientId + "/" + username;

    /// <summary>
    /// The response header of <c>POST /v1/resolve</c> that lists what the decision depends on (the body's shape is
    /// fixed by CONTRACT §3): each name percent-encoded, comma-separated. A decision without it depends on everything.
    /// </summary>
    public const string HeaderName = "Mnemosyne-Depends-On";

    /// <summary>Longest header value sent; a decision depending on more is sent without it (depends on everything).</summary>
    public const int MaxHeaderLength = 16 * 1024;

    public static string? ToHeader(IEnumerable<string> dependencies)
    {
        var value = string.Join(',', dependencies.Select(Uri.EscapeDataString));
        return value.Length <= MaxHeaderLength ? value : null;
    }

    /// <summary>The names in a header value; null (everything) for one that is missing or too long.</summary>
    public static string[]? FromHeader(string? value) =>
        value is null || value.Length > MaxHeaderLength
            ? null
            : value.Length == 0
                ? []
                : value.Split(',').Select(Uri.UnescapeDataString).ToArray();
}
