using System.Net;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Mnemosyne.AuthService.Tests.Infrastructure;

namespace Mnemosyne.AuthService.Tests;

public sealed class TurnTokenTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    private readonly AuthApi _api = fixture.Api();

    private DateTimeOffset Now => fixture.Time.GetUtcNow();

    [Fact]
    public async Task Turn_token_minted_by_the_admin_api_resolves_to_its_libs_as_the_service_user()
    {
        await _api.CreateSigningKeyAsync();
        var minted = await _api.AdminAsync(HttpMethod.Post, "/admin/v1/turn-tokens",
            new { subject = "turn-42", libraries = new[] { "lib-x", "lib-y" }, workspace = "ws-1", ttlSeconds = 120 });
        Assert.Equal(HttpStatusCode.Created, minted.Status);

        var reply = await _api.ResolveAsync(minted.Body.GetProperty("token").GetString(), "search");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("turn", reply.Body.GetProperty("kind").GetString());
        Assert.Equal("jwt:turn-42", reply.Body.GetProperty("principal").GetString());
        Assert.Equal("daedalus-service", reply.Body.GetProperty("user").GetString());
        Assert.Equal(["lib-x", "lib-y"], AuthApi.Strings(reply.Body.GetProperty("libraries")));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, reply.Body.GetProperty("tools").ValueKind);
        Assert.Equal(Now.ToUnixTimeSeconds() + 120, reply.Body.GetProperty("expiresAt").GetDateTimeOffset().ToUnixTimeSeconds());
        Assert.Equal(minted.Body.GetProperty("expiresAt").GetDateTimeOffset(), reply.Body.GetProperty("expiresAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Turn_token_from_a_standard_jwt_library_resolves()
    {
        var (kid, secret) = await _api.CreateSigningKeyAsync();
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "daedalus",
            IssuedAt = Now.UtcDateTime,
            NotBefore = Now.UtcDateTime,
            Expires = Now.AddMinutes(5).UtcDateTime,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = "outside-minter", ["jti"] = Guid.NewGuid().ToString(), ["libs"] = new[] { "lib-out" },
            },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(secret) { KeyId = kid }, SecurityAlgorithms.HmacSha256),
        });

        var reply = await _api.ResolveAsync(token);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(["lib-out"], AuthApi.Strings(reply.Body.GetProperty("libraries")));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("HS512")]
    [InlineData("RS256")]
    [InlineData("hs256")]
    public async Task Any_alg_but_HS256_is_refused(string alg)
    {
        var (kid, secret) = await _api.CreateSigningKeyAsync();
        var claims = TestJwt.Turn(kid, secret, Now).Split('.')[1];
        var token = TestJwt.Encode(new { alg, typ = "JWT", kid }) + "." + claims + "." + (alg == "none" ? "" : "c2lnbmF0dXJl");

        var reply = await _api.ResolveAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.Equal("unsupported_alg", reply.Reason);
        Assert.Equal("Unsupported JWT alg.", reply.Title);
    }

    [Fact]
    public async Task Header_without_kid_is_malformed()
    {
        var (_, secret) = await _api.CreateSigningKeyAsync();
        var token = TestJwt.Sign(new { alg = "HS256", typ = "JWT" }, new { iss = "daedalus" }, secret);

        var reply = await _api.ResolveAsync(token);

        Assert.Equal("malformed", reply.Reason);
        Assert.Equal("Malformed JWT: header missing kid.", reply.Title);
    }

    [Fact]
    public async Task Unknown_kid_and_wrong_signature_are_refused()
    {
        var (kid, _) = await _api.CreateSigningKeyAsync();
        var unknown = await _api.ResolveAsync(TestJwt.Turn("k-unknown", new byte[32], Now));
        var forged = await _api.ResolveAsync(TestJwt.Turn(kid, new byte[32], Now));

        Assert.Equal("unknown_key", unknown.Reason);
        Assert.Equal("Unknown signing key.", unknown.Title);
        Assert.Equal("invalid_token", forged.Reason);
    }

    [Fact]
    public async Task Payload_that_is_not_json_is_malformed()
    {
        var (kid, secret) = await _api.CreateSigningKeyAsync();
        var header = TestJwt.Encode(new { alg = "HS256", kid });
        var signingInput = header + ".bm90LWpzb24";
        var signature = System.Buffers.Text.Base64Url.EncodeToString(
            System.Security.Cryptography.HMACSHA256.HashData(secret, System.Text.Encoding.ASCII.GetBytes(signingInput)));

        var reply = await _api.ResolveAsync(signingInput + "." + signature);

        Assert.Equal("malformed", reply.Reason);
        Assert.StartsWith("Malformed JWT: ", reply.Title, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("exp")]
    [InlineData("iat")]
    [InlineData("iss")]
    [InlineData("sub")]
    [InlineData("jti")]
    public async Task Each_required_claim_is_required(string claim)
    {
        var (kid, secret) = await _api.CreateSigningKeyAsync();

        var reply = await _api.ResolveAsync(TestJwt.Turn(kid, secret, Now, c => c.Remove(claim)));

        Assert.Equal("missing_claim", reply.Reason);
        Assert.Equal($"JWT missing required claim: {claim}.", reply.Title);
    }

    [Theory]
    [InlineData("\"lib-a\"")]
    [InlineData("[1, 2]")]
    [InlineData("{\"lib\": true}")]
    [InlineData("[\"ok\", null]")]
    public async Task Libs_must_be_a_list_of_strings(string libsJson)
    {
        var (kid, secret) = await _api.CreateSigningKeyAsync();
        var libs = System.Text.Json.JsonDocument.Parse(libsJson).RootElement.Clone();

        var reply = await _api.ResolveAsync(TestJwt.Turn(kid, secret, Now, c => c["libs"] = libs));

        Assert.Equal("invalid_claims", reply.Reason);
        Assert.Equal("JWT libs must be a list of strings.", reply.Title);
    }

    [Fact]
    public async Task Claims_of_the_wrong_type_are_invalid()
    {
        var (kid, secret) = await _api.CreateSigningKeyAsync();

        var stringExp = await _api.ResolveAsync(TestJwt.Turn(kid, secret, Now, c => c["exp"] = "soon"));
        var numericSub = await _api.ResolveAsync(TestJwt.Turn(kid, secret, Now, c => c["sub"] = 7));
        var numericWs = await _api.ResolveAsync(TestJwt.Turn(kid, secret, Now, c => c["ws"] = 7));

        Assert.Equal(("invalid_claims", "JWT exp must be a number of seconds since 1970."), (stringExp.Reason, stringExp.Title));
        Assert.Equal("invalid_claims", numericSub.Reason);
        Assert.Contains("sub", numericSub.Title, StringComparison.Ordinal);
        Assert.Equal(("invalid_claims", "JWT ws must be a string."), (numericWs.Reason, numericWs.Title));
    }

    [Fact]
    public async Task Foreign_issuer_is_refused()
    {
        var (kid, secret) = await _api.CreateSigningKeyAsync();

        var reply = await _api.ResolveAsync(TestJwt.Turn(kid, secret, Now, c => c["iss"] = "someone-else"));

        Assert.Equal("invalid_issuer", reply.Reason);
        Assert.Equal("Invalid token issuer.", reply.Title);
    }

    [Fact]
    public async Task Lifetime_above_the_maximum_is_refused_and_the_maximum_itself_is_fine()
    {
        var (kid, secret) = await _api.CreateSigningKeyAsync();

        var atMaximum = await _api.ResolveAsync(TestJwt.Turn(kid, secret, Now, lifetimeSeconds: 600));
        var aboveMaximum = await _api.ResolveAsync(TestJwt.Turn(kid, secret, Now, lifetimeSeconds: 601));

        Assert.Equal(HttpStatusCode.OK, atMaximum.Status);
        Assert.Equal("lifetime_too_long", aboveMaximum.Reason);
        Assert.Equal("Token lifetime exceeds the allowed maximum.", aboveMaximum.Title);
    }

    [Fact]
    public async Task Expiry_allows_exactly_the_leeway()
    {
        var (kid, secret) = await _api.CreateSigningKeyAsync();
        var token = TestJwt.Turn(kid, secret, Now, lifetimeSeconds: 60);

        fixture.Time.Advance(TimeSpan.FromSeconds(60 + 30));
        var atEdge = await _api.ResolveAsync(token);
        fixture.Time.Advance(TimeSpan.FromSeconds(1));
        var pastEdge = await _api.ResolveAsync(token);

        Assert.Equal(HttpStatusCode.OK, atEdge.Status);
        Assert.Equal("expired", pastEdge.Reason);
    }

    [Fact]
    public async Task Issued_at_may_lie_in_the_future_by_the_leeway_only()
    {
        var (kid, secret) = await _api.CreateSigningKeyAsync();
        var future = Now.ToUnixTimeSeconds();

        var withinLeeway = await _api.ResolveAsync(TestJwt.Turn(kid, secret, Now, c => c["iat"] = future + 30));
        var beyondLeeway = await _api.ResolveAsync(TestJwt.Turn(kid, secret, Now, c => c["iat"] = future + 31));

        Assert.Equal(HttpStatusCode.OK, withinLeeway.Status);
        Assert.Equal(("invalid_claims", "JWT iat is in the future."), (beyondLeeway.Reason, beyondLeeway.Title));
    }

    [Fact]
    public async Task Turn_issuer_with_team_typ_is_refused()
    {
        var (kid, secret) = await _api.CreateSigningKeyAsync();

        var reply = await _api.ResolveAsync(TestJwt.Turn(kid, secret, Now, c => c["typ"] = "team"));

        Assert.Equal("invalid_claims", reply.Reason);
    }

    [Fact]
    public async Task Disabling_the_service_user_stops_every_jwt()
    {
        var (kid, secret) = await _api.CreateSigningKeyAsync();
        try
        {
            Assert.Equal(HttpStatusCode.NoContent, (await _api.AdminAsync(HttpMethod.Post, "/admin/v1/users/daedalus-service/deactivate")).Status);
            var refused = await _api.ResolveAsync(TestJwt.Turn(kid, secret, Now));
            Assert.Equal("service_user_unavailable", refused.Reason);
            Assert.Equal("JWT service user does not exist or is disabled.", refused.Title);
        }
        finally
        {
            await _api.AdminAsync(HttpMethod.Post, "/admin/v1/users/daedalus-service/activate");
        }

        Assert.Equal(HttpStatusCode.OK, (await _api.ResolveAsync(TestJwt.Turn(kid, secret, Now))).Status);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(601)]
    public async Task Admin_turn_token_ttl_must_be_within_the_maximum(int ttlSeconds)
    {
        var reply = await _api.AdminAsync(HttpMethod.Post, "/admin/v1/turn-tokens",
            new { subject = "s", libraries = Array.Empty<string>(), ttlSeconds });

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("Field 'ttlSeconds' must be 1 to 600.", reply.Title);
    }
}
