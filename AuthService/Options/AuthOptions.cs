using System.ComponentModel.DataAnnotations;

namespace Mnemosyne.AuthService.Options;

/// <summary>The <c>Auth</c> configuration section (CONTRACT §1). Validated at start: a wrong value stops the service.</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string SectionName = "Auth";
    private const int MinimumKeyLength = 32;

    [Required(ErrorMessage = "Auth:AdminKey is required (set Auth__AdminKey to at least 32 characters).")]
    [MinLength(MinimumKeyLength, ErrorMessage = "Auth:AdminKey must be at least 32 characters.")]
    public string AdminKey { get; set; } = "";

    [Required(ErrorMessage = "Auth:InternalKey is required (set Auth__InternalKey to at least 32 characters).")]
    [MinLength(MinimumKeyLength, ErrorMessage = "Auth:InternalKey must be at least 32 characters.")]
    public string InternalKey { get; set; } = "";

    /// <summary>
    /// Key that encrypts signing-key secrets at rest. Optional: when unset it is derived from
    /// <see cref="InternalKey"/>, so rotating that key then makes stored signing keys unreadable.
    /// </summary>
    [MinLength(MinimumKeyLength, ErrorMessage = "Auth:EncryptionKey must be at least 32 characters when set.")]
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

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.Equals(TurnIssuer, TeamIssuer, StringComparison.Ordinal))
        {
            yield return new ValidationResult(
                "Auth:TurnIssuer and Auth:TeamIssuer must differ: the issuer decides how a JWT is checked.",
                [nameof(TurnIssuer), nameof(TeamIssuer)]);
        }
    }
}
