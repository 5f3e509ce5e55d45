using System.Net;
using Mnemosyne.AuthService.Tests.Infrastructure;

namespace Mnemosyne.AuthService.Tests;

/// <summary>The library store unreachable: team tokens fail closed with 503, opaque and turn tokens keep working.</summary>
public sealed class LibraryStoreOutageTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    [Fact]
    public async Task Missing_library_store_refuses_team_tokens_with_503_and_leaves_the_service_ready()
    {
        var api = fixture.Api(await fixture.StartHostAsync(c =>
            c["ConnectionStrings:librarydb"] = fixture.Servers.Postgres.ConnectionString("no_such_database")));
        var (kid, secret) = await api.CreateSigningKeyAsync();
        var (_, opaque) = await api.CreateTokenAsync(await api.CreateUserAsync(), ["lib"]);
        var team = await api.MintTeamTokenAsync(await api.CreateTeamAsync("ws-1"));

        var health = await api.SendAsync(HttpMethod.Get, "/health", null);
        var teamReply = await api.ResolveAsync(team);
        var opaqueReply = await api.ResolveAsync(opaque);
        var turnReply = await api.ResolveAsync(TestJwt.Turn(kid, secret, fixture.Time.GetUtcNow()));

        Assert.Equal(HttpStatusCode.OK, health.Status);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "unavailable"), (teamReply.Status, teamReply.Reason));
        Assert.Equal("Library store is unavailable.", teamReply.Title);
        Assert.Equal(HttpStatusCode.OK, opaqueReply.Status);
        Assert.Equal(HttpStatusCode.OK, turnReply.Status);
    }
}
