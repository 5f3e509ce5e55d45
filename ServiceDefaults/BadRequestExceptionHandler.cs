using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Mnemosyne.ServiceDefaults;

/// <summary>Turns a request the framework could not bind (bad JSON, wrong type, too large) into a 4xx problem.</summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        var title = bad switch
        {
            { InnerException: JsonException json } => JsonProblem(json),
            { StatusCode: StatusCodes.Status413PayloadTooLarge } => null, // ApiErrors states the limit
            _ => bad.Message,
        };
        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails { Status = bad.StatusCode, Title = title },
            Exception = exception,
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
