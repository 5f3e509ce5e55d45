namespace Mnemosyne.AuthService.Data;

/// <summary>Assigns a workspace (and so every library in it) to a team.</summary>
public sealed class TeamWorkspace
{
    public Guid TeamId { get; set; }
    public required string WorkspaceId { get; set; }
}
