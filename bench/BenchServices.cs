using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mnemosyne.AuthService;
using Mnemosyne.AuthService.Audit;
using Mnemosyne.McpHost;
using Mnemosyne.McpHost.Audit;
using Mnemosyne.Testing;

namespace Mnemosyne.Bench;

/// <summary>
/// The services as the tests start them: a throw-away Postgres and Redis, a real AuthService, a real McpHost (its
/// decision cache on), the same McpHost with its cache off (every call a miss), plus the no-auth baseline McpHost
/// on the same library database, and a real authorization server (OpenIddict) that AuthService trusts — also as the
/// upstream identity provider of Mnemosyne's own authorization server, whose issuer is the cached McpHost's origin;
/// seeded with <see cref="BenchSeed"/>.
/// </summary>
public sealed class BenchServices : IAsyncDisposable
{
    private PostgresServer? _postgres;
    private RedisServer? _redis;
    private TestAuthorizationServer? _authorizationServer;
    private readonly List<TestHost> _hosts = [];

    public string AdminKey { get; } = BenchSeed.RandomKey();

    public string InternalKey { get; } = BenchSeed.RandomKey();

    public PostgresServer Postgres => _postgres!;

    public TestHost AuthService { get; private set; } = null!;

    public TestHost McpHost { get; private set; } = null!;

    /// <summary>McpHost with its decision cache off: every call is decided by auth-service, as a cache miss is.</summary>
    public TestHost McpHostWithoutCache { get; private set; } = null!;

    public TestHost Baseline { get; private set; } = null!;

    /// <summary>A valid bearer of each kind (opaque, turn, team, oauth, as-issued), each resolving to <see cref="BenchSeed.Libraries"/>.</summary>
    public IReadOnlyDictionary<string, string> Tokens { get; private set; } = new Dictionary<string, string>();

    public AuthApi Auth => new(AuthService, AdminKey, InternalKey);

    /// <summary>
    /// When the first of <see cref="Tokens"/> expire (<see cref="ChurnTokens"/>, minted after them, expire later): the
    /// turn JWT and the as-issued access token live <see cref="TokenLifetime"/>, the longest either may (taken before
    /// they are minted, so it errs early).
    /// </summary>
    public DateTimeOffset TokensExpire { get; private set; }

    public static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(10);

    /// <summary>Rows <see cref="RenewTokensAsync"/> wrote (users, tokens, teams, grants), by database: not the load's.</summary>
    public (long Auth, long Library) RowsMinted { get; private set; }

    /// <summary>The churn mode's bearers, once <see cref="MintChurnTokensAsync"/> made them (the load run does; fuzz and micro do not).</summary>
    public IReadOnlyList<string> ChurnTokens { get; private set; } = [];

    /// <summary><paramref name="perKind"/> distinct principals of each of the five kinds (<see cref="BenchSeed.MintChurnTokensAsync"/>).</summary>
    public async Task MintChurnTokensAsync(int perKind) =>
        ChurnTokens = await BenchSeed.MintChurnTokensAsync(Auth, _authorizationServer!, McpHost.Address, perKind);

    /// <summary>
    /// Fresh bearers of new principals for every kind, and for churn when it has its own: a load run longer than a
    /// token lives goes on with these (<see cref="LoadRun"/>'s epochs). The rows this writes go to
    /// <see cref="RowsMinted"/>.
    /// </summary>
    public async Task RenewTokensAsync()
    {
        var before = await DatabaseWrites.CountAsync(Postgres, "authdb", "librarydb");
        await MintTokensAsync();
        if (ChurnTokens.Count > 0)
        {
            await MintChurnTokensAsync(ChurnTokens.Count / 5);
        }

        var after = await DatabaseWrites.CountAsync(Postgres, "authdb", "librarydb");
        RowsMinted = (RowsMinted.Auth + after[0] - before[0], RowsMinted.Library + after[1] - before[1]);
    }

    /// <summary>
    /// One revoking admin change on a principal the load does not use (a new token of a spare user, deactivated):
    /// what the churn mode makes once a second. Every replica's decisions are invalidated before it answers.
    /// </summary>
    public async Task RevokeUnusedAsync()
    {
        var (id, _) = await Auth.CreateTokenAsync(_spareUser ??= await Auth.CreateUserAsync(), [.. BenchSeed.Libraries]);
        var answer = await Auth.AdminAsync(HttpMethod.Post, $"/admin/v1/tokens/{id}/deactivate", new { });
        if (answer.Status != System.Net.HttpStatusCode.NoContent)
        {
            throw new InvalidOperationException($"The churn's revocation answered {(int)answer.Status}: {answer.Body}");
        }
    }

    private string? _spareUser;

    /// <summary>
    /// Writes every audit entry still queued: both mcp-hosts' forwarders send theirs, then auth-service's trail writes
    /// what it holds.
    /// </summary>
    public async Task WriteQueuedAuditAsync()
    {
        var taken = await McpHost.Services.GetRequiredService<AuditForwarder>().SendQueuedAsync(CancellationToken.None)
            & await McpHostWithoutCache.Services.GetRequiredService<AuditForwarder>().SendQueuedAsync(CancellationToken.None)
            & await AuthService.Services.GetRequiredService<AuditTrail>().WriteQueuedAsync(CancellationToken.None);
        if (!taken)
        {
            throw new InvalidOperationException("The audit trail did not take the load's entries.");
        }
    }

