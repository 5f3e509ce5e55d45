using Mnemosyne.AuthService.Tests.Infrastructure;

namespace Mnemosyne.AuthService.Tests;

public sealed class FailureMetricTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    [Fact]
    public async Task Every_refusal_counts_once_under_its_reason_code()
    {
        var api = fixture.Api();
        using var failures = new FailureRecorder(fixture.Host);
        var (kid, _) = await api.CreateSigningKeyAsync();

        await api.ResolveAsync(null);
        await api.ResolveAsync("garbage");
        await api.ResolveAsync(TestJwt.Turn(kid, new byte[32], fixture.Time.GetUtcNow()));
        await api.ResolveAsync(TestJwt.Turn("k-none", new byte[32], fixture.Time.GetUtcNow()));
        await api.SendAsync(HttpMethod.Post, "/v1/resolve", new { });

        Assert.Equal(
            [(1L, "missing_token"), (1L, "invalid_token"), (1L, "invalid_token"), (1L, "unknown_key"), (1L, "internal_key")],
            failures.Seen);
    }
}
