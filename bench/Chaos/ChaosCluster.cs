using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Mnemosyne.ServiceDefaults.Invalidation;
using Mnemosyne.Testing;
using Npgsql;
using StackExchange.Redis;

namespace Mnemosyne.Bench.Chaos;

/// <summary>
/// What the fault harness runs: a throw-away Postgres (authdb and librarydb) and Redis, a real authorization server
/// (OpenIddict, in this process), and two auth-service and two mcp-host processes, mcp-host <c>i</c> asking
/// auth-service <c>i</c>, all on one Redis, seeded with <see cref="BenchSeed"/>. Mnemosyne's own authorization server
/// is on, its issuer mcp-host-0's origin, its users signing in upstream at the OpenIddict server (<see cref="SignInAsync"/>). Every process keeps its port across a
/// kill and restart, as a replica behind a load balancer would. Every service reaches each of its dependencies
/// through its own <see cref="FaultProxy"/> (<see cref="Edges"/>), so a fault on the wire can hit one replica's edge.
/// </summary>
public sealed class ChaosCluster : IAsyncDisposable
{
    private readonly List<ServiceProcess> _processes = [];
    private readonly List<FaultProxy> _edges = [];
    private readonly int _issuerPort = ExternalProcess.FreePort();
    private int _turnSeconds;

    private ChaosCluster(PostgresServer postgres, RedisServer redis, TestAuthorizationServer authorizationServer)
    {
        Postgres = postgres;
        Redis = redis;
        AuthorizationServer = authorizationServer;
    }

    public PostgresServer Postgres { get; }

    public RedisServer Redis { get; }

    public TestAuthorizationServer AuthorizationServer { get; }

    public string AdminKey { get; } = BenchSeed.RandomKey();

    public string InternalKey { get; } = BenchSeed.RandomKey();

    public IReadOnlyList<ServiceProcess> AuthServices { get; private set; } = [];

    /// <summary>mcp-host <c>i</c> sends its misses, usage and audit to <see cref="AuthServices"/>[<c>i</c>].</summary>
    public IReadOnlyList<ServiceProcess> McpHosts { get; private set; } = [];

    public IReadOnlyList<ServiceProcess> Processes => _processes;

    /// <summary>
    /// The proxied edges: mcp-host-<c>i</c> → auth-service, redis, postgres (librarydb); auth-service-<c>i</c> →
    /// postgres (authdb and librarydb), redis.
    /// </summary>
    public IReadOnlyList<FaultProxy> Edges => _edges;

    /// <summary>The edges from <paramref name="from"/> (a service's name, or any when null) to <paramref name="to"/>.</summary>
    public IReadOnlyList<FaultProxy> EdgesTo(string to, string? from = null) =>
        [.. _edges.Where(e => e.To == to && (from is null || e.From == from))];

    /// <summary>The load's bearer of each kind (opaque, turn, team, oauth).</summary>
    public IReadOnlyDictionary<string, string> Tokens { get; private set; } = new Dictionary<string, string>();

    /// <summary>The authorization server's issuer: mcp-host-0's origin, with the trailing slash.</summary>
    public string Issuer => $"http://127.0.0.1:{_issuerPort}/";

    public AuthApi Auth(int replica) => new(AuthServices[replica].Http, AdminKey, InternalKey);

    /// <summary>mcp-host <paramref name="replica"/>'s library admin API, as the admin.</summary>
    public HttpClient LibraryAdmin(int replica) => new()
    {
        BaseAddress = McpHosts[replica].Address,
        DefaultRequestHeaders = { Authorization = new("Bearer", AdminKey) },
    };

