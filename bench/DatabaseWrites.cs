using Mnemosyne.Testing;
using Npgsql;

namespace Mnemosyne.Bench;

/// <summary>Rows inserted, updated or deleted per database so far, from Postgres's own statistics.</summary>
public static class DatabaseWrites
{
    public static async Task<long[]> CountAsync(PostgresServer postgres, params string[] databases)
    {
        // An idle backend may hold its counts for up to 10 s; closing the services' idle pooled connections (all in
        // this process) makes every backend report them as it exits.
        NpgsqlConnection.ClearAllPools();
        await Task.Delay(TimeSpan.FromSeconds(1));
        var counts = new long[databases.Length];
        for (var i = 0; i < databases.Length; i++)
        {
            await using var connection = new NpgsqlConnection(postgres.ConnectionString(databases[i]));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint FROM pg_stat_user_tables", connection);
            counts[i] = (long)(await command.ExecuteScalarAsync())!;
        }

        return counts;
    }
}
