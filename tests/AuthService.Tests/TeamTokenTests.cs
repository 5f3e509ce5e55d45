using System.Net;
using Mnemosyne.AuthService.Tests.Infrastructure;

namespace Mnemosyne.AuthService.Tests;

public sealed class TeamTokenTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    private readonly AuthApi _api = fixture.Api();

    [Fact]
    public async Task Team_token_sees_exactly_the_libraries_of_its_workspaces()
    {
        await _api.CreateSigningKeyAsync();
        var (ws1, ws2, other) = (AuthApi.Unique("ws"), AuthApi.Unique("ws"), AuthApi.Unique("ws"));
        await fixture.AddLibraryAsync(ws1 + "-lib-a", ws1);
        await fixture.AddLibraryAsync(ws1 + "-lib-b", ws1);
        await fixture.AddLibraryAsync(ws2 + "-lib-c", ws2);
        await fixture.AddLibraryAsync(other + "-lib-d", other);
        var team = await _api.CreateTeamAsync(ws1, ws2);

        var reply = await _api.ResolveAsync(await _api.MintTeamTokenAsync(team), "get_document");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("team", reply.Body.GetProperty("kind").GetString());
        Assert.Equal("team:" + team, reply.Body.GetProperty("principal").GetString());
        Assert.Equal("daedalus-service", reply.Body.GetProperty("user").GetString());
        Assert.Equal(new[] { ws1 + "-lib-a", ws1 + "-lib-b", ws2 + "-lib-c" }.Order().ToArray(),
            AuthApi.Strings(reply.Body.GetProperty("libraries")).Order().ToArray());
    }

    [Fact]
    public async Task Workspace_assignment_change_shows_on_the_next_resolution()
    {
        await _api.CreateSigningKeyAsync();
        var (before, after) = (AuthApi.Unique("ws"), AuthApi.Unique("ws"));
        await fixture.AddLibraryAsync(before + "-lib", before);
        await fixture.AddLibraryAsync(after + "-lib", after);
        var team = await _api.CreateTeamAsync(before);
        var token = await _api.MintTeamTokenAsync(team);
        Assert.Equal([before + "-lib"], AuthApi.Strings((await _api.ResolveAsync(token)).Body.GetProperty("libraries")));

        var change = await _api.AdminAsync(HttpMethod.Put, $"/admin/v1/teams/{team}/workspaces", new { workspaces = new[] { after } });
        var reply = await _api.ResolveAsync(token);

        Assert.Equal(HttpStatusCode.NoContent, change.Status);
        Assert.Equal([after + "-lib"], AuthApi.Strings(reply.Body.GetProperty("libraries")));
    }

    [Fact]
    public async Task Team_without_assignments_sees_nothing()
    {
        await _api.CreateSigningKeyAsync();
        var team = await _api.CreateTeamAsync();

        var reply = await _api.ResolveAsync(await _api.MintTeamTokenAsync(team));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Empty(reply.Body.GetProperty("libraries").EnumerateArray());
    }

    [Fact]
    public async Task Minting_a_new_team_token_revokes_the_previous_one()
    {
        await _api.CreateSigningKeyAsync();
        var team = await _api.CreateTeamAsync(AuthApi.Unique("ws"));
        var first = await _api.MintTeamTokenAsync(team);
        Assert.Equal(HttpStatusCode.OK, (await _api.ResolveAsync(first)).Status);

        var second = await _api.MintTeamTokenAsync(team);
        var old = await _api.ResolveAsync(first);
        var current = await _api.ResolveAsync(second);

        Assert.Equal("invalid_token", old.Reason);
        Assert.Equal(HttpStatusCode.OK, current.Status);
    }

    [Fact]
    public async Task Deactivated_team_is_refused_and_cannot_mint()
    {
        await _api.CreateSigningKeyAsync();
        var team = await _api.CreateTeamAsync(AuthApi.Unique("ws"));
        var token = await _api.MintTeamTokenAsync(team);

        Assert.Equal(HttpStatusCode.NoContent, (await _api.AdminAsync(HttpMethod.Post, $"/admin/v1/teams/{team}/deactivate")).Status);
        var reply = await _api.ResolveAsync(token);
        var mint = await _api.AdminAsync(HttpMethod.Post, $"/admin/v1/teams/{team}/token", new { });

        Assert.Equal("deactivated", reply.Reason);
        Assert.Equal(HttpStatusCode.Conflict, mint.Status);
    }

    [Fact]
    public async Task Team_token_is_minted_with_the_newest_key_and_shaped_as_the_contract_says()
    {
        await _api.CreateSigningKeyAsync();
        var (newestKid, _) = await _api.CreateSigningKeyAsync();
        var team = await _api.CreateTeamAsync();

        var minted = await _api.AdminAsync(HttpMethod.Post, $"/admin/v1/teams/{team}/token", new { });
        var parts = minted.Body.GetProperty("token").GetString()!.Split('.');
        var header = System.Text.Json.JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[0])).RootElement;
        var claims = System.Text.Json.JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1])).RootElement;

        Assert.Equal(HttpStatusCode.Created, minted.Status);
        Assert.Equal(newestKid, header.GetProperty("kid").GetString());
        Assert.Equal("HS256", header.GetProperty("alg").GetString());
        Assert.Equal(("mnemosyne", "mnemosyne", "team", "team:" + team),
            (claims.GetProperty("iss").GetString(), claims.GetProperty("aud").GetString(),
                claims.GetProperty("typ").GetString(), claims.GetProperty("sub").GetString()));
        Assert.Equal(minted.Body.GetProperty("jti").GetString(), claims.GetProperty("jti").GetString());
        Assert.Equal(3650L * 86400, claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64());
    }

    [Fact]
    public async Task Team_claims_are_checked_audience_typ_and_subject()
    {
        var (kid, secret) = await _api.CreateSigningKeyAsync();
        var team = await _api.CreateTeamAsync();
        var now = fixture.Time.GetUtcNow().ToUnixTimeSeconds();
        string Team(Action<Dictionary<string, object?>> change)
        {
            var claims = new Dictionary<string, object?>
            {
                ["iss"] = "mnemosyne", ["aud"] = "mnemosyne", ["typ"] = "team", ["sub"] = "team:" + team,
                ["jti"] = Guid.NewGuid().ToString(), ["iat"] = now, ["exp"] = now + 3600,
            };
            change(claims);
            return TestJwt.Sign(new { alg = "HS256", kid }, claims, secret);
        }

        var wrongAudience = await _api.ResolveAsync(Team(c => c["aud"] = "elsewhere"));
        var noTyp = await _api.ResolveAsync(Team(c => c.Remove("typ")));
        var badSubject = await _api.ResolveAsync(Team(c => c["sub"] = "team:not-a-uuid"));
        var unknownTeam = await _api.ResolveAsync(Team(c => c["sub"] = "team:" + Guid.NewGuid()));
        var notActiveJti = await _api.ResolveAsync(Team(_ => { }));

        Assert.Equal(("invalid_claims", "JWT aud must be 'mnemosyne'."), (wrongAudience.Reason, wrongAudience.Title));
        Assert.Equal("invalid_claims", noTyp.Reason);
        Assert.Equal("invalid_claims", badSubject.Reason);
        Assert.Equal("invalid_token", unknownTeam.Reason);
        Assert.Equal("invalid_token", notActiveJti.Reason);
    }
}
