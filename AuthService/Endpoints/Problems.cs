using Microsoft.AspNetCore.Http.HttpResults;
using Mnemosyne.AuthService.Tokens;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>problem+json answers: <c>title</c> says in one sentence what went wrong; refusals add <c>reason</c>.</summary>
public static class Problems
{
    public static ProblemHttpResult From(AuthFailure failure) =>
        TypedResults.Problem(title: failure.Title, statusCode: failure.Status,
            extensions: new Dictionary<string, object?> { ["reason"] = failure.Reason });

    public static ProblemHttpResult BadRequest(string title) => TypedResults.Problem(title: title, statusCode: StatusCodes.Status400BadRequest);

    public static ProblemHttpResult NotFound(string title) => TypedResults.Problem(title: title, statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult Conflict(string title) => TypedResults.Problem(title: title, statusCode: StatusCodes.Status409Conflict);
}
