namespace Mnemosyne.Stack.Tests;

/// <summary>
/// The checkout these tests were built from: the first folder above the test binaries holding Aspire.sln. (Testing has
/// the same; Stack.Tests cannot reference Testing, which compiles the AppHost's LocalExecutables that this project
/// already gets from the AppHost.)
/// </summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Aspire.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Aspire.sln not found above the test.");
    }
}
