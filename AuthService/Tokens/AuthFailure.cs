namespace Mnemosyne.AuthService.Tokens;

/// <summary>A refusal: reason code, HTTP status and the one-sentence title callers see (CONTRACT §3).</summary>
public sealed record AuthFailure(string Reason, int Status, string Title, TimeSpan? RetryAfter = null)
{
    public static readonly AuthFailure MissingToken = new("missing_token", 401, "Authentication required. Provide a Bearer token.");
    public static readonly AuthFailure InvalidToken = new("invalid_token", 401, "Invalid MCP token.");
    public static readonly AuthFailure Deactivated = new("deactivated", 401, "Token has been deactivated.");
    public static readonly AuthFailure Expired = new("expired", 401, "Token has expired.");
    public static readonly AuthFailure UserDisabled = new("user_disabled", 401, "User account is disabled.");
    public static readonly AuthFailure Replay = new("replay", 401, "Token replay detected.");
    public static readonly AuthFailure UnsupportedAlg = new("unsupported_alg", 401, "Unsupported JWT alg.");
    public static readonly AuthFailure UnknownKey = new("unknown_key", 401, "Unknown signing key.");
    public static readonly AuthFailure RetiredKey = new("retired_key", 401, "Signing key has been retired.");
    public static readonly AuthFailure InvalidIssuer = new("invalid_issuer", 401, "Invalid token issuer.");
    public static readonly AuthFailure LifetimeTooLong = new("lifetime_too_long", 401, "Token lifetime exceeds the allowed maximum.");
    public static readonly AuthFailure ServiceUserUnavailable = new("service_user_unavailable", 401, "JWT service user does not exist or is disabled.");
    public static readonly AuthFailure InvalidAudience = new("invalid_audience", 401, "Token audience is not accepted by this resource.");
    public static readonly AuthFailure InternalKey = new("internal_key", 401, "Missing or invalid internal key.");

    public static AuthFailure Malformed(string what) => new("malformed", 401, $"Malformed JWT: {what}");
    public static AuthFailure MissingClaim(string claim) => new("missing_claim", 401, $"JWT missing required claim: {claim}.");
    public static AuthFailure InvalidClaims(string why) => new("invalid_claims", 401, why);
    public static AuthFailure ToolNotAllowed(string tool) => new("tool_not_allowed", 403, $"Token does not have permission to call '{tool}'.");
    public static AuthFailure InsufficientScope(string scope) => new("insufficient_scope", 403, $"Token lacks the required scope '{scope}'.");
    public static AuthFailure Unavailable(string what) => new("unavailable", 503, what);
    public static AuthFailure RateLimited(TimeSpan retryAfter) => new("rate_limited", 429, "Rate limit exceeded.", retryAfter);
}

/// <summary>
/// Thrown inside resolution; the resolve endpoint turns it into problem+json and counts it. <see cref="Caller"/> is
/// who the refused credential was, when it was identified (found by its hash, or its signature checked).
/// </summary>
public sealed class AuthException(AuthFailure failure, Caller? caller = null) : Exception(failure.Title)
{
    public AuthFailure Failure { get; } = failure;

    public Caller? Caller { get; } = caller;
}

/// <summary>Who a refused credential was (CONTRACT §8): its kind and masked principal (§3), never the token.</summary>
public sealed record Caller(string Kind, string Principal);
