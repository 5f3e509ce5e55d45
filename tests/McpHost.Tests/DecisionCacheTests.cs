using System.Net;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Mnemosyne.McpHost.Auth;
using Mnemosyne.McpHost.Tests.Infrastructure;
using Mnemosyne.ServiceDefaults.Invalidation;

namespace Mnemosyne.McpHost.Tests;

/// <summary>The decision cache: hits skip auth-service, usage still counts, Redis gone means no cache, no bearer kept.</summary>
public sealed class DecisionCacheTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    private static readonly string ListLibraries = McpHostFixture.ToolCall("list_libraries", new { });

    [Fact]
    public async Task Repeated_calls_are_answered_from_the_cache_and_still_count_as_the_tokens_usage()
    {
        // Its own Redis: a change another test class makes while a call is resolved keeps that decision from being kept.
        await using var redis = await RedisServer.StartAsync();
        await using var pair = await StartPairAsync(redis);
        var host = pair.McpHost;
        var user = await fixture.Auth.CreateUserAsync();
        var (id, token) = await fixture.Auth.CreateTokenAsync(user, ["lib-cached"]);
        using var hits = Counter(host, "mcp.auth.cache.hits");
        using var misses = Counter(host, "mcp.auth.cache.misses");
        await WaitUntilTrustedAsync(host);

        for (var i = 0; i < 5; i++)
        {
            using var response = await fixture.PostMcpAsync(ListLibraries, token, host: host);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal((4, 1), (Sum(hits), Sum(misses)));
        await host.Services.GetRequiredService<CachedUsage>().FlushAsync(TestContext.Current.CancellationToken);
        // The pair's auth-service counted the miss and has not written it yet: it lists what it holds too.
        var tokens = await fixture.Auth.On(pair.AuthService).AdminAsync(HttpMethod.Get, $"/admin/v1/tokens?username={user}");
        var listed = Assert.Single(tokens.Body.EnumerateArray(), t => t.GetProperty("id").GetString() == id);
        Assert.Equal(5, listed.GetProperty("useCount").GetInt64());
    }

    [Fact]
    public async Task A_tool_outside_the_cached_allow_list_is_still_refused_and_counted_by_auth_service()
    {
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), ["lib-cached"], ["list_libraries"]);
        using (var warm = await fixture.PostMcpAsync(ListLibraries, token))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        using var refused = await fixture.PostMcpAsync(McpHostFixture.ToolCall("search", new { query = "x" }), token);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("tool_not_allowed", await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cache_holds_a_hash_of_the_bearer_never_the_bearer()
    {
        await using var redis = await RedisServer.StartAsync(); // no other test class's change comes between
        await using var pair = await StartPairAsync(redis);
        var host = pair.McpHost;
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), ["lib-cached"]);
        await WaitUntilTrustedAsync(host);
        using (var response = await fixture.PostMcpAsync(ListLibraries, token, host: host))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var dump = JsonSerializer.Serialize(CachedDecisions.Of(host).Values.Cast<object>().ToList());

        Assert.Contains(token[..12], dump, StringComparison.Ordinal); // the masked principal is there: the dump is real
        Assert.DoesNotContain(token, dump, StringComparison.Ordinal);
        Assert.DoesNotContain(token[12..], dump, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.Lines(), l => l.Contains(token[12..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cut_off_from_redis_an_mcp_host_stops_using_its_cache_and_uses_it_again_when_redis_returns()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var pair = await StartPairAsync(redis);
        var host = pair.McpHost;
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), ["lib-cached"]);
        using var hits = Counter(host, "mcp.auth.cache.hits");
        await WaitForHitAsync(host, token, hits);

        await redis.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken); // a lease
        var before = Sum(hits);
        for (var i = 0; i < 5; i++)
        {
            using var response = await fixture.PostMcpAsync(ListLibraries, token, host: host);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode); // still correct, from auth-service
        }

        Assert.Equal(before, Sum(hits));

        await redis.RestartAsync();
        await WaitForHitAsync(host, token, hits);
    }

    [Fact]
    public async Task A_team_decision_called_near_the_end_of_its_scope_lifetime_is_renewed_before_it_runs_out()
    {
        // A scope of 6 s: a hit after 4 s starts a renewal; without one, the decision would be gone at 6 s.
        await using var redis = await RedisServer.StartAsync();
        await using var pair = await StartPairAsync(redis, scopeSeconds: 6);
        var host = pair.McpHost;
        var api = fixture.Auth.On(pair.AuthService);
        var workspace = AuthApi.Unique("ws");
        await fixture.AddLibraryWithDocumentAsync(workspace, "alpha");
        await api.CreateSigningKeyAsync();
        var token = await api.MintTeamTokenAsync(await api.CreateTeamAsync(workspace));
        using var hits = Counter(host, "mcp.auth.cache.hits");
        using var misses = Counter(host, "mcp.auth.cache.misses");
        using var renewals = Counter(host, "mcp.auth.cache.renewals");
        var started = TimeProvider.System.GetTimestamp();

        await CallAsync(host, token);
        var first = CachedDecisions.EntryOf(host, token);
        await Task.Delay(TimeSpan.FromSeconds(4.5) - TimeProvider.System.GetElapsedTime(started), TestContext.Current.CancellationToken);
        await CallAsync(host, token);
        for (var attempt = 0; attempt < 100 && Sum(renewals) == 0; attempt++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        var renewed = CachedDecisions.EntryOf(host, token);
        await Task.Delay(TimeSpan.FromSeconds(7) - TimeProvider.System.GetElapsedTime(started), TestContext.Current.CancellationToken);
        await CallAsync(host, token);

        Assert.NotNull(first);
        Assert.NotNull(renewed);
        Assert.NotSame(first, renewed);
        Assert.Equal((2, 1, 1), (Sum(hits), Sum(misses), Sum(renewals)));
    }

    [Fact]
    public async Task A_revocation_after_redis_restarted_empty_still_reaches_the_cache()
    {
        // Found by the fault harness: a restarted Redis has no generation, so the count started again below what the
        // replicas knew, and they ignored every later change: cached decisions outlived their revocation.
        await using var redis = await RedisServer.StartAsync();
        var settings = fixture.Settings();
        settings["ConnectionStrings:redis"] = redis.ConnectionString;
        await using var auth = await TestHost.StartAuthServiceAsync(settings, fixture.Time);
        await using var host = await fixture.StartMcpHostAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:librarydb"] = fixture.Servers.Postgres.ConnectionString(fixture.LibraryDatabase),
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["services:auth-service:http:0"] = auth.Address.ToString().TrimEnd('/'),
        });
        var api = fixture.Auth.On(auth);
        var (id, token) = await api.CreateTokenAsync(await api.CreateUserAsync(), ["lib-cached"]);
        using var hits = Counter(host, "mcp.auth.cache.hits");
        await WaitForHitAsync(host, token, hits);

        await redis.RestartAsync();
        await WaitForHitAsync(host, token, hits); // reconnected, and trusting its cache again
        // Until auth-service has reconnected, the change is saved but answered 503 (it could not be announced).
        var deactivated = await api.AdminAsync(HttpMethod.Post, $"/admin/v1/tokens/{id}/deactivate");
        for (var attempt = 0; attempt < 50 && deactivated.Status != HttpStatusCode.NoContent; attempt++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            deactivated = await api.AdminAsync(HttpMethod.Post, $"/admin/v1/tokens/{id}/deactivate");
        }

        using var response = await fixture.PostMcpAsync(ListLibraries, token, host: host);

        Assert.Equal(HttpStatusCode.NoContent, deactivated.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    /// <summary>
    /// An auth-service and an mcp-host on a Redis of the test's own (they share announcements, and so generations, as
    /// every replica of a deployment does), on the fixture's databases; both trusting their caches.
    /// </summary>
    private async Task<Pair> StartPairAsync(RedisServer redis, int? scopeSeconds = null)
    {
        var settings = fixture.AuthServiceSettings();
        settings["ConnectionStrings:redis"] = redis.ConnectionString;
        var auth = await TestHost.StartAuthServiceAsync(settings, fixture.Time);
        var mcpSettings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:librarydb"] = fixture.Servers.Postgres.ConnectionString(fixture.LibraryDatabase),
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["services:auth-service:http:0"] = auth.Address.ToString().TrimEnd('/'),
        };
        if (scopeSeconds is { } seconds)
        {
            mcpSettings["Mcp:LibraryScopeCacheSeconds"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var pair = new Pair(auth, await fixture.StartMcpHostAsync(mcpSettings));
        await WaitUntilTrustedAsync(auth);
        await WaitUntilTrustedAsync(pair.McpHost);
        return pair;
    }

    private sealed record Pair(TestHost AuthService, TestHost McpHost) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await McpHost.DisposeAsync();
            await AuthService.DisposeAsync();
        }
    }

    private static async Task WaitUntilTrustedAsync(TestHost host)
    {
        var invalidations = host.Services.GetRequiredService<InvalidationListener>();
        for (var attempt = 0; attempt < 100 && !invalidations.IsTrusted; attempt++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.True(invalidations.IsTrusted, "the cache never became trusted");
    }

    private async Task CallAsync(TestHost host, string token)
    {
        using var response = await fixture.PostMcpAsync(ListLibraries, token, host: host);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task WaitForHitAsync(TestHost host, string token, MetricCollector<long> hits)
    {
        var before = Sum(hits);
        for (var attempt = 0; attempt < 100 && Sum(hits) == before; attempt++)
        {
            using var response = await fixture.PostMcpAsync(ListLibraries, token, host: host);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.True(Sum(hits) > before, "the cache was never used");
    }

    private static MetricCollector<long> Counter(TestHost host, string name) =>
        new(host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Mnemosyne.Mcp", name);

    private static long Sum(MetricCollector<long> counter) => counter.GetMeasurementSnapshot().Sum(m => m.Value);
}
