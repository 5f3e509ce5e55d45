using System.Diagnostics;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.RateLimits;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// Turns a bearer into a <see cref="Resolution"/>: opaque or JWT by shape; a JWT whose <c>iss</c> is a configured
/// identity provider is an OAuth access token, any other JWT a turn or team token — unless this replica resolved the
/// same bearer before and no change has reached it since (<see cref="ResolutionCache"/>); then an opaque token's use is
/// counted, the per-tool allow-list applied, and (for a tool call) one call of the principal's budget spent
/// (<see cref="PrincipalBudgets"/>). The kind resolvers come from the request's <paramref name="services"/> only on a
/// miss: each rents a database context from the pool, which a bearer resolved before does not need.
/// </summary>
public sealed partial class TokenResolver(
    IServiceProvider services,
    OAuthIssuers oauthIssuers,
    ResolutionCache resolutions,
    TokenUsageRecorder usage,
    TimeProvider time,
    AuthFailureCounter failures,
    PrincipalBudgets budgets,
    ILogger<TokenResolver> logger)
{
    /// <summary>
    /// Resolves (the resolution, with what was made once for it), or throws <see cref="AuthException"/>; every refusal
    /// is counted by reason.
    /// </summary>
    public async Task<ResolutionCache.Kept> ResolveAsync(string? bearer, string? tool, CancellationToken cancellationToken)
    {
        try
        {
            var kept = await ResolveBearerAsync(bearer, cancellationToken);
            var resolution = kept.Resolution;
            if (resolution.OpaqueTokenId is { } tokenId)
            {
                usage.Record(tokenId, time.GetUtcNow());
            }

            if (tool is not null && resolution.Tools is { } allowed && !allowed.Contains(tool, StringComparer.Ordinal))
            {
                throw new AuthException(AuthFailure.ToolNotAllowed(tool), new Caller(resolution.Kind, resolution.Principal));
            }

            if (tool is not null)
            {
                var budget = await budgets.TakeAsync(kept.BudgetKey, resolution.RateLimitPerMinute, cancellationToken);
                if (!budget.Allowed)
                {
                    throw new AuthException(AuthFailure.RateLimited(budget.RetryAfter), new Caller(resolution.Kind, resolution.Principal));
                }
            }

            LogResolved(logger, resolution.Kind, resolution.Principal, resolution.Libraries.Count);
            return kept;
        }
        catch (AuthException exception)
        {
            Refused(exception.Failure);
            throw;
        }
        catch (Exception exception) when (UnavailableExceptionHandler.Describe(exception) is { } dependency)
        {
            var failure = AuthFailure.Unavailable(dependency);
            Refused(failure);
            throw new AuthException(failure);
        }
    }

    /// <summary>The resolution, and whose budget it spends (an opaque token's is keyed on the bearer's SHA-256).</summary>
    private async Task<ResolutionCache.Kept> ResolveBearerAsync(string? bearer, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(bearer))
        {
            throw new AuthException(AuthFailure.MissingToken);
        }

        if (bearer.Length > Limits.BearerLength)
        {
            throw new AuthException(AuthFailure.InvalidToken);
        }

        var key = BearerHash.Of(bearer);
        if (resolutions.TryGet(key, out var kept))
        {
            return kept;
        }

        var ticket = resolutions.Begin();
        var resolution = !BearerClassifier.TryReadJwtHeader(bearer, out var header)
            ? await services.GetRequiredService<OpaqueTokenResolver>().ResolveAsync(bearer, cancellationToken)
            : oauthIssuers.Configured && BearerClassifier.ReadIssuer(bearer) is { } iss && oauthIssuers.Find(iss) is { } issuer
                ? await services.GetRequiredService<OAuthResolver>().ResolveAsync(bearer, header, issuer, cancellationToken)
                : await services.GetRequiredService<JwtResolver>().ResolveAsync(bearer, header, cancellationToken);
        kept = new ResolutionCache.Kept(resolution, PrincipalBudgets.KeyOf(resolution.Kind, resolution.Principal, key.ToHex));
        resolutions.Store(ticket, key, kept);
        return kept;
    }

    private void Refused(AuthFailure failure)
    {
        failures.Record(failure.Reason);
        Activity.Current?.SetTag("mcp.auth.reason", failure.Reason);
        LogRefused(logger, failure.Reason);
    }

    // Debug: mcp-host logs the decision of every call once (mcp.auth.decision); these say what auth-service saw.
    [LoggerMessage(LogLevel.Debug, "auth.resolved {Kind} {Principal} {LibraryCount}")]
    private static partial void LogResolved(ILogger logger, string kind, string principal, int libraryCount);

    [LoggerMessage(LogLevel.Debug, "auth.refused {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
