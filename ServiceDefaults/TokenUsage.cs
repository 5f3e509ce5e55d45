namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// A token's use not yet written: how many calls and the latest. Added up in memory by auth-service (resolutions) and
/// by mcp-host (calls answered from its decision cache) before they reach authdb.
/// </summary>
public readonly record struct TokenUsage(long Count, DateTimeOffset LastUsedAt)
{
    public TokenUsage Add(TokenUsage other) =>
        new(Count + other.Count, other.LastUsedAt > LastUsedAt ? other.LastUsedAt : LastUsedAt);
}