    /// <summary>Starts everything and seeds it; turn JWTs may live <paramref name="turnLifetime"/> (the whole run).</summary>
    public static async Task<ChaosCluster> StartAsync(TimeSpan turnLifetime)
    {
        var postgres = PostgresServer.StartAsync();
        var redis = RedisServer.StartAsync();
        var cluster = new ChaosCluster(await postgres, await redis, await TestAuthorizationServer.StartAsync());
        try
        {
            await cluster.Postgres.CreateDatabaseAsync("authdb");
            await cluster.Postgres.CreateDatabaseAsync("librarydb");
            await cluster.StartServicesAsync((int)turnLifetime.TotalSeconds);
            using var admin = cluster.LibraryAdmin(0);
            await BenchSeed.LoadLibrariesAsync(admin);
            await BenchSeed.PrepareMintingAsync(cluster.Auth(0));
            cluster.Tokens = await BenchSeed.MintTokensAsync(cluster.Auth(0), cluster.AuthorizationServer, turnSeconds: (int)turnLifetime.TotalSeconds);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Refuses new connections to librarydb and closes the open ones (the library store is unreachable), or lets them in again.</summary>
    public async Task SetLibraryStoreReachableAsync(bool reachable)
    {
        // Unpooled: a pooled connection would have died with Postgres in the earlier fault.
        await using var connection = new NpgsqlConnection(Postgres.ConnectionString("postgres") + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"ALTER DATABASE librarydb ALLOW_CONNECTIONS {reachable}", connection);
        await command.ExecuteNonQueryAsync();
        if (!reachable)
        {
            // Twice: a connection whose start raced the ALTER is not yet listed the first time.
            command.CommandText = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'librarydb'";
            await command.ExecuteNonQueryAsync();
            await Task.Delay(200);
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>What every auth-service of the cluster is configured with, besides where its dependencies are.</summary>
    public Dictionary<string, string> AuthServiceSettings() => new()
    {
        ["Auth__AdminKey"] = AdminKey,
        ["Auth__InternalKey"] = InternalKey,
        ["Auth__AuthorizationServer__Enabled"] = "true",
        ["Auth__AuthorizationServer__Issuer"] = Issuer,
        ["Auth__AuthorizationServer__AllowDynamicRegistration"] = "true",
        ["Auth__AuthorizationServer__Upstream__0__Issuer"] = AuthorizationServer.Issuer,
        ["Auth__AuthorizationServer__Upstream__0__ClientId"] = TestAuthorizationServer.ClientId,
        ["Auth__OAuth__Issuers__0__Issuer"] = AuthorizationServer.Issuer,
        ["Auth__OAuth__Issuers__0__Audiences__0"] = BenchSeed.OAuthResource,
        ["Auth__MaxTurnTokenLifetimeSeconds"] = _turnSeconds.ToString(CultureInfo.InvariantCulture),
        // A budget the load never reaches: every call pays for rate limiting, none is refused for it.
        ["Auth__RateLimit__PerMinute"] = "1000000",
    };

    /// <summary>What every mcp-host of the cluster is configured with, besides where its dependencies are.</summary>
    public Dictionary<string, string> McpHostSettings() => new()
    {
        ["Auth__AdminKey"] = AdminKey,
        ["Auth__InternalKey"] = InternalKey,
        ["Auth__AuthorizationServer__Enabled"] = "true",
        ["Auth__AuthorizationServer__Issuer"] = Issuer,
    };

    /// <summary>
    /// A new user signed in at Mnemosyne's authorization server through mcp-host-0, as a client does: a client
    /// registers, the user signs in upstream with the OAuth team's group and consents; the access token it got.
    /// </summary>
    public async Task<RevocationScenarios.SignedIn> SignInAsync()
    {
        var flow = new OAuthFlow(Issuer);
        var clientId = await flow.RegisterAsync("Mnemosyne chaos");
        var token = await BenchSeed.SignInUpstreamAsync(flow, clientId, AuthorizationServer, "chaos-" + Guid.NewGuid().ToString("N")[..8]);
        return new(token, clientId, OAuthFlow.Payload(token).GetProperty("sub").GetString()!);
    }

    private async Task StartServicesAsync(int turnSeconds)
    {
        _turnSeconds = turnSeconds;

        // One at a time: the first applies authdb's migrations, and both services' start-up is CPU-bound.
        var authServices = new List<ServiceProcess>();
        for (var i = 0; i < 2; i++)
        {
            var name = $"auth-service-{i}";
            var postgres = Edge(name, "postgres", Postgres.Port);
            var environment = new Dictionary<string, string>(AuthServiceSettings())
            {
                ["ConnectionStrings__authdb"] = Through(postgres, "authdb"),
                ["ConnectionStrings__librarydb"] = Through(postgres, "librarydb"),
                ["ConnectionStrings__redis"] = $"127.0.0.1:{Edge(name, "redis", Redis.Port).Port}",
            };
            authServices.Add(Track(await ServiceProcess.StartAsync(name, "AuthService", ExternalProcess.FreePort(), environment)));
        }

        var mcpHosts = new List<ServiceProcess>();
        for (var i = 0; i < 2; i++)
        {
            var name = $"mcp-host-{i}";
            var mcp = new Dictionary<string, string>(McpHostSettings())
            {
                ["ConnectionStrings__librarydb"] = Through(Edge(name, "postgres", Postgres.Port), "librarydb"),
                ["ConnectionStrings__redis"] = $"127.0.0.1:{Edge(name, "redis", Redis.Port).Port}",
                ["services__auth-service__http__0"] = $"http://127.0.0.1:{Edge(name, "auth-service", authServices[i].Port).Port}",
            };
            mcpHosts.Add(Track(await ServiceProcess.StartAsync(name, "McpHost", i == 0 ? _issuerPort : ExternalProcess.FreePort(), mcp)));
        }

        (AuthServices, McpHosts) = (authServices, mcpHosts);
    }

    private FaultProxy Edge(string from, string to, int upstreamPort)
    {
        var edge = FaultProxy.Start(from, to, upstreamPort);
        _edges.Add(edge);
        return edge;
    }

    /// <summary><paramref name="database"/>'s connection string, through <paramref name="edge"/> instead of straight to Postgres.</summary>
    private string Through(FaultProxy edge, string database) =>
        Postgres.ConnectionString(database).Replace($"Port={Postgres.Port}", $"Port={edge.Port}", StringComparison.Ordinal);

    private ServiceProcess Track(ServiceProcess process)
    {
        _processes.Add(process);
        return process;
    }

    /// <summary>
    /// Empties every replica's decision cache and workspace view, as a change whose reach cannot be known does: the rows
    /// that need team and OAuth tokens resolved afresh while a store is down. A revocation no longer does it, since it
    /// drops only what it reaches.
    /// </summary>
    public async Task EmptyEveryCacheAsync()
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        await new InvalidationAnnouncer(redis, NullLogger<InvalidationAnnouncer>.Instance)
            .AnnounceAsync(InvalidationReach.Everything, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            await process.DisposeAsync();
        }

        foreach (var edge in _edges)
        {
            await edge.DisposeAsync();
        }

        await AuthorizationServer.DisposeAsync();
        await Redis.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}
