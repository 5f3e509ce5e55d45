using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace Mnemosyne.AuthService;

/// <summary>The service's <c>Mnemosyne.Auth</c> meter.</summary>
public sealed class AuthTelemetry
{
    public const string Name = "Mnemosyne.Auth";

    private readonly Counter<long> _failures;
    private readonly Counter<long> _auditDropped;

    public AuthTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _failures = meter.CreateCounter<long>("mcp.auth.failures", description: "Refused credentials, by reason code.");
        _auditDropped = meter.CreateCounter<long>("mcp.audit.dropped", description: "Audit entries dropped because the queue was full.");
    }

    public void RecordAuditDropped() => _auditDropped.Add(1);

    /// <summary>Counts one refusal; the tag is always a reason code, never free text.</summary>
    public void RecordFailure(string reason) => _failures.Add(1, new KeyValuePair<string, object?>("reason", reason));
}

public static class AuthTelemetryExtensions
{
    /// <summary>Registers <see cref="AuthTelemetry"/> and exports its meter.</summary>
    public static IServiceCollection AddAuthTelemetry(this IServiceCollection services)
    {
        services.AddSingleton<AuthTelemetry>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(AuthTelemetry.Name));
        return services;
    }
}
