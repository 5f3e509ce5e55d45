using Npgsql;

using Mnemosyne.Testing;

namespace Mnemosyne.AuthService.Tests.Infrastructure;

/// <summary>
/// One test class's world (<see cref="ServiceFixture"/>) with a first AuthService host; more hosts start on demand,
/// all on the same databases, Redis and clock. The librarydb holds the table McpHost would own.
/// </summary>
public class AuthFixture(TestServers servers) : ServiceFixture(servers)
{
    private TestHost? _host;

    public TestHost Host => _host ?? throw new InvalidOperationException("The fixture is not started.");

    protected override async Task StartAsync()
    {
        await using (var librarydb = NpgsqlDataSource.Create(Servers.Postgres.ConnectionString(LibraryDatabase)))
        {
            // The shape McpHost's library store owns (CONTRACT §5); AuthService only reads it.
            await using var command = librarydb.CreateCommand(
                "CREATE TABLE libraries (uid text PRIMARY KEY, name text NOT NULL, workspace_id text NOT NULL)");
            await command.ExecuteNonQueryAsync();
        }

        await BeforeFirstHostAsync();
        _host = await StartHostAsync();
    }

    /// <summary>What a derived fixture starts before the first host (e.g. an identity provider it configures).</summary>
    protected virtual Task BeforeFirstHostAsync() => Task.CompletedTask;

    /// <summary>Settings a derived fixture gives every host it starts.</summary>
    protected virtual void AddSettings(Dictionary<string, string?> configuration)
    {
    }

    /// <summary>Starts another AuthService on the same databases, Redis and clock.</summary>
    public Task<TestHost> StartHostAsync(Action<Dictionary<string, string?>>? configure = null) =>
        StartHostAsync(Servers.Redis.ConnectionString, configure);

    public async Task<TestHost> StartHostAsync(string redis, Action<Dictionary<string, string?>>? configure = null)
    {
        var configuration = Settings();
        configuration["ConnectionStrings:redis"] = redis;
        AddSettings(configuration);
        configure?.Invoke(configuration);
        return Track(await TestHost.StartAuthServiceAsync(configuration, Time));
    }

    /// <summary>The admin API and resolve endpoint of <paramref name="host"/> (default: the first host).</summary>
    public AuthApi Api(TestHost? host = null) => new(host ?? Host, AdminKey, InternalKey);

    public async Task AddLibraryAsync(string uid, string workspace)
    {
        await using var librarydb = NpgsqlDataSource.Create(Servers.Postgres.ConnectionString(LibraryDatabase));
        await using var command = librarydb.CreateCommand("INSERT INTO libraries (uid, name, workspace_id) VALUES ($1, $1, $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = uid });
        command.Parameters.Add(new NpgsqlParameter { Value = workspace });
        await command.ExecuteNonQueryAsync();
    }
}
