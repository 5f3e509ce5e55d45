using Microsoft.AspNetCore;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// Finishes OpenIddict's RFC 8414 / OIDC metadata for a server that is reached through mcp-host. OpenIddict builds
/// the endpoint URLs from the request it sees — auth-service's internal address — so they are moved onto the issuer
/// (mcp-host's public origin), where clients must call them. And it adds what OpenIddict does not implement:
/// <c>client_id_metadata_document_supported</c> (<see cref="ClientMetadataHandler"/>), and <c>registration_endpoint</c>
/// while dynamic registration is open (<see cref="RegistrationEndpoint"/>).
/// </summary>
public sealed class DiscoveryMetadata : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
            .UseSingletonHandler<DiscoveryMetadata>()
            .SetOrder(Math.Max(OpenIddictServerHandlers.Discovery.AttachEndpoints.Descriptor.Order,
                OpenIddictServerHandlers.Discovery.AttachClientAuthenticationMethods.Descriptor.Order) + 500)
            .Build();

    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        var issuer = context.Options.Issuer!;
        Uri? OnIssuer(Uri? endpoint) => endpoint is null ? null : new Uri(issuer, endpoint.PathAndQuery.TrimStart('/'));
        context.AuthorizationEndpoint = OnIssuer(context.AuthorizationEndpoint);
        context.TokenEndpoint = OnIssuer(context.TokenEndpoint);
        context.RevocationEndpoint = OnIssuer(context.RevocationEndpoint);
        context.JsonWebKeySetEndpoint = OnIssuer(context.JsonWebKeySetEndpoint);

        context.Metadata["client_id_metadata_document_supported"] = true;
        // Every client here is public (PKCE, no secret: PublicClient), so `none` is the one way to authenticate at the
        // token and revocation endpoints; OpenIddict would list the secret and key methods a confidential client uses.
        context.TokenEndpointAuthenticationMethods.Clear();
        context.TokenEndpointAuthenticationMethods.Add(OpenIddictConstants.ClientAuthenticationMethods.None);
        context.RevocationEndpointAuthenticationMethods.Clear();
        context.RevocationEndpointAuthenticationMethods.Add(OpenIddictConstants.ClientAuthenticationMethods.None);

        if (RegistrationEndpoint.IsOpen(context.Transaction.GetHttpRequest()!.HttpContext.RequestServices))
        {
            context.Metadata["registration_endpoint"] = new Uri(issuer, RegistrationEndpoint.Path.TrimStart('/')).AbsoluteUri;
        }

        return ValueTask.CompletedTask;
    }
}
