using Mnemosyne.AuthService.Libraries;

namespace Mnemosyne.AuthService.Tests.LibraryDirectories;

/// <summary>What every library directory must answer (team-token scope, CONTRACT §5), written once.</summary>
public abstract class LibraryDirectoryBehaviour : IAsyncLifetime
{
    private ILibraryDirectory? _directory;

    protected string Prefix { get; } = "t" + Guid.NewGuid().ToString("N")[..8] + "-";

    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>A directory over a store holding <paramref name="libraries"/> (uid, workspace), or a skip.</summary>
    protected abstract Task<ILibraryDirectory> CreateAsync(IReadOnlyList<(string Uid, string Workspace)> libraries);

    public async ValueTask InitializeAsync() => _directory = await CreateAsync(
    [
        (Prefix + "a1", Prefix + "ws-a"), (Prefix + "a2", Prefix + "ws-a"), (Prefix + "b1", Prefix + "ws-b"),
        (Prefix + "c1", Prefix + "ws-c"),
    ]);

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Libraries_of_the_given_workspaces_and_no_others()
    {
        var uids = await _directory!.LibrariesInWorkspacesAsync([Prefix + "ws-a", Prefix + "ws-b", Prefix + "ws-none"], Cancel);

        Assert.Equal([Prefix + "a1", Prefix + "a2", Prefix + "b1"], uids.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task No_workspaces_means_no_libraries_and_the_store_answers_a_ping()
    {
        Assert.Empty(await _directory!.LibrariesInWorkspacesAsync([], Cancel));
        await _directory.PingAsync(Cancel);
    }
}
