namespace Mnemosyne.McpHost.Options;

/// <summary>McpHost's part of the shared <c>Auth</c> section; the admin and internal keys are <c>SharedKeys</c>.</summary>
public sealed class McpAuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>
    /// When false, a tool call whose token is missing or refused still runs, seeing no library (the seed's
    /// MCP_REQUIRE_AUTH=False). A tool outside a token's allow-list is refused either way. Logged at start.
    /// </summary>
    public bool RequireAuth { get; set; } = true;
}
