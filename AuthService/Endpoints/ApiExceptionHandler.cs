using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Mnemosyne.AuthService.Tokens;
using Npgsql;
using StackExchange.Redis;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>
/// Turns what callers caused (bad JSON, wrong types, oversized bodies) into 4xx problems naming the field, and a
/// dependency outage into 503 <c>unavailable</c>. Anything else stays a 500 (a bug to fix, not to hide).
/// </summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public static readonly string BodyTooLarge = $"Request body is too large (at most {Limits.RequestBodyBytes / 1024} KiB).";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, reason) = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } => (400, JsonProblem(json), null),
            BadHttpRequestException { StatusCode: 413 } => (413, BodyTooLarge, null),
            BadHttpRequestException bad => (bad.StatusCode, bad.Message, (string?)null),
            AuthException auth => (auth.Failure.Status, auth.Failure.Title, auth.Failure.Reason),
            NpgsqlException or TimeoutException => (503, "Postgres is unavailable.", "unavailable"),
            RedisException => (503, "Redis is unavailable.", "unavailable"),
            _ => (0, "", null),
        };
        if (status == 0)
        {
            return false;
        }

        httpContext.Response.StatusCode = status;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title };
        if (reason is not null)
        {
            problem.Extensions["reason"] = reason;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext, ProblemDetails = problem, Exception = exception,
        });
    }

    private static string JsonProblem(JsonException json)
    {
        var field = json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
        return field is null
            ? "Request body is not valid JSON for this call."
            : $"Field '{field}' has the wrong type or is not valid JSON.";
    }
}
