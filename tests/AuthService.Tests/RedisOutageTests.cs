using System.Net;
using Mnemosyne.AuthService.Tests.Infrastructure;
using Mnemosyne.ServiceDefaults.Invalidation;

namespace Mnemosyne.AuthService.Tests;

/// <summary>
/// Redis goes away: turn JWTs fail closed with 503 — a new one at once, one resolved before once this replica stops
/// trusting what it kept (a lease after Redis stopped answering) — while opaque and team tokens keep working.
/// </summary>
public sealed class RedisOutageTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    [Fact]
    public async Task Redis_stopped_refuses_turn_tokens_with_503_while_opaque_and_team_tokens_still_resolve()
    {
        await using var redis = await RedisServer.StartAsync();
        var api = fixture.Api().On(await fixture.StartHostAsync(redis.ConnectionString));
        var (kid, secret) = await api.CreateSigningKeyAsync();
        var (_, opaque) = await api.CreateTokenAsync(await api.CreateUserAsync(), ["lib"]);
        var team = await api.MintTeamTokenAsync(await api.CreateTeamAsync());
        var turn = TestJwt.Turn(kid, secret, fixture.Time.GetUtcNow());
        Assert.Equal(HttpStatusCode.OK, (await api.ResolveAsync(turn)).Status);

        await redis.StopAsync();
        var newTurnReply = await api.ResolveAsync(TestJwt.Turn(kid, secret, fixture.Time.GetUtcNow()));
        await Task.Delay(InvalidationProtocol.Lease, TestContext.Current.CancellationToken);
        var turnReply = await api.ResolveAsync(turn);
        var opaqueReply = await api.ResolveAsync(opaque);
        var teamReply = await api.ResolveAsync(team);
        var health = await api.SendAsync(HttpMethod.Get, "/health", null);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, newTurnReply.Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, turnReply.Status);
        Assert.Equal(("unavailable", "Redis (jti replay cache) is unavailable."), (turnReply.Reason, turnReply.Title));
        Assert.Equal(HttpStatusCode.OK, opaqueReply.Status);
        Assert.Equal(HttpStatusCode.OK, teamReply.Status);
        Assert.Equal(HttpStatusCode.OK, health.Status);
    }
}
