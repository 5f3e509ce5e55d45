namespace Mnemosyne.Testing;

/// <summary>The service stopped itself before it had finished starting; its log says why.</summary>
public sealed class StoppedDuringStartException(CapturedLogs logs)
    : Exception("The service stopped itself while it was starting.")
{
    public CapturedLogs Logs { get; } = logs;
}
