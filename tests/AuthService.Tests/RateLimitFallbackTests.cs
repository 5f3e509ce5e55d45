using System.Net;
using Mnemosyne.AuthService.Tests.Infrastructure;

namespace Mnemosyne.AuthService.Tests;

/// <summary>CONTRACT §7 at /v1/resolve, and the local fallback when Redis cannot be reached.</summary>
public sealed class RateLimitFallbackTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    [Fact]
    public async Task Resolve_answers_429_with_retry_after_and_keeps_a_local_share_when_redis_is_gone()
    {
        await using var redis = await RedisServer.StartAsync();
        var host = await fixture.StartHostAsync(redis.ConnectionString);
        var api = fixture.Api().On(host);
        var user = await api.CreateUserAsync();
        var token = await LimitedTokenAsync(api, user);
        var later = await LimitedTokenAsync(api, user);

        Assert.Equal(HttpStatusCode.OK, (await api.ResolveAsync(token)).Status); // no tool: not a tool call, not counted
        var shared = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            shared.Add((await api.ResolveAsync(token, "search")).Status);
        }

        var refused = await api.ResolveAsync(token, "search");
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], shared);
        Assert.Equal(("rate_limited", "Rate limit exceeded.", "application/problem+json"), (refused.Reason, refused.Title, refused.ContentType));
        Assert.InRange(int.Parse(refused.Response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);

        await redis.StopAsync();
        var alone = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            alone.Add((await api.ResolveAsync(later, "search")).Status);
        }

        // The only replica seen taking part gets the whole budget as its share, counted locally.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], alone);
        Assert.Contains(host.Logs.Lines(), l => l.Contains("ratelimit.local_fallback", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await api.ResolveAsync(token, "search")).Status); // a spent budget stays spent
    }

    [Fact]
    public async Task A_changed_team_budget_applies_from_the_next_call_even_once_spent()
    {
        var api = fixture.Api();
        await api.CreateSigningKeyAsync();
        var created = await api.AdminAsync(HttpMethod.Post, "/admin/v1/teams",
            new { name = AuthApi.Unique("team"), workspaces = new[] { "ws" }, rateLimitPerMinute = 2 });
        var team = created.Body.GetProperty("id").GetString()!;
        var token = await api.MintTeamTokenAsync(team);

        var spent = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            spent.Add((await api.ResolveAsync(token, "search")).Status);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await api.AdminAsync(HttpMethod.Put, $"/admin/v1/teams/{team}/rate-limit", new { rateLimitPerMinute = 100 })).Status);
        var raised = await api.ResolveAsync(token, "search");
        Assert.Equal(HttpStatusCode.NoContent, (await api.AdminAsync(HttpMethod.Put, $"/admin/v1/teams/{team}/rate-limit", new { rateLimitPerMinute = 1 })).Status);
        var lowered = await api.ResolveAsync(token, "search");

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], spent);
        Assert.Equal(HttpStatusCode.OK, raised.Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, lowered.Status);
    }

    private static async Task<string> LimitedTokenAsync(AuthApi api, string user)
    {
        var created = await api.AdminAsync(HttpMethod.Post, "/admin/v1/tokens",
            new { username = user, name = AuthApi.Unique("limited"), libraries = new[] { "lib" }, rateLimitPerMinute = 4 });
        return created.Body.GetProperty("token").GetString()!;
    }
}
