using Mnemosyne.ServiceDefaults.Neo4j;

namespace Mnemosyne.AuthService.Libraries;

/// <summary>
/// At start, asks the library store once: refused Neo4j credentials stop the service, saying so (retrying cannot fix
/// them). An unreachable store only degrades the service; see <see cref="LibraryStoreHealthCheck"/>.
/// </summary>
public sealed partial class LibraryStoreCredentialsCheck(
    ILibraryDirectory libraries, IHostApplicationLifetime lifetime, ILogger<LibraryStoreCredentialsCheck> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await libraries.PingAsync(stoppingToken);
        }
        catch (LibraryStoreUnavailableException exception) when (exception.InnerException is Neo4jAuthenticationException refused)
        {
            LogCredentialsRefused(logger, refused.Message);
            lifetime.StopApplication();
        }
        catch (LibraryStoreUnavailableException)
        {
            // Unreachable for now: /health says Degraded and team tokens get 503 until it answers.
        }
    }

    [LoggerMessage(LogLevel.Critical, "library_store.credentials_refused: {Message} Stopping.")]
    private static partial void LogCredentialsRefused(ILogger logger, string message);
}
