using System.Diagnostics;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.RateLimits;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// Turns a bearer into a <see cref="Resolution"/>: opaque or JWT by shape; a JWT whose <c>iss</c> is a configured
/// identity provider is an OAuth access token, any other JWT a turn or team token — unless this replica resolved the
/// same bearer before and no change has reached it since (<see cref="ResolutionCache"/>); then an opaque token's use is
/// counted, the per-tool allow-list applied, and (for a tool call) one call of the principal's budget spent
/// (<see cref="PrincipalBudgets"/>).
/// </summary>
public sealed partial class TokenResolver(
    OpaqueTokenResolver opaque,
    JwtResolver jwt,
    OAuthIssuers oauthIssuers,
    OAuthResolver oauth,
    ResolutionCache resolutions,
    TokenUsageRecorder usage,
    TimeProvider time,
    AuthFailureCounter failures,
    PrincipalBudgets budgets,
    ILogger<TokenResolver> logger)
{
    /// <summary>Resolves, or throws <see cref="AuthException"/>; every refusal is counted by reason.</summary>
    public async Task<Resolution> ResolveAsync(string? bearer, string? tool, CancellationToken cancellationToken)
    {
        try
        {
            var (resolution, bearerHash) = await ResolveBearerAsync(bearer, cancellationToken);
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
                var key = PrincipalBudgets.KeyOf(resolution.Kind, resolution.Principal, bearerHash.ToHex);
                var budget = await budgets.TakeAsync(key, resolution.RateLimitPerMinute, cancellationToken);
                if (!budget.Allowed)
                {
                    throw new AuthException(AuthFailure.RateLimited(budget.RetryAfter), new Caller(resolution.Kind, resolution.Principal));
                }
            }

            LogResolved(logger, resolution.Kind, resolution.Principal, resolution.Libraries.Count);
            return resolution;
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

    /// <summary>The resolution, and the bearer's SHA-256 it is kept under (an opaque token's budget is keyed on it too).</summary>
    private async Task<(Resolution Resolution, BearerHash Key)> ResolveBearerAsync(string? bearer, CancellationToken cancellationToken)
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
            return (kept, key);
        }

        var ticket = resolutions.Begin();
        var resolution = !BearerClassifier.TryReadJwtHeader(bearer, out var header)
            ? await opaque.ResolveAsync(bearer, cancellationToken)
            : oauthIssuers.Configured && BearerClassifier.ReadIssuer(bearer) is { } iss && oauthIssuers.Find(iss) is { } issuer
                ? await oauth.ResolveAsync(bearer, header, issuer, cancellationToken)
                : await jwt.ResolveAsync(bearer, header, cancellationToken);
        resolutions.Store(ticket, key, resolution);
        return (resolution, key);
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
