using System.Diagnostics.Metrics;
using Mnemosyne.ServiceDefaults;
using OpenTelemetry.Metrics;

namespace Mnemosyne.AuthService;

/// <summary>
/// The service's own instruments on the <c>Mnemosyne.Auth</c> meter (refusals are counted by
/// <see cref="ServiceDefaults.AuthFailureCounter"/>, shared with mcp-host).
/// </summary>
public sealed class AuthTelemetry
{
    public const string Name = "Mnemosyne.Auth";

    private readonly Counter<long> _auditDropped;

    public AuthTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _auditDropped = meter.CreateCounter<long>("mcp.audit.dropped", description: "Audit entries dropped because the queue was full.");
    }

    public void RecordAuditDropped() => _auditDropped.Add(1);

}

public static class AuthTelemetryExtensions
{
    /// <summary>Registers <see cref="AuthTelemetry"/> and exports its meter.</summary>
    public static IServiceCollection AddAuthTelemetry(this IServiceCollection services)
    {
        services.AddSingleton<AuthTelemetry>();
        services.AddAuthFailureCounter();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(AuthTelemetry.Name));
        return services;
    }
}
