using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mnemosyne.Stack.Tests;

/// <summary>
/// A first start on an empty data folder (the shared stack is one) is clean: no error-level log line from any
/// resource (so no red badge on the dashboard), nothing failed, every resource with a health check healthy.
/// </summary>
public sealed class FirstStartTests(StackApp stack)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_healthy_first_start_logs_no_error_line_and_shows_no_failed_or_unhealthy_resource()
    {
        using var dashboard = await DashboardApi.ConnectAsync(stack, Cancel);

        // Logs are exported in batches: wait until both services' "ready" lines have arrived, then read them all.
        IReadOnlyList<DashboardApi.LogRecord> logs = [];
        for (var attempt = 0; attempt < 60; attempt++)
        {
            logs = await dashboard.LogsAsync(Cancel);
            if (logs.Any(l => l.Message.StartsWith("startup.done AuthDbMigration", StringComparison.Ordinal))
                && logs.Any(l => l.Message.StartsWith("startup.done LibraryStoreSchema", StringComparison.Ordinal)))
            {
                break;
            }

            await Task.Delay(500, Cancel);
        }

        Assert.Contains(logs, l => l.Resource == "auth-service" && l.Message.StartsWith("startup.done AuthDbMigration", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Resource == "mcp-host" && l.Message.StartsWith("startup.done LibraryStoreSchema", StringComparison.Ordinal));
        Assert.Empty(logs.Where(l => l.Severity >= DashboardApi.Error).Select(l => $"{l.Resource} {l.Category}: {l.Message}"));

        foreach (var name in new[] { "postgres", "authdb", "librarydb", "redis", "auth-service", "mcp-host" })
        {
            Assert.True(stack.App.ResourceNotifications.TryGetCurrentState(name, out var resource), name);
            Assert.Equal((name, "Running"), (name, resource.Snapshot.State?.Text));
            Assert.NotEqual(HealthStatus.Unhealthy, resource.Snapshot.HealthStatus);
        }
    }
}
