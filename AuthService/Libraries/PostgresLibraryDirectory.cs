using Mnemosyne.ServiceDefaults;
using Npgsql;

namespace Mnemosyne.AuthService.Libraries;

/// <summary>Reads library uids by workspace from the <c>libraries</c> table of <c>librarydb</c>.</summary>
public sealed class PostgresLibraryDirectory([FromKeyedServices("librarydb")] NpgsqlDataSource librarydb) : ILibraryDirectory
{
    public async Task<IReadOnlyList<string>> LibrariesInWorkspacesAsync(
        IReadOnlyCollection<string> workspaceIds, CancellationToken cancellationToken)
    {
        if (workspaceIds.Count == 0)
        {
            return [];
        }

        try
        {
            await using var command = librarydb.CreateCommand(
                "SELECT uid FROM libraries WHERE workspace_id = ANY($1) ORDER BY uid");
            command.Parameters.Add(new NpgsqlParameter { Value = workspaceIds.ToArray() });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var uids = new List<string>();
            while (await reader.ReadAsync(cancellationToken))
            {
                uids.Add(reader.GetString(0));
            }

            return uids;
        }
        catch (NpgsqlException exception)
        {
            throw new LibraryStoreUnavailableException("librarydb", exception);
        }
    }

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await librarydb.OpenConnectionAsync(cancellationToken);
        }
        catch (NpgsqlException exception)
        {
            throw new LibraryStoreUnavailableException("librarydb", exception);
        }
    }
}
