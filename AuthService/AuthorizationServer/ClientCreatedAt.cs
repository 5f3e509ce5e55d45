using System.Text.Json;
using OpenIddict.Abstractions;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// When a client was registered (dynamically or from its metadata document), kept in the OpenIddict application's
/// properties because OpenIddict's application has no date of its own; the admin API lists it as <c>createdAt</c>.
/// </summary>
public static class ClientCreatedAt
{
    private const string Property = "mnemosyne_created_at";

    public static void Stamp(OpenIddictApplicationDescriptor descriptor, DateTimeOffset now) =>
        descriptor.Properties[Property] = JsonSerializer.SerializeToElement(now);

    /// <summary>From the application's stored properties (a JSON object), or null for a client stored without it.</summary>
    public static DateTimeOffset? Read(string? properties)
    {
        if (string.IsNullOrEmpty(properties))
        {
            return null;
        }

        using var document = JsonDocument.Parse(properties);
        return document.RootElement.TryGetProperty(Property, out var value) && value.TryGetDateTimeOffset(out var createdAt)
            ? createdAt
            : null;
    }
}
