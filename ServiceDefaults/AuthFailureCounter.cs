using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// <c>mcp.auth.failures</c> on the <c>Mnemosyne.Auth</c> meter (CONTRACT §3), counted wherever a refusal is decided:
/// in auth-service, and in mcp-host for what it decides itself (a rate limit met on a cached decision). The tag is
/// always a reason code, never free text.
/// </summary>
public sealed class AuthFailureCounter
{
    public const string MeterName = "Mnemosyne.Auth";
    private readonly Counter<long> _failures;

    public AuthFailureCounter(IMeterFactory meters) =>
        _failures = meters.Create(MeterName).CreateCounter<long>("mcp.auth.failures", description: "Refused credentials, by reason code.");

    public void Record(string reason) => _failures.Add(1, new KeyValuePair<string, object?>("reason", reason));
}

public static class AuthFailureCounterExtensions
{
    public static IServiceCollection AddAuthFailureCounter(this IServiceCollection services)
    {
        services.AddSingleton<AuthFailureCounter>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(AuthFailureCounter.MeterName));
        return services;
    }
}
