using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;

namespace Mnemosyne.Testing;

/// <summary>
/// What every service test fixture shares: random admin and internal keys, one fake clock starting on a whole second
/// (JWT times are whole seconds), the class's own <c>authdb</c> and <c>librarydb</c> on the run's Postgres, the run's
/// Redis, and the hosts it started (stopped with it, last started first).
/// </summary>
public abstract class ServiceFixture(TestServers servers) : IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..10];
    private readonly List<IAsyncDisposable> _hosts = [];

    public TestServers Servers => servers;

    public string AdminKey { get; } = RandomKey();

    public string InternalKey { get; } = RandomKey();

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public string AuthDatabase => "authdb_" + _suffix;

    public string LibraryDatabase => "librarydb_" + _suffix;

    public async ValueTask InitializeAsync()
    {
        await servers.Postgres.CreateDatabaseAsync(AuthDatabase);
        await servers.Postgres.CreateDatabaseAsync(LibraryDatabase);
        await StartAsync();
    }

    /// <summary>Starts the fixture's first hosts, once its databases exist.</summary>
    protected abstract Task StartAsync();

    /// <summary>The keys and the connection strings of this fixture's databases and Redis, to add to or override.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["ConnectionStrings:authdb"] = servers.Postgres.ConnectionString(AuthDatabase),
        ["ConnectionStrings:librarydb"] = servers.Postgres.ConnectionString(LibraryDatabase),
        ["ConnectionStrings:redis"] = servers.Redis.ConnectionString,
        ["Auth:AdminKey"] = AdminKey,
        ["Auth:InternalKey"] = InternalKey,
    };

    /// <summary>Stops <paramref name="host"/> (a service, an authorization server) when the fixture is disposed.</summary>
    protected T Track<T>(T host) where T : IAsyncDisposable
    {
        lock (_hosts)
        {
            _hosts.Add(host);
        }

        return host;
    }

    public async ValueTask DisposeAsync()
    {
        IAsyncDisposable[] hosts;
        lock (_hosts)
        {
            hosts = [.. _hosts];
        }

        foreach (var host in hosts.Reverse())
        {
            await host.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    private static string RandomKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(36));
}
