using Mnemosyne.McpHost.Libraries;
using Mnemosyne.ServiceDefaults.Neo4j;

namespace Mnemosyne.McpHost.Tests.LibraryStores;

/// <summary>
/// The store behaviour on the stand-in Neo4j (<see cref="InMemoryNeo4j"/>), over real HTTP: runs everywhere, so the Neo4j
/// store's statements, parameters and row reading are exercised where no Neo4j runs, and the stand-in the fault harness
/// puts behind a proxy is shown to answer as a library store must.
/// </summary>
public sealed class InMemoryNeo4jLibraryStoreTests : LibraryStoreBehaviour
{
    private InMemoryNeo4j? _neo4j;
    private HttpClient? _http;

    protected override async Task<ILibraryStore> CreateStoreAsync()
    {
        _neo4j = await InMemoryNeo4j.StartAsync();
        _http = new HttpClient();
        return new Neo4jLibraryStore(new Neo4jHttpClient(_http, Neo4jConnection.Parse(_neo4j.ConnectionString)));
    }

    protected override async ValueTask ReleaseStoreAsync()
    {
        _http?.Dispose();
        if (_neo4j is not null)
        {
            await _neo4j.DisposeAsync();
        }
    }
}
