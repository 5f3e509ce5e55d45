using Microsoft.Extensions.Logging.Testing;

namespace Mnemosyne.Testing;

/// <summary>The service stopped itself before it had finished starting; its log says why.</summary>
public sealed class StoppedDuringStartException(FakeLogCollector logs)
    : Exception("The service stopped itself while it was starting.")
{
    public FakeLogCollector Logs { get; } = logs;
}
