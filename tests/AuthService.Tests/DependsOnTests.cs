using System.Security.Cryptography;
using System.Text;
using Mnemosyne.AuthService.Tests.Infrastructure;
using Mnemosyne.ServiceDefaults.Invalidation;

namespace Mnemosyne.AuthService.Tests;

/// <summary>
/// What <c>/v1/resolve</c> says a decision was resolved from (<c>Mnemosyne-Depends-On</c>), which decides the
/// revoking changes that drop a cached copy: each kind names exactly what can revoke or narrow it.
/// </summary>
public sealed class DependsOnTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    private readonly AuthApi _api = fixture.Api();

    [Fact]
    public async Task An_opaque_token_depends_on_itself_by_hash_and_on_its_user()
    {
        var user = await _api.CreateUserAsync();
        var (_, token) = await _api.CreateTokenAsync(user, ["lib-a"]);

        var dependsOn = await DependsOnAsync(token);

        Assert.Equal([Dependency.Token(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))), Dependency.User(user)],
            dependsOn);
    }

    [Fact]
    public async Task A_turn_jwt_depends_on_its_signing_key_and_the_service_user()
    {
        var (kid, secret) = await _api.CreateSigningKeyAsync();

        var dependsOn = await DependsOnAsync(TestJwt.Turn(kid, secret, fixture.Time.GetUtcNow()));

        Assert.Equal([Dependency.SigningKey(kid), Dependency.User("daedalus-service")], dependsOn);
    }

    [Fact]
    public async Task A_team_token_depends_on_its_key_the_service_user_its_team_and_its_workspaces()
    {
        var (kid, _) = await _api.CreateSigningKeyAsync();
        var (ws1, ws2) = (AuthApi.Unique("ws, with a comma"), AuthApi.Unique("ws"));
        var team = await _api.CreateTeamAsync(ws1, ws2);

        var dependsOn = await DependsOnAsync(await _api.MintTeamTokenAsync(team));

        Assert.Equal(
            [Dependency.SigningKey(kid), Dependency.User("daedalus-service"), Dependency.Team(Guid.Parse(team)),
                Dependency.Workspace(ws1), Dependency.Workspace(ws2)],
            dependsOn.Take(3).Concat(dependsOn.Skip(3).Order(StringComparer.Ordinal)));
    }

    private async Task<string[]> DependsOnAsync(string bearer)
    {
        var reply = await _api.ResolveAsync(bearer);
        Assert.Equal(System.Net.HttpStatusCode.OK, reply.Status);
        var header = Assert.Single(reply.Response.Headers.GetValues(Dependency.HeaderName));
        return Dependency.FromHeader(header)!;
    }
}
