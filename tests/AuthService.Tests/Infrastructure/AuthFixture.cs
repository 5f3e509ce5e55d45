using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

using Mnemosyne.Testing;

namespace Mnemosyne.AuthService.Tests.Infrastructure;

/// <summary>
/// One test class's world: its own authdb and librarydb on the shared Postgres, the shared Redis, one clock that
/// every host of the class follows, and a first AuthService host. More hosts start on demand.
/// </summary>
public sealed class AuthFixture(TestServers servers) : IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..10];
    private readonly List<TestHost> _hosts = [];
    private TestHost? _host;

    public string AdminKey { get; } = RandomKey();

    public string InternalKey { get; } = RandomKey();

    /// <summary>Starts on a whole second, as JWT times are whole seconds.</summary>
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public TestServers Servers => servers;

    public string AuthDatabase => "authdb_" + _suffix;

    public string LibraryDatabase => "librarydb_" + _suffix;

    public TestHost Host => _host ?? throw new InvalidOperationException("The fixture is not started.");

    public async ValueTask InitializeAsync()
    {
        await servers.Postgres.CreateDatabaseAsync(AuthDatabase);
        await servers.Postgres.CreateDatabaseAsync(LibraryDatabase);
        await using (var librarydb = NpgsqlDataSource.Create(servers.Postgres.ConnectionString(LibraryDatabase)))
        {
            // The shape McpHost's library store owns (CONTRACT §5); AuthService only reads it.
            await using var command = librarydb.CreateCommand(
                "CREATE TABLE libraries (uid text PRIMARY KEY, name text NOT NULL, workspace_id text NOT NULL)");
            await command.ExecuteNonQueryAsync();
        }

        _host = await StartHostAsync();
    }

    /// <summary>Starts another AuthService on the same databases, Redis and clock.</summary>
    public Task<TestHost> StartHostAsync(Action<Dictionary<string, string?>>? configure = null) =>
        StartHostAsync(servers.Redis.ConnectionString, configure);

    public async Task<TestHost> StartHostAsync(string redis, Action<Dictionary<string, string?>>? configure = null)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:authdb"] = servers.Postgres.ConnectionString(AuthDatabase),
            ["ConnectionStrings:librarydb"] = servers.Postgres.ConnectionString(LibraryDatabase),
            ["ConnectionStrings:redis"] = redis,
            ["Auth:AdminKey"] = AdminKey,
            ["Auth:InternalKey"] = InternalKey,
        };
        configure?.Invoke(configuration);
        var host = await TestHost.StartAuthServiceAsync(configuration, Time);
        lock (_hosts)
        {
            _hosts.Add(host);
        }

        return host;
    }

    /// <summary>The admin API and resolve endpoint of <paramref name="host"/> (default: the first host).</summary>
    public AuthApi Api(TestHost? host = null) => new(host ?? Host, AdminKey, InternalKey);

    public async Task AddLibraryAsync(string uid, string workspace)
    {
        await using var librarydb = NpgsqlDataSource.Create(servers.Postgres.ConnectionString(LibraryDatabase));
        await using var command = librarydb.CreateCommand("INSERT INTO libraries (uid, name, workspace_id) VALUES ($1, $1, $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = uid });
        command.Parameters.Add(new NpgsqlParameter { Value = workspace });
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }

    private static string RandomKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(36));
}
