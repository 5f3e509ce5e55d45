using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mnemosyne.ServiceDefaults;

/// <summary>Work a service must finish before it can serve: migrations, a store's schema, a credentials check.</summary>
public interface IStartupStep
{
    /// <summary>Runs in a fresh DI scope; must be safe to repeat and to run on several instances at once.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>An error that retrying cannot fix (refused credentials): a start-up step that meets it stops the service.</summary>
public interface IUnrecoverableError;

/// <summary>
/// Runs one <see cref="IStartupStep"/> at start as a traced step (like eShop's <c>AddMigration</c>): retried every
/// 2 s while it fails, <c>/health</c> unhealthy until it has succeeded, and the service stopped, saying why, when the
/// failure is an <see cref="IUnrecoverableError"/>. Others wait on it with <see cref="WaitAsync"/>.
/// </summary>
public sealed partial class StartupStep<TStep>(
    IServiceScopeFactory scopes, IHostApplicationLifetime lifetime, ILogger<StartupStep<TStep>> logger)
    : BackgroundService, IHealthCheck
    where TStep : class, IStartupStep
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static string Name => typeof(TStep).Name;

    public bool IsDone => _done.Task.IsCompleted;

    public Task WaitAsync(CancellationToken cancellationToken) => _done.Task.WaitAsync(cancellationToken);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(IsDone
            ? HealthCheckResult.Healthy($"{Name} has completed.")
            : HealthCheckResult.Unhealthy($"{Name} has not completed yet."));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            using var activity = StartupSteps.ActivitySource.StartActivity("startup " + Name);
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<TStep>().RunAsync(stoppingToken);
                _done.TrySetResult();
                LogDone(logger, Name);
                return;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
                if (StartupSteps.Unrecoverable(exception) is { } unrecoverable)
                {
                    LogUnrecoverable(logger, Name, unrecoverable.Message);
                    lifetime.StopApplication();
                    return;
                }

                LogRetrying(logger, exception, Name, RetryDelay.TotalSeconds);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "startup.done {Step}")]
    private static partial void LogDone(ILogger logger, string step);

    [LoggerMessage(LogLevel.Warning, "startup.retrying {Step} in {DelaySeconds}s")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string step, double delaySeconds);

    [LoggerMessage(LogLevel.Critical, "startup.unrecoverable {Step}: {Message} Stopping.")]
    private static partial void LogUnrecoverable(ILogger logger, string step, string message);
}

public static class StartupSteps
{
    /// <summary>Traces each attempt of every start-up step; registered by the service defaults.</summary>
    public const string ActivitySourceName = "Mnemosyne.Startup";
    internal static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    /// <summary>Registers <typeparamref name="TStep"/> (scoped), its runner, and a health check named <paramref name="healthCheckName"/>.</summary>
    public static IServiceCollection AddStartupStep<TStep>(this IServiceCollection services, string healthCheckName)
        where TStep : class, IStartupStep
    {
        services.AddScoped<TStep>();
        services.AddSingleton<StartupStep<TStep>>();
        services.AddHostedService(sp => sp.GetRequiredService<StartupStep<TStep>>());
        services.AddHealthChecks().AddCheck<StartupStep<TStep>>(healthCheckName);
        return services;
    }

    /// <summary>The <see cref="IUnrecoverableError"/> in <paramref name="exception"/>'s chain, if there is one.</summary>
    public static Exception? Unrecoverable(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is IUnrecoverableError)
            {
                return current;
            }
        }

        return null;
    }
}
