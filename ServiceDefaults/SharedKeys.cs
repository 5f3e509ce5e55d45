using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;

namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// The two keys both services hold (CONTRACT §1): <c>Auth:AdminKey</c> for the admin APIs and <c>Auth:InternalKey</c>
/// for mcp-host's calls to auth-service. Bound and validated once, at start: a missing or short key stops the service.
/// </summary>
public sealed class SharedKeys
{
    public const string SectionName = "Auth";
    public const int MinimumLength = 32;

    /// <summary>The header mcp-host sends its internal key in.</summary>
    public const string InternalKeyHeader = "X-Internal-Key";

    [Required(ErrorMessage = "Auth:AdminKey is required (set Auth__AdminKey to at least 32 characters).")]
    [MinLength(MinimumLength, ErrorMessage = "Auth:AdminKey must be at least 32 characters.")]
    public string AdminKey { get; set; } = "";

    [Required(ErrorMessage = "Auth:InternalKey is required (set Auth__InternalKey to at least 32 characters).")]
    [MinLength(MinimumLength, ErrorMessage = "Auth:InternalKey must be at least 32 characters.")]
    public string InternalKey { get; set; } = "";
}

public static class SharedKeysExtensions
{
    public static IServiceCollection AddSharedKeys(this IServiceCollection services)
    {
        services.AddOptions<SharedKeys>().BindConfiguration(SharedKeys.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}
