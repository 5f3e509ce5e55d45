namespace Mnemosyne.AuthService.Data;

/// <summary>A long-lived bearer token. Only its SHA-256 hash is stored; the plaintext is shown once at creation.</summary>
public sealed class OpaqueToken
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public User? User { get; set; }
    public required string Name { get; set; }

    /// <summary>The first characters of the token, for people to tell tokens apart (never enough to use it).</summary>
    public required string Prefix { get; set; }

    public required byte[] TokenHash { get; set; }
    public required string[] Libraries { get; set; }

    /// <summary>Tool allow-list; null means every tool.</summary>
    public string[]? Tools { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>Tool calls per minute; null = <c>Auth:RateLimit:PerMinute</c>, 0 = unlimited.</summary>
    public int? RateLimitPerMinute { get; set; }
    public bool Active { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public long UseCount { get; set; }
}
