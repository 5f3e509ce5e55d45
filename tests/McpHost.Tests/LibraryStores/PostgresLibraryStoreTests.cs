using Microsoft.EntityFrameworkCore;
using Mnemosyne.McpHost.Libraries;

namespace Mnemosyne.McpHost.Tests.LibraryStores;

/// <summary>The store behaviour on Postgres: a fresh librarydb on the test run's server, migrated by the store.</summary>
public sealed class PostgresLibraryStoreTests(TestServers servers) : LibraryStoreBehaviour
{
    private LibraryDbContext? _db;

    protected override async Task<ILibraryStore> CreateStoreAsync()
    {
        var database = "librarydb_store_" + Guid.NewGuid().ToString("N")[..8];
        await servers.Postgres.CreateDatabaseAsync(database);
        _db = new LibraryDbContext(new DbContextOptionsBuilder<LibraryDbContext>()
            .UseNpgsql(servers.Postgres.ConnectionString(database)).Options);
        return new PostgresLibraryStore(_db);
    }

    protected override ValueTask ReleaseStoreAsync() => _db?.DisposeAsync() ?? ValueTask.CompletedTask;
}
