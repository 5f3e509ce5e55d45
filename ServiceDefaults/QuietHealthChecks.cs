using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;

namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// Health probes arrive every few seconds from the AppHost or the platform. They must not fill the dashboard:
/// the probe request itself is already left out of tracing, and this leaves out what the checks do (a Postgres
/// <c>SELECT 1</c>, a Redis <c>PING</c>) too, which would otherwise appear as orphan background traces. And a
/// check that is not passing yet is not an error: the framework logs every Unhealthy result at Error level on every
/// probe, while each check's owner (migrator, key ring, store initializer) already logs the cause once, as a warning
/// when it is a real failure. The state itself stays visible in <c>/health</c> and on the dashboard.
/// </summary>
public static class QuietHealthChecks
{
    private const string HealthCheckServiceCategory = "Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService";

    public static TBuilder AddQuietHealthCheckLogs<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddFilter(HealthCheckServiceCategory, LogLevel.Critical);
        return builder;
    }

    /// <summary>
    /// Runs requests to <paramref name="paths"/> with instrumentation suppressed (which also keeps what a check logs
    /// out of the exported structured logs; it still reaches the console).
    /// </summary>
    public static IApplicationBuilder UseUntracedPaths(this IApplicationBuilder app, params string[] paths) =>
        // Every request passes here, so the rest pass straight on: no closure, no state machine of their own.
        app.Use((context, next) => IsAny(context.Request.Path, paths) ? UntracedAsync(context, next) : next(context));

    private static bool IsAny(PathString path, string[] paths)
    {
        foreach (var candidate in paths)
        {
            if (path.StartsWithSegments(candidate))
            {
                return true;
            }
        }

        return false;
    }

    private static async Task UntracedAsync(HttpContext context, RequestDelegate next)
    {
        using var untraced = SuppressInstrumentationScope.Begin();
        await next(context);
    }
}
