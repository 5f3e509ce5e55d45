using Mnemosyne.ServiceDefaults;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// What every client that registers itself becomes, whether by RFC 7591 (<see cref="RegistrationEndpoint"/>) or by a
/// client ID metadata document (<see cref="ClientMetadataClients"/>): a public native client with PKCE required and
/// explicit consent, allowed the authorization, token and revocation endpoints, the code grant (and the refresh grant
/// when it asks for it), <c>mnemosyne.read</c> and <c>offline_access</c>, and mcp-host's <c>/mcp</c> resource only.
/// One place, so the two ways in can never drift apart.
/// </summary>
public static class PublicClient
{
    /// <summary>
    /// Sets <paramref name="descriptor"/>'s type, consent, name, redirect URIs, permissions and requirements; its
    /// client id and properties are left as they are.
    /// </summary>
    public static void Describe(OpenIddictApplicationDescriptor descriptor, string? name, IEnumerable<string> redirectUris,
        bool refreshTokens, string resource)
    {
        descriptor.ClientType = ClientTypes.Public;
        descriptor.ApplicationType = ApplicationTypes.Native;
        descriptor.ConsentType = ConsentTypes.Explicit;
        descriptor.DisplayName = name;
        descriptor.RedirectUris.Clear();
        foreach (var redirect in redirectUris.Distinct(StringComparer.Ordinal))
        {
            descriptor.RedirectUris.Add(new Uri(redirect));
        }

        descriptor.Permissions.Clear();
        descriptor.Permissions.UnionWith(
        [
            Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.Revocation,
            Permissions.GrantTypes.AuthorizationCode, Permissions.ResponseTypes.Code,
            Permissions.Prefixes.Scope + AuthorizationServerOptions.ReadScope, Permissions.Prefixes.Scope + Scopes.OfflineAccess,
        ]);
        if (refreshTokens)
        {
            descriptor.Permissions.Add(Permissions.GrantTypes.RefreshToken);
        }

        descriptor.AddResourcePermissions(resource);
        descriptor.Requirements.Clear();
        descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
    }
}
