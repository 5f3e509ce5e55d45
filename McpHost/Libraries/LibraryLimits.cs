namespace Mnemosyne.McpHost.Libraries;

/// <summary>Bounds on library data and tool arguments.</summary>
public static class LibraryLimits
{
    public const int IdentifierLength = 200;
    public const int NameLength = 300;
    public const int QueryLength = 500;
    public const int MaxSearchResults = 50;
    public const int DefaultSearchResults = 10;
}
