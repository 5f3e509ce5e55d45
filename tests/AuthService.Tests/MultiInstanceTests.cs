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
        var (kid, secret) = await _first.CreateSigningKeyAsync(); // known everywhere once this answered: no wait
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
    public async Task A_retired_key_is_refused_by_every_host_as_soon_as_the_retire_call_answers()
    {
        var second = _first.On(await fixture.StartHostAsync());
        var (kid, secret) = await _first.CreateSigningKeyAsync();
        var token = TestJwt.Turn(kid, secret, Now);
        Assert.Equal(HttpStatusCode.OK, (await second.ResolveAsync(token)).Status);

        var retire = await _first.AdminAsync(HttpMethod.Post, $"/admin/v1/signing-keys/{kid}/retire");
        var onSecond = await second.ResolveAsync(token); // no sleep: the call answered only once every host refuses
        var onFirst = await _first.ResolveAsync(token);

        Assert.Equal(HttpStatusCode.NoContent, retire.Status);

        Assert.Equal(("retired_key", "Signing key has been retired."), (onFirst.Reason, onFirst.Title));
        Assert.Equal("retired_key", onSecond.Reason);
        var keys = await _first.AdminAsync(HttpMethod.Get, "/admin/v1/signing-keys");
        var retired = keys.Body.EnumerateArray().Single(k => k.GetProperty("kid").GetString() == kid);
        Assert.False(retired.GetProperty("active").GetBoolean());
        Assert.Equal(Now, retired.GetProperty("retiredAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_key_created_on_one_host_is_accepted_by_another_at_once_and_retirement_is_measured_there()
    {
        var second = _first.On(await fixture.StartHostAsync());
        var (kid, secret) = await _first.CreateSigningKeyAsync();
        var token = TestJwt.Turn(kid, secret, Now);
        var accepted = await second.ResolveAsync(token);

        // Resolve on the second host in a tight loop while the first retires: once the retire call has answered,
        // the very next resolution on the second host must be refused.
        using var stop = new CancellationTokenSource();
        var answeredAt = 0L;
        var lastAcceptedStart = 0L;
        var prober = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                if ((await second.ResolveAsync(token)).Status == HttpStatusCode.OK)
                {
                    Interlocked.Exchange(ref lastAcceptedStart, started);
                }
            }
        }, TestContext.Current.CancellationToken);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        var retire = await _first.AdminAsync(HttpMethod.Post, $"/admin/v1/signing-keys/{kid}/retire");
        answeredAt = System.Diagnostics.Stopwatch.GetTimestamp();
        var afterwards = await second.ResolveAsync(token);
        await stop.CancelAsync();
        await prober.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, accepted.Status);
        Assert.Equal(HttpStatusCode.NoContent, retire.Status);
        Assert.Equal("retired_key", afterwards.Reason);
        Assert.True(Interlocked.Read(ref lastAcceptedStart) < answeredAt,
            "the second host accepted a resolution that started after the retire call answered");
    }

    [Fact]
    public async Task Deactivating_the_service_user_on_one_host_stops_jwts_on_another_at_once()
    {
        var second = _first.On(await fixture.StartHostAsync());
        var (kid, secret) = await _first.CreateSigningKeyAsync();
        var token = TestJwt.Turn(kid, secret, Now);
        Assert.Equal(HttpStatusCode.OK, (await second.ResolveAsync(token)).Status);

        try
        {
            var deactivate = await _first.AdminAsync(HttpMethod.Post, $"/admin/v1/users/daedalus-service/deactivate");
            var onSecond = await second.ResolveAsync(TestJwt.Turn(kid, secret, Now));

            Assert.Equal(HttpStatusCode.NoContent, deactivate.Status);
            Assert.Equal("service_user_unavailable", onSecond.Reason);
        }
        finally
        {
            await _first.AdminAsync(HttpMethod.Post, $"/admin/v1/users/daedalus-service/activate");
        }
    }
}
