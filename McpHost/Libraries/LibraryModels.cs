namespace Mnemosyne.McpHost.Libraries;

public sealed record LibrarySummary(string Uid, string Name, string Workspace, int DocumentCount);

public sealed record SearchHit(string Library, string Document, string Title, string Snippet);

public sealed record DocumentContent(string Uid, string Library, string Title, string Content);

/// <summary>What an admin document write did.</summary>
public enum DocumentWrite
{
    Created,
    Updated,
    LibraryNotFound,

    /// <summary>The document uid already belongs to another library (uids are unique across the store).</summary>
    UidTaken,
}
