using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// Decides, once per service, that a dependency outage is 503 <c>unavailable</c> (CONTRACT §3) and not a 500.
/// Anything else unhandled stays a 500: a bug to fix, not to hide.
/// </summary>
public sealed class UnavailableExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    /// <summary>
    /// What is down, or null when <paramref name="exception"/> is not an outage: our own
    /// <see cref="DependencyUnavailableException"/>, or a database error that reached an endpoint through EF Core.
    /// </summary>
    public static string? Describe(Exception exception) => exception switch
    {
        DependencyUnavailableException dependency => dependency.Message,
        _ when DatabaseOutage.Is(exception) => "Postgres is unavailable.",
        _ => null,
    };

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (Describe(exception) is not { } title)
        {
            return false;
        }

        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        var problem = new ProblemDetails { Status = StatusCodes.Status503ServiceUnavailable, Title = title };
        problem.Extensions["reason"] = "unavailable";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext, ProblemDetails = problem, Exception = exception,
        });
    }
}
