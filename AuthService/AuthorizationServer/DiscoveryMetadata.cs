using Microsoft.AspNetCore;
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
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachEndpoints.Descriptor.Order + 500)
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
        if (RegistrationEndpoint.IsOpen(context.Transaction.GetHttpRequest()!.HttpContext.RequestServices))
        {
            context.Metadata["registration_endpoint"] = new Uri(issuer, RegistrationEndpoint.Path.TrimStart('/')).AbsoluteUri;
        }

        return ValueTask.CompletedTask;
    }
}
