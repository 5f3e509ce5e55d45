using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Mnemosyne.AuthService.Tokens;
using Npgsql;
using StackExchange.Redis;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>
/// A dependency outage becomes 503 <c>unavailable</c> instead of a 500. Anything else unhandled stays a 500
/// (a bug to fix, not to hide).
/// </summary>
public sealed class DependencyExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var failure = exception switch
        {
            AuthException auth => auth.Failure,
            NpgsqlException or TimeoutException => AuthFailure.Unavailable("Postgres is unavailable."),
            RedisException => AuthFailure.Unavailable("Redis is unavailable."),
            _ => null,
        };
        if (failure is null)
        {
            return false;
        }

        httpContext.Response.StatusCode = failure.Status;
        var problem = new ProblemDetails { Status = failure.Status, Title = failure.Title };
        problem.Extensions["reason"] = failure.Reason;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext, ProblemDetails = problem, Exception = exception,
        });
    }
}
