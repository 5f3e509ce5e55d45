namespace Mnemosyne.McpHost.Libraries;

public sealed class Library
{
    public required string Uid { get; set; }
    public required string Name { get; set; }
    public required string WorkspaceId { get; set; }
    public List<Document> Documents { get; set; } = [];
}
