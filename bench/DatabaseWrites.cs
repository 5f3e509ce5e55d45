using Mnemosyne.Testing;
using Npgsql;

namespace Mnemosyne.Bench;

/// <summary>Rows inserted, updated or deleted in one database, from Postgres's own statistics.</summary>
public static class DatabaseWrites
{
    public static async Task<long> CountAsync(PostgresServer postgres, string database)
    {
        // An idle backend may hold its counts for up to 10 s; closing the services' idle pooled connections (all in
        // this process) makes every backend report them as it exits.
        NpgsqlConnection.ClearAllPools();
        await Task.Delay(TimeSpan.FromSeconds(1));
        await using var connection = new NpgsqlConnection(postgres.ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint FROM pg_stat_user_tables", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
