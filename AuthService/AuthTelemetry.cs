using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Mnemosyne.AuthService;

/// <summary>The service's activity source and its <c>Mnemosyne.Auth</c> meter.</summary>
public sealed class AuthTelemetry
{
    public const string Name = "Mnemosyne.Auth";
    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> _failures;

    public AuthTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        _failures = meter.CreateCounter<long>("mcp.auth.failures", description: "Refused credentials, by reason code.");
    }

    /// <summary>Counts one refusal; the tag is always a reason code, never free text.</summary>
    public void RecordFailure(string reason) => _failures.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
