using System.Diagnostics;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// Turns a bearer into a <see cref="Resolution"/>: opaque or JWT by shape; a JWT whose <c>iss</c> is a configured
/// identity provider is an OAuth access token, any other JWT a turn or team token; then the per-tool allow-list.
/// </summary>
public sealed partial class TokenResolver(
    OpaqueTokenResolver opaque,
    JwtResolver jwt,
    OAuthIssuers oauthIssuers,
    OAuthResolver oauth,
    AuthTelemetry telemetry,
    ILogger<TokenResolver> logger)
{
    /// <summary>Resolves, or throws <see cref="AuthException"/>; every refusal is counted by reason.</summary>
    public async Task<Resolution> ResolveAsync(string? bearer, string? tool, CancellationToken cancellationToken)
    {
        try
        {
            var resolution = await ResolveBearerAsync(bearer, cancellationToken);
            if (tool is not null && resolution.Tools is { } allowed && !allowed.Contains(tool, StringComparer.Ordinal))
            {
                throw new AuthException(AuthFailure.ToolNotAllowed(tool));
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

    private Task<Resolution> ResolveBearerAsync(string? bearer, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(bearer))
        {
            throw new AuthException(AuthFailure.MissingToken);
        }

        if (bearer.Length > Limits.BearerLength)
        {
            throw new AuthException(AuthFailure.InvalidToken);
        }

        if (!BearerClassifier.TryReadJwtHeader(bearer, out var header))
        {
            return opaque.ResolveAsync(bearer, cancellationToken);
        }

        return oauthIssuers.Configured && BearerClassifier.ReadIssuer(bearer) is { } iss && oauthIssuers.Find(iss) is { } issuer
            ? oauth.ResolveAsync(bearer, header, issuer, cancellationToken)
            : jwt.ResolveAsync(bearer, header, cancellationToken);
    }

    private void Refused(AuthFailure failure)
    {
        telemetry.RecordFailure(failure.Reason);
        Activity.Current?.SetTag("mcp.auth.reason", failure.Reason);
        LogRefused(logger, failure.Reason);
    }

    [LoggerMessage(LogLevel.Information, "auth.resolved {Kind} {Principal} {LibraryCount}")]
    private static partial void LogResolved(ILogger logger, string kind, string principal, int libraryCount);

    [LoggerMessage(LogLevel.Information, "auth.refused {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
