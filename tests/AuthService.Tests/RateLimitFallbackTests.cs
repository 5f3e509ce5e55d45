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
        var api = fixture.Api().On(await fixture.StartHostAsync(redis.ConnectionString));
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
        Assert.Contains(api.Host.Logs.Lines(), l => l.Contains("ratelimit.local_fallback", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await api.ResolveAsync(token, "search")).Status); // a spent budget stays spent
    }

    private static async Task<string> LimitedTokenAsync(AuthApi api, string user)
    {
        var created = await api.AdminAsync(HttpMethod.Post, "/admin/v1/tokens",
            new { username = user, name = AuthApi.Unique("limited"), libraries = new[] { "lib" }, rateLimitPerMinute = 4 });
        return created.Body.GetProperty("token").GetString()!;
    }
}
