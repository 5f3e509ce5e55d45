using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Mnemosyne.McpHost.Telemetry;

/// <summary>
/// McpHost's activity source and <c>Mnemosyne.Mcp</c> meter: every gate decision counted by outcome, credential
/// kind and reason code, and how long asking auth-service took. Tags carry codes and kinds, never a token.
/// </summary>
public sealed class McpTelemetry
{
    public const string Name = "Mnemosyne.Mcp";

    /// <summary>The MCP SDK's own source and meter (MCP semantic conventions: <c>tools/call search</c> spans).</summary>
    public const string SdkName = "Experimental.ModelContextProtocol";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> _decisions;
    private readonly Histogram<double> _resolveDuration;

    public McpTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _decisions = meter.CreateCounter<long>("mcp.auth.decisions",
            description: "Gate decisions on tool calls, by outcome, credential kind and reason code.");
        _resolveDuration = meter.CreateHistogram<double>("mcp.auth.resolve.duration", unit: "s",
            description: "Time to ask auth-service about a caller, by outcome.");
    }

    /// <summary>Counts one decision and its resolve time; <paramref name="reason"/> is a reason code or <c>none</c>.</summary>
    public void RecordDecision(string outcome, string kind, string reason, TimeSpan resolveTime)
    {
        var tags = new TagList { { "outcome", outcome }, { "kind", kind }, { "reason", reason } };
        _decisions.Add(1, tags);
        _resolveDuration.Record(resolveTime.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
    }
}

public static class McpTelemetryExtensions
{
    /// <summary>Registers McpHost's own and the MCP SDK's telemetry (the service defaults only name generic sources).</summary>
    public static IServiceCollection AddMcpTelemetry(this IServiceCollection services)
    {
        services.AddSingleton<McpTelemetry>();
        services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddSource(McpTelemetry.Name, McpTelemetry.SdkName)
                .AddProcessor<McpSpanNames>())
            .WithMetrics(metrics => metrics.AddMeter(McpTelemetry.Name, McpTelemetry.SdkName));
        return services;
    }
}
