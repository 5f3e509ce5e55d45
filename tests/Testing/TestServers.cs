namespace Mnemosyne.Testing;

/// <summary>
/// One Postgres and one Redis for a whole test run (each test assembly declares it as its assembly fixture);
/// each test class makes its own databases on them.
/// </summary>
public sealed class TestServers : IAsyncLifetime
{
    private PostgresServer? _postgres;
    private RedisServer? _redis;

    public PostgresServer Postgres => _postgres ?? throw new InvalidOperationException("Postgres is not started.");

    public RedisServer Redis => _redis ?? throw new InvalidOperationException("Redis is not started.");

    public async ValueTask InitializeAsync()
    {
        var postgres = PostgresServer.StartAsync();
        var redis = RedisServer.StartAsync();
        _postgres = await postgres;
        _redis = await redis;
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}
