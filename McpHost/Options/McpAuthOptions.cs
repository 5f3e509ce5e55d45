using System.ComponentModel.DataAnnotations;

namespace Mnemosyne.McpHost.Options;

/// <summary>McpHost's part of the shared <c>Auth</c> section.</summary>
public sealed class McpAuthOptions
{
    public const string SectionName = "Auth";

    [Required(ErrorMessage = "Auth:AdminKey is required (set Auth__AdminKey to at least 32 characters).")]
    [MinLength(32, ErrorMessage = "Auth:AdminKey must be at least 32 characters.")]
    public string AdminKey { get; set; } = "";

    [Required(ErrorMessage = "Auth:InternalKey is required (set Auth__InternalKey to at least 32 characters).")]
    [MinLength(32, ErrorMessage = "Auth:InternalKey must be at least 32 characters.")]
    public string InternalKey { get; set; } = "";

    /// <summary>
    /// When false, a tool call whose token is missing or refused still runs, seeing no library (the seed's
    /// MCP_REQUIRE_AUTH=False). A tool outside a token's allow-list is refused either way. Logged at start.
    /// </summary>
    public bool RequireAuth { get; set; } = true;
}
