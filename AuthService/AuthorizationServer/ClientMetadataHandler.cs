using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// Where client ID metadata documents meet OpenIddict: a handler of the authentication step every endpoint runs to
/// validate its client (authorization, token, revocation, …), placed just before OpenIddict's own
/// <see cref="OpenIddictServerHandlers.ValidateClientId"/>. For a <c>client_id</c> that is a URL it makes sure a fresh
/// stored client exists (<see cref="ClientMetadataClients"/>), so OpenIddict's look-up, exact redirect URI match and
/// permission checks then run on what the document says; when there can be none, it rejects with the reason as
/// <c>error_description</c> — <c>invalid_request</c> at the authorization endpoint (answered on this server's page,
/// never redirected, since no redirect URI is trusted yet: RFC 6749 §4.1.2.1), <c>invalid_client</c> elsewhere (§5.2).
/// </summary>
public sealed class ClientMetadataHandler(ClientMetadataClients clients) : IOpenIddictServerHandler<ProcessAuthenticationContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
            .UseSingletonHandler<ClientMetadataHandler>()
            .SetOrder(OpenIddictServerHandlers.ValidateClientId.Descriptor.Order - 500)
            .Build();

    public async ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        if (context.EndpointType is OpenIddictServerEndpointType.UserInfo or OpenIddictServerEndpointType.EndUserVerification
            || !ClientMetadataUrl.IsCandidate(context.ClientId))
        {
            return;
        }

        if (await clients.EnsureAsync(context.ClientId!, context.CancellationToken) is { } problem)
        {
            context.Reject(context.EndpointType is OpenIddictServerEndpointType.Authorization or OpenIddictServerEndpointType.EndSession
                ? Errors.InvalidRequest
                : Errors.InvalidClient, problem);
        }
    }
}
