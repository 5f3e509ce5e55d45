using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Mnemosyne.AuthService.Tests.Infrastructure;

/// <summary>Records one host's <c>mcp.auth.failures</c> measurements (value, reason tag) while it is alive.</summary>
public sealed class FailureRecorder : IDisposable
{
    private readonly ConcurrentQueue<(long Value, string? Reason)> _seen = new();
    private readonly MeterListener _listener = new();

    public FailureRecorder(TestHost host)
    {
        var meterFactory = host.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this host's meter: other test classes run hosts in the same process.
            if (instrument.Meter.Name == "Mnemosyne.Auth" && instrument.Name == "mcp.auth.failures"
                && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? reason = null;
            foreach (var tag in tags)
            {
                reason = tag.Key == "reason" ? tag.Value as string : reason;
            }

            _seen.Enqueue((value, reason));
        });
        _listener.Start();
    }

    public (long Value, string? Reason)[] Seen => [.. _seen];

    public void Dispose() => _listener.Dispose();
}
