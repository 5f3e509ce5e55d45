namespace Mnemosyne.AuthService.Data;

public sealed class Team
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public bool Active { get; set; } = true;

    /// <summary>The jti of the one team token that currently works; minting a new token replaces it.</summary>
    public string? ActiveJti { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Tool calls per minute; null = <c>Auth:RateLimit:PerMinute</c>, 0 = unlimited.</summary>
    public int? RateLimitPerMinute { get; set; }
    public List<TeamWorkspace> Workspaces { get; set; } = [];

    /// <summary>Identity-provider group ids or role values whose OAuth users see this team's libraries (CONTRACT §6).</summary>
    public List<string> Groups { get; set; } = [];
}
