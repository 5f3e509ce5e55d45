using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;
using Mnemosyne.AuthService.Tests.Infrastructure;

namespace Mnemosyne.AuthService.Tests;

/// <summary>
/// OAuth access tokens (CONTRACT §6) at <c>/v1/resolve</c>: tokens from real authorization servers (the auth-code +
/// PKCE flow, or minted with the server's own keys for exact claims), groups mapped to teams live, every refusal with
/// its reason code.
/// </summary>
public sealed class OAuthTokenTests(OAuthFixture fixture) : IClassFixture<OAuthFixture>
{
    private readonly AuthApi _api = fixture.Api();

    [Fact]
    public async Task Signed_in_user_sees_exactly_the_libraries_of_the_teams_mapped_to_their_groups()
    {
        var (group, other) = (AuthApi.Unique("grp"), AuthApi.Unique("grp"));
        var (mine, theirs) = (await TeamWithLibraryAsync(group), await TeamWithLibraryAsync(other));
        fixture.Rsa.User = (AuthApi.Unique("sub"), [group, AuthApi.Unique("unmapped")]);

        var reply = await _api.ResolveAsync(await fixture.Rsa.SignInAsync(OAuthFixture.Resource), "search");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("oauth", reply.Body.GetProperty("kind").GetString());
        Assert.Equal($"oauth:{fixture.Rsa.User.Subject}@127.0.0.1", reply.Body.GetProperty("principal").GetString());
        Assert.Equal([mine.Library], AuthApi.Strings(reply.Body.GetProperty("libraries")));
        Assert.DoesNotContain(theirs.Library, AuthApi.Strings(reply.Body.GetProperty("libraries")));
    }

    [Fact]
    public async Task ES256_tokens_and_a_per_issuer_groups_claim_are_accepted()
    {
        var group = AuthApi.Unique("role");
        var team = await TeamWithLibraryAsync(group);
        fixture.Ec.User = (AuthApi.Unique("sub"), [group]); // one value: the claim is a string, not an array

        var token = await fixture.Ec.SignInAsync(OAuthFixture.Resource);
        var reply = await _api.ResolveAsync(token);

        Assert.Equal("ES256", Header(token, "alg"));
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal([team.Library], AuthApi.Strings(reply.Body.GetProperty("libraries")));
    }

