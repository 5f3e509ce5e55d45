using System.ComponentModel.DataAnnotations;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.Options;

/// <summary>
/// AuthService's part of the <c>Auth</c> configuration section (CONTRACT §1); the admin and internal keys are
/// <see cref="SharedKeys"/>. Validated at start: a wrong value stops the service.
/// </summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string SectionName = "Auth";
    /// <summary>
    /// Key that encrypts signing-key secrets at rest. Optional: when unset it is derived from
    /// <see cref="SharedKeys.InternalKey"/>, so rotating that key then makes stored signing keys unreadable.
    /// </summary>
    [MinLength(SharedKeys.MinimumLength, ErrorMessage = "Auth:EncryptionKey must be at least 32 characters when set.")]
    public string? EncryptionKey { get; set; }

    [Required] public string TurnIssuer { get; set; } = "daedalus";
    [Required] public string TeamIssuer { get; set; } = "mnemosyne";
    [Required] public string TeamAudience { get; set; } = "mnemosyne";
    [Required] public string ServiceUsername { get; set; } = "daedalus-service";

    [Range(0, 300)] public int LeewaySeconds { get; set; } = 30;
    [Range(1, 86_400)] public int MaxTurnTokenLifetimeSeconds { get; set; } = 600;
    [Range(1, 36_500)] public int TeamTokenLifetimeDays { get; set; } = 3650;

    /// <summary>
    /// How often each instance re-reads signing keys and the service user as a safety net. Changes themselves are
    /// pushed to every instance (LISTEN/NOTIFY) and confirmed before the admin call answers.
    /// </summary>
    [Range(1, 3600)] public int KeyRingSafetyPollSeconds { get; set; } = 30;

    /// <summary>How often aggregated token usage is written to Postgres (and the most a crash can lose).</summary>
    [Range(1, 300)] public int UsageFlushSeconds { get; set; } = 5;

    /// <summary>
    /// How long what gives team and OAuth tokens their scope is kept in memory: teams and the groups mapped to them
    /// (<c>TeamScopes</c>), workspaces' libraries (<c>WorkspaceLibraries</c>). Changes through the admin APIs reach them
    /// at once; this bounds what is changed behind their back (a library written straight into the store). 0 = read every time.
    /// </summary>
    [Range(0, 3600)] public int ScopeCacheSeconds { get; set; } = 30;

    /// <summary>
    /// Most resolutions each replica keeps in memory by SHA-256 of the bearer (<c>ResolutionCache</c>), dropped by the
    /// revoking changes that reach them; 0 = resolve every time.
    /// </summary>
    [Range(0, 1_000_000)] public int ResolutionCacheEntries { get; set; } = 10_000;

    /// <summary>Tool calls per minute per principal unless a token or team says otherwise (CONTRACT §7); 0 = unlimited.</summary>
    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>How long audit entries are kept.</summary>
    [Range(1, 3650)] public int AuditRetentionDays { get; set; } = 30;

    /// <summary>Audit entries waiting to be written at most; more are dropped, counted and logged, never blocking a call.</summary>
    [Range(100, 1_000_000)] public int AuditQueueCapacity { get; set; } = 10_000;

    public sealed class RateLimitOptions
    {
        public int PerMinute { get; set; } = 600;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RateLimit.PerMinute is < 0 or > 1_000_000)
        {
            yield return new ValidationResult("Auth:RateLimit:PerMinute must be 0 (off) to 1000000.", [nameof(RateLimit)]);
        }

        if (string.Equals(TurnIssuer, TeamIssuer, StringComparison.Ordinal))
        {
            yield return new ValidationResult(
                "Auth:TurnIssuer and Auth:TeamIssuer must differ: the issuer decides how a JWT is checked.",
                [nameof(TurnIssuer), nameof(TeamIssuer)]);
        }
    }
}
