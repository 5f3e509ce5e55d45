using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.McpHost.Libraries;

/// <summary>
/// The start-up step (<see cref="StartupStep{TStep}"/>) that sets up the library store's schema: Postgres
/// migrations, or Neo4j constraints and the full-text index. Refused Neo4j credentials stop the service.
/// </summary>
public sealed class LibraryStoreSchema(ILibraryStore store) : IStartupStep
{
    public Task RunAsync(CancellationToken cancellationToken) => store.EnsureSchemaAsync(cancellationToken);
}