    public static async Task<BenchServices> StartAsync()
    {
        var stack = new BenchServices();
        try
        {
            await stack.StartServicesAsync();
            await stack.SeedAsync();
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private async Task StartServicesAsync()
    {
        var postgres = PostgresServer.StartAsync();
        var redis = RedisServer.StartAsync();
        _postgres = await postgres;
        _redis = await redis;
        _authorizationServer = await TestAuthorizationServer.StartAsync();
        await _postgres.CreateDatabaseAsync("authdb");
        await _postgres.CreateDatabaseAsync("librarydb");
        var librarydb = _postgres.ConnectionString("librarydb");
        // Mnemosyne's authorization server: its issuer is the cached McpHost's origin, its users sign in upstream.
        var mcpPort = TestAuthorizationServer.FreePort();
        var issuer = $"http://127.0.0.1:{mcpPort}";

        AuthService = Track(await TestHost.StartAsync(typeof(AuthServiceSetup).Assembly.GetName().Name!,
            new Dictionary<string, string?>
            {
                ["ConnectionStrings:authdb"] = _postgres.ConnectionString("authdb"),
                ["ConnectionStrings:librarydb"] = librarydb,
                ["ConnectionStrings:redis"] = _redis.ConnectionString,
                ["Auth:AdminKey"] = AdminKey,
                ["Auth:InternalKey"] = InternalKey,
                // Rate limits on, with a budget the load never reaches: every call pays for the budget, none is refused.
                ["Auth:RateLimit:PerMinute"] = "1000000",
                ["Auth:OAuth:Issuers:0:Issuer"] = _authorizationServer.Issuer,
                ["Auth:OAuth:Issuers:0:Audiences:0"] = BenchSeed.OAuthResource,
                ["Auth:AuthorizationServer:Enabled"] = "true",
                ["Auth:AuthorizationServer:Issuer"] = issuer,
                // The longest the server allows, so the token outlives a default run (a longer one mints fresh tokens: LoadRun).
                ["Auth:AuthorizationServer:AccessTokenMinutes"] = $"{TokenLifetime.TotalMinutes}",
                ["Auth:AuthorizationServer:AllowDynamicRegistration"] = "true",
                ["Auth:AuthorizationServer:Upstream:0:Issuer"] = _authorizationServer.Issuer,
                ["Auth:AuthorizationServer:Upstream:0:ClientId"] = TestAuthorizationServer.ClientId,
            }, TimeProvider.System, builder => WithProductionLogging(builder).AddAuthService(), app => app.MapAuthService()));

        var mcp = new Dictionary<string, string?>
        {
            ["ConnectionStrings:librarydb"] = librarydb,
            ["Auth:AdminKey"] = AdminKey,
            ["Auth:InternalKey"] = InternalKey,
            ["services:auth-service:http:0"] = AuthService.Address.ToString().TrimEnd('/'),
            ["ConnectionStrings:redis"] = _redis.ConnectionString,
            ["Auth:AuthorizationServer:Enabled"] = "true",
            ["Auth:AuthorizationServer:Issuer"] = issuer,
        };
        var name = typeof(McpHostSetup).Assembly.GetName().Name!;
        // Room for the memory run's 100,000 decisions (MemoryRun); the load itself uses a handful.
        McpHost = Track(await TestHost.StartAsync(name, new Dictionary<string, string?>(mcp) { ["Mcp:DecisionCacheEntries"] = "200000" }, TimeProvider.System,
            builder => WithProductionLogging(builder).AddMcpHost(), app => app.MapMcpHost(), port: mcpPort));
        McpHostWithoutCache = Track(await TestHost.StartAsync(name, new Dictionary<string, string?>(mcp) { ["Mcp:DecisionCacheEntries"] = "0" },
            TimeProvider.System, builder => WithProductionLogging(builder).AddMcpHost(), app => app.MapMcpHost()));
        Baseline = Track(await TestHost.StartAsync(name, mcp, TimeProvider.System,
            builder => WithProductionLogging(builder).AddMcpHost(), app => app.MapMcpHostWithoutAuth(BenchSeed.Libraries)));
    }

    private async Task SeedAsync()
    {
        using var admin = McpHost.ClientWithBearer(AdminKey);
        await BenchSeed.LoadLibrariesAsync(admin);
        await BenchSeed.PrepareMintingAsync(Auth);
        await MintTokensAsync();
    }

    private async Task MintTokensAsync()
    {
        TokensExpire = DateTimeOffset.UtcNow + TokenLifetime;
        Tokens = await BenchSeed.MintTokensAsync(Auth, _authorizationServer!, McpHost.Address);
    }

    /// <summary>
    /// Log levels and filters as the services' appsettings.json set them, into a sink that formats every line (as a
    /// console or OTLP sink would) and keeps none of them: the benchmark pays for logging, not for a terminal.
    /// </summary>
    private static WebApplicationBuilder WithProductionLogging(WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new FormattingLogSink());
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        return builder;
    }

    private TestHost Track(TestHost host)
    {
        _hosts.Add(host);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _hosts.Count - 1; i >= 0; i--)
        {
            await _hosts[i].DisposeAsync();
        }

        if (_authorizationServer is not null)
        {
            await _authorizationServer.DisposeAsync();
        }

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
