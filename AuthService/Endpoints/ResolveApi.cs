using System.Globalization;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Audit;
using Mnemosyne.ServiceDefaults.Invalidation;
using Mnemosyne.ServiceDefaults.RateLimits;
using Microsoft.AspNetCore.Http.HttpResults;
using Mnemosyne.AuthService.Tokens;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary><c>POST /v1/resolve</c>: who is this bearer and which libraries may it read (CONTRACT §3).</summary>
public static class ResolveApi
{
    public sealed record ResolveRequest(string? Tool);

    public sealed record ResolveResponse(
        string Kind, string Principal, string User, IReadOnlyList<string> Libraries, IReadOnlyList<string>? Tools,
        DateTimeOffset? ExpiresAt);

    public static void MapResolveApi(this RouteGroupBuilder internalApi) =>
        internalApi.MapPost("/resolve", ResolveAsync)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    private static async Task<Results<Ok<ResolveResponse>, ProblemHttpResult>> ResolveAsync(
        HttpRequest request, ResolveRequest? body, TokenResolver resolver, InvalidationListener invalidations,
        CancellationToken cancellationToken)
    {
        var tool = body?.Tool;
        if (tool is not null && (tool.Length == 0 || tool.Length > Limits.ToolNameLength))
        {
            return Problems.BadRequest($"Field 'tool' must be 1 to {Limits.ToolNameLength} characters.");
        }

        var applied = invalidations.Applied;
        try
        {
            var kept = await resolver.ResolveAsync(SharedSecrets.BearerFrom(request), tool, cancellationToken);
            if (kept.PolicyHeader is { } policy)
            {
                // The body's shape is fixed (CONTRACT §3); the budget mcp-host spends on cached decisions rides beside it.
                request.HttpContext.Response.Headers[PrincipalBudgets.PolicyHeader] = policy;
            }

            if (kept.DependsOnHeader is { } dependsOn)
            {
                request.HttpContext.Response.Headers[Dependency.HeaderName] = dependsOn;
                request.HttpContext.Response.Headers[InvalidationProtocol.AppliedHeader] = applied.ToString(CultureInfo.InvariantCulture);
            }

            var resolution = kept.Resolution;
            return TypedResults.Ok(new ResolveResponse(resolution.Kind, resolution.Principal, resolution.User,
                resolution.Libraries, resolution.Tools, resolution.ExpiresAt));
        }
        catch (AuthException exception)
        {
            if (exception.Failure.RetryAfter is { } retryAfter)
            {
                request.HttpContext.Response.Headers.RetryAfter = PrincipalBudgets.RetryAfterHeader(retryAfter);
            }

            if (exception.Caller is { } caller)
            {
                // Who was refused, for mcp-host's audit entry (CONTRACT §8); the problem+json stays as §3 fixes it.
                request.HttpContext.Response.Headers[RefusedCallerHeader.Name] = RefusedCallerHeader.Value(caller.Kind, caller.Principal);
            }

            return Problems.From(exception.Failure);
        }
    }
}
