using System.Text.Json;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// A client ID metadata document (draft-ietf-oauth-client-id-metadata-document §4.1), read and checked as this server
/// accepts it: a JSON object (at most <see cref="MaxDepth"/> levels deep, no duplicate property) whose
/// <c>client_id</c> is exactly the URL it was fetched from; <c>redirect_uris</c> required, 1 to
/// <see cref="RedirectUris.MaxCount"/> strings each allowed by <see cref="RedirectUris"/>; a public client only —
/// <c>token_endpoint_auth_method</c> absent or <c>none</c> (no shared secret can exist, and this server takes no
/// client keys), no <c>client_secret</c> or <c>client_secret_expires_at</c>; <c>grant_types</c> and
/// <c>response_types</c> limited as dynamic registration limits them; <c>client_name</c> a string of at most
/// <see cref="MaxNameLength"/> characters. Other members are ignored. Hand-written: no .NET library reads these
/// documents.
/// </summary>
public sealed record ClientMetadataDocument(string? ClientName, string[] Redirects, bool RefreshTokens)
{
    public const int MaxDepth = 16;
    public const int MaxNameLength = 200;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = MaxDepth, AllowDuplicateProperties = false };

    /// <summary>The document in <paramref name="json"/>, fetched from <paramref name="clientId"/>.</summary>
    /// <exception cref="ClientMetadataRefusedException">The document is not one this server accepts; the message says why.</exception>
    public static ClientMetadataDocument Parse(ReadOnlyMemory<byte> json, string clientId)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Options);
        }
        catch (JsonException)
        {
            throw Refused($"is not JSON (or is nested deeper than {MaxDepth} levels, or repeats a property)");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Refused("is not a JSON object");
            }

            if (Text(root, "client_id") != clientId)
            {
                throw Refused("has a client_id that is not exactly the URL it is served from");
            }

            if (Strings(root, "redirect_uris") is not { Length: > 0 and <= RedirectUris.MaxCount } redirects)
            {
                throw Refused($"must have redirect_uris: a list of 1 to {RedirectUris.MaxCount} strings");
            }

            if (redirects.Select(RedirectUris.Problem).FirstOrDefault(p => p is not null) is { } problem)
            {
                throw Refused($"lists a redirect URI this server refuses: {problem}");
            }

            if (root.TryGetProperty("token_endpoint_auth_method", out var method)
                && (method.ValueKind != JsonValueKind.String || method.GetString() != ClientAuthenticationMethods.None))
            {
                throw Refused("must have token_endpoint_auth_method 'none' (or none at all): this server accepts public clients only");
            }

            if (root.TryGetProperty("client_secret", out _) || root.TryGetProperty("client_secret_expires_at", out _))
            {
                throw Refused("must not have a client_secret: a client metadata document cannot carry a shared secret");
            }

            var grants = root.TryGetProperty("grant_types", out _) ? Strings(root, "grant_types") : [GrantTypes.AuthorizationCode];
            if (grants is null || grants.Any(g => g is not (GrantTypes.AuthorizationCode or GrantTypes.RefreshToken)))
            {
                throw Refused("may have only 'authorization_code' and 'refresh_token' in grant_types");
            }

            if ((root.TryGetProperty("response_types", out _) ? Strings(root, "response_types") : [ResponseTypes.Code])
                is not [ResponseTypes.Code])
            {
                throw Refused("may have only 'code' in response_types");
            }

            var name = Text(root, "client_name");
            if (root.TryGetProperty("client_name", out _) && name is not { Length: > 0 and <= MaxNameLength })
            {
                throw Refused($"must have a client_name of 1 to {MaxNameLength} characters, if it has one");
            }

            return new ClientMetadataDocument(name, redirects, grants.Contains(GrantTypes.RefreshToken));
        }
    }

    private static ClientMetadataRefusedException Refused(string problem) =>
        new($"The client metadata document {problem}.");

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string[]? Strings(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
        && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
            ? [.. value.EnumerateArray().Select(e => e.GetString()!)]
            : null;
}
