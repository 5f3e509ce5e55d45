using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Mnemosyne.AuthService.Tests.Infrastructure;

namespace Mnemosyne.AuthService.Tests;

public sealed class FailureMetricTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    [Fact]
    public async Task Every_refusal_counts_once_under_its_reason_code()
    {
        var api = fixture.Api();
        var meterFactory = fixture.Host.Services.GetRequiredService<IMeterFactory>();
        var seen = new ConcurrentQueue<(long Value, string? Reason)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this host's meter: other test classes run hosts in the same process.
            if (instrument.Meter.Name == "Mnemosyne.Auth" && instrument.Name == "mcp.auth.failures"
                && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? reason = null;
            foreach (var tag in tags)
            {
                reason = tag.Key == "reason" ? tag.Value as string : reason;
            }

            seen.Enqueue((value, reason));
        });
        listener.Start();
        var (kid, _) = await api.CreateSigningKeyAsync();

        await api.ResolveAsync(null);
        await api.ResolveAsync("garbage");
        await api.ResolveAsync(TestJwt.Turn(kid, new byte[32], fixture.Time.GetUtcNow()));
        await api.ResolveAsync(TestJwt.Turn("k-none", new byte[32], fixture.Time.GetUtcNow()));
        await api.SendAsync(HttpMethod.Post, "/v1/resolve", new { });

        Assert.Equal(
            [(1L, "missing_token"), (1L, "invalid_token"), (1L, "invalid_token"), (1L, "unknown_key"), (1L, "internal_key")],
            seen.ToArray());
    }
}
