using System.ComponentModel;

namespace Mnemosyne.McpHost.Libraries;

// The descriptions travel in each tool's outputSchema.
public sealed record LibrarySummary(
    [property: Description("The library's uid (pass it to search's 'library').")] string Uid,
    [property: Description("The library's display name.")] string Name,
    [property: Description("The workspace the library belongs to.")] string Workspace,
    [property: Description("How many documents the library holds.")] int DocumentCount);

public sealed record SearchHit(
    [property: Description("The uid of the library the document is in.")] string Library,
    [property: Description("The document's uid (pass it to get_document).")] string Document,
    [property: Description("The document's title.")] string Title,
    [property: Description("A short extract around the matches, which are marked with **.")] string Snippet);

public sealed record DocumentContent(
    [property: Description("The document's uid.")] string Uid,
    [property: Description("The uid of the library the document is in.")] string Library,
    [property: Description("The document's title.")] string Title,
    [property: Description("The document's full text.")] string Content);

/// <summary>What an admin document write did.</summary>
public enum DocumentWrite
{
    Created,
    Updated,
    LibraryNotFound,

    /// <summary>The document uid already belongs to another library (uids are unique across the store).</summary>
    UidTaken,
}
