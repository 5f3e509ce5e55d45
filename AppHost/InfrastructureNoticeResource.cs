using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mnemosyne.AppHost;

/// <summary>
/// A row on the dashboard (and lines in the AppHost log) saying which infrastructure was chosen and why, and where
/// the library store lives.
/// </summary>
public sealed class InfrastructureNoticeResource(string name) : Resource(name)
{
    public List<string> Notes { get; } = [];
}

public static partial class InfrastructureNoticeExtensions
{
    public static IResourceBuilder<InfrastructureNoticeResource> AddInfrastructureNotice(
        this IDistributedApplicationBuilder builder, Infrastructure infrastructure, string why)
    {
        var notice = new InfrastructureNoticeResource("infrastructure");
        notice.Notes.Add($"Infrastructure: {infrastructure.ToString().ToLowerInvariant()} ({why}).");
        var resource = builder.AddResource(notice).ExcludeFromManifest();
        builder.Eventing.Subscribe<BeforeStartEvent>(async (@event, cancellationToken) =>
        {
            var logger = @event.Services.GetRequiredService<ResourceLoggerService>().GetLogger(notice);
            var appLogger = @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Mnemosyne.AppHost");
            foreach (var note in notice.Notes)
            {
                LogNote(logger, note);
                LogNote(appLogger, note);
            }

            await @event.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(notice, state => state with
            {
                ResourceType = "Notice",
                State = new ResourceStateSnapshot(infrastructure.ToString(), KnownResourceStateStyles.Info),
                Properties = [.. notice.Notes.Select((note, index) => new ResourcePropertySnapshot($"note.{index + 1}", note))],
            });
        });
        return resource;
    }

    [LoggerMessage(LogLevel.Information, "{Note}")]
    private static partial void LogNote(ILogger logger, string note);
}