    [Fact]
    public async Task Issuer_with_only_RFC_8414_metadata_is_discovered_there()
    {
        using var http = new HttpClient();
        using var oidc = await http.GetAsync(new Uri(fixture.OAuthOnly.Address, ".well-known/openid-configuration"), TestContext.Current.CancellationToken);

        var reply = await _api.ResolveAsync(await fixture.OAuthOnly.SignInAsync(OAuthFixture.Resource));

        Assert.Equal(HttpStatusCode.NotFound, oidc.StatusCode);
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("oauth", reply.Body.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Groups_claim_may_be_a_string_or_an_array()
    {
        var (a, b) = (AuthApi.Unique("grp"), AuthApi.Unique("grp"));
        var (teamA, teamB) = (await TeamWithLibraryAsync(a), await TeamWithLibraryAsync(b));

        var asString = await _api.ResolveAsync(Mint(c => c["groups"] = a));
        var asArray = await _api.ResolveAsync(Mint(c => c["groups"] = new[] { a, b }));

        Assert.Equal([teamA.Library], AuthApi.Strings(asString.Body.GetProperty("libraries")));
        Assert.Equal(new[] { teamA.Library, teamB.Library }.Order(), AuthApi.Strings(asArray.Body.GetProperty("libraries")).Order());
    }

    [Fact]
    public async Task A_token_with_200_group_ids_fits_and_a_larger_bearer_does_not()
    {
        var group = Guid.NewGuid().ToString();
        var team = await TeamWithLibraryAsync(group);
        var token = Mint(c => c["groups"] = Enumerable.Range(0, 199).Select(_ => Guid.NewGuid().ToString()).Append(group).ToArray());

        var reply = await _api.ResolveAsync(token);
        var oversized = await _api.ResolveAsync(token + new string('A', 12 * 1024 - token.Length + 1));

        Assert.True(token.Length > 4096, $"the token is {token.Length} characters");
        Assert.Equal([team.Library], AuthApi.Strings(reply.Body.GetProperty("libraries")));
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_token"), (oversized.Status, oversized.Reason));
    }

    [Fact]
    public async Task No_mapped_team_sees_nothing()
    {
        await TeamWithLibraryAsync(AuthApi.Unique("grp"));

        var unmapped = await _api.ResolveAsync(Mint(c => c["groups"] = new[] { AuthApi.Unique("grp") }));
        var noGroups = await _api.ResolveAsync(Mint());

        Assert.Equal(HttpStatusCode.OK, unmapped.Status);
        Assert.Empty(unmapped.Body.GetProperty("libraries").EnumerateArray());
        Assert.Empty(noGroups.Body.GetProperty("libraries").EnumerateArray());
    }

    [Fact]
    public async Task Removing_a_group_mapping_or_deactivating_the_team_narrows_the_next_call()
    {
        var (a, b) = (AuthApi.Unique("grp"), AuthApi.Unique("grp"));
        var (teamA, teamB) = (await TeamWithLibraryAsync(a), await TeamWithLibraryAsync(b));
        var token = Mint(c => c["groups"] = new[] { a, b });
        Assert.Equal(2, (await _api.ResolveAsync(token)).Body.GetProperty("libraries").GetArrayLength());

        var unmap = await _api.AdminAsync(HttpMethod.Put, $"/admin/v1/teams/{teamA.Id}/groups", new { groups = Array.Empty<string>() });
        var afterUnmap = await _api.ResolveAsync(token);
        var deactivate = await _api.AdminAsync(HttpMethod.Post, $"/admin/v1/teams/{teamB.Id}/deactivate");
        var afterDeactivate = await _api.ResolveAsync(token);

        Assert.Equal(HttpStatusCode.NoContent, unmap.Status);
        Assert.Equal([teamB.Library], AuthApi.Strings(afterUnmap.Body.GetProperty("libraries")));
        Assert.Equal(HttpStatusCode.NoContent, deactivate.Status);
        Assert.Empty(afterDeactivate.Body.GetProperty("libraries").EnumerateArray());
    }

    [Fact]
    public async Task Admin_api_answers_and_lists_team_groups()
    {
        var group = AuthApi.Unique("grp");
        var created = await _api.AdminAsync(HttpMethod.Post, "/admin/v1/teams",
            new { name = AuthApi.Unique("team"), workspaces = Array.Empty<string>(), groups = new[] { group, group } });
        var id = created.Body.GetProperty("id").GetString();
        var set = await _api.AdminAsync(HttpMethod.Put, $"/admin/v1/teams/{id}/groups", new { groups = new[] { "g2", "g3" } });
        var list = await _api.AdminAsync(HttpMethod.Get, "/admin/v1/teams");
        var unknown = await _api.AdminAsync(HttpMethod.Put, $"/admin/v1/teams/{Guid.NewGuid()}/groups", new { groups = new[] { "g" } });
        var bad = await _api.AdminAsync(HttpMethod.Put, $"/admin/v1/teams/{id}/groups", new { groups = new object[] { 1 } });
        var missing = await _api.AdminAsync(HttpMethod.Put, $"/admin/v1/teams/{id}/groups", new { });

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal([group], AuthApi.Strings(created.Body.GetProperty("groups")));
        Assert.Equal(HttpStatusCode.NoContent, set.Status);
        var listed = list.Body.EnumerateArray().Single(t => t.GetProperty("id").GetString() == id);
        Assert.Equal(["g2", "g3"], AuthApi.Strings(listed.GetProperty("groups")));
        Assert.True(listed.GetProperty("active").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.Contains("groups", missing.Title, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_audience_is_invalid_audience()
    {
        var realFlow = await _api.ResolveAsync(await fixture.Rsa.SignInAsync("https://other.example/api"));
        var minted = await _api.ResolveAsync(Mint(c => c["aud"] = new[] { "https://other.example/api" }));

        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_audience"), (realFlow.Status, realFlow.Reason));
        Assert.Equal("Token audience is not accepted by this resource.", realFlow.Title);
        Assert.Equal("invalid_audience", minted.Reason);
    }

    [Fact]
    public async Task Token_from_an_issuer_that_is_not_configured_follows_the_turn_and_team_rules()
    {
        var reply = await _api.ResolveAsync(Mint(c => c["iss"] = "https://unknown-idp.example/"));

        // Not an OAuth token for us, so the §2 rules judge it: they accept HS256 only.
        Assert.Equal((HttpStatusCode.Unauthorized, "unsupported_alg"), (reply.Status, reply.Reason));
    }

    [Fact]
    public async Task Expired_token_is_refused_once_the_clock_passes_exp_and_leeway()
    {
        var token = Mint(c => c["exp"] = Now + 60);
        var before = await _api.ResolveAsync(token);
        var pastExp = await _api.ResolveAsync(Mint(c => c["exp"] = Now - 31));

        Assert.Equal(HttpStatusCode.OK, before.Status);
        Assert.Equal((HttpStatusCode.Unauthorized, "expired"), (pastExp.Status, pastExp.Reason));
        fixture.Time.Advance(TimeSpan.FromSeconds(60 + 30 + 1));
        var after = await _api.ResolveAsync(token);
        Assert.Equal((HttpStatusCode.Unauthorized, "expired"), (after.Status, after.Reason));
    }

    [Fact]
    public async Task Not_yet_valid_token_is_refused()
    {
        var reply = await _api.ResolveAsync(Mint(c => c["nbf"] = Now + 120));
        var withinLeeway = await _api.ResolveAsync(Mint(c => c["nbf"] = Now + 20));

        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_claims"), (reply.Status, reply.Reason));
        Assert.Equal(HttpStatusCode.OK, withinLeeway.Status);
    }

    [Fact]
    public async Task HS256_or_none_with_a_key_id_from_the_JWKS_is_unsupported_alg()
    {
        var kid = fixture.Rsa.CurrentKey.KeyId;
        var claims = Claims();
        var hs256 = TestJwt.Sign(new { alg = "HS256", typ = "at+jwt", kid }, claims, RandomNumberGenerator.GetBytes(32));
        var none = TestJwt.Encode(new { alg = "none", kid }) + "." + TestJwt.Encode(claims) + ".";

        var hsReply = await _api.ResolveAsync(hs256);
        var noneReply = await _api.ResolveAsync(none);

        Assert.Equal((HttpStatusCode.Unauthorized, "unsupported_alg"), (hsReply.Status, hsReply.Reason));
        Assert.Equal((HttpStatusCode.Unauthorized, "unsupported_alg"), (noneReply.Status, noneReply.Reason));
    }

    [Fact]
    public async Task Forged_signature_is_invalid_token()
    {
        var stranger = new RsaSecurityKey(RSA.Create(2048)) { KeyId = fixture.Rsa.CurrentKey.KeyId };

        var reply = await _api.ResolveAsync(fixture.Rsa.Mint(Claims(), stranger));

        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_token"), (reply.Status, reply.Reason));
    }

    [Fact]
    public async Task A_valid_token_respelled_with_padding_or_the_standard_alphabet_is_malformed()
    {
        var token = fixture.Rsa.Mint(Claims());
        var signature = token[(token.LastIndexOf('.') + 1)..];
        var standard = token[..(token.LastIndexOf('.') + 1)] + signature.Replace('-', '+').Replace('_', '/');

        var original = await _api.ResolveAsync(token);
        var padded = await _api.ResolveAsync(token + "==");
        var respelled = await _api.ResolveAsync(standard);

        Assert.Equal(HttpStatusCode.OK, original.Status);
        Assert.Equal((HttpStatusCode.Unauthorized, "malformed"), (padded.Status, padded.Reason));
        if (standard != token)
        {
            Assert.Equal((HttpStatusCode.Unauthorized, "malformed"), (respelled.Status, respelled.Reason));
        }
    }

    [Fact]
    public async Task Unknown_kid_refreshes_keys_at_most_once_per_30_seconds_and_picks_up_a_rotation()
    {
        var server = fixture.Ec;
        await _api.ResolveAsync(Mint(server: server)); // keys cached
        var ghost = new ECDsaSecurityKey(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "ghost-" + Guid.NewGuid().ToString("N")[..6] };
        fixture.Time.Advance(TimeSpan.FromSeconds(31)); // a forced refresh may happen again

        var fetches = server.JwksRequests;
        var unknown = await _api.ResolveAsync(server.Mint(Claims(server), ghost));
        var afterUnknown = server.JwksRequests;
        var rotated = server.RotateKey();
        var withinWindow = await _api.ResolveAsync(server.Mint(Claims(server), rotated));
        var afterWithinWindow = server.JwksRequests;
        fixture.Time.Advance(TimeSpan.FromSeconds(31));
        var afterWindow = await _api.ResolveAsync(server.Mint(Claims(server), rotated));

        Assert.Equal((HttpStatusCode.Unauthorized, "unknown_key"), (unknown.Status, unknown.Reason));
        Assert.Equal(fetches + 1, afterUnknown);
        Assert.Equal((HttpStatusCode.Unauthorized, "unknown_key"), (withinWindow.Status, withinWindow.Reason));
        Assert.Equal(afterUnknown, afterWithinWindow);
        Assert.Equal(HttpStatusCode.OK, afterWindow.Status);
    }

    [Fact]
    public async Task Missing_sub_is_missing_claim()
    {
        var reply = await _api.ResolveAsync(Mint(c => c.Remove("sub")));

        Assert.Equal((HttpStatusCode.Unauthorized, "missing_claim"), (reply.Status, reply.Reason));
        Assert.Equal("JWT missing required claim: sub.", reply.Title);
    }

    [Fact]
    public async Task Missing_scope_is_403_insufficient_scope_and_scp_is_read_too()
    {
        var realFlow = await _api.ResolveAsync(await fixture.Rsa.SignInAsync(OAuthFixture.Resource, scope: "openid"));
        var scpString = await _api.ResolveAsync(Mint(c => { c.Remove("scope"); c["scp"] = "other mnemosyne.read"; }));
        var scpArray = await _api.ResolveAsync(Mint(c => { c.Remove("scope"); c["scp"] = new[] { "mnemosyne.read" }; }));

        Assert.Equal((HttpStatusCode.Forbidden, "insufficient_scope"), (realFlow.Status, realFlow.Reason));
        Assert.Equal("Token lacks the required scope 'mnemosyne.read'.", realFlow.Title);
        Assert.Equal(HttpStatusCode.OK, scpString.Status);
        Assert.Equal(HttpStatusCode.OK, scpArray.Status);
    }

    [Fact]
    public async Task Identity_provider_unreachable_without_cached_keys_is_503_then_recovers()
    {
        var stranger = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "k1" };
        var early = await _api.ResolveAsync(TestAuthorizationServer.Sign(Claims(issuer: fixture.LateIssuer), stranger));

        var server = await fixture.StartLateServerAsync();
        var recovered = await PollAsync(() => _api.ResolveAsync(server.Mint(Claims(server))));
        server.Down = true;
        var duringOutage = await _api.ResolveAsync(server.Mint(Claims(server)));

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "unavailable"), (early.Status, early.Reason));
        Assert.Equal(HttpStatusCode.OK, recovered.Status);
        Assert.Equal(HttpStatusCode.OK, duringOutage.Status); // the last good keys stay in use
    }

    [Fact]
    public async Task OAuth_refusals_count_under_their_reason_codes()
    {
        using var failures = new FailureRecorder(fixture.Host);

        await _api.ResolveAsync(Mint(c => c["aud"] = "https://other.example/api"));
        await _api.ResolveAsync(Mint(c => c["scope"] = "openid"));
        await _api.ResolveAsync(Mint(c => c.Remove("sub")));

        Assert.Equal([(1L, "invalid_audience"), (1L, "insufficient_scope"), (1L, "missing_claim")], failures.Seen);
    }

    private long Now => fixture.Time.GetUtcNow().ToUnixTimeSeconds();

    private Dictionary<string, object> Claims(TestAuthorizationServer? server = null, string? issuer = null) => new()
    {
        ["iss"] = issuer ?? (server ?? fixture.Rsa).Issuer,
        ["sub"] = AuthApi.Unique("sub"),
        ["aud"] = OAuthFixture.Resource,
        ["scope"] = "openid mnemosyne.read",
        ["iat"] = Now,
        ["exp"] = Now + 600,
    };

    private string Mint(Action<Dictionary<string, object>>? change = null, TestAuthorizationServer? server = null)
    {
        server ??= fixture.Rsa;
        var claims = Claims(server);
        change?.Invoke(claims);
        return server.Mint(claims);
    }

    private async Task<(string Id, string Library)> TeamWithLibraryAsync(string group)
    {
        var workspace = AuthApi.Unique("ws");
        var library = workspace + "-lib";
        await fixture.AddLibraryAsync(library, workspace);
        var reply = await _api.AdminAsync(HttpMethod.Post, "/admin/v1/teams",
            new { name = AuthApi.Unique("team"), workspaces = new[] { workspace }, groups = new[] { group } });
        Assert.Equal(HttpStatusCode.Created, reply.Status);
        return (reply.Body.GetProperty("id").GetString()!, library);
    }

    private static string Header(string token, string name) =>
        System.Text.Json.JsonDocument.Parse(Base64UrlEncoder.Decode(token.Split('.')[0])).RootElement.GetProperty(name).GetString()!;

    /// <summary>Asks again (real time passes: the metadata client's retry is not on the fake clock) until 200 or 10 s.</summary>
    private static async Task<AuthApi.Reply> PollAsync(Func<Task<AuthApi.Reply>> call)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var reply = await call();
            if (reply.Status == HttpStatusCode.OK || DateTime.UtcNow > deadline)
            {
                return reply;
            }

            await Task.Delay(200);
        }
    }
}
