using System.Net;
using Mnemosyne.AuthService.Tests.Infrastructure;
using Mnemosyne.AuthService.Tokens;

namespace Mnemosyne.AuthService.Tests;

/// <summary>Two AuthService hosts on one Postgres and one Redis, as when auth-service runs several replicas.</summary>
public sealed class MultiInstanceTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    private readonly AuthApi _first = fixture.Api();

    private DateTimeOffset Now => fixture.Time.GetUtcNow();

    [Fact]
    public async Task A_jti_may_be_reused_on_any_host_while_valid_and_is_a_replay_after_its_expiry()
    {
        var second = _first.On(await fixture.StartHostAsync());
        var (kid, secret) = await _first.CreateSigningKeyAsync();
        await Task.Delay(SigningKeyRing.MaxAge, TestContext.Current.CancellationToken); // let the second host learn the new key
        var jti = Guid.NewGuid().ToString();
        var original = TestJwt.Turn(kid, secret, Now, c => c["jti"] = jti, lifetimeSeconds: 60);

        Assert.Equal(HttpStatusCode.OK, (await _first.ResolveAsync(original)).Status);
        Assert.Equal(HttpStatusCode.OK, (await second.ResolveAsync(original)).Status);
        Assert.Equal(HttpStatusCode.OK, (await _first.ResolveAsync(original)).Status);

        // Past the first token's exp + leeway, the same jti (here in a freshly signed token) is a replay everywhere.
        fixture.Time.Advance(TimeSpan.FromSeconds(60 + 30 + 1));
        var resurrected = TestJwt.Turn(kid, secret, Now, c => c["jti"] = jti, lifetimeSeconds: 60);
        var onSecond = await second.ResolveAsync(resurrected);
        var onFirst = await _first.ResolveAsync(resurrected);
        var originalAgain = await _first.ResolveAsync(original);

        Assert.Equal(("replay", "Token replay detected."), (onSecond.Reason, onSecond.Title));
        Assert.Equal("replay", onFirst.Reason);
        Assert.Equal("expired", originalAgain.Reason);
    }

    [Fact]
    public async Task A_retired_key_is_refused_by_every_host_within_one_second()
    {
        var second = _first.On(await fixture.StartHostAsync());
        var (kid, secret) = await _first.CreateSigningKeyAsync();
        await Task.Delay(SigningKeyRing.MaxAge, TestContext.Current.CancellationToken); // let the second host learn the new key
        var token = TestJwt.Turn(kid, secret, Now);
        Assert.Equal(HttpStatusCode.OK, (await second.ResolveAsync(token)).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await _first.AdminAsync(HttpMethod.Post, $"/admin/v1/signing-keys/{kid}/retire")).Status);
        var onFirst = await _first.ResolveAsync(token);
        await Task.Delay(SigningKeyRing.MaxAge, TestContext.Current.CancellationToken);
        var onSecond = await second.ResolveAsync(token);

        Assert.Equal(("retired_key", "Signing key has been retired."), (onFirst.Reason, onFirst.Title));
        Assert.Equal("retired_key", onSecond.Reason);
        var keys = await _first.AdminAsync(HttpMethod.Get, "/admin/v1/signing-keys");
        var retired = keys.Body.EnumerateArray().Single(k => k.GetProperty("kid").GetString() == kid);
        Assert.False(retired.GetProperty("active").GetBoolean());
        Assert.Equal(Now, retired.GetProperty("retiredAt").GetDateTimeOffset());
    }
}
