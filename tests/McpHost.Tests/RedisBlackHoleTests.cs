using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Mnemosyne.McpHost.Tests.Infrastructure;
using Mnemosyne.ServiceDefaults.Invalidation;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// A Redis that stops answering without closing the socket (a black hole on the wire, issue 23): mcp-host stops
/// trusting its cache, keeps serving through auth-service, and trusts it again once Redis answers. Found by the fault
/// harness: StackExchange.Redis, on detecting the dead socket, fails the pending renewal with a
/// <see cref="TaskCanceledException"/>, which stopped the invalidation listener and with it the whole host.
/// </summary>
public sealed class RedisBlackHoleTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    [Fact]
    public async Task A_black_holed_Redis_does_not_stop_mcp_host_and_its_cache_is_trusted_again_afterwards()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var wire = FaultProxy.Start("mcp-host", "redis", redis.Port);
        await using var host = await fixture.StartMcpHostAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:librarydb"] = fixture.Servers.Postgres.ConnectionString(fixture.LibraryDatabase),
            ["ConnectionStrings:redis"] = $"127.0.0.1:{wire.Port}",
        });
        var invalidations = host.Services.GetRequiredService<InvalidationListener>();
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), ["lib-black-hole"]);
        Assert.True(await WaitForAsync(() => invalidations.IsTrusted, TimeSpan.FromSeconds(5)), "the cache never became trusted");

        wire.Set(WireFault.BlackHole);
        Assert.True(await WaitForAsync(() => !invalidations.IsTrusted, TimeSpan.FromSeconds(3)), "the cache was still trusted with Redis black-holed");
        // Long enough for the client to give the socket up as dead (no reads in 5 s) and fail what was pending.
        await Task.Delay(TimeSpan.FromSeconds(8), TestContext.Current.CancellationToken);
        using (var meanwhile = await fixture.PostMcpAsync(McpHostFixture.ToolCall("list_libraries", new { }), token, host: host))
        {
            Assert.Equal(HttpStatusCode.OK, meanwhile.StatusCode);
        }

        wire.Set(WireFault.Pass);
        Assert.True(await WaitForAsync(() => invalidations.IsTrusted, TimeSpan.FromSeconds(15)), "the cache was not trusted again after Redis answered");
        Assert.False(invalidations.ExecuteTask?.IsCompleted, "the invalidation listener stopped");
    }

    private static async Task<bool> WaitForAsync(Func<bool> condition, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (!condition() && DateTime.UtcNow < until)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        return condition();
    }
}
