using System.Globalization;
using Mnemosyne.Testing;

namespace Mnemosyne.Bench.Chaos;

/// <summary>
/// The library store on Neo4j, under the fault harness (issue 23): a third pair, auth-service-2 and mcp-host-2, whose
/// library store (team scopes in one, the tools' reads in the other) is Neo4j — the stand-in
/// <see cref="InMemoryNeo4j"/>, since no Neo4j runs here — each through its own <see cref="FaultProxy"/>. authdb and
/// Redis are the cluster's, reached directly: the faults this pair is for are Neo4j's. It is started by the row that
/// needs it and stopped after, so the cluster's other rows and the soak run on the two Postgres pairs exactly as
/// before. Seeded with <see cref="BenchSeed"/>'s libraries through mcp-host-2's admin API; its callers use the
/// cluster's turn, team and OAuth tokens and an opaque token of their own (the usage row counts the cluster's).
/// </summary>
public sealed class Neo4jPair : IAsyncDisposable
{
    /// <summary>
    /// Neo4j statements time out after 5 s here (<c>Neo4j__TimeoutSeconds</c>, 10 s by default), no longer than
    /// mcp-host waits for auth-service: so a call through this pair is held to the same bound as every other.
    /// </summary>
    public const int StatementTimeoutSeconds = 5;

    private readonly List<FaultProxy> _edges = [];
    private readonly List<ServiceProcess> _processes = [];
    private readonly ChaosCluster _cluster;

    private Neo4jPair(ChaosCluster cluster, InMemoryNeo4j neo4j) => (_cluster, Replica, Neo4j) = (cluster, cluster.McpHosts.Count, neo4j);

    /// <summary>Its number: the pair is auth-service-<c>n</c> and mcp-host-<c>n</c>, after the cluster's own.</summary>
    public int Replica { get; }

    public InMemoryNeo4j Neo4j { get; }

    public ServiceProcess AuthService => _processes[0];

    public ServiceProcess McpHost => _processes[1];

    /// <summary>auth-service-<c>n</c> → neo4j and mcp-host-<c>n</c> → neo4j.</summary>
    public IReadOnlyList<FaultProxy> Neo4jEdges => _edges;

    /// <summary>The load's bearer of each kind for this pair.</summary>
    public IReadOnlyDictionary<string, string> Tokens { get; private set; } = new Dictionary<string, string>();

    /// <summary>auth-service-<c>n</c>'s API.</summary>
    public AuthApi Auth => new(AuthService.Http, _cluster.AdminKey, _cluster.InternalKey);

    /// <summary>mcp-host-<c>n</c>'s library admin API, as the admin.</summary>
    public HttpClient LibraryAdmin() => new()
    {
        BaseAddress = McpHost.Address,
        DefaultRequestHeaders = { Authorization = new("Bearer", _cluster.AdminKey) },
    };

    public static async Task<Neo4jPair> StartAsync(ChaosCluster cluster)
    {
        var pair = new Neo4jPair(cluster, await InMemoryNeo4j.StartAsync());
        try
        {
            var timeout = StatementTimeoutSeconds.ToString(CultureInfo.InvariantCulture);
            var auth = $"auth-service-{pair.Replica}";
            pair._processes.Add(await ServiceProcess.StartAsync(auth, "AuthService", ExternalProcess.FreePort(),
                new Dictionary<string, string>(cluster.AuthServiceSettings())
                {
                    ["ConnectionStrings__authdb"] = cluster.Postgres.ConnectionString("authdb"),
                    ["ConnectionStrings__redis"] = cluster.Redis.ConnectionString,
                    ["ConnectionStrings__neo4j"] = pair.Through(auth),
                    ["Neo4j__TimeoutSeconds"] = timeout,
                }));
            var mcp = $"mcp-host-{pair.Replica}";
            pair._processes.Add(await ServiceProcess.StartAsync(mcp, "McpHost", ExternalProcess.FreePort(),
                new Dictionary<string, string>(cluster.McpHostSettings())
                {
                    ["ConnectionStrings__redis"] = cluster.Redis.ConnectionString,
                    ["ConnectionStrings__neo4j"] = pair.Through(mcp),
                    ["Neo4j__TimeoutSeconds"] = timeout,
                    ["services__auth-service__http__0"] = pair.AuthService.Address.ToString().TrimEnd('/'),
                }));

            using (var admin = pair.LibraryAdmin())
            {
                await BenchSeed.LoadLibrariesAsync(admin);
            }

            var owner = cluster.Auth(0);
            var (_, opaque) = await owner.CreateTokenAsync(await owner.CreateUserAsync(), [.. BenchSeed.Libraries]);
            pair.Tokens = new Dictionary<string, string>(cluster.Tokens) { ["opaque"] = opaque };
            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new edge from <paramref name="service"/> to Neo4j, and the connection string that goes through it.</summary>
    private string Through(string service)
    {
        var edge = FaultProxy.Start(service, "neo4j", Neo4j.Port);
        _edges.Add(edge);
        return Neo4j.ConnectionStringAt(edge.Port);
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

        await Neo4j.DisposeAsync();
    }
}
