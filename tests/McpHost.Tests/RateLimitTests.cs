using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Mnemosyne.McpHost.Tests.Infrastructure;
using StackExchange.Redis;

namespace Mnemosyne.McpHost.Tests;

/// <summary>CONTRACT §7: one budget per principal across replicas, overrides, 429 with Retry-After, public calls free.</summary>
public sealed class RateLimitTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    private static readonly string ListLibraries = McpHostFixture.ToolCall("list_libraries", new { });

    [Fact]
    public async Task A_tokens_budget_is_shared_by_two_mcp_hosts_and_refused_calls_get_429_with_retry_after()
    {
        await using var second = await fixture.StartMcpHostAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:librarydb"] = fixture.Servers.Postgres.ConnectionString(fixture.LibraryDatabase),
        });
        var hosts = new[] { fixture.McpHost, second };
        var user = await fixture.Auth.CreateUserAsync();
        var created = await fixture.Auth.AdminAsync(HttpMethod.Post, "/admin/v1/tokens",
            new { username = user, name = "limited", libraries = new[] { "lib-x" }, rateLimitPerMinute = 40 });
        var token = created.Body.GetProperty("token").GetString()!;
        // Refusals are counted by whoever decided them: auth-service on a miss, an mcp-host on a cached decision.
        var failures = new[] { fixture.AuthService, fixture.McpHost, second }.Select(host => new MetricCollector<long>(
            host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), "Mnemosyne.Auth", "mcp.auth.failures")).ToList();
        await AwayFromAMinuteBoundaryAsync();

        var statuses = new ConcurrentBag<HttpStatusCode>();
        HttpResponseMessage? refusal = null;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(client => Task.Run(async () =>
        {
            for (var call = 0; call < 10; call++)
            {
                var response = await fixture.PostMcpAsync(ListLibraries, token, host: hosts[(client + call) % 2]);
                statuses.Add(response.StatusCode);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    Interlocked.CompareExchange(ref refusal, response, null);
                }
                else
                {
                    response.Dispose();
                }
            }
        }, TestContext.Current.CancellationToken)));

        var allowed = statuses.Count(s => s == HttpStatusCode.OK);
        Assert.InRange(allowed, 36, 40); // within 10 % below the budget, never above
        Assert.Equal(80 - allowed, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        using (refusal)
        {
            Assert.NotNull(refusal);
            Assert.InRange(int.Parse(refusal.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
            var body = await refusal.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.Contains("\"reason\":\"rate_limited\"", body, StringComparison.Ordinal);
            Assert.Contains("Rate limit exceeded.", body, StringComparison.Ordinal);
        }

        // Every 429 was counted once, in mcp.auth.failures, by the service that decided it.
        Assert.Equal(80 - allowed, failures.Sum(f => f.GetMeasurementSnapshot().Where(m => (string?)m.Tags["reason"] == "rate_limited").Sum(m => m.Value)));
        failures.ForEach(f => f.Dispose());

        // Public calls are never limited.
        using var health = await fixture.PostMcpAsync(McpHostFixture.ToolCall("get_health", new { }), token);
        using var list = await fixture.PostMcpAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", token);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (health.StatusCode, list.StatusCode));
    }

    [Fact]
    public async Task A_team_override_applies_and_changing_it_takes_effect_on_the_next_call()
    {
        await fixture.Auth.CreateSigningKeyAsync();
        var created = await fixture.Auth.AdminAsync(HttpMethod.Post, "/admin/v1/teams",
            new { name = AuthApi.Unique("team"), workspaces = new[] { "ws-limited" }, rateLimitPerMinute = 3 });
        Assert.Equal(System.Net.HttpStatusCode.Created, created.Status);
        var team = created.Body.GetProperty("id").GetString()!;
        var token = await fixture.Auth.MintTeamTokenAsync(team);
        await AwayFromAMinuteBoundaryAsync();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await fixture.PostMcpAsync(ListLibraries, token);
            statuses.Add(response.StatusCode);
        }

        var raised = await fixture.Auth.AdminAsync(HttpMethod.Put, $"/admin/v1/teams/{team}/rate-limit", new { rateLimitPerMinute = (int?)null });
        using var after = await fixture.PostMcpAsync(ListLibraries, token);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.NoContent, raised.Status);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode); // the default budget (600) applies from the next call
    }

    [Fact]
    public async Task A_spent_budget_is_back_after_the_window_says_retry_after()
    {
        var user = await fixture.Auth.CreateUserAsync();
        var created = await fixture.Auth.AdminAsync(HttpMethod.Post, "/admin/v1/tokens",
            new { username = user, name = "one-a-minute", libraries = new[] { "lib-x" }, rateLimitPerMinute = 1 });
        var token = created.Body.GetProperty("token").GetString()!;
        using var first = await fixture.PostMcpAsync(ListLibraries, token);
        using var second = await fixture.PostMcpAsync(ListLibraries, token);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.TooManyRequests), (first.StatusCode, second.StatusCode));

        var wait = int.Parse(second.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        await Task.Delay(TimeSpan.FromSeconds(wait) + TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken);
        using var later = await fixture.PostMcpAsync(ListLibraries, token);

        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }

    /// <summary>
    /// auth-service spends the call it decides; mcp-host, keeping that decision, takes its own slice of the budget then,
    /// in the background, so the next call — decided from its cache — spends locally instead of waiting for Redis.
    /// Redis shows it: two slices taken after the first call (auth-service's and mcp-host's), none more after the second.
    /// </summary>
    [Fact]
    public async Task Keeping_a_decision_takes_mcp_hosts_slice_before_the_next_call_needs_it()
    {
        var user = await fixture.Auth.CreateUserAsync();
        var created = await fixture.Auth.AdminAsync(HttpMethod.Post, "/admin/v1/tokens",
            new { username = user, name = "sliced", libraries = new[] { "lib-x" }, rateLimitPerMinute = 40 }); // slices of 2
        var token = created.Body.GetProperty("token").GetString()!;
        var principal = "token:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));
        await AwayFromAMinuteBoundaryAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Servers.Redis.ConnectionString);

        using var first = await fixture.PostMcpAsync(ListLibraries, token);
        var afterFirst = await TakenAsync(redis, principal, until: 4);
        using var second = await fixture.PostMcpAsync(ListLibraries, token);
        var afterSecond = await TakenAsync(redis, principal, until: 4);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.Equal(4, afterFirst);
        Assert.Equal(4, afterSecond);
    }

    /// <summary>How many calls of this minute's budget Redis has granted <paramref name="principal"/>, once it reaches <paramref name="until"/> or 3 s have passed.</summary>
    private static async Task<long> TakenAsync(ConnectionMultiplexer redis, string principal, long until)
    {
        var server = redis.GetServers()[0];
        var taken = 0L;
        for (var attempt = 0; attempt < 60 && taken < until; attempt++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
            var window = (await server.TimeAsync()).Ticks / TimeSpan.TicksPerMinute - DateTime.UnixEpoch.Ticks / TimeSpan.TicksPerMinute;
            taken = (long?)await redis.GetDatabase().StringGetAsync($"mnemosyne:ratelimit:{principal}:{window}") ?? 0;
        }

        return taken;
    }

    /// <summary>Budgets are per minute on Redis's clock: start a measurement with most of a minute left.</summary>
    private async Task AwayFromAMinuteBoundaryAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Servers.Redis.ConnectionString);
        var now = await redis.GetServers()[0].TimeAsync();
        if (now.Second > 45)
        {
            await Task.Delay(TimeSpan.FromSeconds(61 - now.Second), TestContext.Current.CancellationToken);
        }
    }
}
