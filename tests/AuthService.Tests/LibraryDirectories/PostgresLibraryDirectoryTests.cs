using Microsoft.Extensions.DependencyInjection;
using Mnemosyne.AuthService.Libraries;
using Npgsql;

namespace Mnemosyne.AuthService.Tests.LibraryDirectories;

public sealed class PostgresLibraryDirectoryTests(TestServers servers) : LibraryDirectoryBehaviour
{
    private NpgsqlDataSource? _librarydb;

    protected override async Task<ILibraryDirectory> CreateAsync(IReadOnlyList<(string Uid, string Workspace)> libraries)
    {
        var database = "librarydb_dir_" + Guid.NewGuid().ToString("N")[..8];
        await servers.Postgres.CreateDatabaseAsync(database);
        _librarydb = NpgsqlDataSource.Create(servers.Postgres.ConnectionString(database));
        await using (var create = _librarydb.CreateCommand("CREATE TABLE libraries (uid text PRIMARY KEY, name text NOT NULL, workspace_id text NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync(Cancel);
        }

        foreach (var (uid, workspace) in libraries)
        {
            await using var insert = _librarydb.CreateCommand("INSERT INTO libraries VALUES ($1, $1, $2)");
            insert.Parameters.Add(new NpgsqlParameter { Value = uid });
            insert.Parameters.Add(new NpgsqlParameter { Value = workspace });
            await insert.ExecuteNonQueryAsync(Cancel);
        }

        var services = new ServiceCollection().AddKeyedSingleton("librarydb", _librarydb).BuildServiceProvider();
        return ActivatorUtilities.CreateInstance<PostgresLibraryDirectory>(services);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_librarydb is not null)
        {
            await _librarydb.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}
