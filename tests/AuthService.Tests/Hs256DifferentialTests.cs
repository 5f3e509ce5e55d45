using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Mnemosyne.AuthService.Tests.Infrastructure;

namespace Mnemosyne.AuthService.Tests;

/// <summary>
/// Our hand-written HS256 check (<c>JwtValidator</c>, kept for its exact reason codes and constant-time path) against
/// Microsoft.IdentityModel's <see cref="JsonWebTokenHandler"/> configured the same way — HS256 only, the key by
/// <c>kid</c>, the turn issuer, lifetime with the same leeway, and the claims §2 requires — on the same well-formed
/// and malformed tokens: they must agree on accept or refuse. (Rules the library has no switch for — <c>iat</c> in
/// the future, the lifetime cap, claim shapes, replay — are TurnTokenTests' business.)
/// </summary>
public sealed class Hs256DifferentialTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    private static readonly string[] RequiredClaims = ["exp", "iat", "iss", "sub", "jti"];

    [Fact]
    public async Task JwtValidator_and_JsonWebTokenHandler_agree_on_every_token()
    {
        var api = fixture.Api();
        var (kid, secret) = await api.CreateSigningKeyAsync();
        var now = fixture.Time.GetUtcNow();
        var other = RandomNumberGenerator.GetBytes(32);
        string Turn(Action<Dictionary<string, object?>>? change = null) => TestJwt.Turn(kid, secret, now, change);

        var cases = new (string Name, string Token, bool Accepted)[]
        {
            ("well-formed", Turn(), true),
            ("well-formed, expired within the leeway", Turn(c => { c["iat"] = now.ToUnixTimeSeconds() - 100; c["exp"] = now.ToUnixTimeSeconds() - 10; }), true),
            ("well-formed, nbf within the leeway", Turn(c => c["nbf"] = now.ToUnixTimeSeconds() + 10), true),
            ("minted by JsonWebTokenHandler", Library(kid, secret, now), true),
            ("expired", Turn(c => { c["iat"] = now.ToUnixTimeSeconds() - 400; c["exp"] = now.ToUnixTimeSeconds() - 120; }), false),
            ("nbf in the future", Turn(c => c["nbf"] = now.ToUnixTimeSeconds() + 120), false),
            ("wrong issuer", Turn(c => c["iss"] = "someone-else"), false),
            ("missing exp", Turn(c => c.Remove("exp")), false),
            ("missing sub", Turn(c => c.Remove("sub")), false),
            ("missing jti", Turn(c => c.Remove("jti")), false),
            ("missing iat", Turn(c => c.Remove("iat")), false),
            ("signed with another secret", TestJwt.Turn(kid, other, now), false),
            ("unknown kid", TestJwt.Turn("no-such-kid", secret, now), false),
            ("no kid", TestJwt.Sign(new { alg = "HS256", typ = "JWT" }, Claims(now), secret), false),
            ("alg none", TestJwt.Encode(new { alg = "none", kid }) + "." + TestJwt.Encode(Claims(now)) + ".", false),
            ("alg HS512", Sign(new { alg = "HS512", kid }, Claims(now), secret), false),
            ("signature cut short", Turn()[..^4], false),
            ("payload tampered", Tamper(Turn()), false),
            ("payload not JSON", WithPayload(Turn(), "not json"), false),
        };

        var disagreements = new List<string>();
        foreach (var (name, token, accepted) in cases)
        {
            var ours = (await api.ResolveAsync(token)).Status == HttpStatusCode.OK;
            var library = await LibraryAcceptsAsync(token, kid, secret);
            if (ours != library || ours != accepted)
            {
                disagreements.Add($"{name}: JwtValidator {(ours ? "accepts" : "refuses")}, JsonWebTokenHandler {(library ? "accepts" : "refuses")}, expected {(accepted ? "accept" : "refuse")}");
            }
        }

        Assert.Empty(disagreements);
    }

    private async Task<bool> LibraryAcceptsAsync(string token, string kid, byte[] secret)
    {
        var leeway = TimeSpan.FromSeconds(30);
        var result = await new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            IssuerSigningKey = new SymmetricSecurityKey(secret) { KeyId = kid },
            TryAllIssuerSigningKeys = false,
            ValidIssuer = "daedalus",
            ValidateAudience = false,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = leeway,
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = fixture.Time.GetUtcNow().UtcDateTime;
                return expires is { } exp && now <= exp + leeway && (notBefore is not { } nbf || nbf <= now + leeway);
            },
        });
        return result.IsValid && RequiredClaims.All(result.Claims.ContainsKey);
    }

    private static Dictionary<string, object?> Claims(DateTimeOffset now) => new()
    {
        ["iss"] = "daedalus", ["sub"] = "diff", ["jti"] = Guid.NewGuid().ToString(),
        ["iat"] = now.ToUnixTimeSeconds(), ["exp"] = now.ToUnixTimeSeconds() + 300, ["libs"] = Array.Empty<string>(),
    };

    private static string Library(string kid, byte[] secret, DateTimeOffset now) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = Claims(now)!,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(secret) { KeyId = kid }, SecurityAlgorithms.HmacSha256),
        });

    private static string Sign(object header, object claims, byte[] secret)
    {
        var input = TestJwt.Encode(header) + "." + TestJwt.Encode(claims);
        return input + "." + Base64UrlEncoder.Encode(HMACSHA512.HashData(secret, Encoding.ASCII.GetBytes(input)));
    }

    private static string Tamper(string token) =>
        WithPayload(token, Base64UrlEncoder.Decode(token.Split('.')[1]).Replace("chat-turn", "chat-tvrn", StringComparison.Ordinal));

    /// <summary>The token with its payload replaced and its signature kept.</summary>
    private static string WithPayload(string token, string payload)
    {
        var parts = token.Split('.');
        return $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
    }
}
