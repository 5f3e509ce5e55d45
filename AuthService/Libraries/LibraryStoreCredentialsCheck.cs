using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.Libraries;

/// <summary>
/// A start-up step that asks the library store once: refused Neo4j credentials stop the service, saying so (an
/// <see cref="IUnrecoverableError"/>). An unreachable store only degrades the service; see <see cref="LibraryStoreHealthCheck"/>.
/// </summary>
public sealed class LibraryStoreCredentialsCheck(ILibraryDirectory libraries) : IStartupStep
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await libraries.PingAsync(cancellationToken);
        }
        catch (LibraryStoreUnavailableException exception) when (StartupSteps.Unrecoverable(exception) is null)
        {
            // Unreachable for now: /health says Degraded and team tokens get 503 until it answers.
        }
    }
}
