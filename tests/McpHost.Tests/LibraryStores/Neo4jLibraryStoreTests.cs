using Mnemosyne.McpHost.Libraries;

namespace Mnemosyne.McpHost.Tests.LibraryStores;

/// <summary>The store behaviour on a real Neo4j when one is given (<see cref="LiveNeo4j"/>); skipped otherwise.</summary>
public sealed class Neo4jLibraryStoreTests : LibraryStoreBehaviour
{
    protected override Task<ILibraryStore> CreateStoreAsync() =>
        Task.FromResult<ILibraryStore>(new Neo4jLibraryStore(LiveNeo4j.ClientOrSkip()));
}
